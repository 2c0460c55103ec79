//! The shop's core journey over HTTP through the gateway's public API (DESIGN §5):
//! register, log in, list the products and read their details, order; and the payments
//! service's fault API.

use std::net::SocketAddr;

use http::Method;
use serde_json::{Value, json};
use shop::service::Service;

use super::http::Http;

/// Where the journey's requests go.
#[derive(Clone)]
pub struct Shop {
    http: Http,
    api: String,
    payments_admin: String,
    admin_token: String,
}

/// A logged-in customer.
#[derive(Clone)]
pub struct Customer {
    pub token: String,
}

impl Shop {
    /// The shop of `services` (the first instance of each), with the admin token of the
    /// assembly.
    pub fn new(services: &[(Service, SocketAddr)], admin_token: &str) -> Shop {
        let base = |wanted: Service| {
            services
                .iter()
                .find(|(service, _)| *service == wanted)
                .map(|(_, address)| format!("http://{address}"))
                .unwrap_or_else(|| panic!("{wanted} does not run"))
        };
        Shop {
            http: Http::new(),
            api: format!("{}/api", base(Service::Gateway)),
            payments_admin: format!("{}/admin/faults", base(Service::Payments)),
            admin_token: admin_token.to_owned(),
        }
    }

    /// Registers customer `n` and logs them in.
    pub async fn customer(&self, n: usize) -> Customer {
        let email = format!("observer{n}@example.com");
        let password = "a long enough password";
        let created = self
            .http
            .json(
                Method::POST,
                &format!("{}/users", self.api),
                None,
                Some(&json!({"username": format!("observer{n}"), "email": email, "password": password})),
            )
            .await;
        assert_eq!(created.status, 201, "register: {}", created.text);
        let login = self
            .http
            .json(
                Method::POST,
                &format!("{}/auth/login", self.api),
                None,
                Some(&json!({"email": email, "password": password})),
            )
            .await;
        assert_eq!(login.status, 200, "login: {}", login.text);
        Customer {
            token: login.json["token"].as_str().expect("a token").to_owned(),
        }
    }

    /// The ids of the first `limit` products.
    pub async fn product_ids(&self, limit: usize) -> Vec<String> {
        let listed = self
            .http
            .json(
                Method::GET,
                &format!("{}/products?limit={limit}", self.api),
                None,
                None,
            )
            .await;
        assert_eq!(listed.status, 200, "products: {}", listed.text);
        let ids: Vec<String> = listed.json["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|item| item["id"].as_str().map(str::to_owned))
            .collect();
        assert!(!ids.is_empty(), "the catalog is empty: {}", listed.text);
        // The product detail too: the gateway's cache and its call to reviews.
        for id in &ids {
            let detail = self
                .http
                .json(
                    Method::GET,
                    &format!("{}/products/{id}", self.api),
                    None,
                    None,
                )
                .await;
            assert_eq!(detail.status, 200, "product {id}: {}", detail.text);
        }
        ids
    }

    /// Places an order of one `product`; the status the shop answered with.
    pub async fn order(&self, customer: &Customer, product: &str) -> u16 {
        let answer = self
            .http
            .json(
                Method::POST,
                &format!("{}/orders", self.api),
                Some(&customer.token),
                Some(&json!({"product_id": product, "quantity": 1})),
            )
            .await;
        answer.status
    }

    /// Puts the named fault `spec` on the payments service.
    pub async fn put_payment_fault(&self, name: &str, spec: &Value) {
        let answer = self
            .http
            .json(
                Method::PUT,
                &format!("{}/{name}", self.payments_admin),
                Some(&self.admin_token),
                Some(spec),
            )
            .await;
        assert!(
            (200..300).contains(&answer.status),
            "PUT fault {name}: {} {}",
            answer.status,
            answer.text
        );
    }

    /// Removes the named fault from the payments service.
    pub async fn delete_payment_fault(&self, name: &str) {
        let answer = self
            .http
            .json(
                Method::DELETE,
                &format!("{}/{name}", self.payments_admin),
                Some(&self.admin_token),
                None,
            )
            .await;
        assert!(
            (200..300).contains(&answer.status),
            "DELETE fault {name}: {} {}",
            answer.status,
            answer.text
        );
    }
}

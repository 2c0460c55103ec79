//! [`Downstream`]: the calls of the saga to the products and payments services.
//!
//! The calls go through [`ServiceClient::send`] (every seawall layer of the client) and
//! read the answers here, into the same [`ClientError`]s as the client's JSON helpers. A
//! refusal by one of the client's own layers (open circuit, timeout) is an error status
//! like an upstream's 503 or 504: the saga treats both as "unavailable".

use std::future::Future;

use axum::body::{Body, Bytes};
use axum::http::header::{ACCEPT, CONTENT_TYPE};
use axum::http::{HeaderValue, Method, Request, StatusCode};
use serde::{Deserialize, Serialize};
use shop_kit::client::{ClientError, RequestBody, ServiceClient};
use shop_kit::problem::Problem;
use uuid::Uuid;

/// The largest answer body read from a downstream service.
const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// The product fields the saga needs from `GET /products/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProductPrice {
    /// The price in minor units of `currency`.
    pub price: i64,
    /// The ISO 4217 code of the price.
    pub currency: String,
}

#[derive(Serialize)]
struct Reserve {
    order_id: Uuid,
    quantity: i64,
}

#[derive(Serialize)]
struct Charge<'a> {
    order_id: Uuid,
    user_id: Uuid,
    amount: i64,
    currency: &'a str,
}

/// The products and payments services at their base URLs, through one [`ServiceClient`]
/// (a circuit breaker per upstream). Every mutating call carries the order id as its
/// `Idempotency-Key`, so the client retries it and the upstream applies it once.
#[derive(Debug, Clone)]
pub struct Downstream {
    client: ServiceClient,
    products_url: String,
    payments_url: String,
}

impl Downstream {
    /// Calls the products service at `products_url` and payments at `payments_url`
    /// (such as `http://127.0.0.1:8082`) through `client`.
    pub fn new(client: ServiceClient, products_url: String, payments_url: String) -> Self {
        Downstream {
            client,
            products_url: products_url.trim_end_matches('/').to_owned(),
            payments_url: payments_url.trim_end_matches('/').to_owned(),
        }
    }

    /// `GET /products/{id}`: the product's price.
    pub fn product(
        &self,
        product_id: Uuid,
    ) -> impl Future<Output = Result<ProductPrice, ClientError>> + Send + '_ {
        let url = format!("{}/products/{product_id}", self.products_url);
        async move {
            let body = self.exchange(Method::GET, url, None, None).await?;
            serde_json::from_slice(&body).map_err(|error| ClientError::Decode(error.into()))
        }
    }

    /// `POST /products/{id}/reservations`: reserves `quantity` for `order_id`.
    pub fn reserve(
        &self,
        product_id: Uuid,
        order_id: Uuid,
        quantity: i64,
    ) -> impl Future<Output = Result<(), ClientError>> + Send + '_ {
        let url = format!("{}/products/{product_id}/reservations", self.products_url);
        let body = serde_json::to_vec(&Reserve { order_id, quantity });
        async move {
            let body = body.map_err(|error| ClientError::InvalidRequest(error.into()))?;
            self.exchange(Method::POST, url, Some(body), Some(order_id))
                .await
                .map(drop)
        }
    }

    /// `DELETE /products/{id}/reservations/{order_id}`: gives the stock back. `Ok` for
    /// `204` and for `404` (the order never reserved it).
    pub fn release(
        &self,
        product_id: Uuid,
        order_id: Uuid,
    ) -> impl Future<Output = Result<(), ClientError>> + Send + '_ {
        let url = format!(
            "{}/products/{product_id}/reservations/{order_id}",
            self.products_url
        );
        async move {
            match self
                .exchange(Method::DELETE, url, None, Some(order_id))
                .await
            {
                Ok(_) => Ok(()),
                Err(ClientError::Status { status, .. }) if status == StatusCode::NOT_FOUND => {
                    Ok(())
                }
                Err(error) => Err(error),
            }
        }
    }

    /// `POST /payments`: charges `amount` of `currency` to `user_id` for `order_id`.
    pub fn charge(
        &self,
        order_id: Uuid,
        user_id: Uuid,
        amount: i64,
        currency: &str,
    ) -> impl Future<Output = Result<(), ClientError>> + Send + '_ {
        let url = format!("{}/payments", self.payments_url);
        let body = serde_json::to_vec(&Charge {
            order_id,
            user_id,
            amount,
            currency,
        });
        async move {
            let body = body.map_err(|error| ClientError::InvalidRequest(error.into()))?;
            self.exchange(Method::POST, url, Some(body), Some(order_id))
                .await
                .map(drop)
        }
    }

    /// `POST /payments/{order_id}/refund`. `Ok` when refunded, when the order has no
    /// payment (`404`), and when its payment is not charged (`409` with `payment_status`
    /// `declined`): nothing is left charged.
    ///
    /// Payments settles a `pending` payment before it answers a refund (it asks its provider
    /// again, or records it declined when the charge never reached the provider), and answers
    /// `503` while it cannot, which this client retries; `pending` is still read as not
    /// charged, for a payments service that predates that rule.
    pub fn refund(
        &self,
        order_id: Uuid,
    ) -> impl Future<Output = Result<(), ClientError>> + Send + '_ {
        let url = format!("{}/payments/{order_id}/refund", self.payments_url);
        async move {
            match self.exchange(Method::POST, url, None, Some(order_id)).await {
                Ok(_) => Ok(()),
                Err(ClientError::Status { status, .. }) if status == StatusCode::NOT_FOUND => {
                    Ok(())
                }
                Err(ClientError::Status { status, problem })
                    if status == StatusCode::CONFLICT && is_not_charged(problem.as_ref()) =>
                {
                    Ok(())
                }
                Err(error) => Err(error),
            }
        }
    }

    /// Sends `method url` with an optional JSON `body` and the order id as
    /// `Idempotency-Key`; the body of a 2xx answer, or the error.
    async fn exchange(
        &self,
        method: Method,
        url: String,
        body: Option<Vec<u8>>,
        order_id: Option<Uuid>,
    ) -> Result<Bytes, ClientError> {
        let is_json = body.is_some();
        let mut request = Request::builder()
            .method(method)
            .uri(url)
            .header(ACCEPT, "application/json");
        if is_json {
            request = request.header(CONTENT_TYPE, "application/json");
        }
        if let Some(order_id) = order_id {
            request = request.header("idempotency-key", order_id.to_string());
        }
        let request = request
            .body(RequestBody::from(body.unwrap_or_default()))
            .map_err(|error| ClientError::InvalidRequest(error.into()))?;
        let response = self
            .client
            .send(request)
            .await
            .map_err(ClientError::Transport)?;
        let status = response.status();
        let is_problem = response
            .headers()
            .get(CONTENT_TYPE)
            .is_some_and(|value| value == HeaderValue::from_static("application/problem+json"));
        let body = axum::body::to_bytes(Body::new(response.into_body()), MAX_ANSWER_BYTES)
            .await
            .map_err(|error| ClientError::Decode(error.into()))?;
        if status.is_success() {
            return Ok(body);
        }
        let problem = is_problem
            .then(|| serde_json::from_slice::<Problem>(&body).ok())
            .flatten();
        Err(ClientError::Status { status, problem })
    }
}

/// Whether `problem` says the order's payment was declined or never charged.
fn is_not_charged(problem: Option<&Problem>) -> bool {
    problem
        .and_then(|problem| problem.extension("payment_status"))
        .and_then(serde_json::Value::as_str)
        .is_some_and(|status| status == "declined" || status == "pending")
}

//! The user journeys ([`Journey`]) and the HTTP requests they are made of ([`Step`]).

use std::sync::{Arc, RwLock};
use std::time::Instant;

use http::Method;
use serde::Serialize;
use serde_json::{Value, json};

use super::stats::Recorder;
use crate::http::{Answer, Extras, NoAnswer, Shop};

/// What a customer does in one go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Journey {
    /// Registers a new account and logs in.
    NewCustomer,
    /// Lists the catalog.
    Browse,
    /// Reads one product (with its reviews, through the gateway).
    ProductDetail,
    /// Orders one unit of a product with an `Idempotency-Key`.
    Order,
    /// Reads the customer's last order (orders first if they have none yet).
    ViewOrder,
    /// Reads the customer's notification inbox.
    Inbox,
}

impl Journey {
    /// Every journey, in the order reports list them.
    pub const ALL: [Journey; 6] = [
        Journey::NewCustomer,
        Journey::Browse,
        Journey::ProductDetail,
        Journey::Order,
        Journey::ViewOrder,
        Journey::Inbox,
    ];

    /// The name used in mixes (`browse=5`) and reports.
    pub fn name(self) -> &'static str {
        match self {
            Journey::NewCustomer => "new_customer",
            Journey::Browse => "browse",
            Journey::ProductDetail => "product_detail",
            Journey::Order => "order",
            Journey::ViewOrder => "view_order",
            Journey::Inbox => "inbox",
        }
    }

    /// The journey named `name`, if any.
    pub fn from_name(name: &str) -> Option<Journey> {
        Journey::ALL
            .into_iter()
            .find(|journey| journey.name() == name)
    }

    pub(crate) fn default_weight(self) -> u32 {
        match self {
            Journey::NewCustomer | Journey::Inbox => 1,
            Journey::Browse => 5,
            Journey::ProductDetail => 4,
            Journey::Order | Journey::ViewOrder => 2,
        }
    }

    fn needs_customer(self) -> bool {
        matches!(
            self,
            Journey::Order | Journey::ViewOrder | Journey::Inbox | Journey::NewCustomer
        )
    }
}

/// One request of a journey; reports give a line per step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// `POST /api/users`
    Register,
    /// `POST /api/auth/login`
    Login,
    /// `GET /api/products`
    ListProducts,
    /// `GET /api/products/{id}`
    GetProduct,
    /// `POST /api/orders`
    PlaceOrder,
    /// `GET /api/orders/{id}`
    GetOrder,
    /// `GET /api/notifications`
    Inbox,
}

impl Step {
    /// Every step, in the order reports list them.
    pub const ALL: [Step; 7] = [
        Step::Register,
        Step::Login,
        Step::ListProducts,
        Step::GetProduct,
        Step::PlaceOrder,
        Step::GetOrder,
        Step::Inbox,
    ];

    /// The request, as `METHOD /api/path/{template}`.
    pub fn request(self) -> &'static str {
        match self {
            Step::Register => "POST /api/users",
            Step::Login => "POST /api/auth/login",
            Step::ListProducts => "GET /api/products",
            Step::GetProduct => "GET /api/products/{id}",
            Step::PlaceOrder => "POST /api/orders",
            Step::GetOrder => "GET /api/orders/{id}",
            Step::Inbox => "GET /api/notifications",
        }
    }
}

/// A registered, logged-in customer.
#[derive(Debug, Clone)]
pub(crate) struct Customer {
    token: String,
    last_order: Option<String>,
}

/// What every journey shares: the client, the recorder, the catalog seen so far, and the
/// run's id (for unique e-mail addresses).
#[derive(Debug)]
pub(crate) struct Context {
    pub(crate) shop: Shop,
    pub(crate) recorder: Recorder,
    pub(crate) run_id: String,
    catalog: RwLock<Vec<String>>,
    customers_made: std::sync::atomic::AtomicU64,
}

impl Context {
    pub(crate) fn new(shop: Shop, recorder: Recorder) -> Arc<Context> {
        Arc::new(Context {
            shop,
            recorder,
            run_id: uuid::Uuid::new_v4().simple().to_string()[..8].to_owned(),
            catalog: RwLock::new(Vec::new()),
            customers_made: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// Sends one step's request, timing it and recording its outcome.
    async fn step(
        &self,
        step: Step,
        method: Method,
        path: &str,
        extras: Extras<'_>,
    ) -> Result<Value, ()> {
        let started = Instant::now();
        let answer = self.shop.call(method, path, extras).await;
        let outcome = match &answer {
            Ok(answer) => Outcome::Status(answer.status.as_u16()),
            Err(NoAnswer::Timeout) => Outcome::Timeout,
            Err(NoAnswer::Transport) => Outcome::Transport,
        };
        let order = (step == Step::PlaceOrder).then(|| OrderEnd::of(&answer));
        self.recorder
            .record(step, started.elapsed(), outcome, order);
        match answer {
            Ok(answer) if answer.status.is_success() => Ok(answer.body),
            _ => Err(()),
        }
    }

    fn known_product(&self, rng: &mut fastrand::Rng) -> Option<String> {
        let catalog = self
            .catalog
            .read()
            .unwrap_or_else(|poison| poison.into_inner());
        (!catalog.is_empty()).then(|| catalog[rng.usize(..catalog.len())].clone())
    }

    async fn browse(&self) -> Result<(), ()> {
        let body = self
            .step(
                Step::ListProducts,
                Method::GET,
                "/api/products?limit=100",
                Extras::default(),
            )
            .await?;
        let ids: Vec<String> = body["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|item| item["id"].as_str().map(str::to_owned))
            .collect();
        if !ids.is_empty() {
            *self
                .catalog
                .write()
                .unwrap_or_else(|poison| poison.into_inner()) = ids;
        }
        Ok(())
    }

    async fn product(&self, rng: &mut fastrand::Rng) -> Result<String, ()> {
        if let Some(id) = self.known_product(rng) {
            return Ok(id);
        }
        self.browse().await?;
        self.known_product(rng).ok_or(())
    }

    async fn new_customer(&self) -> Result<Customer, ()> {
        let number = self
            .customers_made
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let username = format!("load{}n{number}", self.run_id);
        let email = format!("{username}@load.example");
        let password = format!("pw-{username}-long-enough");
        let register = json!({"username": username, "email": email, "password": password});
        let registration = Extras {
            body: Some(&register),
            ..Extras::default()
        };
        self.step(Step::Register, Method::POST, "/api/users", registration)
            .await?;
        let login = json!({"email": email, "password": password});
        let credentials = Extras {
            body: Some(&login),
            ..Extras::default()
        };
        let body = self
            .step(Step::Login, Method::POST, "/api/auth/login", credentials)
            .await?;
        let token = body["token"].as_str().ok_or(())?.to_owned();
        Ok(Customer {
            token,
            last_order: None,
        })
    }

    async fn order(&self, customer: &mut Customer, rng: &mut fastrand::Rng) -> Result<(), ()> {
        let product_id = self.product(rng).await?;
        let order = json!({"product_id": product_id, "quantity": 1});
        let key = uuid::Uuid::new_v4().to_string();
        let extras = Extras {
            token: Some(&customer.token),
            body: Some(&order),
            idempotency_key: Some(&key),
        };
        let body = self
            .step(Step::PlaceOrder, Method::POST, "/api/orders", extras)
            .await?;
        customer.last_order = body["id"].as_str().map(str::to_owned);
        Ok(())
    }

    /// Runs `journey` for `customer` (made first when the journey needs one and there is
    /// none). A failed step ends the journey; it has been recorded.
    pub(crate) async fn run(
        &self,
        journey: Journey,
        customer: &mut Option<Customer>,
        rng: &mut fastrand::Rng,
    ) {
        let _ = self.run_steps(journey, customer, rng).await;
    }

    async fn run_steps(
        &self,
        journey: Journey,
        slot: &mut Option<Customer>,
        rng: &mut fastrand::Rng,
    ) -> Result<(), ()> {
        if journey.needs_customer() && (slot.is_none() || journey == Journey::NewCustomer) {
            *slot = Some(self.new_customer().await?);
        }
        match journey {
            Journey::NewCustomer => Ok(()),
            Journey::Browse => self.browse().await,
            Journey::ProductDetail => {
                let id = self.product(rng).await?;
                let path = format!("/api/products/{id}");
                self.step(Step::GetProduct, Method::GET, &path, Extras::default())
                    .await
                    .map(drop)
            }
            Journey::Order => self.order(slot.as_mut().ok_or(())?, rng).await,
            Journey::ViewOrder => {
                let customer = slot.as_mut().ok_or(())?;
                if customer.last_order.is_none() {
                    self.order(customer, rng).await?;
                }
                let id = customer.last_order.as_deref().ok_or(())?;
                let path = format!("/api/orders/{id}");
                let extras = Extras {
                    token: Some(&customer.token),
                    ..Extras::default()
                };
                self.step(Step::GetOrder, Method::GET, &path, extras)
                    .await
                    .map(drop)
            }
            Journey::Inbox => {
                let customer = slot.as_ref().ok_or(())?;
                let extras = Extras {
                    token: Some(&customer.token),
                    ..Extras::default()
                };
                self.step(Step::Inbox, Method::GET, "/api/notifications", extras)
                    .await
                    .map(drop)
            }
        }
    }
}

/// How an order placed ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrderEnd {
    /// Answered with the order, `completed`.
    Completed,
    /// Refused for lack of stock (409, `failure_reason` `out_of_stock`): a business
    /// answer, not a failure of the shop.
    OutOfStock,
    /// Anything else: declined, unavailable, timed out, no answer.
    Failed,
}

impl OrderEnd {
    fn of(answer: &Result<Answer, NoAnswer>) -> OrderEnd {
        match answer {
            Ok(answer) if answer.status.is_success() && answer.body["status"] == "completed" => {
                OrderEnd::Completed
            }
            Ok(answer)
                if answer.body["failure_reason"]
                    == orders::model::FailureReason::OutOfStock.as_str() =>
            {
                OrderEnd::OutOfStock
            }
            _ => OrderEnd::Failed,
        }
    }
}

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// A response with this status.
    Status(u16),
    /// No response within the request timeout.
    Timeout,
    /// The connection failed.
    Transport,
}

impl Outcome {
    pub(crate) fn is_success(self) -> bool {
        matches!(self, Outcome::Status(status) if (200..300).contains(&status))
    }

    /// The label in reports: the status code, `timeout` or `transport`.
    pub(crate) fn label(self) -> String {
        match self {
            Outcome::Status(status) => status.to_string(),
            Outcome::Timeout => "timeout".to_owned(),
            Outcome::Transport => "transport".to_owned(),
        }
    }
}

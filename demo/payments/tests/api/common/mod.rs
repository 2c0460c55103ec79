//! Running the payments service against a throw-away database, and talking to it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use payments::events::PaymentEvent;
use payments::provider::ProviderSettings;
use payments::{App, BuildOptions};
use serde_json::Value;
use shop_kit::bus::EventKind;
use shop_kit::config::ShopService;
use shop_testing::{EventLog, OnEachBackend, TestDatabase, Tokens, test_config};
use sqlx::Row;
use uuid::Uuid;

pub use shop_testing::{Reply, TestService, bodiless, get, json_post, send};

/// The admin token of the test services.
pub const ADMIN_TOKEN: &str = "payments-test-admin-token";

/// The JWT secret of the test services, shared with the issuer of the tests.
pub const JWT_SECRET: &str = "payments-test-jwt-secret-of-at-least-32-bytes";

/// The seed of the provider's fault draws, so probabilistic faults repeat.
pub const FAULT_SEED: u64 = 20_240_531;

/// The provider timeout of the test services: short, so `paymentSlow` tests are quick.
pub const PROVIDER_TIMEOUT: Duration = Duration::from_millis(500);

/// The service on its own database, and every payment event it publishes; the database
/// goes when this drops.
pub struct TestApp {
    pub app: App,
    tokens: Tokens,
    events: EventLog,
    // Dropped after `app`, which holds its pool.
    _database: TestDatabase,
}

impl OnEachBackend for TestApp {
    async fn on(database: TestDatabase) -> TestApp {
        let config = test_config(
            ShopService::Payments,
            ADMIN_TOKEN,
            Some(JWT_SECRET),
            &database,
        );
        let options = BuildOptions {
            provider: ProviderSettings {
                timeout: PROVIDER_TIMEOUT,
                fault_seed: Some(FAULT_SEED),
            },
            bus: None,
        };
        let app = payments::build_with(&config, options)
            .await
            .expect("the service builds");
        let events = EventLog::subscribe(
            app.bus().expect("payments keeps its bus").as_ref(),
            "payments-test",
            &[EventKind::PaymentCompleted, EventKind::PaymentRefunded],
        )
        .await;
        TestApp {
            app,
            tokens: Tokens::new(JWT_SECRET),
            events,
            _database: database,
        }
    }
}

impl TestService for TestApp {
    fn router(&self) -> Router {
        self.app.router()
    }
}

impl TestApp {
    pub async fn get(&self, uri: &str) -> Reply {
        self.send(get(uri, None)).await
    }

    pub async fn charge(&self, order: Uuid, user: Uuid, amount: i64) -> Reply {
        self.send(charge_request(order, user, amount)).await
    }

    pub async fn refund(&self, order: Uuid) -> Reply {
        self.send(refund_request(order)).await
    }

    /// `GET uri` with a token of `user`.
    pub async fn get_as(&self, user: Uuid, uri: &str) -> Reply {
        self.send(get(uri, Some(&self.token(user)))).await
    }

    /// A token of `user`.
    pub fn token(&self, user: Uuid) -> String {
        self.tokens.token(user)
    }

    /// `GET /payments?order_id=` as `user`.
    pub async fn payment_of(&self, user: Uuid, order: Uuid) -> Reply {
        self.get_as(user, &format!("/payments?order_id={order}"))
            .await
    }

    /// Waits until `count` events of `kind` were published, listens a little longer for
    /// duplicates, and returns their payloads.
    pub async fn published(&self, kind: EventKind, count: usize) -> Vec<PaymentEvent> {
        self.events
            .published(kind, count)
            .await
            .iter()
            .map(|event| event.payload_as().expect("a payment event payload"))
            .collect()
    }

    /// The outbox rows of `kind`, read directly.
    pub async fn outbox_rows(&self, kind: EventKind) -> i64 {
        sqlx::query("SELECT COUNT(*) AS n FROM outbox WHERE kind = $1")
            .bind(kind.as_str())
            .fetch_one(self.app.storage().pool())
            .await
            .expect("the outbox count")
            .get("n")
    }

    /// The payment rows of `order`, read directly.
    pub async fn payment_rows(&self, order: Uuid) -> i64 {
        sqlx::query("SELECT COUNT(*) AS n FROM payments WHERE order_id = $1")
            .bind(order.to_string())
            .fetch_one(self.app.storage().pool())
            .await
            .expect("the payment count")
            .get("n")
    }

    /// Every payment row, read directly.
    pub async fn all_payment_rows(&self) -> i64 {
        sqlx::query("SELECT COUNT(*) AS n FROM payments")
            .fetch_one(self.app.storage().pool())
            .await
            .expect("the payment count")
            .get("n")
    }
}

/// Sets the lease of `order`'s payment as a request that died mid-call would leave it,
/// expiring `expires_in_ms` from now (negative: expired).
pub async fn leave_a_dead_lease(app: &TestApp, order: Uuid, expires_in_ms: i64) {
    let now = i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("after 1970")
            .as_millis(),
    )
    .expect("in range");
    sqlx::query("UPDATE payments SET attempt_id = $1, attempt_expires_at = $2 WHERE order_id = $3")
        .bind(Uuid::new_v4().to_string())
        .bind(now + expires_in_ms)
        .bind(order.to_string())
        .execute(app.app.storage().pool())
        .await
        .expect("the lease is set");
}

pub fn charge_request(order: Uuid, user: Uuid, amount: i64) -> Request<Body> {
    json_post(
        "/payments",
        serde_json::json!({
            "order_id": order, "user_id": user, "amount": amount, "currency": "EUR"
        })
        .to_string(),
    )
}

pub fn refund_request(order: Uuid) -> Request<Body> {
    bodiless(Request::post(format!("/payments/{order}/refund")), None)
}

/// A request with the admin token.
pub fn admin(request: axum::http::request::Builder) -> axum::http::request::Builder {
    shop_testing::bearer(request, Some(ADMIN_TOKEN))
}

/// The payments-specific reading of a [`Reply`].
pub trait PaymentReply {
    /// The payment id of a payment or of a problem about one.
    fn payment_id(&self) -> String;
}

impl PaymentReply for Reply {
    #[track_caller]
    fn payment_id(&self) -> String {
        self.json
            .get("id")
            .or_else(|| self.json.get("payment_id"))
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no payment id: {self:?}"))
            .to_owned()
    }
}

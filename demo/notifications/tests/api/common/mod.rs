//! Running the notifications service against a throw-away database and an in-process bus,
//! and talking to it.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{Request, StatusCode};
use notifications::App;
use serde_json::{Value, json};
use shop_kit::bus::{Event, EventKind, InProcessBus, InProcessConfig};
use shop_kit::config::ShopService;
pub use shop_testing::TestService;
use shop_testing::{OnEachBackend, TestDatabase, Tokens, bodiless, test_config};
use uuid::Uuid;

pub use shop_testing::Reply;

/// The admin token of the test services.
pub const ADMIN_TOKEN: &str = "notifications-test-admin-token";

/// The JWT secret of the test services.
pub const JWT_SECRET: &str = "notifications-test-jwt-secret-of-32-bytes+";

/// How long to wait for something asynchronous (an event) before failing.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// The service on its own database and in-process bus; the database goes when this drops.
pub struct TestApp {
    pub app: App,
    pub bus: InProcessBus,
    tokens: Tokens,
    // Dropped after `app`, which holds its pool.
    _database: TestDatabase,
}

impl OnEachBackend for TestApp {
    async fn on(database: TestDatabase) -> TestApp {
        let config = test_config(
            ShopService::Notifications,
            ADMIN_TOKEN,
            Some(JWT_SECRET),
            &database,
        );
        let bus = InProcessBus::new(InProcessConfig {
            redelivery_delay: Duration::from_millis(10),
            ..InProcessConfig::default()
        });
        let app = notifications::build_with_bus(&config, Arc::new(bus.clone()))
            .await
            .expect("the service builds");
        TestApp {
            app,
            bus,
            tokens: Tokens::new(JWT_SECRET),
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
    pub fn token(&self, user_id: Uuid) -> String {
        self.tokens.token(user_id)
    }

    pub async fn publish(&self, event: &Event) {
        self.app
            .bus()
            .expect("notifications keeps its bus")
            .publish(event)
            .await
            .expect("published");
    }

    pub async fn get(&self, uri: &str, token: Option<&str>) -> Reply {
        self.send(bodiless(Request::get(uri), token)).await
    }

    pub async fn post(&self, uri: &str, token: Option<&str>) -> Reply {
        self.send(bodiless(Request::post(uri), token)).await
    }

    /// The whole inbox of `user_id` (up to 100), as its JSON page.
    pub async fn inbox(&self, user_id: Uuid) -> Value {
        let reply = self
            .get("/notifications?limit=100", Some(&self.token(user_id)))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        reply.json
    }

    /// Waits until `user_id` has `total` notifications, and answers the inbox.
    pub async fn wait_for_inbox(&self, user_id: Uuid, total: u64) -> Value {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let inbox = self.inbox(user_id).await;
            if inbox["total"] == total {
                return inbox;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "inbox never reached {total}: {inbox}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// How many rows `table` has, read directly.
    pub async fn count(&self, table: &str) -> i64 {
        use sqlx::Row;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) AS n FROM {table}"
        )))
        .fetch_one(self.app.storage().pool())
        .await
        .expect("a count")
        .get("n")
    }
}

/// An event of `kind` for `user_id`, with the payload fields the consumer expects.
pub fn event_for(kind: EventKind, user_id: Uuid) -> Event {
    let order_id = Uuid::now_v7();
    let payload = match kind {
        EventKind::UserCreated => json!({
            "user_id": user_id, "username": "ada", "email": "ada@example.com"
        }),
        EventKind::OrderCompleted => json!({
            "order_id": order_id, "user_id": user_id, "total": 4900
        }),
        EventKind::OrderCancelled => json!({
            "order_id": order_id, "user_id": user_id, "reason": "out of stock"
        }),
        EventKind::PaymentCompleted | EventKind::PaymentRefunded => json!({
            "payment_id": Uuid::now_v7(), "order_id": order_id, "user_id": user_id,
            "amount": 4900, "currency": "EUR", "provider_ref": "ch_1", "refund_ref": null
        }),
    };
    Event::new(kind, payload)
}

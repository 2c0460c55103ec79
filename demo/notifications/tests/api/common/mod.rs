//! Running the notifications service against a throw-away database and an in-process bus,
//! and talking to it.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use notifications::App;
use serde_json::{Value, json};
use shop_kit::auth::TokenIssuer;
use shop_kit::bus::{Event, EventKind, InProcessBus, InProcessConfig};
use shop_kit::config::{Secret, ServiceConfig, ShopService};
use shop_kit::storage::TestDatabase;
use tower::ServiceExt;
use uuid::Uuid;

/// The JWT secret of the test services.
pub const JWT_SECRET: &str = "notifications-test-jwt-secret-of-32-bytes+";

/// How long to wait for something asynchronous (an event) before failing.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// The service on its own database and in-process bus; the database goes when this drops.
pub struct TestApp {
    pub app: App,
    pub bus: InProcessBus,
    issuer: TokenIssuer,
    // Dropped after `app`, which holds its pool.
    _database: TestDatabase,
}

impl TestApp {
    pub async fn sqlite() -> TestApp {
        let database = TestDatabase::sqlite().expect("a SQLite test database");
        TestApp::on(database).await
    }

    /// `None` when `SHOP_TEST_POSTGRES=skip`.
    pub async fn postgres() -> Option<TestApp> {
        let database = TestDatabase::postgres()
            .await
            .unwrap_or_else(|error| panic!("{error}"))?;
        Some(TestApp::on(database).await)
    }

    async fn on(database: TestDatabase) -> TestApp {
        let mut config = ServiceConfig::from_sources(
            ShopService::Notifications,
            [
                ("SHOP_ADMIN_TOKEN", "notifications-test-admin-token"),
                ("SHOP_JWT_SECRET", JWT_SECRET),
            ],
            None,
        )
        .expect("test settings");
        config.database = database.url().clone();
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
            issuer: TokenIssuer::new(&Secret::new(JWT_SECRET)),
            _database: database,
        }
    }

    pub fn token(&self, user_id: Uuid) -> String {
        self.issuer.issue(user_id).expect("a token")
    }

    pub async fn publish(&self, event: &Event) {
        self.app.bus().publish(event).await.expect("published");
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        send(self.app.router(), request).await
    }

    pub async fn get(&self, uri: &str, token: Option<&str>) -> Reply {
        self.send(request(Request::get(uri), token)).await
    }

    pub async fn post(&self, uri: &str, token: Option<&str>) -> Reply {
        self.send(request(Request::post(uri), token)).await
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

fn request(builder: axum::http::request::Builder, token: Option<&str>) -> Request<Body> {
    let builder = match token {
        Some(token) => builder.header(header::AUTHORIZATION, format!("Bearer {token}")),
        None => builder,
    };
    builder.body(Body::empty()).expect("a request")
}

/// A response, its body parsed as JSON (`Null` when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub json: Value,
}

impl Reply {
    /// Asserts the status and that the body is a problem document with that status.
    #[track_caller]
    pub fn assert_problem(&self, status: StatusCode) {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(
            self.content_type.as_deref(),
            Some("application/problem+json"),
            "{self:?}"
        );
        assert_eq!(self.json["status"], status.as_u16(), "{self:?}");
    }
}

pub async fn send(router: Router, request: Request<Body>) -> Reply {
    let response = router.oneshot(request).await.expect("infallible");
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("the body")
        .to_bytes();
    let json = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|error| {
            panic!("not JSON ({error}): {}", String::from_utf8_lossy(&bytes))
        })
    };
    Reply {
        status,
        content_type,
        json,
    }
}

/// Runs each scenario `async fn name(app: &TestApp)` on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let app = $crate::common::TestApp::sqlite().await;
                    super::$scenario(&app).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let Some(app) = $crate::common::TestApp::postgres().await else {
                        return;
                    };
                    super::$scenario(&app).await;
                }
            )*
        }
    };
}

//! Running the products service against a throw-away database, and talking to it.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use products::App;
use serde_json::Value;
use shop_kit::config::{ServiceConfig, ShopService};
use shop_kit::storage::TestDatabase;
use tower::ServiceExt;
use uuid::Uuid;

/// The admin token of the test services.
pub const ADMIN_TOKEN: &str = "products-test-admin-token";

/// The service on its own database; the database goes when this drops.
pub struct TestApp {
    pub app: App,
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
            ShopService::Products,
            [("SHOP_ADMIN_TOKEN", ADMIN_TOKEN)],
            None,
        )
        .expect("test settings");
        config.database = database.url().clone();
        let app = products::build(&config).await.expect("the service builds");
        TestApp {
            app,
            _database: database,
        }
    }

    pub fn router(&self) -> Router {
        self.app.router()
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        send(self.router(), request).await
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.send(Request::get(uri).body(Body::empty()).expect("a request"))
            .await
    }

    pub async fn reserve(&self, product: Uuid, order: Uuid, quantity: i64) -> Reply {
        self.send(reserve_request(product, order, quantity)).await
    }

    pub async fn release(&self, product: Uuid, order: Uuid) -> Reply {
        self.send(
            Request::delete(format!("/products/{product}/reservations/{order}"))
                .body(Body::empty())
                .expect("a request"),
        )
        .await
    }

    /// The stock column of `product`, read directly.
    pub async fn stock(&self, product: Uuid) -> i64 {
        use sqlx::Row;
        sqlx::query("SELECT stock FROM products WHERE id = $1")
            .bind(product.to_string())
            .fetch_one(self.app.storage().pool())
            .await
            .expect("the product row")
            .get("stock")
    }

    /// Sets the stock column of `product` directly.
    pub async fn set_stock(&self, product: Uuid, stock: i64) {
        sqlx::query("UPDATE products SET stock = $1 WHERE id = $2")
            .bind(stock)
            .bind(product.to_string())
            .execute(self.app.storage().pool())
            .await
            .expect("the stock is set");
    }
}

pub fn reserve_request(product: Uuid, order: Uuid, quantity: i64) -> Request<Body> {
    json_post(
        &format!("/products/{product}/reservations"),
        serde_json::json!({ "order_id": order, "quantity": quantity }).to_string(),
    )
}

pub fn json_post(uri: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.into())
        .expect("a request")
}

/// A response, its body parsed as JSON (`Null` when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
}

impl Reply {
    /// Asserts the status and that the body is a problem document with that status.
    #[track_caller]
    pub fn assert_problem(&self, status: StatusCode) {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(
            self.headers[header::CONTENT_TYPE],
            "application/problem+json",
            "{self:?}"
        );
        assert_eq!(self.json["status"], status.as_u16(), "{self:?}");
        assert!(self.json["title"].is_string(), "{self:?}");
    }
}

pub async fn send(router: Router, request: Request<Body>) -> Reply {
    let response = router.oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
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
        headers,
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

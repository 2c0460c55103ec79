//! Running the reviews service against a throw-away database, and talking to it.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use reviews::App;
use serde_json::{Value, json};
use shop_kit::auth::TokenIssuer;
use shop_kit::config::{Secret, ServiceConfig, ShopService};
use shop_kit::storage::TestDatabase;
use tower::ServiceExt;
use uuid::Uuid;

/// The admin token of the test services.
pub const ADMIN_TOKEN: &str = "reviews-test-admin-token";

/// The JWT secret of the test services, shared with the issuer of the tests.
pub const JWT_SECRET: &str = "reviews-test-jwt-secret-of-at-least-32-bytes";

/// The service on its own database; the database goes when this drops.
pub struct TestApp {
    pub app: App,
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
            ShopService::Reviews,
            [
                ("SHOP_ADMIN_TOKEN", ADMIN_TOKEN),
                ("SHOP_JWT_SECRET", JWT_SECRET),
            ],
            None,
        )
        .expect("test settings");
        config.database = database.url().clone();
        let app = reviews::build(&config).await.expect("the service builds");
        TestApp {
            app,
            issuer: TokenIssuer::new(&Secret::new(JWT_SECRET)),
            _database: database,
        }
    }

    pub fn router(&self) -> Router {
        self.app.router()
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        send(self.router(), request).await
    }

    pub async fn get(&self, uri: &str, token: Option<&str>) -> Reply {
        let mut request = Request::get(uri);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        self.send(request.body(Body::empty()).expect("a request"))
            .await
    }

    /// A valid token for a new user: `(user id, token)`.
    pub fn user(&self) -> (Uuid, String) {
        let id = Uuid::now_v7();
        (id, self.issuer.issue(id).expect("a token"))
    }

    /// `POST /products/{product}/reviews` with `body` and `token`.
    pub async fn post_raw(
        &self,
        product: &str,
        token: Option<&str>,
        body: impl Into<Body>,
    ) -> Reply {
        self.send(review_post(product, token, body)).await
    }

    /// Posts a review of `rating` and `text`.
    pub async fn post(&self, product: Uuid, token: &str, rating: i64, text: &str) -> Reply {
        let body = json!({ "rating": rating, "text": text }).to_string();
        self.post_raw(&product.to_string(), Some(token), body).await
    }

    /// The reviews of `product`, with `query` (e.g. `?limit=2`).
    pub async fn list(&self, product: Uuid, query: &str) -> Reply {
        self.get(&format!("/products/{product}/reviews{query}"), None)
            .await
    }

    /// How many reviews are stored.
    pub async fn review_count(&self) -> i64 {
        use sqlx::Row;
        sqlx::query("SELECT COUNT(*) AS n FROM reviews")
            .fetch_one(self.app.storage().pool())
            .await
            .expect("a count")
            .get("n")
    }
}

/// A JSON `POST /products/{product}/reviews`.
pub fn review_post(product: &str, token: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut request = Request::post(format!("/products/{product}/reviews"))
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    request.body(body.into()).expect("a request")
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

    /// Asserts a 422 problem whose `errors` name `field`.
    #[track_caller]
    pub fn assert_invalid_field(&self, field: &str) {
        self.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
        let errors = self.json["errors"].as_array().expect("an errors list");
        assert!(
            errors
                .iter()
                .any(|error| error["field"] == field && error["message"].is_string()),
            "{field}: {self:?}"
        );
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

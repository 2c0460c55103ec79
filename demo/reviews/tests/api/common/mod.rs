//! Running the reviews service against a throw-away database, and talking to it.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use reviews::App;
use serde_json::json;
use shop_kit::auth::TokenIssuer;
use shop_kit::config::{Secret, ServiceConfig, ShopService};
use shop_kit::storage::TestDatabase;
use uuid::Uuid;

pub use shop_testing::{Reply, send};

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
        self.send(shop_testing::get(uri, token)).await
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
    let request = Request::post(format!("/products/{product}/reviews"))
        .header(header::CONTENT_TYPE, "application/json");
    shop_testing::bearer(request, token)
        .body(body.into())
        .expect("a request")
}

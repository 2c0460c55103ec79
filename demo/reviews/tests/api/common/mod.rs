//! Running the reviews service against a throw-away database, and talking to it.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use reviews::App;
use serde_json::json;
use shop_kit::config::ShopService;
pub use shop_testing::TestService;
use shop_testing::{OnEachBackend, TestDatabase, Tokens, test_config};
use uuid::Uuid;

pub use shop_testing::{Reply, send};

/// The admin token of the test services.
pub const ADMIN_TOKEN: &str = "reviews-test-admin-token";

/// The JWT secret of the test services, shared with the issuer of the tests.
pub const JWT_SECRET: &str = "reviews-test-jwt-secret-of-at-least-32-bytes";

/// The service on its own database; the database goes when this drops.
pub struct TestApp {
    pub app: App,
    tokens: Tokens,
    // Dropped after `app`, which holds its pool.
    _database: TestDatabase,
}

impl OnEachBackend for TestApp {
    async fn on(database: TestDatabase) -> TestApp {
        let config = test_config(
            ShopService::Reviews,
            ADMIN_TOKEN,
            Some(JWT_SECRET),
            &database,
        );
        let app = reviews::build(&config).await.expect("the service builds");
        TestApp {
            app,
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
    pub async fn get(&self, uri: &str, token: Option<&str>) -> Reply {
        self.send(shop_testing::get(uri, token)).await
    }

    /// A valid token for a new user: `(user id, token)`.
    pub fn user(&self) -> (Uuid, String) {
        self.tokens.user()
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

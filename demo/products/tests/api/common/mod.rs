//! Running the products service against a throw-away database, and talking to it.

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use products::App;
use shop_kit::config::{ServiceConfig, ShopService};
use shop_kit::storage::TestDatabase;
use uuid::Uuid;

pub use shop_testing::{Reply, json_post, send};

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

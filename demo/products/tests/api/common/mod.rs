//! Running the products service against a throw-away database, and talking to it.

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use products::App;
use shop_kit::config::ShopService;
pub use shop_testing::TestService;
use shop_testing::{OnEachBackend, TestDatabase, test_config};
use uuid::Uuid;

pub use shop_testing::{Reply, bodiless, json_post, send};

/// The admin token of the test services.
pub const ADMIN_TOKEN: &str = "products-test-admin-token";

/// The service on its own database; the database goes when this drops.
pub struct TestApp {
    pub app: App,
    // Dropped after `app`, which holds its pool.
    _database: TestDatabase,
}

impl OnEachBackend for TestApp {
    async fn on(database: TestDatabase) -> TestApp {
        let config = test_config(ShopService::Products, ADMIN_TOKEN, None, &database);
        let app = products::build(&config).await.expect("the service builds");
        TestApp {
            app,
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
        self.send(shop_testing::get(uri, None)).await
    }

    pub async fn reserve(&self, product: Uuid, order: Uuid, quantity: i64) -> Reply {
        self.send(reserve_request(product, order, quantity)).await
    }

    pub async fn release(&self, product: Uuid, order: Uuid) -> Reply {
        self.send(bodiless(
            Request::delete(format!("/products/{product}/reservations/{order}")),
            None,
        ))
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

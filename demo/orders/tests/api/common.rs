//! Running products, payments and orders together, and talking to them.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use orders::OrdersDeps;
use orders::saga::SagaSettings;
use payments::BuildOptions;
use payments::provider::ProviderSettings;
use products::catalog::CATALOG;
use serde_json::{Value, json};
use shop_kit::bus::{EventBus, EventKind, InProcessBus, InProcessConfig};
use shop_kit::config::{ServiceConfig, ShopService};
use shop_kit::storage::{Storage, TestDatabase};
use shop_testing::{EventLog, Tokens, service_config, sqlite_database, test_config_with};
use tokio::net::TcpListener;
use uuid::Uuid;

pub use shop_testing::Reply;
/// Lenient: an answer that is not JSON (a plain-text error) becomes a JSON string.
pub use shop_testing::send_lenient as send;

/// How long to wait for something that takes milliseconds; only a hang reaches it.
const PATIENCE: Duration = Duration::from_secs(20);

/// A product of the seeded catalog (a harbour lantern: 4900 EUR cents, 40 in stock).
pub fn lantern() -> Uuid {
    CATALOG[0].product_id()
}

/// Products and payments served on 127.0.0.1, their databases, and the shared bus.
pub struct Shop {
    pub products: products::App,
    pub payments: payments::App,
    pub bus: Arc<dyn EventBus>,
    pub products_url: String,
    pub payments_url: String,
    events: EventLog,
    _databases: Vec<TestDatabase>,
}

/// The orders service of a [`Shop`], on its own database.
pub struct Orders {
    pub app: orders::App,
    // Dropped after `app`, which holds its pool.
    _database: TestDatabase,
}

/// The admin token of the test services.
pub const ADMIN_TOKEN: &str = "orders-test-admin";

/// The test settings of `service` on `database`, with the `SHOP_*` variables of `env`.
fn config_with(
    service: ShopService,
    database: &TestDatabase,
    env: &[(&str, &str)],
) -> ServiceConfig {
    test_config_with(service, ADMIN_TOKEN, None, database, env)
}

fn config(service: ShopService, database: &TestDatabase) -> ServiceConfig {
    config_with(service, database, &[])
}

async fn serve(router: Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let address = listener.local_addr().expect("its address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{address}")
}

impl Shop {
    pub async fn start() -> Shop {
        let products_db = sqlite_database();
        let payments_db = sqlite_database();
        let bus: Arc<dyn EventBus> = Arc::new(InProcessBus::new(InProcessConfig::default()));
        let products = products::build(&config(ShopService::Products, &products_db))
            .await
            .expect("products builds");
        let options = BuildOptions {
            provider: ProviderSettings {
                timeout: Duration::from_millis(500),
                fault_seed: Some(7),
            },
            bus: Some(Arc::clone(&bus)),
        };
        let payments = payments::build_with(&config(ShopService::Payments, &payments_db), options)
            .await
            .expect("payments builds");
        let products_url = serve(products.router()).await;
        let payments_url = serve(payments.router()).await;
        let events = EventLog::subscribe(
            bus.as_ref(),
            "orders-test",
            &[EventKind::OrderCompleted, EventKind::OrderCancelled],
        )
        .await;
        Shop {
            products,
            payments,
            bus,
            products_url,
            payments_url,
            events,
            _databases: vec![products_db, payments_db],
        }
    }

    /// Builds orders on `database` (a new one when `None`), calling this shop.
    pub async fn orders_on(&self, database: Option<TestDatabase>) -> Orders {
        self.orders_with(database, SagaSettings::default()).await
    }

    /// Builds orders on `database` (a new one when `None`) with the saga `settings`,
    /// calling this shop.
    pub async fn orders_with(
        &self,
        database: Option<TestDatabase>,
        settings: SagaSettings,
    ) -> Orders {
        self.orders_configured(database, settings, &[]).await
    }

    /// [`Shop::orders_with`], its settings also taking the `SHOP_*` variables of `env`.
    pub async fn orders_configured(
        &self,
        database: Option<TestDatabase>,
        settings: SagaSettings,
        env: &[(&str, &str)],
    ) -> Orders {
        let database = match database {
            Some(database) => database,
            None => sqlite_database(),
        };
        let deps = OrdersDeps {
            products_url: self.products_url.clone(),
            payments_url: self.payments_url.clone(),
            bus: Arc::clone(&self.bus),
        };
        let config = config_with(ShopService::Orders, &database, env);
        let app = orders::build_with(&config, deps, settings)
            .await
            .expect("orders builds");
        Orders {
            app,
            _database: database,
        }
    }

    pub async fn orders(&self) -> Orders {
        self.orders_on(None).await
    }

    /// The product's stock, as the products service reports it.
    pub async fn stock(&self, product: Uuid) -> i64 {
        let reply = send(
            self.products.router(),
            shop_testing::get(&format!("/products/{product}"), None),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        reply.json["stock"].as_i64().expect("a stock")
    }

    /// The order's payment, as the payments service reports it to `user`, who pays it.
    pub async fn payment(&self, user: Uuid, order: &str) -> Reply {
        send(
            self.payments.router(),
            shop_testing::get(&format!("/payments?order_id={order}"), Some(&token(user))),
        )
        .await
    }

    /// Waits until `count` events of `kind` were published, listens a little longer for
    /// duplicates, and returns their payloads.
    pub async fn published(&self, kind: EventKind, count: usize) -> Vec<Value> {
        self.events
            .published(kind, count)
            .await
            .into_iter()
            .map(|event| event.payload)
            .collect()
    }
}

/// A bearer token of `user`, signed with the development secret every test config has.
pub fn token(user: Uuid) -> String {
    let config = service_config(ShopService::Users, ADMIN_TOKEN, None, &[]);
    Tokens::signed_with(&config.jwt_secret).token(user)
}

impl Orders {
    /// `POST /orders` as `user`, with an optional `Idempotency-Key`.
    pub async fn place(
        &self,
        user: Uuid,
        product: Uuid,
        quantity: i64,
        key: Option<&str>,
    ) -> Reply {
        let mut request = Request::post("/orders")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, format!("Bearer {}", token(user)));
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        let body = json!({"product_id": product, "quantity": quantity}).to_string();
        send(
            self.app.router(),
            request.body(Body::from(body)).expect("a request"),
        )
        .await
    }

    /// `GET /orders/{id}` as `user`.
    pub async fn get(&self, user: Uuid, id: &str) -> Reply {
        let request = shop_testing::get(&format!("/orders/{id}"), Some(&token(user)));
        send(self.app.router(), request).await
    }
}

/// Waits until `condition` holds, or panics after a while.
pub async fn eventually<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let waited = tokio::time::timeout(PATIENCE, async {
        while !condition().await {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(waited.is_ok(), "{what} in time");
}

/// Reserves 3 lanterns for `order` at the products service.
pub async fn reserve(shop: &Shop, order: Uuid) {
    let reserved = send(
        shop.products.router(),
        Request::post(format!("/products/{}/reservations", lantern()))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(format!(
                r#"{{"order_id":"{order}","quantity":3}}"#
            )))
            .expect("a request"),
    )
    .await;
    assert_eq!(reserved.status, StatusCode::CREATED, "{reserved:?}");
    assert_eq!(shop.stock(lantern()).await, 37);
}

/// Writes a `pending` order of `user` for 3 lanterns (14700 EUR cents) into `storage`, and
/// its saga log up to `reserve_stock done` (and `charge done` when `charged`), all stamped
/// at Unix millisecond 1: what a saga that stopped long ago leaves.
pub async fn write_interrupted(storage: &Storage, order: Uuid, user: Uuid, charged: bool) {
    write_interrupted_at(storage, order, user, charged, 1).await;
}

/// [`write_interrupted`], stamped at `at` (Unix milliseconds).
pub async fn write_interrupted_at(
    storage: &Storage,
    order: Uuid,
    user: Uuid,
    charged: bool,
    at: i64,
) {
    sqlx::query(
        "INSERT INTO orders (id, user_id, product_id, quantity, unit_price, total, currency,
                             status, created_at, updated_at)
         VALUES ($1, $2, $3, 3, 4900, 14700, 'EUR', 'pending', $4, $4)",
    )
    .bind(order.to_string())
    .bind(user.to_string())
    .bind(lantern().to_string())
    .bind(at)
    .execute(storage.pool())
    .await
    .expect("the order is written");
    let mut log = vec![
        ("check_user", "started"),
        ("check_user", "done"),
        ("read_product", "started"),
        ("read_product", "done"),
        ("reserve_stock", "started"),
        ("reserve_stock", "done"),
    ];
    if charged {
        log.extend([("charge", "started"), ("charge", "done")]);
    }
    for (seq, (step, status)) in (1_i64..).zip(log) {
        sqlx::query(
            "INSERT INTO saga_steps (order_id, seq, step, status, detail, at)
             VALUES ($1, $2, $3, $4, NULL, $5)",
        )
        .bind(order.to_string())
        .bind(seq)
        .bind(step)
        .bind(status)
        .bind(at)
        .execute(storage.pool())
        .await
        .expect("the step is written");
    }
}

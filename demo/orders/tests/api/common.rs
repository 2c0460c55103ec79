//! Running products, payments and orders together, and talking to them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use orders::OrdersDeps;
use payments::BuildOptions;
use payments::provider::ProviderSettings;
use products::catalog::CATALOG;
use serde_json::{Value, json};
use shop_kit::auth::TokenIssuer;
use shop_kit::bus::{
    Event, EventBus, EventKind, HandlerError, InProcessBus, InProcessConfig, Subscription,
};
use shop_kit::config::{ServiceConfig, ShopService};
use shop_kit::storage::TestDatabase;
use tokio::net::TcpListener;
use uuid::Uuid;

pub use shop_testing::Reply;
/// Lenient: an answer that is not JSON (a plain-text error) becomes a JSON string.
pub use shop_testing::send_lenient as send;

/// How long to wait for something that takes milliseconds; only a hang reaches it.
const PATIENCE: Duration = Duration::from_secs(20);

/// How long to keep listening after the expected events, to catch a duplicate.
const SETTLE: Duration = Duration::from_millis(300);

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
    events: Arc<Mutex<Vec<Event>>>,
    _subscription: Subscription,
    _databases: Vec<TestDatabase>,
}

/// The orders service of a [`Shop`], on its own database.
pub struct Orders {
    pub app: orders::App,
    // Dropped after `app`, which holds its pool.
    _database: TestDatabase,
}

fn config(service: ShopService, database: &TestDatabase) -> ServiceConfig {
    let mut config =
        ServiceConfig::from_sources(service, [("SHOP_ADMIN_TOKEN", "orders-test-admin")], None)
            .expect("test settings");
    config.database = database.url().clone();
    config
}

async fn serve(router: Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let address = listener.local_addr().expect("its address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{address}")
}

impl Shop {
    pub async fn start() -> Shop {
        let products_db = TestDatabase::sqlite().expect("a SQLite database");
        let payments_db = TestDatabase::sqlite().expect("a SQLite database");
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
        let events = Arc::new(Mutex::new(Vec::new()));
        let recorded = Arc::clone(&events);
        let subscription = bus
            .subscribe(
                "orders-test",
                &[EventKind::OrderCompleted, EventKind::OrderCancelled],
                Arc::new(move |event: Event| {
                    let recorded = Arc::clone(&recorded);
                    async move {
                        recorded.lock().map_err(HandlerError::new)?.push(event);
                        Ok(())
                    }
                }),
            )
            .await
            .expect("the test consumer subscribes");
        Shop {
            products,
            payments,
            bus,
            products_url,
            payments_url,
            events,
            _subscription: subscription,
            _databases: vec![products_db, payments_db],
        }
    }

    /// Builds orders on `database` (a new one when `None`), calling this shop.
    pub async fn orders_on(&self, database: Option<TestDatabase>) -> Orders {
        let database = match database {
            Some(database) => database,
            None => TestDatabase::sqlite().expect("a SQLite database"),
        };
        let deps = OrdersDeps {
            products_url: self.products_url.clone(),
            payments_url: self.payments_url.clone(),
            bus: Arc::clone(&self.bus),
        };
        let app = orders::build(&config(ShopService::Orders, &database), deps)
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
            Request::get(format!("/products/{product}"))
                .body(Body::empty())
                .expect("a request"),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        reply.json["stock"].as_i64().expect("a stock")
    }

    /// The order's payment, as the payments service reports it.
    pub async fn payment(&self, order: &str) -> Reply {
        send(
            self.payments.router(),
            Request::get(format!("/payments?order_id={order}"))
                .body(Body::empty())
                .expect("a request"),
        )
        .await
    }

    /// Waits until `count` events of `kind` were published, listens a little longer for
    /// duplicates, and returns their payloads.
    pub async fn published(&self, kind: EventKind, count: usize) -> Vec<Value> {
        let of_kind = || -> Vec<Value> {
            self.events
                .lock()
                .expect("the event log")
                .iter()
                .filter(|event| event.kind == kind)
                .map(|event| event.payload.clone())
                .collect()
        };
        tokio::time::timeout(PATIENCE, async {
            while of_kind().len() < count {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{count} {kind} events in time, got {}", of_kind().len()));
        tokio::time::sleep(SETTLE).await;
        let events = of_kind();
        assert_eq!(events.len(), count, "{kind}: {events:?}");
        events
    }
}

/// A bearer token of `user`, signed with the development secret every test config has.
pub fn token(user: Uuid) -> String {
    let config = ServiceConfig::from_sources(
        ShopService::Users,
        [("SHOP_ADMIN_TOKEN", "orders-test-admin")],
        None,
    )
    .expect("test settings");
    TokenIssuer::new(&config.jwt_secret)
        .issue(user)
        .expect("a token")
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
        let request = Request::get(format!("/orders/{id}"))
            .header(header::AUTHORIZATION, format!("Bearer {}", token(user)))
            .body(Body::empty())
            .expect("a request");
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

//! Invariants under faults (issue #4, item 10): many concurrent orders while payments
//! decline 30% of charges and products fail 10% of requests, the orders service crashes
//! mid-saga and starts again on the same database; once the shop is quiet, the
//! [`shop::check`] invariants hold.
//!
//! Runs on SQLite with the in-process bus, and on PostgreSQL (a fresh schema per service)
//! with RabbitMQ (an exchange and queues of its own). The second fails when the servers are
//! unreachable, unless `SHOP_TEST_POSTGRES=skip` or `SHOP_TEST_RABBITMQ=skip`.
//!
//! The orders service runs in a tokio runtime of its own: a crash is that runtime shut
//! down at once, which drops its server, its saga tasks, its outbox relay and its database
//! pool wherever they are, as a killed process would.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use orders::OrdersDeps;
use orders::saga::SagaSettings;
use payments::BuildOptions;
use payments::faults::{PAYMENT_FAILURE, PAYMENT_SLOW, payment_failure, payment_slow_between};
use payments::provider::ProviderSettings;
use serde_json::{Value, json};
use shop::check::{Baseline, Checker, Report, ShopUrls};
use shop_kit::auth::TokenIssuer;
use shop_kit::bus::{EventBus, InProcessBus, RabbitMqBus, RabbitMqConfig};
use shop_kit::client::{RequestBody, ServiceClient};
use shop_kit::config::{Secret, ServiceConfig, ShopService};
use shop_kit::storage::TestDatabase;
use shop_testing::net::free_address;
use tokio::runtime::Runtime;
use tokio::sync::oneshot;
use tokio::task::JoinSet;
use uuid::Uuid;

/// Orders placed in one run.
const ORDERS: usize = 200;
/// Orders in flight at once.
const CONCURRENCY: usize = 16;
/// Users placing them.
const USERS: usize = 8;
/// The admin token of every service.
const ADMIN_TOKEN: &str = "invariants-test-admin";
/// The bound on every wait: only a hang or a real violation reaches it.
const PATIENCE: Duration = Duration::from_secs(120);
/// The pause between two polls.
const POLL: Duration = Duration::from_millis(50);
/// The consumer name of the notifications service on the bus.
const NOTIFICATIONS_CONSUMER: &str = notifications::CONSUMER;

/// Where the services keep their data and exchange their events in one run.
struct Backend {
    name: &'static str,
    products: TestDatabase,
    payments: TestDatabase,
    notifications: TestDatabase,
    orders: TestDatabase,
    bus: Arc<dyn EventBus>,
    /// Deletes the run's exchanges and queues when the run ends, passed or not.
    _topology: Option<Topology>,
}

/// The broker topology of one run, deleted on drop (also when the run panics).
struct Topology(RabbitMqConfig);

impl Drop for Topology {
    fn drop(&mut self) {
        let config = self.0.clone();
        // A runtime of its own on a thread of its own: drop may run inside the test's
        // runtime, which cannot block on a future itself.
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a cleanup runtime");
            runtime.block_on(delete_topology(&config));
        });
        if cleanup.join().is_err() {
            eprintln!(
                "could not delete the exchange {} and its queues",
                self.0.exchange
            );
        }
    }
}

impl Backend {
    fn sqlite() -> Backend {
        let database = || TestDatabase::sqlite().expect("a SQLite database");
        Backend {
            name: "SQLite",
            products: database(),
            payments: database(),
            notifications: database(),
            orders: database(),
            bus: Arc::new(InProcessBus::default()),
            _topology: None,
        }
    }

    /// `None` when PostgreSQL or RabbitMQ tests are skipped.
    async fn postgres_rabbitmq() -> Option<Backend> {
        let rabbitmq = rabbitmq_config()?;
        let mut databases = Vec::new();
        for _ in 0..4 {
            let database = TestDatabase::postgres()
                .await
                .unwrap_or_else(|error| panic!("{error}"))?;
            databases.push(database);
        }
        let bus = RabbitMqBus::connect(rabbitmq.clone())
            .await
            .unwrap_or_else(|error| {
                panic!(
                    "RabbitMQ at {} cannot be reached ({error}); start it, or set \
                     SHOP_TEST_RABBITMQ=skip",
                    rabbitmq.uri
                )
            });
        let [products, payments, notifications, orders] =
            <[TestDatabase; 4]>::try_from(databases).ok()?;
        Some(Backend {
            name: "PostgreSQL and RabbitMQ",
            products,
            payments,
            notifications,
            orders,
            bus: Arc::new(bus),
            _topology: Some(Topology(rabbitmq)),
        })
    }
}

/// The broker settings of one run, on an exchange (and so queues) of its own; `None` when
/// `SHOP_TEST_RABBITMQ=skip`.
fn rabbitmq_config() -> Option<RabbitMqConfig> {
    let uri = match std::env::var("SHOP_TEST_RABBITMQ") {
        Ok(value) if value == "skip" => {
            eprintln!("skipping the RabbitMQ run: SHOP_TEST_RABBITMQ=skip");
            return None;
        }
        Ok(uri) if uri.starts_with("amqp") => uri,
        _ => "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned(),
    };
    let mut config = RabbitMqConfig::new(uri);
    config.exchange = format!("shop-test.invariants.{}", Uuid::new_v4().simple());
    config.connection_name = "shop invariants test".to_owned();
    config.redelivery_delay = Duration::from_millis(50);
    config.connect_timeout = Duration::from_secs(5);
    Some(config)
}

/// Deletes the exchanges and queues of `config`'s run.
async fn delete_topology(config: &RabbitMqConfig) {
    use lapin::options::{ExchangeDeleteOptions, QueueDeleteOptions};
    let connection =
        lapin::Connection::connect(&config.uri, lapin::ConnectionProperties::default())
            .await
            .expect("a cleanup connection");
    let channel = connection
        .create_channel()
        .await
        .expect("a cleanup channel");
    for queue in [
        config.queue_name(NOTIFICATIONS_CONSUMER),
        config.dead_letter_queue_name(NOTIFICATIONS_CONSUMER),
    ] {
        let _ = channel
            .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
            .await;
    }
    for exchange in [config.exchange.clone(), config.dead_letter_exchange()] {
        let _ = channel
            .exchange_delete(exchange.as_str().into(), ExchangeDeleteOptions::default())
            .await;
    }
    let _ = connection.close(0, "done".into()).await;
}

/// The settings of `service` on `database`, listening on `bind`.
fn config(service: ShopService, database: &TestDatabase, bind: SocketAddr) -> ServiceConfig {
    let mut config =
        ServiceConfig::from_sources(service, [("SHOP_ADMIN_TOKEN", ADMIN_TOKEN)], None)
            .expect("test settings");
    config.database = database.url().clone();
    config.bind = bind;
    config
}

/// The orders service in a runtime of its own, so that it can crash alone.
struct OrdersProcess {
    runtime: Option<Runtime>,
}

impl OrdersProcess {
    /// Builds orders from `config` in a new runtime and serves it on `config.bind`.
    async fn start(config: ServiceConfig, deps: OrdersDeps) -> OrdersProcess {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("orders-under-test")
            .enable_all()
            .build()
            .expect("a runtime for orders");
        let settings = SagaSettings {
            sweep_every: Duration::from_millis(500),
            stuck_after: Duration::from_secs(5),
            ..SagaSettings::default()
        };
        let app = runtime
            .spawn(async move { orders::build_with(&config, deps, settings).await })
            .await
            .expect("the build task")
            .expect("orders builds");
        runtime.spawn(app.serve(std::future::pending()));
        OrdersProcess {
            runtime: Some(runtime),
        }
    }

    /// Stops everything of the service at once, mid-request and mid-saga: its tasks are
    /// dropped where they stand, never polled again. Returns once they are gone and its
    /// listener closed, so that the port can be bound again.
    fn crash(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            // Shutting a runtime down blocks, which the test's runtime must not do itself.
            let stopped =
                std::thread::spawn(move || runtime.shutdown_timeout(Duration::from_secs(10)))
                    .join();
            if stopped.is_err() {
                eprintln!("the orders runtime did not shut down cleanly");
            }
        }
    }
}

impl Drop for OrdersProcess {
    fn drop(&mut self) {
        self.crash();
    }
}

/// A plain client: one attempt per call, a breaker that never opens on this load.
fn plain_client() -> ServiceClient {
    ServiceClient::builder("invariants-test")
        .total_timeout(Duration::from_secs(30))
        .attempt_timeout(Duration::from_secs(25))
        .max_attempts(1)
        .breaker_window(1000)
        .breaker_minimum_calls(1000)
        .build()
        .expect("a client")
}

/// Sends `method url` with an optional bearer `token`, `Idempotency-Key` and JSON `body`;
/// the status and JSON answer, or `None` when the service could not be reached or hung up.
async fn call(
    client: &ServiceClient,
    method: Method,
    url: &str,
    token: Option<&str>,
    idempotency_key: Option<&str>,
    body: Option<&Value>,
) -> Option<(StatusCode, Value)> {
    let mut request = Request::builder().method(method).uri(url);
    if let Some(token) = token {
        request = request.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    if let Some(key) = idempotency_key {
        request = request.header("idempotency-key", key);
    }
    if body.is_some() {
        request = request.header(CONTENT_TYPE, "application/json");
    }
    let body = body.map(Value::to_string).unwrap_or_default();
    let request = request.body(RequestBody::from(body)).expect("a request");
    let response = client.send(request).await.ok()?;
    let status = response.status();
    let bytes = response.into_body().collect().await.ok()?.to_bytes();
    Some((
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    ))
}

/// Polls `probe` until it gives `Some`, for at most [`PATIENCE`]; panics naming `what`.
async fn eventually<T, F, Fut>(what: &str, probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    within(what, probe)
        .await
        .unwrap_or_else(|missed| panic!("{missed}"))
}

/// Polls `probe` until it gives `Some`, for at most [`PATIENCE`]; an error naming `what`
/// when it never does.
async fn within<T, F, Fut>(what: &str, mut probe: F) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let waited = tokio::time::timeout(PATIENCE, async {
        loop {
            if let Some(value) = probe().await {
                return value;
            }
            tokio::time::sleep(POLL).await;
        }
    })
    .await;
    waited.map_err(|_| format!("{what} within {PATIENCE:?}"))
}

/// What became of the orders placed.
#[derive(Debug, Default)]
struct Outcomes {
    /// Orders answered 201.
    completed: AtomicUsize,
    /// Orders answered with a problem after compensation.
    refused: AtomicUsize,
    /// Calls that got no answer (orders down or crashing), each asked again.
    unanswered: AtomicUsize,
}

/// The services of one run, served on free ports.
struct Shop {
    urls: ShopUrls,
    orders_address: SocketAddr,
    orders: OrdersProcess,
    orders_deps: OrdersDeps,
    stop: Vec<oneshot::Sender<()>>,
    servers: JoinSet<()>,
}

impl Shop {
    async fn start(backend: &Backend) -> Shop {
        let mut stop = Vec::new();
        let mut servers = JoinSet::new();
        let mut serve = |router: axum::Router| {
            let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a port");
            listener.set_nonblocking(true).expect("non-blocking");
            let address = listener.local_addr().expect("its address");
            let (stopping, stopped) = oneshot::channel::<()>();
            stop.push(stopping);
            servers.spawn(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("a listener");
                let _ = shop_kit::server::serve_on(listener, router, async move {
                    let _ = stopped.await;
                })
                .await;
            });
            format!("http://{address}")
        };
        let unused = free_address();
        let products = products::build(&config(ShopService::Products, &backend.products, unused))
            .await
            .expect("products builds");
        let options = BuildOptions {
            provider: ProviderSettings {
                timeout: Duration::from_secs(2),
                fault_seed: Some(10),
            },
            bus: Some(Arc::clone(&backend.bus)),
        };
        let payments = payments::build_with(
            &config(ShopService::Payments, &backend.payments, unused),
            options,
        )
        .await
        .expect("payments builds");
        let notifications = notifications::build_with_bus(
            &config(ShopService::Notifications, &backend.notifications, unused),
            Arc::clone(&backend.bus),
        )
        .await
        .expect("notifications builds");
        let products_url = serve(products.router());
        let payments_url = serve(payments.router());
        let notifications_url = serve(notifications.router());
        // The apps own their databases' pools and the subscription: kept until the end.
        servers.spawn(async move {
            let _kept = (products, payments, notifications);
            std::future::pending::<()>().await;
        });

        let orders_address = free_address();
        let orders_deps = OrdersDeps {
            products_url: products_url.clone(),
            payments_url: payments_url.clone(),
            bus: Arc::clone(&backend.bus),
        };
        let orders = OrdersProcess::start(
            config(ShopService::Orders, &backend.orders, orders_address),
            orders_deps.clone(),
        )
        .await;
        Shop {
            urls: ShopUrls {
                products: products_url,
                payments: payments_url,
                orders: format!("http://{orders_address}"),
                notifications: notifications_url,
            },
            orders_address,
            orders,
            orders_deps,
            stop,
            servers,
        }
    }

    /// Crashes the orders service and starts it again on the same database and port.
    async fn restart_orders(&mut self, backend: &Backend) {
        self.orders.crash();
        self.orders = OrdersProcess::start(
            config(ShopService::Orders, &backend.orders, self.orders_address),
            self.orders_deps.clone(),
        )
        .await;
    }

    async fn stop(mut self) {
        self.orders.crash();
        for stopping in self.stop.drain(..) {
            let _ = stopping.send(());
        }
        self.servers.abort_all();
        while self.servers.join_next().await.is_some() {}
    }
}

/// `GET {base}/admin/state`'s `state`, or `None` when the service does not answer.
async fn admin_state(client: &ServiceClient, base: &str) -> Option<Value> {
    let url = format!("{base}/admin/state");
    match call(client, Method::GET, &url, Some(ADMIN_TOKEN), None, None).await {
        Some((status, body)) if status == StatusCode::OK => Some(body["state"].clone()),
        _ => None,
    }
}

/// Puts the fault `name` on the service at `base` through its admin fault API.
async fn put_fault(client: &ServiceClient, base: &str, name: &str, spec: &Value) {
    let url = format!("{base}/admin/faults/{name}");
    let answer = call(
        client,
        Method::PUT,
        &url,
        Some(ADMIN_TOKEN),
        None,
        Some(spec),
    )
    .await;
    assert!(
        answer
            .as_ref()
            .is_some_and(|(status, _)| status.is_success()),
        "PUT {url}: {answer:?}"
    );
}

/// Removes the fault `name` of the service at `base`.
async fn delete_fault(client: &ServiceClient, base: &str, name: &str) {
    let url = format!("{base}/admin/faults/{name}");
    let answer = call(client, Method::DELETE, &url, Some(ADMIN_TOKEN), None, None).await;
    assert!(
        answer
            .as_ref()
            .is_some_and(|(status, _)| status.is_success()),
        "DELETE {url}: {answer:?}"
    );
}

/// Places [`ORDERS`] orders, [`CONCURRENCY`] at a time, from [`USERS`] users over every
/// product; counts what became of them in `outcomes`.
async fn place_orders(
    orders_url: String,
    products: Vec<Uuid>,
    tokens: Vec<String>,
    outcomes: Arc<Outcomes>,
) {
    let next = Arc::new(AtomicUsize::new(0));
    let client = plain_client();
    let mut workers = JoinSet::new();
    for _ in 0..CONCURRENCY {
        let (next, client, outcomes) = (Arc::clone(&next), client.clone(), Arc::clone(&outcomes));
        let (url, products, tokens) = (
            format!("{orders_url}/orders"),
            products.clone(),
            tokens.clone(),
        );
        workers.spawn(async move {
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= ORDERS {
                    return;
                }
                let order = json!({
                    "product_id": products[index * 7 % products.len()],
                    "quantity": 1 + index % 3,
                });
                let token = &tokens[index % tokens.len()];
                // One key per order: an answer lost to the crash is asked for again, and
                // the order is placed once.
                let key = format!("invariants-{index}");
                let counter = loop {
                    let answer = call(
                        &client,
                        Method::POST,
                        &url,
                        Some(token),
                        Some(&key),
                        Some(&order),
                    )
                    .await;
                    match answer {
                        Some((status, _)) if status == StatusCode::CREATED => {
                            break &outcomes.completed;
                        }
                        Some((_, problem))
                            if problem["type"] == orders::ORDER_IN_PROGRESS_PROBLEM => {}
                        Some(_) => break &outcomes.refused,
                        None => {
                            outcomes.unanswered.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    tokio::time::sleep(POLL).await;
                };
                counter.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    while let Some(joined) = workers.join_next().await {
        joined.expect("a load worker");
    }
}

/// Waits until the shop is quiet: no saga unfinished or running, no payment pending, every
/// completed order's event notified, and nothing more notified between two polls.
async fn wait_until_quiet(
    checker: &Checker,
    client: &ServiceClient,
    orders_url: &str,
) -> Result<(), String> {
    within("the orders sagas all finish", || async {
        let state = admin_state(client, orders_url).await?;
        let unfinished =
            state["orders"]["pending"].as_i64()? + state["orders"]["compensating"].as_i64()?;
        (unfinished == 0 && state["running_sagas"].as_u64()? == 0).then_some(())
    })
    .await?;
    // How many events were notified at the last poll; none polled yet.
    let notified_before = AtomicUsize::new(usize::MAX);
    within("the events are all consumed", || {
        let previous = notified_before.load(Ordering::Relaxed);
        let seen = &notified_before;
        async move {
            let snapshot = checker.snapshot().await.ok()?;
            let notified: std::collections::HashSet<Uuid> =
                snapshot.notified.iter().map(|row| row.event_id).collect();
            let all_completed_notified = snapshot
                .orders
                .iter()
                .filter_map(|order| order.completed_event_id)
                .all(|event| notified.contains(&event));
            let settled = snapshot
                .payments
                .iter()
                .all(|payment| payment.status != payments::model::PaymentStatus::Pending);
            seen.store(notified.len(), Ordering::Relaxed);
            (all_completed_notified && settled && previous == notified.len()).then_some(())
        }
    })
    .await
}

async fn run(backend: Backend) {
    let mut shop = Shop::start(&backend).await;
    let client = plain_client();
    let checker = Checker::new(shop.urls.clone(), Secret::new(ADMIN_TOKEN)).expect("a checker");
    let orders_url = shop.urls.orders.clone();
    eventually("orders answers", || async {
        admin_state(&client, &orders_url).await.map(drop)
    })
    .await;
    let baseline: Baseline = checker.baseline().await.expect("the stock before the run");
    let products: Vec<Uuid> = baseline.initial_stock.keys().copied().collect();
    assert!(!products.is_empty(), "the catalog is seeded");

    let payment_failure = serde_json::to_value(payment_failure(30)).expect("a fault spec");
    let payment_slow = serde_json::to_value(payment_slow_between(
        Duration::from_millis(20),
        Duration::from_millis(150),
    ))
    .expect("a fault spec");
    let products_flaky = json!({"kind": "abort", "status": 503, "probability": 0.1});
    put_fault(
        &client,
        &shop.urls.payments,
        PAYMENT_FAILURE,
        &payment_failure,
    )
    .await;
    put_fault(&client, &shop.urls.payments, PAYMENT_SLOW, &payment_slow).await;
    put_fault(
        &client,
        &shop.urls.products,
        "productsFlaky",
        &products_flaky,
    )
    .await;

    let issuer = TokenIssuer::new(
        &ServiceConfig::from_sources(
            ShopService::Users,
            [("SHOP_ADMIN_TOKEN", ADMIN_TOKEN)],
            None,
        )
        .expect("test settings")
        .jwt_secret,
    );
    let tokens: Vec<String> = (0..USERS)
        .map(|_| issuer.issue(Uuid::new_v4()).expect("a token"))
        .collect();
    let outcomes = Arc::new(Outcomes::default());
    let load = tokio::spawn(place_orders(
        orders_url.clone(),
        products,
        tokens,
        Arc::clone(&outcomes),
    ));

    // Crash once a fair share of orders has been answered and sagas are in flight.
    eventually("sagas in flight a while into the run", || async {
        let answered =
            outcomes.completed.load(Ordering::Relaxed) + outcomes.refused.load(Ordering::Relaxed);
        if answered < ORDERS / 5 {
            return None;
        }
        let state = admin_state(&client, &orders_url).await?;
        (state["running_sagas"].as_u64()? >= 3).then_some(())
    })
    .await;
    shop.restart_orders(&backend).await;
    eventually("the restarted orders answers", || async {
        admin_state(&client, &orders_url).await.map(drop)
    })
    .await;

    load.await.expect("the load ran");
    delete_fault(&client, &shop.urls.payments, PAYMENT_FAILURE).await;
    delete_fault(&client, &shop.urls.payments, PAYMENT_SLOW).await;
    delete_fault(&client, &shop.urls.products, "productsFlaky").await;
    let quiet = wait_until_quiet(&checker, &client, &orders_url).await;

    let sagas = admin_state(&client, &orders_url)
        .await
        .expect("the orders state");
    let recovered = sagas["recovered"].as_u64().expect("a count");
    let swept = sagas["swept"].as_u64().expect("a count");
    let report: Report = checker
        .check(Some(&baseline))
        .await
        .expect("the check reads the shop");
    if let Err(never_quiet) = quiet {
        panic!(
            "{}: the shop never got quiet ({never_quiet}); {outcomes:?}; now:\n{report}",
            backend.name
        );
    }
    let completed = outcomes.completed.load(Ordering::Relaxed);
    let refused = outcomes.refused.load(Ordering::Relaxed);
    let unanswered = outcomes.unanswered.load(Ordering::Relaxed);
    eprintln!(
        "{}: {completed} completed, {refused} refused, {unanswered} calls unanswered and \
         asked again (crash); \
         {recovered} sagas recovered at the restart, {swept} swept\n{report}",
        backend.name
    );
    assert!(report.passed(), "{}: {report}", backend.name);
    // Every order was placed once and answered as it ended.
    assert_eq!(completed + refused, ORDERS);
    assert_eq!(
        report.totals.orders.iter().sum::<usize>(),
        ORDERS,
        "{report}"
    );
    assert_eq!(
        report
            .totals
            .orders_in(orders::model::OrderStatus::Completed),
        completed,
        "{report}"
    );
    assert!(completed > 0, "some orders completed");
    assert!(refused > 0, "some orders failed and were compensated");
    assert!(recovered > 0, "the restart recovered interrupted sagas");
    let totals = report.totals;
    assert!(
        totals.orders_in(orders::model::OrderStatus::Cancelled) > 0,
        "compensated orders: {report}"
    );
    assert!(
        totals.payments_in(payments::model::PaymentStatus::Declined) > 0,
        "the payment fault declined charges: {report}"
    );

    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn invariants_hold_under_faults_and_a_crash_on_sqlite() {
    run(Backend::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn invariants_hold_under_faults_and_a_crash_on_postgres_with_rabbitmq() {
    let Some(backend) = Backend::postgres_rabbitmq().await else {
        return;
    };
    run(backend).await;
}

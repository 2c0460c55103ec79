//! `shop_drive::load::run` against a stub shop on a free port: what the stub received is what the
//! report counts, in both modes, and every request is marked synthetic.

use std::collections::HashSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use serde_json::{Value, json};
use shop_drive::SYNTHETIC_BAGGAGE;
use shop_drive::load::{LoadConfig, LoadError, Mode, Progress, Step, run};

/// What the stub shop saw.
#[derive(Debug, Default)]
struct Seen {
    requests: u64,
    unmarked: u64,
    product_lists: u64,
    orders: u64,
    idempotency_keys: HashSet<String>,
    order_reads: u64,
}

type Shared = Arc<Mutex<Seen>>;

fn note(seen: &Shared, headers: &HeaderMap) {
    let mut seen = seen.lock().unwrap();
    seen.requests += 1;
    if headers.get("baggage").and_then(|v| v.to_str().ok()) != Some(SYNTHETIC_BAGGAGE) {
        seen.unmarked += 1;
    }
}

/// A stub of the shop's public API: every other order is declined (402).
fn stub(seen: Shared) -> Router {
    Router::new()
        .route(
            "/api/users",
            post(|State(seen): State<Shared>, headers: HeaderMap| async move {
                note(&seen, &headers);
                (StatusCode::CREATED, Json(json!({"id": "u1"})))
            }),
        )
        .route(
            "/api/auth/login",
            post(|State(seen): State<Shared>, headers: HeaderMap| async move {
                note(&seen, &headers);
                Json(json!({"token": "token-1", "user_id": "u1"}))
            }),
        )
        .route(
            "/api/products",
            get(|State(seen): State<Shared>, headers: HeaderMap| async move {
                note(&seen, &headers);
                seen.lock().unwrap().product_lists += 1;
                Json(json!({"items": [{"id": "p1"}, {"id": "p2"}]}))
            }),
        )
        .route(
            "/api/products/{id}",
            get(|State(seen): State<Shared>, headers: HeaderMap| async move {
                note(&seen, &headers);
                Json(json!({"id": "p1"}))
            }),
        )
        .route(
            "/api/orders",
            post(
                |State(seen): State<Shared>, headers: HeaderMap, Json(body): Json<Value>| async move {
                    note(&seen, &headers);
                    let mut seen = seen.lock().unwrap();
                    seen.orders += 1;
                    let key = headers
                        .get("idempotency-key")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    seen.idempotency_keys.insert(key);
                    let authorised = headers.get("authorization").and_then(|v| v.to_str().ok())
                        == Some("Bearer token-1");
                    if !authorised || body["quantity"] != 1 {
                        return (StatusCode::BAD_REQUEST, Json(json!({})));
                    }
                    if seen.orders % 2 == 0 {
                        (StatusCode::PAYMENT_REQUIRED, Json(json!({"status": 402})))
                    } else {
                        (
                            StatusCode::CREATED,
                            Json(json!({"id": format!("o{}", seen.orders), "status": "completed"})),
                        )
                    }
                },
            ),
        )
        .route(
            "/api/orders/{id}",
            get(
                |State(seen): State<Shared>, headers: HeaderMap, Path(id): Path<String>| async move {
                    note(&seen, &headers);
                    seen.lock().unwrap().order_reads += 1;
                    Json(json!({"id": id, "status": "completed"}))
                },
            ),
        )
        .with_state(seen)
}

async fn start_stub() -> (String, Shared) {
    let seen = Shared::default();
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind a free port");
    let address = listener.local_addr().expect("address");
    let app = stub(Arc::clone(&seen));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}"), seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn virtual_users_order_and_the_report_counts_what_the_shop_received() {
    let (base, seen) = start_stub().await;
    let config = LoadConfig::new(&base, Mode::Users(4), Duration::from_millis(800))
        .expect("valid")
        .with_mix("order=1,view_order=1".parse().expect("valid mix"));

    let report = run(&config, Progress::Hidden)
        .await
        .expect("the stub answers");

    let seen = seen.lock().unwrap();
    let placed = report.step(Step::PlaceOrder).expect("orders were placed");
    assert!(placed.count > 0);
    assert_eq!(
        placed.count, seen.orders,
        "every order sent is counted once"
    );
    assert_eq!(
        placed.successes,
        seen.orders.div_ceil(2),
        "odd orders complete"
    );
    assert_eq!(placed.outcomes.get("402").copied(), Some(seen.orders / 2));
    assert_eq!(
        seen.idempotency_keys.len() as u64,
        seen.orders,
        "each order carries its own Idempotency-Key"
    );
    assert_eq!(
        report.step(Step::GetOrder).map(|step| step.count),
        Some(seen.order_reads)
    );
    assert_eq!(
        report.step(Step::Register).map(|step| step.count),
        Some(4),
        "each virtual user registers once and keeps its customer"
    );
    assert_eq!(
        seen.unmarked, 0,
        "every request carries the synthetic baggage"
    );
    assert_eq!(
        report.requests() + 1,
        seen.requests,
        "all but the preflight read"
    );
    let completed: u64 = report.timeline.iter().map(|s| s.orders_completed).sum();
    assert_eq!(completed, placed.successes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_starts_journeys_on_schedule() {
    let (base, seen) = start_stub().await;
    let config = LoadConfig::new(&base, Mode::Rate(100.0), Duration::from_secs(1))
        .expect("valid")
        .with_mix("browse=1".parse().expect("valid mix"));

    let report = run(&config, Progress::Hidden)
        .await
        .expect("the stub answers");

    let offered = report.journeys_started + report.journeys_dropped;
    assert!((99..=101).contains(&offered), "offered {offered} journeys");
    let listed = report.step(Step::ListProducts).expect("browsed");
    assert_eq!(listed.count, report.journeys_started);
    assert_eq!(listed.success_percent, 100.0);
    assert_eq!(seen.lock().unwrap().product_lists, listed.count + 1);
    let json = serde_json::to_value(&report).expect("serialisable");
    assert_eq!(json["steps"][0]["step"], "list_products");
    assert!(report.to_string().contains("GET /api/products"));
}

#[tokio::test]
async fn a_shop_that_does_not_answer_is_reported_by_address() {
    let free: SocketAddr = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .expect("a free port");
    let base = format!("http://{free}");
    let config = LoadConfig::new(&base, Mode::Users(1), Duration::from_secs(1)).expect("valid");

    let error = run(&config, Progress::Hidden)
        .await
        .expect_err("nothing listens");

    assert!(matches!(&error, LoadError::Unreachable { base: b } if *b == base));
    assert!(error.to_string().contains(&base));
}

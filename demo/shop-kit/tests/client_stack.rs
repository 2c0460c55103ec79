#![cfg(feature = "client")]
//! `ServiceClient` against a small axum upstream on 127.0.0.1: JSON both ways, retries of
//! idempotent calls only, the breaker, injected faults, and deadline propagation.
//!
//! These tests talk over real sockets, so most run on tokio's real clock (a paused clock
//! may fire a timeout while the runtime waits for the socket) and none of them waits on
//! time or asserts on durations. The one that waits for timeouts runs on a paused clock:
//! there, a timeout is the expected outcome whenever it fires.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use seawall::Rejection;
use seawall::breaker::State as BreakerState;
use seawall::chaos::{FaultSpec, InjectedFault};
use seawall::deadline::Deadline;
use seawall::headers::TIMEOUT_MS;
use seawall::retry::RetryBudget;
use serde::{Deserialize, Serialize};
use shop_kit::client::{ClientError, ServiceClient};
use shop_kit::problem::{Problem, ValidJson};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Product {
    id: String,
    name: String,
    price: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Charge {
    order_id: String,
    amount: i64,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Receipt {
    order_id: String,
    amount: i64,
    charged: bool,
}

/// The upstream's counters: every request it handled, and how many to fail with 503.
#[derive(Clone, Default)]
struct Upstream {
    calls: Arc<AtomicU32>,
    failures_left: Arc<AtomicU32>,
}

impl Upstream {
    /// Counts a call; `Err` with a 503 problem while failures are left.
    fn handle(&self) -> Result<(), Problem> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let fail = self
            .failures_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok();
        if fail {
            Err(Problem::service_unavailable("warming up"))
        } else {
            Ok(())
        }
    }

    fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }

    fn fail_next(&self, calls: u32) {
        self.failures_left.store(calls, Ordering::SeqCst);
    }
}

async fn product(
    State(upstream): State<Upstream>,
    Path(id): Path<String>,
) -> Result<Json<Product>, Problem> {
    upstream.handle()?;
    if id == "missing" {
        return Err(Problem::not_found(format!("no product {id}")));
    }
    Ok(Json(Product {
        id,
        name: "green tea".to_owned(),
        price: 450,
    }))
}

async fn charge(
    State(upstream): State<Upstream>,
    ValidJson(charge): ValidJson<Charge>,
) -> Result<(StatusCode, Json<Receipt>), Problem> {
    upstream.handle()?;
    Ok((
        StatusCode::CREATED,
        Json(Receipt {
            order_id: charge.order_id,
            amount: charge.amount,
            charged: true,
        }),
    ))
}

async fn broken(State(upstream): State<Upstream>) -> impl IntoResponse {
    upstream.calls.fetch_add(1, Ordering::SeqCst);
    Problem::internal_server_error("always broken")
}

/// The remaining time the caller sent, in milliseconds.
async fn remaining(headers: HeaderMap) -> Json<Option<u64>> {
    Json(
        headers
            .get(TIMEOUT_MS)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse().ok()),
    )
}

/// Serves the upstream on a free port; returns its base URL and authority.
async fn serve(upstream: Upstream) -> (String, String) {
    let app = Router::new()
        .route("/products/{id}", get(product))
        .route("/charges", post(charge))
        .route("/broken", get(broken))
        .route("/remaining", get(remaining))
        .route("/hang", get(std::future::pending::<()>))
        .with_state(upstream);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a free port");
    let authority = listener.local_addr().expect("local address").to_string();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{authority}"), authority)
}

/// A client whose retries are always affordable and quick.
fn client() -> ServiceClient {
    ServiceClient::builder("orders")
        .retry_budget(RetryBudget::new(10.0, 0.0).expect("a valid budget"))
        .retry_base_delay(Duration::from_millis(1))
        .build()
        .expect("a valid client")
}

#[tokio::test]
async fn json_goes_both_ways() {
    let upstream = Upstream::default();
    let (base, _) = serve(upstream.clone()).await;
    let client = client();

    let product: Product = client
        .get_json(&base, "/products/42", "/products/{id}")
        .await
        .expect("a product");
    assert_eq!(
        product,
        Product {
            id: "42".to_owned(),
            name: "green tea".to_owned(),
            price: 450
        }
    );

    let receipt: Receipt = client
        .post_json(
            &format!("{base}/"),
            "/charges",
            "/charges",
            &Charge {
                order_id: "o-1".to_owned(),
                amount: 900,
            },
            None,
        )
        .await
        .expect("a receipt");
    assert_eq!(
        receipt,
        Receipt {
            order_id: "o-1".to_owned(),
            amount: 900,
            charged: true
        }
    );
    assert_eq!(upstream.calls(), 2);
}

#[tokio::test]
async fn an_error_status_carries_its_problem() {
    let upstream = Upstream::default();
    let (base, _) = serve(upstream.clone()).await;

    let error = client()
        .get_json::<Product>(&base, "/products/missing", "/products/{id}")
        .await
        .expect_err("a 404");
    let ClientError::Status { status, problem } = error else {
        panic!("expected a status error, got {error:?}");
    };
    assert_eq!(status, StatusCode::NOT_FOUND);
    let problem = problem.expect("a problem+json body");
    assert_eq!(problem.status(), StatusCode::NOT_FOUND);
    assert_eq!(problem.detail(), Some("no product missing"));
    assert_eq!(upstream.calls(), 1, "a 4xx is not retried");
}

#[tokio::test]
async fn a_503_then_200_is_retried() {
    let upstream = Upstream::default();
    let (base, _) = serve(upstream.clone()).await;
    upstream.fail_next(1);

    let product: Product = client()
        .get_json(&base, "/products/7", "/products/{id}")
        .await
        .expect("the retry succeeds");
    assert_eq!(product.id, "7");
    assert_eq!(upstream.calls(), 2);
}

#[tokio::test]
async fn a_post_is_retried_only_with_an_idempotency_key() {
    let upstream = Upstream::default();
    let (base, _) = serve(upstream.clone()).await;
    let client = client();
    let charge = Charge {
        order_id: "o-2".to_owned(),
        amount: 1200,
    };

    upstream.fail_next(1);
    let error = client
        .post_json::<_, Receipt>(&base, "/charges", "/charges", &charge, None)
        .await
        .expect_err("not retried");
    assert!(
        matches!(
            &error,
            ClientError::Status { status, problem: Some(problem) }
                if *status == StatusCode::SERVICE_UNAVAILABLE
                    && problem.detail() == Some("warming up")
        ),
        "{error:?}"
    );
    assert_eq!(upstream.calls(), 1);

    upstream.fail_next(1);
    let receipt: Receipt = client
        .post_json(&base, "/charges", "/charges", &charge, Some("charge-o-2"))
        .await
        .expect("retried with its key");
    assert!(receipt.charged);
    assert_eq!(upstream.calls(), 3);
}

#[tokio::test]
async fn an_open_breaker_answers_without_calling_the_upstream() {
    let upstream = Upstream::default();
    let (base, authority) = serve(upstream.clone()).await;
    let client = ServiceClient::builder("orders")
        .max_attempts(1)
        .breaker_window(4)
        .breaker_minimum_calls(4)
        .breaker_failure_rate(0.5)
        .breaker_open_duration(Duration::from_secs(600))
        .build()
        .expect("a valid client");

    for _ in 0..4 {
        let error = client
            .get_json::<Product>(&base, "/broken", "/broken")
            .await
            .expect_err("a 500");
        assert!(
            matches!(error, ClientError::Status { status, .. } if status == StatusCode::INTERNAL_SERVER_ERROR),
            "{error:?}"
        );
    }
    let breaker = client
        .breaker(&authority)
        .expect("a breaker for the upstream");
    assert_eq!(breaker.state(), BreakerState::Open);

    let error = client
        .get_json::<Product>(&base, "/products/1", "/products/{id}")
        .await
        .expect_err("the circuit is open");
    assert!(
        matches!(error, ClientError::CircuitOpen { retry_after } if retry_after > Duration::ZERO),
        "{error:?}"
    );
    assert_eq!(
        upstream.calls(),
        4,
        "the refused call never reached the upstream"
    );
}

#[tokio::test]
async fn injected_faults_fail_calls_until_removed() {
    let upstream = Upstream::default();
    let (base, _) = serve(upstream.clone()).await;
    let client = client();

    client
        .faults()
        .put("productsDown", FaultSpec::abort(503))
        .expect("a valid fault");
    let error = client
        .get_json::<Product>(&base, "/products/1", "/products/{id}")
        .await
        .expect_err("aborted");
    assert!(
        matches!(
            error,
            ClientError::Unavailable {
                rejection: Rejection::FaultInjected
            }
        ),
        "{error:?}"
    );

    client.faults().clear();
    client
        .faults()
        .put("productsReset", FaultSpec::connection_reset())
        .expect("a valid fault");
    let error = client
        .get_json::<Product>(&base, "/products/1", "/products/{id}")
        .await
        .expect_err("reset");
    let ClientError::Transport(source) = &error else {
        panic!("expected a transport error, got {error:?}");
    };
    let fault = source
        .downcast_ref::<InjectedFault>()
        .expect("the injected fault is the source");
    assert_eq!(fault.name(), "productsReset");
    assert_eq!(upstream.calls(), 0, "no faulted call reached the upstream");

    client.faults().clear();
    let product: Product = client
        .get_json(&base, "/products/1", "/products/{id}")
        .await
        .expect("healthy again");
    assert_eq!(product.id, "1");
    assert_eq!(upstream.calls(), 1);
}

#[tokio::test]
async fn the_current_deadline_reaches_the_upstream() {
    let (base, _) = serve(Upstream::default()).await;
    let client = ServiceClient::builder("orders")
        .total_timeout(Duration::from_secs(20))
        .attempt_timeout(Duration::from_secs(10))
        .build()
        .expect("a valid client");

    let without_deadline: Option<u64> = client
        .get_json(&base, "/remaining", "/remaining")
        .await
        .expect("an answer");
    let sent = without_deadline.expect("the attempt timeout is always sent");
    assert!(sent <= 10_000, "the attempt timeout bounds it: {sent}");

    let within_deadline: Option<u64> = Deadline::after(Duration::from_secs(3))
        .scope(client.get_json(&base, "/remaining", "/remaining"))
        .await
        .expect("an answer");
    let sent = within_deadline.expect("the deadline is sent");
    assert!(
        sent > 0 && sent <= 3_000,
        "the caller's deadline bounds it: {sent}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_hanging_upstream_times_out_in_virtual_time() {
    let (base, _) = serve(Upstream::default()).await;
    let client = ServiceClient::builder("orders")
        .total_timeout(Duration::from_secs(3))
        .attempt_timeout(Duration::from_secs(1))
        .retry_budget(RetryBudget::new(10.0, 0.0).expect("a valid budget"))
        .build()
        .expect("a valid client");

    let error = client
        .get_json::<Product>(&base, "/hang", "/hang")
        .await
        .expect_err("the upstream never answers");
    assert!(
        matches!(
            error,
            ClientError::Timeout {
                rejection: Rejection::Timeout | Rejection::DeadlineExceeded
            }
        ),
        "{error:?}"
    );
}

#![cfg(feature = "client")]
//! `ClientResilience`: the same failing upstream called through a client with seawall's
//! layers, with naive retries and with none, counting what reaches the upstream.
//!
//! Real sockets on 127.0.0.1 and real time: nothing here waits on a timer or asserts on a
//! duration (the back-off is 1 ms).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use seawall::breaker::State as BreakerState;
use seawall::retry::RetryBudget;
use shop_kit::client::{ClientError, ClientResilience, ServiceClient, ServiceClientBuilder};
use shop_kit::problem::Problem;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// Calls each test makes.
const CALLS: u32 = 20;

/// Attempts per call the clients are configured with.
const MAX_ATTEMPTS: u32 = 3;

/// An upstream that counts its requests and answers every one 503.
async fn serve_failing() -> (String, String, Arc<AtomicU32>) {
    async fn unavailable(State(calls): State<Arc<AtomicU32>>) -> Problem {
        calls.fetch_add(1, Ordering::SeqCst);
        Problem::service_unavailable("down for the test")
    }
    let calls = Arc::new(AtomicU32::new(0));
    let app = Router::new()
        .route("/products/{id}", get(unavailable))
        .with_state(Arc::clone(&calls));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a free port");
    let authority = listener.local_addr().expect("local address").to_string();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{authority}"), authority, calls)
}

/// A builder with quick retries and the given resilience.
fn builder(resilience: ClientResilience) -> ServiceClientBuilder {
    ServiceClient::builder("orders")
        .max_attempts(MAX_ATTEMPTS)
        .retry_base_delay(Duration::from_millis(1))
        .resilience(resilience)
}

/// Makes [`CALLS`] GETs; returns how many ended refused by an open circuit.
async fn call_many(client: &ServiceClient, base: &str) -> u32 {
    let mut circuit_open = 0;
    for _ in 0..CALLS {
        let error = client
            .get_json::<serde_json::Value>(base, "/products/1", "/products/{id}")
            .await
            .expect_err("the upstream always fails");
        match error {
            ClientError::CircuitOpen { .. } => circuit_open += 1,
            ClientError::Status { status, .. } => {
                assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
            }
            other => panic!("unexpected error {other:?}"),
        }
    }
    circuit_open
}

#[tokio::test]
async fn seawall_opens_the_breaker_and_stops_calling() {
    let (base, authority, calls) = serve_failing().await;
    let client = builder(ClientResilience::Seawall)
        .breaker_window(10)
        .breaker_minimum_calls(10)
        .breaker_open_duration(Duration::from_secs(600))
        .build()
        .expect("a valid client");

    let circuit_open = call_many(&client, &base).await;

    let breaker = client.breaker(&authority).expect("a breaker per upstream");
    assert_eq!(breaker.state(), BreakerState::Open);
    // The breaker judges attempts: the tenth failed one opens it, and no attempt after
    // that reaches the upstream.
    assert_eq!(calls.load(Ordering::SeqCst), 10);
    assert!(circuit_open > 0, "later calls are refused locally");
}

#[tokio::test]
async fn seawall_retries_only_what_the_budget_allows() {
    let (base, _, calls) = serve_failing().await;
    // Half a retry per call and no trickle; a breaker that never opens here.
    let client = builder(ClientResilience::Seawall)
        .retry_budget(RetryBudget::new(0.5, 0.0).expect("a valid budget"))
        .breaker_window(1000)
        .breaker_minimum_calls(1000)
        .build()
        .expect("a valid client");

    assert_eq!(call_many(&client, &base).await, 0);

    // Every call deposits half a token and a retry takes a whole one, so every second call
    // gets one retry: 1.5 attempts per call, not the 3 that max_attempts would allow.
    assert_eq!(calls.load(Ordering::SeqCst), CALLS + CALLS / 2);
}

#[tokio::test]
async fn naive_retries_send_max_attempts_per_call_without_budget_or_breaker() {
    let (base, authority, calls) = serve_failing().await;
    // A budget that would allow no retry at all, and a breaker that would open at once:
    // the naive client has neither.
    let client = builder(ClientResilience::NaiveRetries)
        .retry_budget(RetryBudget::new(0.0, 0.0).expect("a valid budget"))
        .breaker_window(2)
        .breaker_minimum_calls(2)
        .build()
        .expect("a valid client");

    assert_eq!(call_many(&client, &base).await, 0);

    assert_eq!(calls.load(Ordering::SeqCst), CALLS * MAX_ATTEMPTS);
    assert!(client.breaker(&authority).is_none());
    assert_eq!(client.resilience(), ClientResilience::NaiveRetries);
}

#[tokio::test]
async fn off_sends_exactly_one_attempt_per_call() {
    let (base, authority, calls) = serve_failing().await;
    let client = builder(ClientResilience::Off)
        .breaker_window(2)
        .breaker_minimum_calls(2)
        .build()
        .expect("a valid client");

    assert_eq!(call_many(&client, &base).await, 0);

    assert_eq!(calls.load(Ordering::SeqCst), CALLS);
    assert!(client.breaker(&authority).is_none());
}

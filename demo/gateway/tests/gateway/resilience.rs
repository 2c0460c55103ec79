//! A route's `resilience`: `seawall` retries a 503 (within the budget) and ejects an
//! instance by its breaker; `off` is plain proxying: one attempt, no breaker.

use std::sync::atomic::Ordering;

use crate::support::client::get;
use crate::support::stub::Stub;
use crate::support::{config, start_gateway};

/// A route to `things` with `resilience`, and a breaker that would open after 5 calls.
fn routes(resilience: &str) -> String {
    format!(
        r#"
[[routes]]
prefix = "/api/things"
upstream = "things"
attempts = 3
resilience = "{resilience}"
breaker = {{ window = 10, minimum_calls = 5, failure_rate = 0.5, open_ms = 60000 }}
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_resilience_off_a_503_is_not_retried_and_no_breaker_opens() {
    let stub = Stub::start("a").await;
    stub.behaviour.status.store(503, Ordering::SeqCst);
    let gateway = start_gateway(&config(&[("things", vec![stub.url()])], &routes("off"))).await;

    for sent in 1..=20 {
        let answer = get(&gateway.url("/api/things/1"), &[]).await;
        assert_eq!(answer.status, 503, "{}", answer.text);
        assert_eq!(
            stub.behaviour.served.load(Ordering::SeqCst),
            sent,
            "each request reaches the instance once, and every one reaches it"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_resilience_seawall_a_503_is_retried_and_the_breaker_opens() {
    let stub = Stub::start("a").await;
    let gateway = start_gateway(&config(&[("things", vec![stub.url()])], &routes("seawall"))).await;
    // Successful requests fill the retry budget (20% of the requests).
    for _ in 0..20 {
        assert_eq!(get(&gateway.url("/api/things/1"), &[]).await.status, 200);
    }

    stub.behaviour.status.store(503, Ordering::SeqCst);
    let answer = get(&gateway.url("/api/things/1"), &[]).await;
    assert_eq!(answer.status, 503, "{}", answer.text);
    assert_eq!(
        stub.behaviour.served.load(Ordering::SeqCst),
        20 + 3,
        "three attempts"
    );
    for _ in 0..10 {
        get(&gateway.url("/api/things/1"), &[]).await;
    }
    let served = stub.behaviour.served.load(Ordering::SeqCst) - 20;
    assert!(
        served < 11 * 3,
        "the budget and the breaker spared the instance: it served {served}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_naive_resilience_a_503_is_retried_but_no_breaker_opens() {
    let stub = Stub::start("a").await;
    stub.behaviour.status.store(503, Ordering::SeqCst);
    let gateway = start_gateway(&config(&[("things", vec![stub.url()])], &routes("naive"))).await;

    for sent in 1..=10 {
        get(&gateway.url("/api/things/1"), &[]).await;
        assert_eq!(
            stub.behaviour.served.load(Ordering::SeqCst),
            sent * 3,
            "every request retried to the maximum, with an empty budget and no breaker"
        );
    }
}

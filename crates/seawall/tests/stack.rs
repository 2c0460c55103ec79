#![cfg(all(feature = "breaker", feature = "retry", feature = "deadline"))]
//! The client stack against a hanging service, in virtual time.

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::Empty;
use seawall::{
    Rejection,
    breaker::CircuitBreakerLayer,
    deadline::Deadline,
    headers::TIMEOUT_MS,
    retry::{RetryBudget, RetryLayer},
    stack::ClientStack,
};
use std::{
    convert::Infallible,
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::time::Instant;
use tower::{Layer, ServiceExt, service_fn};

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

#[tokio::test(start_paused = true)]
async fn attempts_time_out_retry_and_stop_before_the_total_deadline() {
    let start = Instant::now();
    // When each attempt started and the remaining time it was told.
    let attempts: Arc<Mutex<Vec<(Duration, u64)>>> = Arc::default();
    let seen = attempts.clone();
    let hanging = service_fn(move |req: Request<_>| {
        let told: u64 = req.headers()[TIMEOUT_MS].to_str().unwrap().parse().unwrap();
        seen.lock().unwrap().push((start.elapsed(), told));
        std::future::pending::<Result<Response<Empty<Bytes>>, Infallible>>()
    });
    let stack = ClientStack::builder()
        .total_timeout(ms(1000))
        .attempt_timeout(ms(300))
        .margin(ms(0))
        .retry(
            RetryLayer::builder()
                .max_attempts(10)
                .base_delay(ms(50))
                .max_delay(ms(50))
                .jitter(seawall::retry::Jitter::None)
                .min_attempt_time(ms(300))
                .budget(RetryBudget::builder().ratio(100.0).build().unwrap())
                .build()
                .unwrap(),
        )
        .breaker(
            CircuitBreakerLayer::builder()
                .minimum_calls(100)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();

    let req = Request::get("http://slow/items")
        .body(Empty::<Bytes>::new())
        .unwrap();
    let res = stack.layer(hanging).oneshot(req).await.unwrap();

    // Attempts at 0, 350 and 700 ms; a fourth at 1050 ms could not finish, so none starts,
    // and the caller hears back no later than its deadline.
    let attempts = attempts.lock().unwrap().clone();
    let starts: Vec<_> = attempts.iter().map(|(at, _)| *at).collect();
    assert_eq!(starts, [ms(0), ms(350), ms(700)]);
    assert!(
        start.elapsed() <= ms(1000),
        "answered at {:?}",
        start.elapsed()
    );
    assert_eq!(res.status(), StatusCode::GATEWAY_TIMEOUT);
    assert!(matches!(
        Rejection::of(&res),
        Some(Rejection::Timeout | Rejection::DeadlineExceeded)
    ));
    // Each attempt told the next hop how long that attempt may take: its own timeout, or
    // what is left of the total, whichever is less.
    let told: Vec<_> = attempts.iter().map(|(_, told)| *told).collect();
    assert_eq!(told, [300, 300, 300]);
}

#[tokio::test(start_paused = true)]
async fn the_total_deadline_is_tightened_by_the_request_being_served() {
    let told: Arc<Mutex<Vec<u64>>> = Arc::default();
    let seen = told.clone();
    let ok = service_fn(move |req: Request<_>| {
        let value = req.headers()[TIMEOUT_MS].to_str().unwrap().parse().unwrap();
        seen.lock().unwrap().push(value);
        async { Ok::<_, Infallible>(Response::new(Empty::<Bytes>::new())) }
    });
    let stack = ClientStack::builder()
        .total_timeout(ms(5000))
        .margin(ms(10))
        .retry(RetryLayer::builder().build().unwrap())
        .breaker(CircuitBreakerLayer::builder().build().unwrap())
        .build()
        .unwrap();
    let req = Request::get("http://fast/items")
        .body(Empty::<Bytes>::new())
        .unwrap();
    let res = Deadline::after(ms(800))
        .scope(stack.layer(ok).oneshot(req))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(*told.lock().unwrap(), [790]);
}

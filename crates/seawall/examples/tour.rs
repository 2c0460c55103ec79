//! A tour of seawall against a real, misbehaving service on loopback.
//!
//! `cargo run --release -p seawall --example tour`
//!
//! A local axum service fails a share of its requests, then goes down, then comes back,
//! and one endpoint hangs. The same requests are sent by a plain client and by a client
//! with seawall's stack (deadline, retry with budget, circuit breaker, per-attempt
//! timeout), and the tour prints what each saw.

use axum::{Router, extract::State, http::StatusCode, routing::get};
use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Empty, combinators::BoxBody};
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use seawall::{
    Rejection,
    breaker::CircuitBreakerLayer,
    retry::{ReplayBody, RetryBudget, RetryLayer},
    stack::ClientStack,
};
use std::{
    sync::{
        Arc,
        atomic::{AtomicU8, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::net::TcpListener;
use tower::{BoxError, Layer, Service, ServiceExt};

/// How the service behaves now.
const FLAKY: u8 = 0;
const DOWN: u8 = 1;
const HEALTHY: u8 = 2;

#[derive(Clone)]
struct Upstream {
    mode: Arc<AtomicU8>,
    calls: Arc<AtomicU64>,
}

async fn items(State(upstream): State<Upstream>) -> StatusCode {
    let call = upstream.calls.fetch_add(1, Ordering::Relaxed);
    match upstream.mode.load(Ordering::Relaxed) {
        // Every third call fails.
        FLAKY if call % 3 == 0 => StatusCode::INTERNAL_SERVER_ERROR,
        DOWN => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::OK,
    }
}

type Body = BoxBody<Bytes, hyper::Error>;

struct Tally {
    ok: u32,
    failed: u32,
    rejected: u32,
    worst: Duration,
}

async fn drive<S>(client: &mut S, url: &str, requests: u32) -> Tally
where
    S: Service<Request<Empty<Bytes>>, Response = Response<Body>>,
    S::Error: Into<BoxError>,
{
    let mut tally = Tally {
        ok: 0,
        failed: 0,
        rejected: 0,
        worst: Duration::ZERO,
    };
    for _ in 0..requests {
        let started = Instant::now();
        let req = Request::get(url).body(Empty::new()).unwrap();
        let result = match client.ready().await {
            Ok(ready) => ready.call(req).await,
            Err(error) => Err(error),
        };
        tally.worst = tally.worst.max(started.elapsed());
        match result {
            Ok(res) if res.status().is_success() => tally.ok += 1,
            Ok(res) if Rejection::of(&res).is_some() => tally.rejected += 1,
            _ => tally.failed += 1,
        }
    }
    tally
}

fn report(phase: &str, who: &str, tally: &Tally, upstream_calls: u64) {
    println!(
        "{phase:<22} {who:<8} ok {:>4}  failed {:>4}  answered by seawall {:>4}  upstream calls {:>4}  slowest {:>7.1?}",
        tally.ok, tally.failed, tally.rejected, upstream_calls, tally.worst
    );
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let upstream = Upstream {
        mode: Arc::new(AtomicU8::new(FLAKY)),
        calls: Arc::new(AtomicU64::new(0)),
    };
    let app = Router::new()
        .route("/items", get(items))
        .route("/hang", get(std::future::pending::<StatusCode>))
        .with_state(upstream.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });

    let plain_transport = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let mut plain = plain_transport
        .map_response(|res: Response<hyper::body::Incoming>| res.map(BodyExt::boxed));

    let breaker = CircuitBreakerLayer::builder()
        .count_window(20)
        .minimum_calls(10)
        .failure_rate_threshold(0.5)
        .open_duration(Duration::from_millis(500))
        .half_open_probes(3)
        .on_transition(|t| println!("  breaker: {} -> {}", t.from, t.to))
        .build()?;
    let handle = breaker.handle();
    let stack = ClientStack::builder()
        .total_timeout(Duration::from_millis(300))
        .attempt_timeout(Duration::from_millis(100))
        .retry(
            RetryLayer::builder()
                .max_attempts(3)
                .base_delay(Duration::from_millis(5))
                .budget(RetryBudget::new(0.5, 20.0)?)
                .build()?,
        )
        .breaker(breaker)
        .build()?;
    let transport = Client::builder(TokioExecutor::new()).build_http::<ReplayBody<Empty<Bytes>>>();
    let mut guarded = stack.layer(
        transport.map_response(|res: Response<hyper::body::Incoming>| res.map(BodyExt::boxed)),
    );
    // Let the retry budget earn its first tokens.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let items = format!("{base}/items");
    let phases: [(&str, u8, u32); 3] = [
        ("1. one call in three fails", FLAKY, 90),
        ("2. service down", DOWN, 60),
        ("3. service back", HEALTHY, 30),
    ];
    for (phase, mode, requests) in phases {
        upstream.mode.store(mode, Ordering::Relaxed);
        if mode == HEALTHY {
            // Give the breaker its open time, so it can probe.
            tokio::time::sleep(Duration::from_millis(600)).await;
        }
        let before = upstream.calls.load(Ordering::Relaxed);
        let tally = drive(&mut plain, &items, requests).await;
        let plain_calls = upstream.calls.load(Ordering::Relaxed) - before;
        report(phase, "plain", &tally, plain_calls);
        let before = upstream.calls.load(Ordering::Relaxed);
        let tally = drive(&mut guarded, &items, requests).await;
        let guarded_calls = upstream.calls.load(Ordering::Relaxed) - before;
        report(phase, "seawall", &tally, guarded_calls);
        println!("  breaker is {}", handle.state());
    }

    println!("4. a hanging endpoint, with a 300 ms total deadline");
    let tally = drive(&mut guarded, &format!("{base}/hang"), 1).await;
    report("   /hang", "seawall", &tally, 0);
    Ok(())
}

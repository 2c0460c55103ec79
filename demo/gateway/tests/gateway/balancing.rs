//! Three instances behind one upstream: p2c spreads the load; one killed under steady load
//! is ejected while requests keep succeeding, and rejoins when it comes back.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use crate::support::client::{get, metric};
use crate::support::stub::Stub;
use crate::support::{RunningGateway, config, start_gateway};

const ROUTES: &str = r#"
[[routes]]
prefix = "/api/things"
upstream = "things"
breaker = { window = 10, minimum_calls = 5, failure_rate = 0.5, open_ms = 500 }
"#;

/// Requests sent and answered 2xx by a steady load of `workers` loops.
#[derive(Default)]
struct Load {
    sent: AtomicUsize,
    ok: AtomicUsize,
}

fn steady_load(
    gateway: &RunningGateway,
    workers: usize,
    running: Arc<AtomicBool>,
) -> (Arc<Load>, Vec<tokio::task::JoinHandle<()>>) {
    let load = Arc::new(Load::default());
    let handles = (0..workers)
        .map(|_| {
            let url = gateway.url("/api/things/1");
            let load = Arc::clone(&load);
            let running = Arc::clone(&running);
            tokio::spawn(async move {
                while running.load(Ordering::SeqCst) {
                    let answer = get(&url, &[]).await;
                    load.sent.fetch_add(1, Ordering::SeqCst);
                    if answer.status == 200 {
                        load.ok.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    (load, handles)
}

/// Waits (at most 10 s) until `done` holds.
async fn eventually(what: &str, done: impl Fn() -> bool) {
    for _ in 0..200 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen within 10 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_instance_is_ejected_without_failing_requests_and_rejoins() {
    let mut stubs = [
        Stub::start("a").await,
        Stub::start("b").await,
        Stub::start("c").await,
    ];
    let urls = stubs.iter().map(Stub::url).collect();
    let gateway = start_gateway(&config(&[("things", urls)], ROUTES)).await;

    let running = Arc::new(AtomicBool::new(true));
    let (load, handles) = steady_load(&gateway, 4, Arc::clone(&running));
    eventually("every instance serving", || {
        stubs
            .iter()
            .all(|s| s.behaviour.served.load(Ordering::SeqCst) > 20)
    })
    .await;

    let before = (
        load.sent.load(Ordering::SeqCst),
        load.ok.load(Ordering::SeqCst),
    );
    stubs[0].kill();
    let sent_at_kill = load.sent.load(Ordering::SeqCst);
    eventually("300 requests after the kill", || {
        load.sent.load(Ordering::SeqCst) > sent_at_kill + 300
    })
    .await;
    let after = (
        load.sent.load(Ordering::SeqCst),
        load.ok.load(Ordering::SeqCst),
    );
    let (sent, ok) = (after.0 - before.0, after.1 - before.1);
    #[allow(clippy::cast_precision_loss)]
    let rate = ok as f64 / sent as f64;
    println!(
        "with one of three instances killed: {ok}/{sent} requests succeeded ({:.2}%)",
        rate * 100.0
    );
    assert!(rate >= 0.99, "{ok}/{sent} succeeded");

    let served_by_dead = stubs[0].behaviour.served.load(Ordering::SeqCst);
    stubs[0].revive().await;
    eventually("the revived instance serving again", || {
        stubs[0].behaviour.served.load(Ordering::SeqCst) > served_by_dead + 20
    })
    .await;

    running.store(false, Ordering::SeqCst);
    for handle in handles {
        handle.await.expect("a load loop");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_answering_errors_is_ejected_by_its_breaker() {
    let stubs = [Stub::start("a").await, Stub::start("b").await];
    let gateway = start_gateway(&config(
        &[("things", stubs.iter().map(Stub::url).collect())],
        ROUTES,
    ))
    .await;
    stubs[1].behaviour.status.store(500, Ordering::SeqCst);
    let mut ok = 0;
    for _ in 0..100 {
        if get(&gateway.url("/api/things"), &[]).await.status == 200 {
            ok += 1;
        }
    }
    let b_served = stubs[1].behaviour.served.load(Ordering::SeqCst);
    println!("one of two instances answering 500: {ok}/100 succeeded, it served {b_served}");
    assert!(
        ok >= 90,
        "retries and ejection hide most failures: {ok}/100"
    );
    assert!(b_served < 40, "b was ejected: it served {b_served}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_failing_its_health_checks_gets_no_traffic_until_it_passes() {
    let stubs = [Stub::start("a").await, Stub::start("b").await];
    let gateway = start_gateway(&config(
        &[("things", stubs.iter().map(Stub::url).collect())],
        ROUTES,
    ))
    .await;
    let healthy = |metrics: &str| {
        metric(
            metrics,
            "shop_gateway_endpoint_healthy",
            &[("endpoint", &stubs[1].address.to_string())],
        )
    };
    stubs[1].behaviour.unready.store(true, Ordering::SeqCst);
    let mut metrics = String::new();
    for _ in 0..100 {
        metrics = get(&gateway.url("/metrics"), &[]).await.text;
        if metrics.contains("shop_gateway_endpoint_healthy") && healthy(&metrics) == 0.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(healthy(&metrics), 0.0, "{metrics}");
    let b_served = stubs[1].behaviour.served.load(Ordering::SeqCst);
    for _ in 0..40 {
        assert_eq!(
            get(&gateway.url("/api/things"), &[]).await.body["name"],
            "a"
        );
    }
    assert_eq!(stubs[1].behaviour.served.load(Ordering::SeqCst), b_served);

    stubs[1].behaviour.unready.store(false, Ordering::SeqCst);
    let mut back = false;
    for _ in 0..200 {
        if get(&gateway.url("/api/things"), &[]).await.body["name"] == "b" {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(back, "b takes traffic again once its checks pass");
}

//! Three instances behind one upstream: p2c spreads the load; one killed under steady load
//! is ejected while requests keep succeeding, and rejoins when it comes back.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use shop_testing::load::{self, Load, eventually};

use crate::support::client::{get, metric};
use crate::support::stub::Stub;
use crate::support::{RunningGateway, config, start_gateway};

const ROUTES: &str = r#"
[[routes]]
prefix = "/api/things"
upstream = "things"
breaker = { window = 10, minimum_calls = 5, failure_rate = 0.5, open_ms = 500 }
"#;

/// `workers` loops of `GET /api/things/1` through `gateway`; a 200 is a success.
fn steady_load(
    gateway: &RunningGateway,
    workers: usize,
    running: Arc<AtomicBool>,
) -> (Arc<Load>, Vec<tokio::task::JoinHandle<()>>) {
    let url = gateway.url("/api/things/1");
    load::steady_load(workers, running, move || {
        let url = url.clone();
        async move { get(&url, &[]).await.status == 200 }
    })
}

const WAIT: Duration = Duration::from_secs(10);

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
    eventually(WAIT, "every instance serving", async || {
        stubs
            .iter()
            .all(|s| s.behaviour.served.load(Ordering::SeqCst) > 20)
    })
    .await;

    let before = load.counts();
    stubs[0].kill();
    eventually(WAIT, "300 requests after the kill", async || {
        load.counts().0 > before.0 + 300
    })
    .await;
    let (rate, ok, sent) = load.success_rate_since(before);
    println!(
        "with one of three instances killed: {ok}/{sent} requests succeeded ({:.2}%)",
        rate * 100.0
    );
    assert!(rate >= 0.99, "{ok}/{sent} succeeded");

    let served_by_dead = stubs[0].behaviour.served.load(Ordering::SeqCst);
    stubs[0].revive().await;
    eventually(WAIT, "the revived instance serving again", async || {
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

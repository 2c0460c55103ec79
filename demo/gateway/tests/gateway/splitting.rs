//! Canary by header, weighted split, and a migration that rolls itself back.

use std::sync::atomic::Ordering;

use crate::support::client::{get, metric};
use crate::support::stub::Stub;
use crate::support::{config, start_gateway};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_header_sends_a_request_to_the_canary() {
    let stable = Stub::start("stable").await;
    let canary = Stub::start("canary").await;
    let routes = r#"
[[routes]]
prefix = "/api/things"
upstream = "stable"
canary = [{ header = "x-canary", value = "beta", upstream = "canary" }]
"#;
    let gateway = start_gateway(&config(
        &[
            ("stable", vec![stable.url()]),
            ("canary", vec![canary.url()]),
        ],
        routes,
    ))
    .await;
    for _ in 0..10 {
        assert_eq!(
            get(&gateway.url("/api/things"), &[]).await.body["name"],
            "stable"
        );
        let beta = get(&gateway.url("/api/things"), &[("x-canary", "beta")]).await;
        assert_eq!(beta.body["name"], "canary");
        assert_eq!(beta.header("x-gateway-upstream"), Some("canary"));
        assert_eq!(
            get(&gateway.url("/api/things"), &[("x-canary", "gamma")])
                .await
                .body["name"],
            "stable"
        );
    }
    // The split's choices are counted per route and upstream (other tests of this process
    // may add to the same series, never take from it).
    let metrics = get(&gateway.url("/metrics"), &[]).await.text;
    let labels = [("route", "/api/things"), ("upstream", "canary")];
    let counted = metric(&metrics, "shop_gateway_upstream_requests_total", &labels);
    assert!(counted >= 10.0, "{counted}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weights_split_the_traffic() {
    let v1 = Stub::start("v1").await;
    let v2 = Stub::start("v2").await;
    let routes = r#"
[[routes]]
prefix = "/api/things"
upstream = "v1"
weights = [{ upstream = "v1", weight = 75 }, { upstream = "v2", weight = 25 }]
"#;
    let gateway = start_gateway(&config(
        &[("v1", vec![v1.url()]), ("v2", vec![v2.url()])],
        routes,
    ))
    .await;
    let mut to_v2 = 0;
    for _ in 0..400 {
        if get(&gateway.url("/api/things"), &[]).await.body["name"] == "v2" {
            to_v2 += 1;
        }
    }
    assert!(
        (60..=140).contains(&to_v2),
        "v2 took {to_v2} of 400 at weight 25%"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_migration_rolls_itself_back() {
    let old = Stub::start("old").await;
    let new = Stub::start("new").await;
    new.behaviour.status.store(500, Ordering::SeqCst);
    let routes = r#"
[[routes]]
prefix = "/api/migrating"
upstream = "old"
attempts = 1
migration = { upstream = "new", percent = 50, error_rate = 0.5, window_ms = 60000, minimum_requests = 5 }
"#;
    let gateway = start_gateway(&config(
        &[("old", vec![old.url()]), ("new", vec![new.url()])],
        routes,
    ))
    .await;
    let mut failed = 0;
    for _ in 0..60 {
        if get(&gateway.url("/api/migrating"), &[]).await.status != 200 {
            failed += 1;
        }
    }
    assert!(
        (5..=20).contains(&failed),
        "the new upstream failed {failed} requests before the rollback"
    );
    let new_served = new.behaviour.served.load(Ordering::SeqCst);
    for _ in 0..50 {
        assert_eq!(get(&gateway.url("/api/migrating"), &[]).await.status, 200);
    }
    assert_eq!(
        new.behaviour.served.load(Ordering::SeqCst),
        new_served,
        "rolled back to 0%"
    );
    let metrics = get(&gateway.url("/metrics"), &[]).await.text;
    let labels = [("route", "/api/migrating"), ("upstream", "new")];
    assert_eq!(
        metric(&metrics, "shop_gateway_migration_rollbacks_total", &labels),
        1.0,
        "{metrics}"
    );
    assert_eq!(
        metric(&metrics, "shop_gateway_migration_percent", &labels),
        0.0
    );
}

//! The operations side verified for real (issue 7): the shop runs in-process on free ports,
//! a real Prometheus (Debian's package) scrapes it with the project's own
//! `prometheus/prometheus.yml` and rules (rendered for the test, see [`render`]), and
//! every panel query of `grafana/dashboards/*.json` and every alert expression returns
//! data, while the circuit-breaker alert fires during a payment fault.
//!
//! The scenario: customers order while payments is healthy, then while it declines every
//! charge (`paymentFailure` 100%: 402s, the saga compensates), then while it cannot reach
//! its provider (`paymentUnreachable` 100%: 503s, which open the orders service's breaker
//! for payments; a decline is the customer's outcome and never opens a breaker).
//!
//! The load goes through the gateway's `/api`, as a customer's would. [`deploy`] also
//! checks the gateway routes shipped for docker-compose and Kubernetes.
//!
//! Needs `/usr/bin/prometheus` (or `$PROMETHEUS`): `.ci/run` installs Debian's `prometheus`.
//! Without it the test fails under CI and is skipped, with the reason, elsewhere.

mod observability_stack {
    pub mod deploy;
    pub mod http;
    pub mod load;
    pub mod prometheus;
    pub mod queries;
    pub mod render;
}

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use observability_stack::load::Shop;
use observability_stack::prometheus::{Prometheus, find_binary};
use observability_stack::queries::{Query, dashboard_queries, with_bool_comparisons};
use observability_stack::render::render;
use serde_json::json;
use shop::assembly::Assembly;
use shop::service::Service;
use shop::settings::{Instance, UpSettings};
use shop_testing::net::free_address;
use tokio::sync::oneshot;

/// The alert the payment fault must fire.
const BREAKER_ALERT: &str = "CircuitBreakerOpen";

/// The upper bounds of the waits, never asserted on as durations.
const READY_LIMIT: Duration = Duration::from_secs(30);
const ALERT_LIMIT: Duration = Duration::from_secs(90);
const DATA_LIMIT: Duration = Duration::from_secs(30);

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dashboard_panel_and_alert_has_data_and_the_breaker_alert_fires() {
    let Some(binary) = find_binary() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs /usr/bin/prometheus (Debian package prometheus) or $PROMETHEUS"
        );
        eprintln!("skipped: no Prometheus server (install Debian's prometheus or set $PROMETHEUS)");
        return;
    };
    let scratch = tempfile::tempdir().expect("a temporary directory");
    let data_dir = scratch.path().join("shop");
    std::fs::create_dir_all(&data_dir).expect("create the data directory");

    // The shop, every service on a free port.
    let settings = Service::all().iter().fold(
        UpSettings::from_env::<&str, &str>(data_dir, []).expect("settings"),
        |settings, &service| settings.with_bind(service, free_address()),
    );
    let admin_token = settings.admin_token().expose().to_owned();
    let assembly = Assembly::up(&settings).await.expect("the shop is built");
    let instances = assembly.services();
    // The first instance of each service: where the load and the faults go.
    let services: Vec<(Service, SocketAddr)> = instances
        .iter()
        .filter(|(instance, _)| *instance == Instance::first(instance.service))
        .map(|(instance, address)| (instance.service, *address))
        .collect();
    let (stop, stopped) = oneshot::channel::<()>();
    let running = tokio::spawn(assembly.run(async move {
        let _ = stopped.await;
    }));

    // Prometheus with the project's config, pointed at the shop.
    let prometheus_address = free_address();
    let targets: Vec<String> = instances.iter().map(|(_, a)| a.to_string()).collect();
    let rendered = render(
        &project_root().join("prometheus"),
        scratch.path(),
        &targets,
        &prometheus_address.to_string(),
    );
    let mut prometheus = Prometheus::start(
        &binary,
        &rendered.config,
        scratch.path(),
        prometheus_address,
    );
    prometheus.wait_ready(READY_LIMIT).await;

    // Load: healthy, then declined, then unreachable payments.
    let shop = Shop::new(&services, &admin_token);
    let customers = [shop.customer(1).await, shop.customer(2).await];
    let products = shop.product_ids(4).await;
    let mut statuses = Vec::new();
    for (i, product) in products.iter().cycle().take(8).enumerate() {
        statuses.push(shop.order(&customers[i % 2], product).await);
    }
    assert!(statuses.contains(&201), "no order completed: {statuses:?}");

    shop.put_payment_fault(
        "paymentFailure",
        &json!({"kind": "abort", "status": 402, "probability": 1.0}),
    )
    .await;
    for (i, product) in products.iter().cycle().take(6).enumerate() {
        statuses.push(shop.order(&customers[i % 2], product).await);
    }
    assert!(
        statuses.contains(&402),
        "no order was declined: {statuses:?}"
    );
    shop.delete_payment_fault("paymentFailure").await;

    shop.put_payment_fault(
        "paymentUnreachable",
        &json!({"kind": "transport_error", "probability": 1.0}),
    )
    .await;
    for (i, product) in products.iter().cycle().take(20).enumerate() {
        statuses.push(shop.order(&customers[i % 2], product).await);
    }
    assert!(
        statuses.contains(&503),
        "no order found payments unavailable: {statuses:?}"
    );

    // A trickle of orders for as long as the checks run, so that the breaker keeps being
    // tried (and re-opened) while Prometheus evaluates the alert.
    let trickling = Arc::new(AtomicBool::new(true));
    let trickle = tokio::spawn({
        let (shop, trickling) = (shop.clone(), Arc::clone(&trickling));
        let (customer, product) = (customers[0].clone(), products[0].clone());
        async move {
            while trickling.load(Ordering::Relaxed) {
                shop.order(&customer, &product).await;
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
    });

    // The orders service's breaker for payments opens, and its alert fires.
    let payments = services
        .iter()
        .find(|(service, _)| *service == Service::Payments)
        .map(|(_, address)| address.to_string())
        .expect("payments runs");
    let deadline = tokio::time::Instant::now() + ALERT_LIMIT;
    let firing = loop {
        let alerts = prometheus.alerts().await;
        let breaker = alerts
            .iter()
            .find(|alert| {
                let labels = &alert["labels"];
                labels["alertname"] == BREAKER_ALERT
                    && labels["service_name"] == "orders"
                    && labels["breaker"] == payments.as_str()
                    && alert["state"] == "firing"
            })
            .cloned();
        if let Some(alert) = breaker {
            break alert;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{BREAKER_ALERT} for orders -> {payments} did not fire within {ALERT_LIMIT:?}; \
             alerts: {alerts:?}\ntargets:\n{}",
            prometheus.targets().await
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(firing["labels"]["severity"], "page", "{firing}");

    // Every alert Prometheus loaded is one of the project's, and measures something.
    let alerting_rules = prometheus.alerting_rules().await;
    assert_eq!(
        alerting_rules.len(),
        rendered.alerting_rules,
        "Prometheus did not load every alerting rule: {alerting_rules:?}"
    );
    let mut queries: Vec<Query> = alerting_rules
        .iter()
        .map(|(name, query)| Query {
            origin: format!("alert {name}"),
            expr: with_bool_comparisons(query),
        })
        .collect();
    queries.extend(dashboard_queries(
        &project_root().join("grafana/dashboards"),
    ));

    // Every query returns at least one series. Recording rules and rates need a few
    // evaluations, so a query that is still empty is asked again until DATA_LIMIT.
    let mut pending = queries.clone();
    let deadline = tokio::time::Instant::now() + DATA_LIMIT;
    let mut errors = Vec::new();
    loop {
        let mut still_empty = Vec::new();
        for query in pending {
            match prometheus.query(&query.expr).await {
                Ok(series) if !series.is_empty() => {}
                Ok(_) => still_empty.push(query),
                Err(error) => errors.push(format!("{}: {error}\n  {}", query.origin, query.expr)),
            }
        }
        pending = still_empty;
        if pending.is_empty() || tokio::time::Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let empty: Vec<String> = pending
        .iter()
        .map(|query| format!("{}: no series\n  {}", query.origin, query.expr))
        .collect();

    trickling.store(false, Ordering::Relaxed);
    trickle.await.expect("the trickle did not panic");
    stop.send(()).expect("the shop still runs");
    let outcome = tokio::time::timeout(Duration::from_secs(30), running)
        .await
        .expect("the shop stopped in time")
        .expect("the shop's task did not panic");
    assert!(outcome.is_ok(), "{outcome:?}");

    assert!(
        errors.is_empty() && empty.is_empty(),
        "{} of {} queries failed:\n{}\n{}\ntargets:\n{}",
        errors.len() + empty.len(),
        queries.len(),
        errors.join("\n"),
        empty.join("\n"),
        prometheus.targets().await
    );
    eprintln!(
        "{} queries returned data ({} alert expressions); {BREAKER_ALERT} fired for {}",
        queries.len(),
        alerting_rules.len(),
        firing["labels"]["breaker"]
    );
}

//! The `dead-instance` scenario against `shop up --instances products=3` on free ports: the
//! second products instance refuses every connection for the fault phase (`instanceDown`,
//! put on its own admin API), the gateway ejects it and requests through the gateway keep
//! succeeding, and once the fault expires the instance takes traffic again.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use shop::assembly::Assembly;
use shop::drive::{DemoShop, listening};
use shop::service::Service;
use shop::settings::UpSettings;
use shop_drive::chaos::{self, DEAD_INSTANCE, Scenario, Timing};
use shop_testing::load::{eventually, steady_load};
use shop_testing::net::free_address;
use tokio::sync::oneshot;

/// How long each step may take to happen.
const WAIT: Duration = Duration::from_secs(15);

/// `GET url` with a pooled client: the status and the body as text, or `None` without an
/// answer.
async fn get(client: &Client<HttpConnector, Empty<Bytes>>, url: &str) -> Option<(u16, String)> {
    let response = client.get(url.parse().ok()?).await.ok()?;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.ok()?.to_bytes();
    Some((status, String::from_utf8_lossy(&body).into_owned()))
}

/// The sum of the series `name` whose labels contain every one of `labels` (`key="value"`).
/// The value of the series `name` with `labels` on the gateway's `/metrics` now; 0 when it
/// is not there or the gateway does not answer.
async fn read_metric(
    client: &Client<HttpConnector, Empty<Bytes>>,
    metrics_url: &str,
    name: &str,
    labels: &[String],
) -> f64 {
    let exposition = get(client, metrics_url).await.map(|(_, text)| text);
    metric(&exposition.unwrap_or_default(), name, labels)
}

fn metric(exposition: &str, name: &str, labels: &[String]) -> f64 {
    exposition
        .lines()
        .filter(|line| line.starts_with(name) && line[name.len()..].starts_with('{'))
        .filter(|line| labels.iter().all(|label| line.contains(label.as_str())))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_ejects_a_dead_products_instance_and_takes_it_back() {
    let data_dir = tempfile::tempdir().expect("a temporary data directory");
    let settings = UpSettings::from_env::<&str, &str>(data_dir.path(), [])
        .expect("settings")
        .with_instances(Service::Products, 3)
        .expect("three products instances");
    let settings = settings
        .instances()
        .into_iter()
        .fold(settings, |settings, instance| {
            settings.with_instance_bind(instance, free_address())
        });
    let assembly = Assembly::up(&settings).await.expect("the shop starts");
    let running = assembly.services();
    let shop = DemoShop::of(&running, settings.admin_token().clone()).expect("the gateway runs");
    let dead = shop
        .instances
        .iter()
        .find(|(name, _)| name == DEAD_INSTANCE)
        .map(|(_, url)| url.trim_start_matches("http://").to_owned())
        .expect("the second products instance runs");
    let (stop, stopped) = oneshot::channel::<()>();
    let serving = tokio::spawn(assembly.run(async move {
        let _ = stopped.await;
    }));
    listening(&running).await.expect("every service listens");

    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let metrics_url = format!("{}/metrics", shop.gateway);
    let breaker_labels = [
        r#"service_name="gateway""#.to_owned(),
        format!("{dead}\""),
        r#"outcome="success""#.to_owned(),
    ];
    let health_labels = [format!(r#"endpoint="{dead}""#)];
    let calls_to_dead = async || {
        read_metric(
            &client,
            &metrics_url,
            "seawall_breaker_calls_total",
            &breaker_labels,
        )
        .await
    };
    let dead_is_healthy = async || {
        read_metric(
            &client,
            &metrics_url,
            "shop_gateway_endpoint_healthy",
            &health_labels,
        )
        .await
            > 0.0
    };

    let running = Arc::new(AtomicBool::new(true));
    let products = format!("{}/api/products?limit=5", shop.gateway);
    let (load, workers) = steady_load(4, Arc::clone(&running), {
        let client = client.clone();
        move || {
            let client = client.clone();
            let products = products.clone();
            async move {
                get(&client, &products)
                    .await
                    .is_some_and(|(status, _)| status == 200)
            }
        }
    });

    // Every instance takes its share before the fault.
    eventually(WAIT, "the second instance serving", async || {
        calls_to_dead().await > 20.0
    })
    .await;

    let scenario = Scenario::named(
        "dead-instance",
        Timing {
            baseline: Duration::ZERO,
            fault: Duration::from_secs(6),
            recovery: Duration::ZERO,
        },
        1,
    )
    .expect("known");
    let targets = shop.targets();
    targets
        .check(&scenario)
        .expect("the dead instance is a target");
    let chaos = tokio::spawn(async move {
        chaos::run(&scenario, &targets, tokio::time::Instant::now(), |_| {}).await
    });

    // The instance is dead: its address refuses connections, the gateway ejects it.
    let dead_address: SocketAddr = dead.parse().expect("an address");
    eventually(WAIT, "the instance refusing connections", async || {
        std::net::TcpStream::connect(dead_address).is_err()
    })
    .await;
    eventually(WAIT, "the gateway ejecting the dead instance", async || {
        !dead_is_healthy().await
    })
    .await;

    // Requests keep succeeding, counted from a second after the instance died.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = load.counts();
    let report = chaos
        .await
        .expect("the chaos task")
        .expect("the scenario runs, its fault removed by its ttl");
    let (rate, ok, sent) = load.success_rate_since(before);
    println!(
        "with {DEAD_INSTANCE} dead: {ok}/{sent} requests through the gateway succeeded ({:.2}%)",
        rate * 100.0
    );
    assert!(sent > 50, "the load ran: {sent} requests");
    assert!(rate >= 0.95, "{ok}/{sent} succeeded");
    assert_eq!(report.phases.len(), 3);

    // Back by itself: it takes traffic again.
    let served_while_dead = calls_to_dead().await;
    eventually(WAIT, "the instance taking traffic again", async || {
        calls_to_dead().await > served_while_dead + 20.0
    })
    .await;

    running.store(false, Ordering::SeqCst);
    for worker in workers {
        worker.await.expect("a load loop");
    }
    let _ = stop.send(());
    serving
        .await
        .expect("the shop's task")
        .expect("the shop stops cleanly");
}

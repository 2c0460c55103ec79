//! `shop demo`'s pipeline on free ports: the shop runs, load goes through the gateway while
//! a payment outage comes and goes, `/metrics` is sampled, the invariants hold once the
//! sagas settle, and the report page holds the plots.

use std::time::Duration;

use shop::assembly::Assembly;
use shop::drive::{DemoArgs, DemoShop, LoadShape, TimingArgs, demo, listening};
use shop::service::Service;
use shop::settings::UpSettings;
use shop_testing::net::free_address;
use tokio::sync::oneshot;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_run_drives_the_shop_through_a_payment_outage_and_the_invariants_hold() {
    let data_dir = tempfile::tempdir().expect("a temporary data directory");
    let settings = Service::all().iter().fold(
        UpSettings::from_env::<&str, &str>(data_dir.path(), []).expect("settings"),
        |settings, &service| settings.with_bind(service, free_address()),
    );
    let assembly = Assembly::up(&settings).await.expect("the shop starts");
    let running = assembly.services();
    let shop = DemoShop::of(&running, settings.admin_token().clone()).expect("the gateway runs");
    let (stop, stopped) = oneshot::channel::<()>();
    let serving = tokio::spawn(assembly.run(async move {
        let _ = stopped.await;
    }));
    listening(&running).await.expect("every service listens");
    let report = data_dir.path().join("demo.html");
    let args = DemoArgs {
        scenario: "payment-outage".to_owned(),
        timing: TimingArgs {
            baseline: Duration::from_secs(2),
            fault: Duration::from_secs(3),
            recovery: Duration::from_secs(2),
        },
        shape: LoadShape {
            rate: None,
            users: Some(2),
            mix: Some("order=3,browse=1".parse().expect("a valid mix")),
            seed: 3,
        },
        report: report.clone(),
        json: Some(data_dir.path().join("demo.json")),
    };

    let passed = demo(&args, &shop).await.expect("the demo runs");

    let _ = stop.send(());
    serving
        .await
        .expect("the shop's task")
        .expect("the shop stops cleanly");
    assert!(passed, "the invariants hold after the outage");
    let page = std::fs::read_to_string(&report).expect("the report was written");
    assert_eq!(page.matches("<svg").count(), 4, "four plots");
    assert!(
        page.contains("paymentUnreachable@payments"),
        "the fault window is named"
    );
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(data_dir.path().join("demo.json")).expect("the JSON was written"),
    )
    .expect("valid JSON");
    let phases = json["record"]["chaos"]["phases"]
        .as_array()
        .expect("phases");
    assert_eq!(phases.len(), 3);
    let orders = json["summary"]["phases"]
        .as_array()
        .expect("phase summaries")
        .iter()
        .map(|phase| phase["orders"].as_u64().unwrap_or(0))
        .sum::<u64>();
    assert!(orders > 0, "orders were placed through the gateway");
    assert!(
        json["record"]["samples"]["samples"]
            .as_array()
            .is_some_and(|samples| !samples.is_empty()),
        "/metrics was sampled"
    );
}

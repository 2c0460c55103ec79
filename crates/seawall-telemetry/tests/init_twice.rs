//! Several services calling `init` in one process (as `shop up` does) share one pipeline
//! and one metrics registry. (Its own test binary, because `init` installs process-wide state.)

use seawall_telemetry::{TelemetryConfig, TelemetryError, init};

#[tokio::test]
async fn second_init_shares_the_running_pipeline_and_one_after_shutdown_is_refused() {
    let gateway = init(TelemetryConfig::new("gateway")).unwrap();
    let users = init(TelemetryConfig::new("users")).unwrap();

    metrics::counter!("shop_events_published_total", "service_name" => "users").increment(1);
    let expected = r#"shop_events_published_total{service_name="users"} 1"#;
    assert!(gateway.render_metrics().contains(expected));
    assert!(users.render_metrics().contains(expected));

    // The first shutdown only flushes: the other service still uses the pipeline.
    users.shutdown().await.unwrap();
    tracing::info_span!("GET /api/products").in_scope(|| tracing::info!("still logging"));
    gateway.shutdown().await.unwrap();

    // The global subscriber cannot be replaced, so a new pipeline is refused, not ignored.
    assert!(matches!(
        init(TelemetryConfig::new("late")),
        Err(TelemetryError::SubscriberAlreadySet)
    ));
}

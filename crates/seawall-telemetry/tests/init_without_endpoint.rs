//! `init` with no OTLP endpoint: installs everything, exports nothing, stops cleanly.
//! (Its own test binary, because `init` installs process-wide state.)

use seawall_telemetry::{TelemetryConfig, init};

#[tokio::test]
async fn init_without_endpoint_installs_propagator_and_metrics_and_shuts_down_without_error() {
    let telemetry = init(TelemetryConfig::new("users")).unwrap();

    let mut fields: Vec<String> = opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.fields().map(str::to_owned).collect()
    });
    fields.sort();
    assert_eq!(fields, ["baggage", "traceparent", "tracestate"]);

    tracing::info_span!("GET /users/{id}").in_scope(|| tracing::info!("served"));
    metrics::histogram!("http_server_request_duration_seconds", "service_name" => "users")
        .record(0.012);
    let exposition = telemetry.render_metrics();
    assert!(
        exposition.contains(
            r#"http_server_request_duration_seconds_bucket{service_name="users",le="0.025"} 1"#
        ),
        "{exposition}"
    );

    telemetry.shutdown().await.unwrap();
}

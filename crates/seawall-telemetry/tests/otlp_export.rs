//! Spans made through `tracing` reach a real OTLP receiver, over gRPC and HTTP/protobuf,
//! with their names, parent/child ids, resource and attributes.

mod common;

use common::{Received, start_grpc_receiver, start_http_receiver};
use seawall_telemetry::{
    OtlpProtocol, SERVICE_NAME_ATTRIBUTE, SamplerConfig, TelemetryConfig, TracePipeline,
};

fn config(endpoint: &str, protocol: OtlpProtocol) -> TelemetryConfig {
    TelemetryConfig::new("orders")
        .with_resource_attribute("deployment.environment.name", "test")
        .with_otlp_endpoint(endpoint)
        .with_otlp_protocol(protocol)
        .with_log_filter("info")
}

/// Makes a server span with a child through `tracing`, then shuts the pipeline down (which flushes).
async fn export_checkout_trace(config: TelemetryConfig) {
    let pipeline = TracePipeline::build(&config).unwrap();
    let subscriber = pipeline.subscriber(std::io::sink).unwrap();
    tracing::subscriber::with_default(subscriber, || {
        let checkout = tracing::info_span!("checkout", "otel.kind" = "server", order.id = 42_i64);
        let _entered = checkout.enter();
        tracing::info_span!("charge card", payment.amount = 1250_i64).in_scope(|| {
            tracing::info!("charged");
        });
    });
    pipeline.shutdown().await.unwrap();
}

fn assert_checkout_trace_arrived(received: &Received) {
    let checkout = received.span("checkout");
    let charge = received.span("charge card");

    assert_eq!(received.spans().len(), 2);
    assert_eq!(charge.trace_id, checkout.trace_id);
    assert_eq!(charge.parent_span_id, checkout.span_id);
    assert_eq!(checkout.parent_span_id, "", "checkout is a root span");
    assert_ne!(checkout.trace_id, "0".repeat(32));

    for span in [&checkout, &charge] {
        assert_eq!(span.resource["service.name"], "orders");
        assert_eq!(span.resource["deployment.environment.name"], "test");
        assert_eq!(span.resource["telemetry.sdk.language"], "rust");
    }
    assert_eq!(checkout.attributes["order.id"], "42");
    assert_eq!(charge.attributes["payment.amount"], "1250");
}

#[tokio::test]
async fn grpc_export_delivers_span_names_parent_ids_resource_and_attributes() {
    let (endpoint, received) = start_grpc_receiver().await.unwrap();
    export_checkout_trace(config(&endpoint, OtlpProtocol::Grpc)).await;
    assert_checkout_trace_arrived(&received);
}

#[tokio::test]
async fn http_protobuf_export_delivers_span_names_parent_ids_resource_and_attributes() {
    let (endpoint, received) = start_http_receiver().await.unwrap();
    export_checkout_trace(config(&endpoint, OtlpProtocol::HttpProtobuf)).await;
    assert_checkout_trace_arrived(&received);
}

#[tokio::test]
async fn always_off_sampler_exports_no_span() {
    let (endpoint, received) = start_http_receiver().await.unwrap();
    export_checkout_trace(
        config(&endpoint, OtlpProtocol::HttpProtobuf).with_sampler(SamplerConfig::AlwaysOff),
    )
    .await;
    assert_eq!(received.spans(), []);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_naming_another_service_are_exported_under_that_service_name() {
    for protocol in [OtlpProtocol::Grpc, OtlpProtocol::HttpProtobuf] {
        let (endpoint, received) = match protocol {
            OtlpProtocol::Grpc => start_grpc_receiver().await,
            OtlpProtocol::HttpProtobuf => start_http_receiver().await,
        }
        .unwrap();
        let pipeline = TracePipeline::build(
            &TelemetryConfig::new("shop")
                .with_otlp_endpoint(endpoint)
                .with_otlp_protocol(protocol),
        )
        .unwrap();
        let subscriber = pipeline.subscriber(std::io::sink).unwrap();
        tracing::subscriber::with_default(subscriber, || {
            let gateway = tracing::info_span!(
                "GET /api/orders/{id}",
                { SERVICE_NAME_ATTRIBUTE } = "gateway"
            );
            let _entered = gateway.enter();
            tracing::info_span!("GET /orders/{id}", { SERVICE_NAME_ATTRIBUTE } = "orders")
                .in_scope(|| {
                    tracing::info_span!("load order").in_scope(|| {});
                });
        });
        pipeline.shutdown().await.unwrap();

        let gateway = received.span("GET /api/orders/{id}");
        let orders = received.span("GET /orders/{id}");
        let untagged = received.span("load order");
        assert_eq!(gateway.resource["service.name"], "gateway", "{protocol:?}");
        assert_eq!(orders.resource["service.name"], "orders", "{protocol:?}");
        assert_eq!(
            untagged.resource["service.name"], "shop",
            "{protocol:?}: untagged spans use the configured service"
        );
        assert_eq!(
            orders.parent_span_id, gateway.span_id,
            "{protocol:?}: routing keeps the trace whole"
        );
        assert_eq!(orders.trace_id, gateway.trace_id, "{protocol:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_pipeline_flushes_its_spans() {
    let (endpoint, received) = start_grpc_receiver().await.unwrap();
    let pipeline = TracePipeline::build(&config(&endpoint, OtlpProtocol::Grpc)).unwrap();
    let subscriber = pipeline.subscriber(std::io::sink).unwrap();
    tracing::subscriber::with_default(subscriber, || {
        tracing::info_span!("checkout").in_scope(|| {})
    });

    drop(pipeline);

    assert_eq!(received.span("checkout").resource["service.name"], "orders");
}

//! OTLP receivers that run inside a test, decode the real protobuf, and keep what arrived.

#![allow(dead_code)] // Each test binary uses a part.

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};
use prost::Message;
use tokio::net::TcpListener;

/// Export requests received so far.
#[derive(Debug, Clone, Default)]
pub struct Received(Arc<Mutex<Vec<ExportTraceServiceRequest>>>);

/// One received span, flattened with its resource's attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedSpan {
    pub resource: BTreeMap<String, String>,
    pub name: String,
    pub trace_id: String,
    pub span_id: String,
    pub parent_span_id: String,
    pub attributes: BTreeMap<String, String>,
}

impl Received {
    fn push(&self, request: ExportTraceServiceRequest) {
        self.0.lock().unwrap().push(request);
    }

    /// Every span received, in arrival order.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        let requests = self.0.lock().unwrap();
        let mut spans = Vec::new();
        for resource_spans in requests.iter().flat_map(|request| &request.resource_spans) {
            let resource = attributes(
                resource_spans
                    .resource
                    .iter()
                    .flat_map(|resource| &resource.attributes),
            );
            for span in resource_spans
                .scope_spans
                .iter()
                .flat_map(|scope| &scope.spans)
            {
                spans.push(ReceivedSpan {
                    resource: resource.clone(),
                    name: span.name.clone(),
                    trace_id: hex(&span.trace_id),
                    span_id: hex(&span.span_id),
                    parent_span_id: hex(&span.parent_span_id),
                    attributes: attributes(&span.attributes),
                });
            }
        }
        spans
    }

    /// The span called `name`; panics (failing the test) when there is not exactly one.
    pub fn span(&self, name: &str) -> ReceivedSpan {
        let mut matching: Vec<_> = self
            .spans()
            .into_iter()
            .filter(|span| span.name == name)
            .collect();
        assert_eq!(
            matching.len(),
            1,
            "spans named {name:?} in {:#?}",
            self.spans()
        );
        matching.remove(0)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn attributes<'a>(attributes: impl IntoIterator<Item = &'a KeyValue>) -> BTreeMap<String, String> {
    attributes
        .into_iter()
        .map(|attribute| (attribute.key.clone(), display(attribute.value.as_ref())))
        .collect()
}

fn display(value: Option<&AnyValue>) -> String {
    match value.and_then(|value| value.value.as_ref()) {
        Some(Value::StringValue(text)) => text.clone(),
        Some(Value::IntValue(number)) => number.to_string(),
        Some(Value::DoubleValue(number)) => number.to_string(),
        Some(Value::BoolValue(flag)) => flag.to_string(),
        other => format!("{other:?}"),
    }
}

/// A gRPC `TraceService` on 127.0.0.1, port chosen by the OS. Returns its `http://` URL.
pub async fn start_grpc_receiver() -> io::Result<(String, Received)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let received = Received::default();
    let service = TraceServiceServer::new(GrpcReceiver(received.clone()));
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener)),
    );
    Ok((url(address), received))
}

struct GrpcReceiver(Received);

#[tonic::async_trait]
impl TraceService for GrpcReceiver {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        self.0.push(request.into_inner());
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

/// An OTLP/HTTP receiver (`POST /v1/traces`, protobuf) on 127.0.0.1, port chosen by the OS.
/// Returns its base `http://` URL, without the path.
pub async fn start_http_receiver() -> io::Result<(String, Received)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let received = Received::default();
    let app = axum::Router::new()
        .route("/v1/traces", post(receive_http_export))
        .with_state(received.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((url(address), received))
}

async fn receive_http_export(
    State(received): State<Received>,
    body: Bytes,
) -> axum::response::Response {
    match ExportTraceServiceRequest::decode(body) {
        Ok(request) => {
            received.push(request);
            (
                [(header::CONTENT_TYPE, "application/x-protobuf")],
                ExportTraceServiceResponse::default().encode_to_vec(),
            )
                .into_response()
        }
        Err(error) => (StatusCode::BAD_REQUEST, error.to_string()).into_response(),
    }
}

fn url(address: SocketAddr) -> String {
    format!("http://{address}")
}

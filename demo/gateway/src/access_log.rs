//! One log event per request through the API (target `shop_gateway::access`), inside the
//! request's server span: with `SEAWALL_LOG_FORMAT=json` it is a JSON line carrying the
//! `trace_id` and `span_id` (seawall-telemetry adds them). The query string is left out: it
//! may carry what should not be logged.
//!
//! [`proxy::handle`](crate::proxy::handle) calls it around its work rather than a
//! middleware wrapping it (each `axum::middleware` boxes a future and clones the inner
//! service per request), and when the event is filtered out nothing is copied at all.

use axum::extract::Request;
use axum::response::Response;
use http::{HeaderValue, Method};
use tokio::time::Instant;

use crate::headers::{REQUEST_ID, UPSTREAM};

/// What is logged of a request, taken when it arrives.
#[derive(Debug)]
pub struct AccessLog {
    started: Instant,
    method: Method,
    path: String,
    request_id: Option<HeaderValue>,
}

impl AccessLog {
    /// Notes `request`'s method, path, request id and arrival; `None` when access events
    /// are not recorded.
    pub fn start(request: &Request) -> Option<Self> {
        if !tracing::enabled!(target: "shop_gateway::access", tracing::Level::INFO) {
            return None;
        }
        Some(AccessLog {
            started: Instant::now(),
            method: request.method().clone(),
            path: request.uri().path().to_owned(),
            request_id: request.headers().get(REQUEST_ID).cloned(),
        })
    }

    /// Logs the method, path, status, duration, request id and upstream of the request
    /// answered by `response`.
    pub fn finish(self, response: &Response) {
        let header = |value: Option<&HeaderValue>| {
            value
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-")
                .to_owned()
        };
        tracing::info!(
            target: "shop_gateway::access",
            method = %self.method,
            path = %self.path,
            status = response.status().as_u16(),
            duration_ms = self.started.elapsed().as_secs_f64() * 1000.0,
            request_id = %header(self.request_id.as_ref()),
            upstream = %header(response.headers().get(UPSTREAM)),
            "access"
        );
    }
}

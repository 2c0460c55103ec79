//! Making the span of a request and recording its outcome on it.

use super::layer::{Names, Side};
use crate::{Rejection, route::template};
use http::{Request, Response};
use tracing::{Span, field::Empty};

/// The attempt number of a request, where a retry layer above says.
fn attempt_of<B>(req: &Request<B>) -> u32 {
    #[cfg(feature = "retry")]
    {
        crate::retry::Attempt::of(req)
    }
    #[cfg(not(feature = "retry"))]
    {
        let _ = req;
        1
    }
}

/// The span of one request (or one attempt, on clients).
pub(crate) fn request_span<B>(req: &Request<B>, side: Side, names: &Names) -> Span {
    let method = req.method().as_str();
    let route = template(req.extensions()).or(names.route.as_ref().map(|r| r.as_str()));
    let span = new_span(req, side, &names.service_name, method, route);
    // The name is formatted only for a span someone records.
    if !span.is_disabled() {
        span.record("otel.name", span_name(method, route));
    }
    span
}

fn new_span<B>(
    req: &Request<B>,
    side: Side,
    service_name: &str,
    method: &str,
    route: Option<&str>,
) -> Span {
    match side {
        Side::Server => tracing::info_span!(
            target: "seawall::trace",
            "HTTP request",
            otel.name = Empty,
            otel.kind = "server",
            otel.status_code = Empty,
            http.request.method = method,
            http.route = route,
            url.path = req.uri().path(),
            http.response.status_code = Empty,
            error.r#type = Empty,
            service.name = service_name,
        ),
        Side::Client => {
            let attempt = attempt_of(req);
            tracing::info_span!(
                target: "seawall::trace",
                "HTTP request",
                otel.name = Empty,
                otel.kind = "client",
                otel.status_code = Empty,
                http.request.method = method,
                http.route = route,
                server.address = req.uri().host(),
                server.port = req.uri().port_u16(),
                http.request.resend_count = (attempt > 1).then(|| attempt - 1),
                seawall.attempt = attempt,
                http.response.status_code = Empty,
                error.r#type = Empty,
                service.name = service_name,
            )
        }
    }
}

/// `{METHOD} {route}`, or `{METHOD}` without a route, as the conventions ask.
fn span_name(method: &str, route: Option<&str>) -> String {
    match route {
        Some(route) => format!("{method} {route}"),
        None => method.to_owned(),
    }
}

/// Records the outcome of a request on its span.
pub(crate) fn record_outcome<B, E>(span: &Span, side: Side, result: &Result<Response<B>, E>) {
    if span.is_disabled() {
        return;
    }
    match result {
        Ok(response) => {
            let status = response.status();
            span.record("http.response.status_code", status.as_u16());
            let failed =
                status.is_server_error() || (side == Side::Client && status.is_client_error());
            if let Some(rejection) = Rejection::of(response) {
                span.record("error.type", rejection.error_type());
            } else if failed {
                span.record("error.type", status.as_str());
            }
            if failed {
                span.record("otel.status_code", "error");
            }
        }
        Err(_) => {
            span.record("error.type", "transport");
            span.record("otel.status_code", "error");
        }
    }
}

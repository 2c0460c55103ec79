//! [`FaultFanOut`] and its middleware [`fault_admin`]; see the [module docs](super).

use std::collections::HashSet;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, Request};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::future::join_all;
use http::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, WWW_AUTHENTICATE};
use http::uri::Authority;
use http::{HeaderMap, Method, StatusCode};
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use seawall::chaos::FaultHandle;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use shop_kit::problem::Problem;
use tower::ServiceExt;

use crate::balance::Upstreams;
use crate::body::{ReadError, read_limited};
use crate::headers::{AdminCredential, REQUEST_ID};

/// The most one instance may take to answer a forwarded admin request.
pub const FORWARD_TIMEOUT: Duration = Duration::from_secs(5);

/// The service name of the gateway's own faults in requests and answers.
const GATEWAY: &str = "gateway";
/// The instance name of the gateway's own faults.
const SELF_INSTANCE: &str = "self";
/// The largest fault spec accepted, and the largest instance answer read.
const BODY_LIMIT: usize = 64 * 1024;
const PREFIX: &str = "/admin/faults";

type AdminClient = Client<HttpConnector, Full<Bytes>>;

/// What the fan-out needs: the upstreams (read at each request, so instances found later
/// are included), the gateway's own fault API, the admin credential and a client.
#[derive(Clone)]
pub struct FaultFanOut {
    upstreams: Upstreams,
    own: Router,
    admin: AdminCredential,
    client: AdminClient,
}

impl std::fmt::Debug for FaultFanOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultFanOut")
            .field("upstreams", &self.upstreams)
            .finish_non_exhaustive()
    }
}

/// Who one forwarded request goes to: an upstream's instance, or the gateway itself.
struct Target {
    service: String,
    instance: Option<Authority>,
}

/// One instance's answer.
enum Outcome {
    Answered { status: StatusCode, body: Value },
    Failed(String),
}

#[derive(Deserialize)]
struct ServiceQuery {
    service: Option<String>,
}

impl FaultFanOut {
    /// The fan-out over `upstreams` and the gateway's own `faults`, guarded by `admin`.
    pub fn new(upstreams: Upstreams, faults: FaultHandle, admin: AdminCredential) -> Self {
        FaultFanOut {
            upstreams,
            own: seawall::chaos::admin_router(faults),
            admin,
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// The instances `service` names (every one when `None`), each authority once.
    fn targets(&self, service: Option<&str>) -> Result<Vec<Target>, Box<Problem>> {
        let mut targets = Vec::new();
        if service.is_none_or(|s| s == GATEWAY) {
            targets.push(Target {
                service: GATEWAY.to_owned(),
                instance: None,
            });
        }
        let mut seen = HashSet::new();
        for upstream in self.upstreams.iter() {
            if service.is_some_and(|s| s != upstream.name()) {
                continue;
            }
            for endpoint in upstream.endpoints().iter() {
                if seen.insert(endpoint.authority().clone()) {
                    targets.push(Target {
                        service: upstream.name().to_owned(),
                        instance: Some(endpoint.authority().clone()),
                    });
                }
            }
        }
        match service {
            Some(name) if name != GATEWAY && seen.is_empty() => {
                let known: Vec<&str> = std::iter::once(GATEWAY)
                    .chain(self.upstreams.iter().map(|u| u.name()))
                    .collect();
                Err(Box::new(Problem::not_found(format!(
                    "no service {name:?} has instances (known: {})",
                    known.join(", ")
                ))))
            }
            _ => Ok(targets),
        }
    }

    async fn forward(
        &self,
        target: &Target,
        method: &Method,
        path: &str,
        body: &Bytes,
        headers: &HeaderMap,
    ) -> Outcome {
        let answer = match &target.instance {
            None => {
                let mut request = Request::new(Body::from(body.clone()));
                *request.method_mut() = method.clone();
                *request.uri_mut() = match path.parse() {
                    Ok(uri) => uri,
                    Err(error) => return Outcome::Failed(format!("bad path: {error}")),
                };
                *request.headers_mut() = headers.clone();
                let response = match self.own.clone().oneshot(request).await {
                    Ok(response) => response,
                    Err(never) => match never {},
                };
                let (parts, body) = response.into_parts();
                read_limited(body, BODY_LIMIT)
                    .await
                    .map(|bytes| (parts.status, bytes))
            }
            Some(authority) => {
                let uri = format!("http://{authority}{path}");
                let mut request = http::Request::new(Full::new(body.clone()));
                *request.method_mut() = method.clone();
                *request.uri_mut() = match uri.parse() {
                    Ok(uri) => uri,
                    Err(error) => return Outcome::Failed(format!("bad path: {error}")),
                };
                *request.headers_mut() = headers.clone();
                let sent = tokio::time::timeout(FORWARD_TIMEOUT, async {
                    let response = self
                        .client
                        .request(request)
                        .await
                        .map_err(|error| ReadError::Failed(error_chain(&error)))?;
                    let (parts, body) = response.into_parts();
                    read_limited(body, BODY_LIMIT)
                        .await
                        .map(|bytes| (parts.status, bytes))
                })
                .await;
                match sent {
                    Ok(answer) => answer,
                    Err(_) => {
                        return Outcome::Failed(format!(
                            "no answer within {} ms",
                            FORWARD_TIMEOUT.as_millis()
                        ));
                    }
                }
            }
        };
        match answer {
            Ok((status, bytes)) => Outcome::Answered {
                status,
                body: parse_body(&bytes),
            },
            Err(error) => Outcome::Failed(error.to_string()),
        }
    }
}

/// An error and its sources, which say why a connection failed.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// An answer's body as JSON: `null` when empty, the text when not JSON.
fn parse_body(bytes: &Bytes) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

/// The fault name of `path` (`Some(None)` for the collection), or `None` when `path` is
/// not the fault API.
fn fault_path(path: &str) -> Option<Option<&str>> {
    match path.strip_prefix(PREFIX)? {
        "" => Some(None),
        rest => rest.strip_prefix('/').map(Some),
    }
}

/// Whether `path` is the fault API, `/admin/faults[/{name}]`.
pub fn is_fault_api(path: &str) -> bool {
    fault_path(path).is_some()
}

impl FaultFanOut {
    /// Answers a request of the fault API by fanning it out (see the [module docs](super)).
    /// [`FrontService`](crate::front::FrontService) calls it for [`is_fault_api`] paths,
    /// so the fan-out stands in front of the scaffold's own fault API, which it reaches as
    /// `gateway/self`.
    pub async fn answer(&self, request: Request) -> Response {
        fan_out(self, request).await
    }
}

async fn fan_out(fanout: &FaultFanOut, request: Request) -> Response {
    let Some(name) = fault_path(request.uri().path()) else {
        return Problem::not_found("not the fault API").into_response();
    };
    let named = name.is_some();
    match (request.method(), named) {
        (&Method::GET | &Method::DELETE, _) | (&Method::PUT, true) => {}
        _ => {
            return Problem::new(StatusCode::METHOD_NOT_ALLOWED)
                .with_detail("the fault API takes GET and DELETE, and PUT on /admin/faults/{name}")
                .into_response();
        }
    }
    if let Some(refused) = refusal(&fanout.admin, request.headers()) {
        return refused;
    }
    let path = request.uri().path().to_owned();
    let Ok(Query(query)) = Query::<ServiceQuery>::try_from_uri(request.uri()) else {
        return Problem::bad_request("the query must be at most `service=<name>`").into_response();
    };
    let method = request.method().clone();
    let mut headers = HeaderMap::new();
    if let Some(id) = request.headers().get(REQUEST_ID) {
        headers.insert(REQUEST_ID, id.clone());
    }
    if let Some(bearer) = fanout.admin.bearer() {
        headers.insert(AUTHORIZATION, bearer);
    }
    let (service, body) = if method == Method::PUT {
        match spec_and_service(request.into_body()).await {
            Ok((spec_service, body)) => {
                let service = match (query.service, spec_service) {
                    (Some(a), Some(b)) if a != b => {
                        return Problem::bad_request(format!(
                            "the query names service {a:?} and the body {b:?}"
                        ))
                        .into_response();
                    }
                    (a, b) => a.or(b),
                };
                headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                (service, body)
            }
            Err(problem) => return problem.into_response(),
        }
    } else {
        (query.service, Bytes::new())
    };
    let targets = match fanout.targets(service.as_deref()) {
        Ok(targets) => targets,
        Err(problem) => return problem.into_response(),
    };
    let outcomes = join_all(
        targets
            .iter()
            .map(|target| fanout.forward(target, &method, &path, &body, &headers)),
    )
    .await;
    let absent_means_missing = named && method != Method::PUT;
    aggregate(&targets, outcomes, absent_means_missing, &method, &path)
}

/// `None` with the admin's bearer token; otherwise the answer the services give.
fn refusal(admin: &AdminCredential, headers: &HeaderMap) -> Option<Response> {
    let presented = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, token)| scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .map(|(_, token)| token.trim());
    match presented {
        Some(token) if admin.matches_str(token) => None,
        Some(_) => {
            tracing::warn!("gateway fault API request with a wrong admin token refused");
            Some(Problem::forbidden("the admin token is not valid").into_response())
        }
        None => {
            let mut response =
                Problem::unauthorized("the admin API needs `Authorization: Bearer <admin token>`")
                    .into_response();
            response.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Bearer realm="admin""#),
            );
            Some(response)
        }
    }
}

/// A `PUT` body: a JSON object, its `service` member taken out, the rest the spec to forward.
async fn spec_and_service(body: Body) -> Result<(Option<String>, Bytes), Box<Problem>> {
    let bytes = read_limited(body, BODY_LIMIT)
        .await
        .map_err(|error| match error {
            ReadError::TooLarge(_) => Box::new(Problem::payload_too_large(error.to_string())),
            ReadError::Failed(_) => Box::new(Problem::bad_request(error.to_string())),
        })?;
    let mut spec: Map<String, Value> = serde_json::from_slice(&bytes).map_err(|error| {
        Box::new(Problem::bad_request(format!(
            "the body must be a fault spec, a JSON object: {error}"
        )))
    })?;
    let service = match spec.remove("service") {
        None => None,
        Some(Value::String(name)) => Some(name),
        Some(_) => {
            return Err(Box::new(Problem::bad_request(
                "`service` must be a service name",
            )));
        }
    };
    let forwarded = serde_json::to_vec(&spec)
        .map_err(|error| Box::new(Problem::bad_request(error.to_string())))?;
    Ok((service, Bytes::from(forwarded)))
}

/// The answers keyed by service and instance, and the status of the whole.
fn aggregate(
    targets: &[Target],
    outcomes: Vec<Outcome>,
    absent_means_missing: bool,
    method: &Method,
    path: &str,
) -> Response {
    let mut results: Map<String, Value> = Map::new();
    let mut refused = Vec::new();
    let mut absent = 0;
    for (target, outcome) in targets.iter().zip(outcomes) {
        let instance = target
            .instance
            .as_ref()
            .map_or_else(|| SELF_INSTANCE.to_owned(), ToString::to_string);
        let entry = match outcome {
            Outcome::Answered { status, body } => {
                if status == StatusCode::NOT_FOUND && absent_means_missing {
                    absent += 1;
                } else if !status.is_success() {
                    refused.push(format!(
                        "{}/{instance} ({})",
                        target.service,
                        status.as_u16()
                    ));
                }
                json!({"status": status.as_u16(), "body": body})
            }
            Outcome::Failed(error) => {
                refused.push(format!("{}/{instance} ({error})", target.service));
                json!({"error": error})
            }
        };
        if let Value::Object(instances) = results
            .entry(target.service.clone())
            .or_insert_with(|| Value::Object(Map::new()))
        {
            instances.insert(instance, entry);
        }
    }
    if method != Method::GET {
        tracing::info!(%method, path, instances = targets.len(), refused = refused.len(), "fault change fanned out");
    }
    let results = Value::Object(results);
    if !refused.is_empty() {
        return Problem::bad_gateway(format!(
            "{} of {} instances refused: {}",
            refused.len(),
            targets.len(),
            refused.join(", ")
        ))
        .with_extension("results", results)
        .into_response();
    }
    if absent_means_missing && absent == targets.len() {
        return Problem::not_found("no instance has this fault")
            .with_extension("results", results)
            .into_response();
    }
    axum::Json(json!({ "results": results })).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_fault_api_is_taken() {
        assert_eq!(fault_path("/admin/faults"), Some(None));
        assert_eq!(
            fault_path("/admin/faults/paymentFailure"),
            Some(Some("paymentFailure"))
        );
        assert_eq!(fault_path("/admin/faultsx"), None);
        assert_eq!(fault_path("/admin/state"), None);
        assert_eq!(fault_path("/api/products"), None);
    }
}

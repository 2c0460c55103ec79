use super::{ActiveFault, FaultError, FaultHandle, FaultSpec};
use axum::{
    Router,
    body::Bytes,
    extract::{Path, State},
    http::{StatusCode, header::CONTENT_TYPE},
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Serialize;
use std::time::Duration;

/// An axum router that serves a [`FaultHandle`] over HTTP, with JSON bodies:
///
/// | request | answer |
/// |---|---|
/// | `GET /admin/faults` | `200 {"faults": [ActiveFault...]}`, with each fault's remaining ttl |
/// | `DELETE /admin/faults` | `204`, every fault removed |
/// | `GET /admin/faults/{name}` | `200` [`ActiveFault`], or `404` |
/// | `PUT /admin/faults/{name}` with a [`FaultSpec`] | `201` (new) or `200` (replaced) [`ActiveFault`]; `400` for a bad spec or name, `409` beyond the cap |
/// | `DELETE /admin/faults/{name}` | `204`, or `404` |
///
/// Refusals are `application/problem+json` (RFC 9457) with `type`, `title`, `status` and a
/// `detail` that says what is wrong.
///
/// **The router does not authenticate.** Anyone who reaches it can break the service, so
/// merge it into your app behind your admin authentication, or serve it on a port that
/// only operators reach.
///
/// ```
/// use axum::{Router, body::Body};
/// use http::Request;
/// use seawall::chaos::{ChaosLayer, admin_router};
/// use tower::ServiceExt;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let chaos = ChaosLayer::builder().service_name("payments").build().unwrap();
/// let admin = admin_router(chaos.handle()); // .route_layer(your_admin_auth)
///
/// let put = Request::put("/admin/faults/paymentFailure")
///     .body(Body::from(r#"{"kind":"abort","status":503,"probability":0.3}"#))
///     .unwrap();
/// assert_eq!(admin.clone().oneshot(put).await.unwrap().status(), 201);
///
/// let bad = Request::put("/admin/faults/paymentFailure")
///     .body(Body::from(r#"{"kind":"abort","probability":1.5}"#))
///     .unwrap();
/// let res = admin.oneshot(bad).await.unwrap();
/// assert_eq!(res.status(), 400);
/// assert_eq!(res.headers()["content-type"], "application/problem+json");
/// # }
/// ```
pub fn admin_router(faults: FaultHandle) -> Router {
    Router::new()
        .route("/admin/faults", get(list).delete(clear))
        .route(
            "/admin/faults/{name}",
            get(get_one).put(put_one).delete(remove_one),
        )
        .with_state(faults)
}

#[derive(Serialize)]
struct FaultList {
    faults: Vec<ActiveFault>,
}

async fn list(State(faults): State<FaultHandle>) -> Response {
    json(
        StatusCode::OK,
        "application/json",
        &FaultList {
            faults: faults.list(),
        },
    )
}

async fn clear(State(faults): State<FaultHandle>) -> StatusCode {
    faults.clear();
    StatusCode::NO_CONTENT
}

async fn get_one(State(faults): State<FaultHandle>, Path(name): Path<String>) -> Response {
    match faults.get(&name) {
        Some(fault) => json(StatusCode::OK, "application/json", &fault),
        None => not_found(&name),
    }
}

async fn put_one(
    State(faults): State<FaultHandle>,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    let spec = match serde_json::from_slice::<FaultSpec>(&body) {
        Ok(spec) => spec,
        Err(error) => return refused(&FaultError::json(error)),
    };
    match faults.put(&name, spec.clone()) {
        Ok(previous) => {
            let status = match previous {
                Some(_) => StatusCode::OK,
                None => StatusCode::CREATED,
            };
            // Described from what was put rather than read back, which could race a removal.
            let fault = ActiveFault {
                remaining: spec.ttl_ms.map(Duration::from_millis),
                name,
                spec,
            };
            json(status, "application/json", &fault)
        }
        Err(error) => refused(&error),
    }
}

async fn remove_one(State(faults): State<FaultHandle>, Path(name): Path<String>) -> Response {
    match faults.remove(&name) {
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => not_found(&name),
    }
}

/// An RFC 9457 problem document.
#[derive(Serialize)]
struct Problem {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    status: u16,
    detail: String,
}

fn refused(error: &FaultError) -> Response {
    let (status, kind, title) = match error {
        FaultError::TooManyFaults { .. } => (
            StatusCode::CONFLICT,
            "urn:seawall:problem:too-many-faults",
            "Too many faults",
        ),
        _ => (
            StatusCode::BAD_REQUEST,
            "urn:seawall:problem:invalid-fault",
            "Invalid fault",
        ),
    };
    problem(status, kind, title, error.to_string())
}

fn not_found(name: &str) -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "urn:seawall:problem:fault-not-found",
        "Fault not found",
        format!("no fault named {name:?} is in place"),
    )
}

fn problem(
    status: StatusCode,
    kind: &'static str,
    title: &'static str,
    detail: String,
) -> Response {
    let problem = Problem {
        kind,
        title,
        status: status.as_u16(),
        detail,
    };
    json(status, "application/problem+json", &problem)
}

fn json(status: StatusCode, content_type: &'static str, body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(body) => (status, [(CONTENT_TYPE, content_type)], body).into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}

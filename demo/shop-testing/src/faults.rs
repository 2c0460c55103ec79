//! Putting and removing a service's named faults through its admin API, as an operator
//! (or `shop chaos`) does: `PUT` and `DELETE /admin/faults/{name}` with the admin token.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use serde_json::Value;

use crate::{Reply, bearer, send};

/// `PUT /admin/faults/{name}` with `spec` (a seawall `FaultSpec` as JSON, e.g. from
/// `serde_json::to_value`) and the admin token; answers the reply (201 when new, 200 when
/// replaced).
pub async fn put_fault(router: Router, admin_token: &str, name: &str, spec: &Value) -> Reply {
    let request = bearer(
        Request::put(format!("/admin/faults/{name}")),
        Some(admin_token),
    )
    .header(header::CONTENT_TYPE, "application/json")
    .body(Body::from(spec.to_string()))
    .expect("a request");
    send(router, request).await
}

/// `DELETE /admin/faults/{name}` with the admin token; answers the reply (204 when it was
/// in place).
pub async fn delete_fault(router: Router, admin_token: &str, name: &str) -> Reply {
    let request = bearer(
        Request::delete(format!("/admin/faults/{name}")),
        Some(admin_token),
    )
    .body(Body::empty())
    .expect("a request");
    send(router, request).await
}

//! `/admin/*`: seawall's fault API and the service's state, behind the admin token.

use std::sync::Arc;

use async_trait::async_trait;
use axum::extract::State;
use axum::middleware::from_fn_with_state;
use axum::routing::{any, get};
use axum::{Json, Router};
use seawall::chaos::FaultHandle;

use super::admin_auth::{AdminToken, require_admin_token};
use super::fallback::{method_not_allowed, route_not_found};
use super::instance_down::{INSTANCE_DOWN, instance_down_route};
use crate::config::Secret;
use crate::problem::Problem;

/// What a service reports about itself on `GET /admin/state`: counts, backlogs, the
/// invariants an operator (or `shop check`) wants to see.
#[async_trait]
pub trait AdminState: Send + Sync + 'static {
    /// The service's state as JSON.
    async fn state(&self) -> Result<serde_json::Value, Problem>;
}

/// The admin routes of one service, every one of them behind `Authorization: Bearer <token>`
/// (401 without a bearer token, 403 with a wrong one):
///
/// | request | answer |
/// |---|---|
/// | `GET/PUT/DELETE /admin/faults[/{name}]` | seawall's [fault API](seawall::chaos::admin_router) on `faults` |
/// | `GET/PUT/DELETE /admin/faults/instanceDown` | the same API for the server's connection fault ([`INSTANCE_DOWN`](super::INSTANCE_DOWN)) |
/// | `GET /admin/state` | `{"service", "faults": [...], "state": <from state, or null>}` |
/// | anything else under `/admin` | `404` problem+json |
pub fn admin_router(
    service_name: &'static str,
    token: Secret,
    faults: FaultHandle,
    state: Option<Arc<dyn AdminState>>,
) -> Router {
    let state_routes = Router::new()
        .route("/admin/state", get(service_state))
        .with_state(ServiceState {
            service_name,
            faults: faults.clone(),
            state,
        });
    seawall::chaos::admin_router(faults)
        .route(
            &format!("/admin/faults/{INSTANCE_DOWN}"),
            any(instance_down_route),
        )
        .merge(state_routes)
        .route("/admin", any(route_not_found))
        .route("/admin/{*rest}", any(route_not_found))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(
            AdminToken::new(token),
            require_admin_token,
        ))
}

/// A service's own admin `routes` (read-only reports beyond `/admin/state`, such as
/// listings `shop check` reads) behind the same admin token as [`admin_router`]; merge the
/// result next to the service's router. The routes must live under `/admin/`.
pub fn admin_routes(token: Secret, routes: Router) -> Router {
    routes.layer(from_fn_with_state(
        AdminToken::new(token),
        require_admin_token,
    ))
}

#[derive(Clone)]
struct ServiceState {
    service_name: &'static str,
    faults: FaultHandle,
    state: Option<Arc<dyn AdminState>>,
}

async fn service_state(
    State(service): State<ServiceState>,
) -> Result<Json<serde_json::Value>, Problem> {
    let state = match &service.state {
        Some(state) => state.state().await?,
        None => serde_json::Value::Null,
    };
    Ok(Json(serde_json::json!({
        "service": service.service_name,
        "faults": service.faults.list(),
        "state": state,
    })))
}

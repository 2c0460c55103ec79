//! `GET /health/live` and `GET /health/ready`, with the readiness checks a service registers.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use futures_util::future::join_all;

use crate::problem::Problem;

/// How long one readiness check may take before it counts as failed.
pub const READINESS_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Why a dependency is not ready. The reason is shown in the `/health/ready` answer, so it
/// must not contain secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotReady(pub String);

/// Something a service needs before it can take traffic: its database, its event bus.
///
/// With the `storage` feature, `shop_kit::storage::Storage` is one, named `storage`, checked
/// with `Storage::check`.
#[async_trait]
pub trait ReadinessCheck: Send + Sync + 'static {
    /// The name the check is reported under, such as `storage`.
    fn name(&self) -> &str;

    /// `Ok` when the dependency can be used now.
    async fn check(&self) -> Result<(), NotReady>;
}

#[cfg(feature = "storage")]
#[async_trait]
impl ReadinessCheck for crate::storage::Storage {
    fn name(&self) -> &str {
        "storage"
    }

    async fn check(&self) -> Result<(), NotReady> {
        crate::storage::Storage::check(self).await.map_err(|error| {
            tracing::warn!(%error, "storage is not ready");
            NotReady("the database does not answer".to_owned())
        })
    }
}

/// The readiness checks of one service, run together by `GET /health/ready`.
#[derive(Clone, Default)]
pub struct Readiness {
    checks: Vec<Arc<dyn ReadinessCheck>>,
}

impl fmt::Debug for Readiness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.checks.iter().map(|check| check.name()))
            .finish()
    }
}

impl Readiness {
    /// No checks: always ready.
    pub fn new() -> Self {
        Readiness::default()
    }

    /// Adds a check.
    #[must_use]
    pub fn with_check(mut self, check: impl ReadinessCheck) -> Self {
        self.checks.push(Arc::new(check));
        self
    }

    /// Runs every check at once, each for at most [`READINESS_CHECK_TIMEOUT`], and reports
    /// each by name: `"ok"` or why not.
    pub async fn report(&self) -> ReadinessReport {
        let outcomes = join_all(self.checks.iter().map(|check| async move {
            let outcome = match tokio::time::timeout(READINESS_CHECK_TIMEOUT, check.check()).await {
                Ok(outcome) => outcome,
                Err(_elapsed) => Err(NotReady(format!(
                    "no answer within {} ms",
                    READINESS_CHECK_TIMEOUT.as_millis()
                ))),
            };
            (check.name().to_owned(), outcome)
        }))
        .await;
        ReadinessReport {
            checks: outcomes.into_iter().collect(),
        }
    }
}

/// The outcome of every readiness check, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadinessReport {
    /// Each check's outcome.
    pub checks: BTreeMap<String, Result<(), NotReady>>,
}

impl ReadinessReport {
    /// Whether every check passed.
    pub fn is_ready(&self) -> bool {
        self.checks.values().all(Result::is_ok)
    }

    fn summary(&self) -> BTreeMap<&str, String> {
        self.checks
            .iter()
            .map(|(name, outcome)| {
                let status = match outcome {
                    Ok(()) => "ok".to_owned(),
                    Err(reason) => reason.to_string(),
                };
                (name.as_str(), status)
            })
            .collect()
    }
}

impl IntoResponse for ReadinessReport {
    /// `200 {"status":"ready","checks":{name: "ok"}}`, or a `503` problem whose `checks`
    /// member says which failed and why.
    fn into_response(self) -> Response {
        let summary = self.summary();
        if self.is_ready() {
            Json(serde_json::json!({ "status": "ready", "checks": summary })).into_response()
        } else {
            Problem::service_unavailable("a dependency of the service is not ready")
                .with_extension("checks", serde_json::json!(summary))
                .into_response()
        }
    }
}

/// A router with `GET /health/live` (200 `{"status":"live"}` while the process serves) and
/// `GET /health/ready` (the [`ReadinessReport`] of `readiness`).
pub fn health_router(readiness: Readiness) -> Router {
    Router::new()
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
        .with_state(readiness)
}

async fn live() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "live" }))
}

async fn ready(State(readiness): State<Readiness>) -> ReadinessReport {
    readiness.report().await
}

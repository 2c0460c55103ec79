//! The Prometheus recorder behind the `metrics` facade, with the OpenTelemetry
//! semantic-convention buckets for every `*_duration_seconds` histogram, and the `/metrics`
//! route that serves it from the service's own axum router.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

use crate::error::TelemetryError;

/// Bucket bounds, in seconds, of every histogram whose name ends in `_duration_seconds`: the
/// OpenTelemetry HTTP semantic conventions' advice, so dashboards built for them fit. The
/// same constant as `seawall::metrics::HTTP_DURATION_BUCKETS`, which records them.
pub use seawall::metrics::HTTP_DURATION_BUCKETS as DURATION_BUCKETS_SECONDS;

/// The suffix that selects [`DURATION_BUCKETS_SECONDS`].
pub const DURATION_METRIC_SUFFIX: &str = "_duration_seconds";

/// The Prometheus text exposition format's content type.
const EXPOSITION_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// How often histogram samples are folded into their buckets between scrapes, so that
/// an unscraped process does not hold every sample.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// The handle of the recorder this crate installed, so that later calls reuse it.
static INSTALLED: Mutex<Option<PrometheusHandle>> = Mutex::new(None);

/// A Prometheus recorder with [`DURATION_BUCKETS_SECONDS`], not installed anywhere: for tests
/// (with [`metrics::with_local_recorder`]) and for callers that compose recorders.
pub fn prometheus_recorder() -> Result<PrometheusRecorder, TelemetryError> {
    Ok(PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Suffix(DURATION_METRIC_SUFFIX.to_owned()),
            &DURATION_BUCKETS_SECONDS,
        )?
        .build_recorder())
}

/// Installs [`prometheus_recorder`] as the process-wide `metrics` recorder and returns its
/// handle. Safe to call any number of times: after the first, it returns the same handle,
/// so several services in one process share one registry (told apart by their
/// `service_name` label).
///
/// # Errors
///
/// [`TelemetryError::MetricsRecorderAlreadySet`] if another crate installed a recorder first.
pub fn install_prometheus_recorder() -> Result<PrometheusHandle, TelemetryError> {
    // A panic elsewhere while holding the lock leaves the Option consistent, so go on.
    let mut installed = INSTALLED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(handle) = installed.as_ref() {
        return Ok(handle.clone());
    }
    let recorder = prometheus_recorder()?;
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder)
        .map_err(|_| TelemetryError::MetricsRecorderAlreadySet)?;
    spawn_upkeep(handle.clone());
    *installed = Some(handle.clone());
    Ok(handle)
}

fn spawn_upkeep(handle: PrometheusHandle) {
    let spawned = std::thread::Builder::new()
        .name("seawall-metrics-upkeep".to_owned())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_INTERVAL);
                handle.run_upkeep();
            }
        });
    // Every scrape also folds samples in, so metrics stay correct without the thread.
    if let Err(error) = spawned {
        tracing::warn!(%error, "cannot start the metrics upkeep thread; samples are folded in at each scrape only");
    }
}

/// A router serving `GET /metrics` in the Prometheus text format from `handle`. It has no
/// state of its own, so it merges into a router of any state type:
/// `app.merge(metrics_router(handle))`.
pub fn metrics_router<S>(handle: PrometheusHandle) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    Router::new().route(
        "/metrics",
        get(move || std::future::ready(metrics_response(&handle))),
    )
}

/// The `/metrics` response: the rendered exposition text with its content type.
pub fn metrics_response(handle: &PrometheusHandle) -> axum::response::Response {
    (
        [(header::CONTENT_TYPE, EXPOSITION_CONTENT_TYPE)],
        handle.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;

    fn bucket_bounds(exposition: &str, metric: &str) -> Vec<String> {
        let prefix = format!("{metric}_bucket{{");
        exposition
            .lines()
            .filter(|line| line.starts_with(&prefix))
            .filter_map(|line| {
                line.split("le=\"")
                    .nth(1)?
                    .split('"')
                    .next()
                    .map(str::to_owned)
            })
            .collect()
    }

    #[test]
    fn duration_histogram_renders_exactly_the_semantic_convention_buckets() {
        let recorder = prometheus_recorder().unwrap();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, || {
            metrics::histogram!("http_server_request_duration_seconds", "service_name" => "orders")
                .record(0.2);
        });

        let exposition = handle.render();
        assert_eq!(
            bucket_bounds(&exposition, "http_server_request_duration_seconds"),
            [
                "0.005", "0.01", "0.025", "0.05", "0.075", "0.1", "0.25", "0.5", "0.75", "1",
                "2.5", "5", "7.5", "10", "+Inf"
            ]
        );
        assert!(
            exposition
                .contains("http_server_request_duration_seconds_count{service_name=\"orders\"} 1")
        );
    }

    #[test]
    fn histogram_without_duration_suffix_is_a_summary_not_bucketed() {
        let recorder = prometheus_recorder().unwrap();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, || {
            metrics::histogram!("payload_bytes").record(512.0)
        });

        let exposition = handle.render();
        assert!(bucket_bounds(&exposition, "payload_bytes").is_empty());
        assert!(exposition.contains("payload_bytes{quantile=\"0.5\"}"));
    }

    #[tokio::test]
    async fn metrics_route_serves_the_exposition_text() {
        let recorder = prometheus_recorder().unwrap();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, || {
            metrics::counter!("shop_orders_total").increment(3)
        });

        let response = metrics_router::<()>(handle)
            .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            EXPOSITION_CONTENT_TYPE
        );
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert!(String::from_utf8_lossy(&body).contains("shop_orders_total 3"));
    }

    #[test]
    fn installing_twice_returns_the_same_registry() {
        let first = install_prometheus_recorder().unwrap();
        let second = install_prometheus_recorder().unwrap();
        metrics::counter!("seawall_telemetry_install_twice_total").increment(1);
        assert!(
            second
                .render()
                .contains("seawall_telemetry_install_twice_total 1")
        );
        assert_eq!(first.render(), second.render());
    }
}

//! Active health checks: `GET /health/ready` on every instance at an interval.
//!
//! An instance that fails [`unhealthy_after`](crate::config::HealthConfig::unhealthy_after)
//! checks in a row (an error status, a refused connection, no answer within the timeout)
//! is taken out of balancing; one that passes
//! [`healthy_after`](crate::config::HealthConfig::healthy_after) in a row comes back. Every
//! change is logged and shows in `shop_gateway_endpoint_healthy{upstream,endpoint}`.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Uri};
use http_body_util::Empty;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::task::{AbortHandle, JoinSet};

use super::{Endpoint, Upstream};
use crate::config::HealthConfig;
use crate::telemetry;

/// The client the checks share.
#[derive(Debug, Clone)]
pub struct CheckClient(Client<HttpConnector, Empty<Bytes>>);

impl CheckClient {
    /// A pooled HTTP/1 client.
    pub fn new() -> Self {
        CheckClient(Client::builder(TokioExecutor::new()).build_http())
    }
}

impl Default for CheckClient {
    fn default() -> Self {
        Self::new()
    }
}

/// Starts one checking task per instance of `upstream` in `tasks`.
pub fn spawn_checks(
    upstream: &Upstream,
    client: &CheckClient,
    config: HealthConfig,
    tasks: &mut JoinSet<()>,
) {
    for endpoint in upstream.endpoints().iter() {
        spawn_check(endpoint, client, config, tasks);
    }
}

/// Starts checking `endpoint` in `tasks`, reported healthy until a check says otherwise;
/// abort the handle to stop.
pub fn spawn_check(
    endpoint: &Arc<Endpoint>,
    client: &CheckClient,
    config: HealthConfig,
    tasks: &mut JoinSet<()>,
) -> AbortHandle {
    telemetry::endpoint_health(endpoint, true);
    tasks.spawn(check_forever(client.clone(), Arc::clone(endpoint), config))
}

async fn check_forever(client: CheckClient, endpoint: Arc<Endpoint>, config: HealthConfig) {
    let interval = Duration::from_millis(config.interval_ms);
    let timeout = Duration::from_millis(config.timeout_ms);
    let Ok(uri) = Uri::try_from(format!("http://{}/health/ready", endpoint.authority())) else {
        return;
    };
    let (mut passed, mut failed) = (0_u32, 0_u32);
    loop {
        tokio::time::sleep(interval).await;
        if check(&client, &uri, timeout).await {
            passed = passed.saturating_add(1);
            failed = 0;
            if passed >= config.healthy_after && endpoint.set_healthy(true) {
                tracing::info!(upstream = endpoint.upstream(), endpoint = %endpoint.authority(), "instance healthy again, back in rotation");
                telemetry::endpoint_health(&endpoint, true);
            }
        } else {
            failed = failed.saturating_add(1);
            passed = 0;
            if failed >= config.unhealthy_after && endpoint.set_healthy(false) {
                tracing::warn!(upstream = endpoint.upstream(), endpoint = %endpoint.authority(), failed, "instance failed its health checks, taken out of rotation");
                telemetry::endpoint_health(&endpoint, false);
            }
        }
    }
}

/// Whether one check passed: a 2xx within `timeout`.
async fn check(client: &CheckClient, uri: &Uri, timeout: Duration) -> bool {
    let Ok(request) = Request::get(uri.clone()).body(Empty::new()) else {
        return false;
    };
    matches!(
        tokio::time::timeout(timeout, client.0.request(request)).await,
        Ok(Ok(response)) if response.status().is_success()
    )
}

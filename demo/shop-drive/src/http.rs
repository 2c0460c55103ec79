//! [`Shop`]: a plain HTTP client for the shop's public API, with no retries or breakers of its
//! own, so that what it records is what the shop did.

use std::time::Duration;

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{HeaderValue, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

/// The W3C baggage every request carries, so that traces and logs can tell synthetic
/// traffic from real customers (the OpenTelemetry demo's convention).
pub const SYNTHETIC_BAGGAGE: &str = "synthetic_request=true";

/// A response: its status and its JSON body (`Null` when empty or not JSON).
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) body: Value,
}

/// Why a request got no response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoAnswer {
    /// No response within the request timeout.
    Timeout,
    /// The connection failed or broke.
    Transport,
}

/// What one request to the shop needs beyond its method and path.
#[derive(Debug, Default)]
pub(crate) struct Extras<'a> {
    pub(crate) token: Option<&'a str>,
    pub(crate) body: Option<&'a Value>,
    pub(crate) idempotency_key: Option<&'a str>,
}

/// The client: one connection pool for every virtual user.
#[derive(Debug, Clone)]
pub(crate) struct Shop {
    client: Client<HttpConnector, Full<Bytes>>,
    base: String,
    timeout: Duration,
}

impl Shop {
    pub(crate) fn new(base: &str, timeout: Duration) -> Shop {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        Shop {
            client: Client::builder(TokioExecutor::new()).build(connector),
            base: base.to_owned(),
            timeout,
        }
    }

    /// Sends `method path` (the path starts with `/api/`) and reads the whole response.
    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        extras: Extras<'_>,
    ) -> Result<Answer, NoAnswer> {
        let body = extras.body.map_or_else(Bytes::new, |json| {
            Bytes::from(serde_json::to_vec(json).unwrap_or_default())
        });
        let mut builder = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header(USER_AGENT, HeaderValue::from_static("shop-drive"))
            .header("baggage", HeaderValue::from_static(SYNTHETIC_BAGGAGE));
        if extras.body.is_some() {
            builder = builder.header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        if let Some(token) = extras.token {
            builder = builder.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(key) = extras.idempotency_key {
            builder = builder.header("idempotency-key", key);
        }
        let request = builder
            .body(Full::new(body))
            .map_err(|_| NoAnswer::Transport)?;
        let (status, bytes) = self.exchange(request).await?;
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok(Answer { status, body })
    }

    /// `GET path` and the body as text (a Prometheus exposition, say).
    pub(crate) async fn get_text(&self, path: &str) -> Result<(StatusCode, String), NoAnswer> {
        let request = Request::get(format!("{}{path}", self.base))
            .header(USER_AGENT, HeaderValue::from_static("shop-drive"))
            .body(Full::new(Bytes::new()))
            .map_err(|_| NoAnswer::Transport)?;
        let (status, bytes) = self.exchange(request).await?;
        Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// Sends `request` and reads the whole body, within the timeout.
    async fn exchange(
        &self,
        request: Request<Full<Bytes>>,
    ) -> Result<(StatusCode, Bytes), NoAnswer> {
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|_| NoAnswer::Transport)?;
            let status = response.status();
            let bytes = response
                .into_body()
                .collect()
                .await
                .map_err(|_| NoAnswer::Transport)?
                .to_bytes();
            Ok((status, bytes))
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .unwrap_or(Err(NoAnswer::Timeout))
    }
}

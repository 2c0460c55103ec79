//! A small HTTP/1.1 client for the test: JSON in and out, every call bounded in time.

use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, header};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

/// How long one call may take before the test gives up on it.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// A response: its status and its body, parsed as JSON when it is JSON (else `Null`), and
/// as text.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub json: Value,
    pub text: String,
}

/// A pooled hyper client.
#[derive(Clone)]
pub struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Http {
    pub fn new() -> Http {
        Http {
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// `method url` with an optional bearer token and JSON body.
    pub async fn json(
        &self,
        method: Method,
        url: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(url);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match body {
            Some(body) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Bytes::from(body.to_string())
            }
            None => Bytes::new(),
        };
        self.send(request.body(Full::new(body)).expect("a valid request"))
            .await
    }

    /// `POST url` with a form body, as Prometheus's HTTP API takes its queries.
    pub async fn form(&self, url: &str, pairs: &[(&str, &str)]) -> Answer {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let request = Request::post(url)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Full::new(Bytes::from(body)))
            .expect("a valid request");
        self.send(request).await
    }

    /// `GET url`, or `None` when nothing answers (yet).
    pub async fn try_get(&self, url: &str) -> Option<Answer> {
        let request = Request::get(url)
            .body(Full::new(Bytes::new()))
            .expect("a valid request");
        self.try_send(request).await
    }

    async fn send(&self, request: Request<Full<Bytes>>) -> Answer {
        let target = format!("{} {}", request.method(), request.uri());
        self.try_send(request)
            .await
            .unwrap_or_else(|| panic!("{target}: no answer"))
    }

    async fn try_send(&self, request: Request<Full<Bytes>>) -> Option<Answer> {
        let call = async {
            let response = self.client.request(request).await.ok()?;
            let status = response.status().as_u16();
            let bytes = response.into_body().collect().await.ok()?.to_bytes();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            Some(Answer { status, json, text })
        };
        tokio::time::timeout(CALL_TIMEOUT, call)
            .await
            .ok()
            .flatten()
    }
}

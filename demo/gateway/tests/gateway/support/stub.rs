//! A stub upstream: answers every path with a JSON echo of the request (its `name`, the
//! method, path, query, headers and body as text), `GET /health/ready` with 200, and can be told to
//! answer with another status, to wait, or to die and come back on the same port.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

/// What a stub does, changeable while it runs.
#[derive(Debug, Default)]
pub struct Behaviour {
    /// Answer every API request with this status (0: 200 with the echo).
    pub status: AtomicU16,
    /// Wait this long before answering API requests.
    pub delay_ms: AtomicU64,
    /// API requests answered so far.
    pub served: AtomicUsize,
    /// A JSON body to answer instead of the echo.
    pub body: Mutex<Option<Value>>,
    /// Answer `GET /health/ready` with 503.
    pub unready: AtomicBool,
}

#[derive(Clone)]
struct StubState {
    name: Arc<str>,
    behaviour: Arc<Behaviour>,
}

/// A running stub.
pub struct Stub {
    pub address: SocketAddr,
    pub behaviour: Arc<Behaviour>,
    name: Arc<str>,
    task: Option<JoinHandle<()>>,
}

impl Stub {
    /// A stub named `name` on a free port.
    pub async fn start(name: &str) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let address = listener.local_addr().expect("its address");
        let mut stub = Stub {
            address,
            behaviour: Arc::new(Behaviour::default()),
            name: Arc::from(name),
            task: None,
        };
        stub.task = Some(stub.spawn(listener));
        stub
    }

    /// Its base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Stops it at once: the listener and every open connection are closed.
    pub fn kill(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }

    /// Starts it again on the same port.
    pub async fn revive(&mut self) {
        let listener = TcpListener::bind(self.address)
            .await
            .expect("the same port again");
        self.task = Some(self.spawn(listener));
    }

    fn spawn(&self, listener: TcpListener) -> JoinHandle<()> {
        let state = StubState {
            name: Arc::clone(&self.name),
            behaviour: Arc::clone(&self.behaviour),
        };
        let router = Router::new()
            .route("/health/ready", get(ready))
            .route("/", any(echo))
            .route("/{*path}", any(echo))
            .with_state(state);
        tokio::spawn(async move {
            // Connections live in this set, so aborting the task closes them all.
            let mut connections = JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let service = TowerToHyperService::new(router.clone());
                connections.spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
                while connections.try_join_next().is_some() {}
            }
        })
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn ready(State(state): State<StubState>) -> http::StatusCode {
    if state.behaviour.unready.load(Ordering::SeqCst) {
        http::StatusCode::SERVICE_UNAVAILABLE
    } else {
        http::StatusCode::OK
    }
}

async fn echo(State(state): State<StubState>, request: Request) -> Result<Response, Infallible> {
    let behaviour = &state.behaviour;
    behaviour.served.fetch_add(1, Ordering::SeqCst);
    let delay = behaviour.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let status = behaviour.status.load(Ordering::SeqCst);
    if status != 0 {
        let status =
            http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        return Ok((
            status,
            axum::Json(json!({"name": &*state.name, "status": status.as_u16()})),
        )
            .into_response());
    }
    let fixed = behaviour.body.lock().expect("not poisoned").clone();
    if let Some(body) = fixed {
        return Ok(axum::Json(body).into_response());
    }
    let headers: Map<String, Value> = request
        .headers()
        .iter()
        .map(|(name, value)| (name.to_string(), Value::from(value.to_str().unwrap_or("?"))))
        .collect();
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    let body = axum::body::to_bytes(request.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    Ok(axum::Json(json!({
        "name": &*state.name,
        "method": method,
        "path": path,
        "query": query,
        "headers": headers,
        "body": String::from_utf8_lossy(&body),
    }))
    .into_response())
}

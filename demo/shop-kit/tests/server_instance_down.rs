#![cfg(feature = "server")]
//! `instanceDown` over a real socket: the served instance refuses every connection (its
//! health and admin routes included) until the fault's ttl ends, then listens again by
//! itself; `connection_reset` accepts and drops; a connection already open is cut at its
//! next request; specs it cannot honour are refused.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use shop_kit::config::{ServiceConfig, ShopService};
use shop_kit::server::{INSTANCE_DOWN, ServiceScaffold, serve_on};
use tokio::sync::oneshot;
use tower::ServiceExt;

const ADMIN_TOKEN: &str = "instance-down-test-admin-token";

fn router() -> Router {
    let config = ServiceConfig::from_sources(
        ShopService::Products,
        [("SHOP_ADMIN_TOKEN", ADMIN_TOKEN)],
        None,
    )
    .expect("test settings");
    let api = Router::new().route("/ping", get(|| async { "pong" }));
    ServiceScaffold::new(&config).build(api).expect("a router")
}

/// A served router on a free port; stops when the sender is dropped.
async fn start() -> (SocketAddr, oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let address = listener.local_addr().expect("the address");
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(serve_on(listener, router(), async {
        let _ = stopped.await;
    }));
    (address, stop)
}

/// One request with `Connection: close` on a new connection: the status, or the I/O error
/// (refused, reset, or closed without an answer).
async fn request(address: SocketAddr, method: &str, path: &str, body: &str) -> Result<u16, String> {
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {ADMIN_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(address).map_err(|e| format!("connect: {e}"))?;
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .map_err(|e| e.to_string())?;
        stream
            .write_all(request.as_bytes())
            .map_err(|e| format!("write: {e}"))?;
        status_of(&mut stream)
    })
    .await
    .expect("the client task")
}

/// The status of the next response on `stream`.
fn status_of(stream: &mut TcpStream) -> Result<u16, String> {
    let mut response = Vec::new();
    let mut buffer = [0_u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => {
                response.extend_from_slice(&buffer[..read]);
                if response.windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
            Err(error) => return Err(format!("read: {error}")),
        }
    }
    let text = String::from_utf8_lossy(&response);
    text.strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("no answer: {text:?}"))
}

/// Waits (at most 10 s) until `check` of a `GET /ping` holds.
async fn until_ping(address: SocketAddr, what: &str, check: impl Fn(&Result<u16, String>) -> bool) {
    for _ in 0..200 {
        if check(&request(address, "GET", "/ping", "").await) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen within 10 s");
}

fn put(spec: &str) -> (&'static str, String, &str) {
    ("PUT", format!("/admin/faults/{INSTANCE_DOWN}"), spec)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_downed_instance_refuses_every_connection_then_comes_back_by_itself() {
    let (address, _stop) = start().await;
    assert_eq!(request(address, "GET", "/ping", "").await, Ok(200));

    // A keep-alive connection opened before the fault.
    let mut open = TcpStream::connect(address).expect("connects");
    open.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("a timeout");
    let keep_alive = b"GET /ping HTTP/1.1\r\nHost: test\r\n\r\n";
    open.write_all(keep_alive).expect("writes");
    assert_eq!(status_of(&mut open), Ok(200));

    let (method, path, body) = put(r#"{"kind":"transport_error","ttl_ms":1500}"#);
    assert_eq!(request(address, method, &path, body).await, Ok(201));

    until_ping(address, "connections refused", |answer| {
        answer.as_ref().is_err_and(|e| e.contains("connect"))
    })
    .await;
    for path in ["/health/live", "/health/ready", "/metrics", "/admin/faults"] {
        let answer = request(address, "GET", path, "").await;
        assert!(
            answer.as_ref().is_err_and(|e| e.contains("connect")),
            "{path}: {answer:?}"
        );
    }
    let _ = open.write_all(keep_alive);
    assert!(
        status_of(&mut open).is_err(),
        "the open connection is cut at its next request"
    );

    until_ping(address, "the instance back", |answer| *answer == Ok(200)).await;
    let (_, path, _) = put("");
    assert_eq!(
        request(address, "GET", &path, "").await,
        Ok(404),
        "the fault expired"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_reset_accepts_and_drops_every_connection_until_it_expires() {
    let (address, _stop) = start().await;
    let (method, path, body) = put(r#"{"kind":"connection_reset","ttl_ms":1500}"#);
    assert_eq!(request(address, method, &path, body).await, Ok(201));
    until_ping(address, "connections dropped", |answer| {
        answer.as_ref().is_err_and(|e| !e.contains("connect"))
    })
    .await;
    until_ping(address, "the instance back", |answer| *answer == Ok(200)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn specs_the_instance_cannot_honour_are_refused() {
    let (address, _stop) = start().await;
    for spec in [
        r#"{"kind":"abort","status":503,"ttl_ms":1000}"#,
        r#"{"kind":"transport_error"}"#,
        r#"{"kind":"transport_error","ttl_ms":1000,"probability":0.5}"#,
        r#"{"kind":"transport_error","ttl_ms":1000,"match":{"route":"/ping"}}"#,
        r#"{"kind":"nonsense"}"#,
    ] {
        let (method, path, body) = put(spec);
        assert_eq!(
            request(address, method, &path, body).await,
            Ok(400),
            "{spec}"
        );
    }
    assert_eq!(request(address, "GET", "/ping", "").await, Ok(200));
}

#[tokio::test]
async fn a_router_not_served_by_serve_answers_501() {
    let request = Request::put(format!("/admin/faults/{INSTANCE_DOWN}"))
        .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
        .header("content-type", "application/json")
        .body(Body::from(r#"{"kind":"transport_error","ttl_ms":1000}"#))
        .expect("a request");
    let response = router().oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::NOT_IMPLEMENTED);

    let anonymous = Request::put(format!("/admin/faults/{INSTANCE_DOWN}"))
        .body(Body::empty())
        .expect("a request");
    let response = router().oneshot(anonymous).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#![cfg(feature = "server")]
//! `serve_on` over a real socket: graceful shutdown lets the request in flight finish.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use shop_kit::server::serve_on;
use tokio::sync::{Notify, oneshot};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_waits_for_the_request_in_flight() {
    let started = Arc::new(Notify::new());
    let handler_started = Arc::clone(&started);
    let router = Router::new().route(
        "/slow",
        get(move || {
            let started = Arc::clone(&handler_started);
            async move {
                started.notify_one();
                tokio::time::sleep(Duration::from_millis(300)).await;
                "finished"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let address = listener.local_addr().expect("the address");
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(serve_on(listener, router, async {
        let _ = stopped.await;
    }));

    let client = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(address).expect("connects");
        stream
            .write_all(b"GET /slow HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
            .expect("writes");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("reads");
        response
    });

    started.notified().await;
    stop.send(()).expect("the server is running");
    let response = client.await.expect("the client task");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("finished"), "{response}");

    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops after the request")
        .expect("the server task")
        .expect("the server ran");
    assert!(
        TcpStream::connect(address).is_err(),
        "no new connections after shutdown"
    );
}

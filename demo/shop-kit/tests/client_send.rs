#![cfg(feature = "client")]
//! `ServiceClient`'s JSON helpers return futures that are `Send`, so a service can spawn
//! them (`tokio::spawn`, a `JoinSet`): checked when this file compiles, and once at run
//! time by spawning a call against a closed port. Also the answer size limit, which the
//! helpers enforce while reading frame by frame (the way that keeps them `Send`).

use std::future::Future;

use serde::Serialize;
use shop_kit::client::{ClientError, ServiceClient};

/// Compiles only when `future` is `Send`.
fn assert_send<F: Future + Send>(future: F) -> F {
    future
}

/// A body that is `Send` but not `Sync`: `post_json` must not hold a reference to it
/// across an await, or its future would not be `Send`.
#[derive(Serialize)]
struct NotSync {
    amount: i64,
    #[serde(skip)]
    _marker: std::marker::PhantomData<std::cell::Cell<()>>,
}

// The assertions are made inside a function that is never called: the check is that this
// compiles.
#[allow(dead_code)]
fn json_helpers_are_send(client: &ServiceClient) {
    let body = NotSync {
        amount: 1,
        _marker: std::marker::PhantomData,
    };
    drop(assert_send(client.get_json::<serde_json::Value>(
        "http://127.0.0.1:1",
        "/products",
        "/products",
    )));
    drop(assert_send(client.post_json::<_, serde_json::Value>(
        "http://127.0.0.1:1",
        "/payments",
        "/payments",
        &body,
        Some("key"),
    )));
    drop(assert_send(client.post_json::<str, serde_json::Value>(
        "http://127.0.0.1:1",
        "/payments",
        "/payments",
        "a string body",
        None,
    )));
}

#[tokio::test]
async fn a_spawned_json_call_reports_the_unreachable_upstream() {
    let client = ServiceClient::builder("client-send-test")
        .max_attempts(1)
        .build()
        .expect("a client");
    // Bind then drop a listener: the port is free and nothing listens on it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    drop(listener);
    let called = tokio::spawn(async move {
        client
            .post_json::<_, serde_json::Value>(&base, "/payments", "/payments", &[1, 2], None)
            .await
    });
    let outcome = called.await.expect("the task ran");
    assert!(
        matches!(outcome, Err(ClientError::Transport(_))),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn answers_over_the_size_limit_are_decode_errors_and_those_at_it_decode() {
    use axum::Router;
    use axum::routing::get;

    // A JSON string of exactly 1000 bytes, quotes included.
    let body = format!("\"{}\"", "x".repeat(998));
    let served = body.clone();
    let router = Router::new().route(
        "/big",
        get(move || {
            let served = served.clone();
            async move { ([("content-type", "application/json")], served) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    let server = tokio::spawn(async move { axum::serve(listener, router).await });

    let limited = |bytes| {
        ServiceClient::builder("client-limit-test")
            .max_attempts(1)
            .max_response_bytes(bytes)
            .build()
            .expect("a client")
    };
    let at_limit: String = limited(1000)
        .get_json(&base, "/big", "/big")
        .await
        .expect("an answer at the limit decodes");
    assert_eq!(at_limit.len(), 998);
    let over = limited(999).get_json::<String>(&base, "/big", "/big").await;
    assert!(matches!(over, Err(ClientError::Decode(_))), "{over:?}");
    server.abort();
}

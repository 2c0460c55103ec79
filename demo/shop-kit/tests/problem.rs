//! `Problem` responses and `ValidJson` rejections, through a real `axum::Router`.

use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::DefaultBodyLimit;
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use shop_kit::problem::{FieldError, PROBLEM_JSON, Problem, ValidJson};
use tower::ServiceExt;

#[derive(Debug, Deserialize)]
struct NewOrder {
    product_id: String,
    quantity: u32,
    shipping: Address,
}

#[derive(Debug, Deserialize)]
struct Address {
    city: String,
}

async fn create_order(ValidJson(order): ValidJson<NewOrder>) -> String {
    format!(
        "{} x{} to {}",
        order.product_id, order.quantity, order.shipping.city
    )
}

fn app() -> Router {
    Router::new()
        .route("/orders", post(create_order))
        .route(
            "/sold-out",
            get(|| async {
                Err::<(), _>(
                    Problem::conflict("only 2 left")
                        .with_type("https://shop.example/problems/out-of-stock")
                        .with_title("Out of stock")
                        .with_instance("/api/orders/7")
                        .with_extension("available", 2),
                )
            }),
        )
        .route(
            "/slow-down",
            get(|| async {
                Err::<(), _>(
                    Problem::too_many_requests("rate limit")
                        .with_retry_after(Duration::from_millis(1500)),
                )
            }),
        )
        .layer(DefaultBodyLimit::max(64))
}

async fn send(request: Request<Body>) -> Response {
    app().oneshot(request).await.unwrap()
}

fn post_json(content_type: Option<&str>, body: &str) -> Request<Body> {
    let mut builder = Request::post("/orders");
    if let Some(content_type) = content_type {
        builder = builder.header(header::CONTENT_TYPE, content_type);
    }
    builder.body(Body::from(body.to_owned())).unwrap()
}

/// Asserts a problem+json response with `status` and returns its body.
async fn problem_body(response: Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(body["status"], status.as_u16());
    assert_eq!(body["type"], "about:blank");
    assert_eq!(body["title"], status.canonical_reason().unwrap());
    body
}

const VALID: &str = r#"{"product_id":"p1","quantity":2,"shipping":{"city":"Oslo"}}"#;

#[tokio::test]
async fn a_valid_body_reaches_the_handler() {
    let response = send(post_json(Some("application/json; charset=utf-8"), VALID)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    assert_eq!(&bytes[..], b"p1 x2 to Oslo");

    let response = send(post_json(Some("application/merge-patch+json"), VALID)).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn malformed_json_is_400() {
    let body = problem_body(
        send(post_json(Some("application/json"), r#"{"product_id":"#)).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        body["detail"].as_str().unwrap().contains("not valid JSON"),
        "{body}"
    );

    let trailing = format!("{VALID} x");
    problem_body(
        send(post_json(Some("application/json"), &trailing)).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

#[tokio::test]
async fn a_wrong_type_is_422_naming_the_field() {
    let body = problem_body(
        send(post_json(
            Some("application/json"),
            r#"{"product_id":"p1","quantity":"two","shipping":{"city":"Oslo"}}"#,
        ))
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "quantity", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("invalid type: string \"two\""),
        "{body}"
    );

    let body = problem_body(
        send(post_json(
            Some("application/json"),
            r#"{"product_id":"p1","quantity":1,"shipping":{"city":7}}"#,
        ))
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "shipping.city", "{body}");
}

#[tokio::test]
async fn a_missing_field_is_422_naming_the_field() {
    let body = problem_body(
        send(post_json(
            Some("application/json"),
            r#"{"product_id":"p1","shipping":{"city":"Oslo"}}"#,
        ))
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        body["errors"],
        json!([{"field": "quantity", "message": "missing field `quantity`"}])
    );

    let body = problem_body(
        send(post_json(
            Some("application/json"),
            r#"{"product_id":"p1","quantity":1,"shipping":{}}"#,
        ))
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "shipping.city", "{body}");
}

#[tokio::test]
async fn a_wrong_or_missing_content_type_is_415() {
    problem_body(
        send(post_json(Some("text/plain"), VALID)).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    problem_body(
        send(post_json(None, VALID)).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    problem_body(
        send(post_json(Some("application/jsonx"), VALID)).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let padding = "x".repeat(100);
    let body = format!(r#"{{"product_id":"{padding}","quantity":1,"shipping":{{"city":"Oslo"}}}}"#);
    problem_body(
        send(post_json(Some("application/json"), &body)).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
}

#[tokio::test]
async fn a_handler_problem_keeps_its_members() {
    let response = send(Request::get("/sold-out").body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        body,
        json!({
            "type": "https://shop.example/problems/out-of-stock",
            "title": "Out of stock",
            "status": 409,
            "detail": "only 2 left",
            "instance": "/api/orders/7",
            "available": 2
        })
    );

    let problem: Problem = serde_json::from_value(body).unwrap();
    assert_eq!(problem.status(), StatusCode::CONFLICT);
    assert_eq!(problem.instance(), Some("/api/orders/7"));
    assert_eq!(problem.extension("available"), Some(&json!(2)));
}

#[tokio::test]
async fn retry_after_is_rounded_up_to_seconds() {
    let response = send(Request::get("/slow-down").body(Body::empty()).unwrap()).await;
    assert_eq!(response.headers()[header::RETRY_AFTER], "2");
    problem_body(response, StatusCode::TOO_MANY_REQUESTS).await;
}

#[test]
fn constructors_set_the_status_and_title() {
    let cases = [
        (Problem::bad_request("d"), 400, "Bad Request"),
        (Problem::unauthorized("d"), 401, "Unauthorized"),
        (Problem::forbidden("d"), 403, "Forbidden"),
        (Problem::not_found("d"), 404, "Not Found"),
        (Problem::conflict("d"), 409, "Conflict"),
        (Problem::payload_too_large("d"), 413, "Payload Too Large"),
        (
            Problem::unsupported_media_type("d"),
            415,
            "Unsupported Media Type",
        ),
        (
            Problem::unprocessable_entity("d"),
            422,
            "Unprocessable Entity",
        ),
        (Problem::too_many_requests("d"), 429, "Too Many Requests"),
        (
            Problem::internal_server_error("d"),
            500,
            "Internal Server Error",
        ),
        (Problem::bad_gateway("d"), 502, "Bad Gateway"),
        (
            Problem::service_unavailable("d"),
            503,
            "Service Unavailable",
        ),
        (Problem::gateway_timeout("d"), 504, "Gateway Timeout"),
        (
            Problem::new(StatusCode::PAYMENT_REQUIRED),
            402,
            "Payment Required",
        ),
    ];
    for (problem, status, title) in cases {
        assert_eq!(problem.status().as_u16(), status);
        assert_eq!(problem.title(), title);
        assert_eq!(problem.type_uri(), "about:blank");
    }
    assert_eq!(
        Problem::not_found("no product 42").to_string(),
        "404 Not Found: no product 42"
    );
}

#[test]
fn field_errors_and_extensions() {
    let problem = Problem::unprocessable_entity("invalid order")
        .with_field_errors([FieldError::new("quantity", "must be at least 1")])
        .with_extension("status", 200);
    assert_eq!(
        problem.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "standard members stay"
    );
    assert_eq!(
        problem.field_errors(),
        Some(vec![FieldError::new("quantity", "must be at least 1")])
    );
    let json = serde_json::to_value(&problem).unwrap();
    assert_eq!(
        json["errors"],
        json!([{"field": "quantity", "message": "must be at least 1"}])
    );
    assert_eq!(json["status"], 422);
    assert!(json.get("instance").is_none());
}

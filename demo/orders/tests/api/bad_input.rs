//! Every kind of bad order request answers problem+json with the right status, and starts no
//! saga: the stock is untouched.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use orders::BODY_LIMIT;
use shop_testing::{Reply, send};
use uuid::Uuid;

use crate::common::{Orders, Shop, lantern, token};

/// `POST /orders` with `body` as written, signed for a fresh user.
async fn post_raw(orders: &Orders, body: impl Into<Body>) -> Reply {
    let request = Request::post("/orders")
        .header(header::CONTENT_TYPE, "application/json")
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", token(Uuid::new_v4())),
        )
        .body(body.into())
        .expect("a request");
    send(orders.app.router(), request).await
}

fn assert_problem(reply: &Reply, status: StatusCode, case: &str) {
    assert_eq!(reply.status, status, "{case}: {:?}", reply.json);
    assert_eq!(
        reply.content_type(),
        Some("application/problem+json"),
        "{case}"
    );
    assert_eq!(reply.json["status"], status.as_u16(), "{case}");
}

#[tokio::test]
async fn bad_order_bodies_are_refused_with_problems_and_reserve_nothing() {
    let shop = Shop::start().await;
    let orders = shop.orders().await;
    let product = lantern();
    let cases: Vec<(&str, String, StatusCode)> = vec![
        (
            "malformed JSON",
            r#"{"product_id":"#.to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        ("empty body", String::new(), StatusCode::BAD_REQUEST),
        (
            "not an object",
            "[1,2]".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "quantity of the wrong type",
            format!(r#"{{"product_id":"{product}","quantity":"two"}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "fractional quantity",
            format!(r#"{{"product_id":"{product}","quantity":1.5}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "zero quantity",
            format!(r#"{{"product_id":"{product}","quantity":0}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "negative quantity",
            format!(r#"{{"product_id":"{product}","quantity":-3}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "product id not a UUID",
            r#"{"product_id":"lantern","quantity":1}"#.to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "missing product id",
            r#"{"quantity":1}"#.to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "missing quantity",
            format!(r#"{{"product_id":"{product}"}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (case, body, status) in cases {
        assert_problem(&post_raw(&orders, body).await, status, case);
    }

    let oversized = format!(
        r#"{{"product_id":"{product}","quantity":1,"note":"{}"}}"#,
        "x".repeat(BODY_LIMIT)
    );
    assert_problem(
        &post_raw(&orders, oversized).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "a body over the limit",
    );

    let unknown = orders.place(Uuid::new_v4(), Uuid::new_v4(), 1, None).await;
    assert_problem(&unknown, StatusCode::NOT_FOUND, "an unknown product");

    assert_eq!(shop.stock(product).await, 40, "no stock was reserved");
}

#[tokio::test]
async fn bad_order_reads_are_refused_with_problems() {
    let shop = Shop::start().await;
    let orders = shop.orders().await;
    let user = Uuid::new_v4();

    assert_problem(
        &orders.get(user, "not-a-uuid").await,
        StatusCode::BAD_REQUEST,
        "an order id that is not a UUID",
    );
    assert_problem(
        &orders.get(user, &Uuid::new_v4().to_string()).await,
        StatusCode::NOT_FOUND,
        "an unknown order",
    );
}

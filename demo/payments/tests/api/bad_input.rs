//! Every kind of bad request answers problem+json with the right status, and changes nothing.

use axum::http::{Request, StatusCode};
use payments::BODY_LIMIT;
use shop_testing::bad_input::{assert_bad_bodies, assert_over_the_limit, untyped_post};
use uuid::Uuid;

use crate::common::{TestApp, TestService, bodiless, json_post};

async fn bad_charge_bodies_are_refused(app: &TestApp) {
    let (order, user) = (Uuid::new_v4(), Uuid::new_v4());
    let with = |amount: &str, currency: &str| {
        format!(
            r#"{{"order_id":"{order}","user_id":"{user}","amount":{amount},"currency":{currency}}}"#
        )
    };
    let cases: Vec<(&str, String, StatusCode, Option<&str>)> = vec![
        (
            "malformed JSON",
            r#"{"order_id":"#.to_owned(),
            StatusCode::BAD_REQUEST,
            None,
        ),
        ("empty body", String::new(), StatusCode::BAD_REQUEST, None),
        (
            "not an object",
            "42".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(""),
        ),
        (
            "amount of the wrong type",
            with(r#""ten""#, r#""EUR""#),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("amount"),
        ),
        (
            "fractional amount",
            with("1.5", r#""EUR""#),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("amount"),
        ),
        (
            "amount beyond i64",
            with("99999999999999999999", r#""EUR""#),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("amount"),
        ),
        (
            "zero amount",
            with("0", r#""EUR""#),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("amount"),
        ),
        (
            "negative amount",
            with("-100", r#""EUR""#),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("amount"),
        ),
        (
            "currency of the wrong type",
            with("100", "978"),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("currency"),
        ),
        (
            "lower-case currency",
            with("100", r#""eur""#),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("currency"),
        ),
        (
            "long currency",
            with("100", r#""EURO""#),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("currency"),
        ),
        (
            "order id not a UUID",
            format!(r#"{{"order_id":"order-1","user_id":"{user}","amount":1,"currency":"EUR"}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("order_id"),
        ),
        (
            "user id of the wrong type",
            format!(r#"{{"order_id":"{order}","user_id":7,"amount":1,"currency":"EUR"}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("user_id"),
        ),
        (
            "missing order id",
            format!(r#"{{"user_id":"{user}","amount":1,"currency":"EUR"}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("order_id"),
        ),
        (
            "missing user id",
            format!(r#"{{"order_id":"{order}","amount":1,"currency":"EUR"}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("user_id"),
        ),
        (
            "missing amount",
            format!(r#"{{"order_id":"{order}","user_id":"{user}","currency":"EUR"}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("amount"),
        ),
        (
            "missing currency",
            format!(r#"{{"order_id":"{order}","user_id":"{user}","amount":1}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("currency"),
        ),
        (
            "unknown field",
            format!(
                r#"{{"order_id":"{order}","user_id":"{user}","amount":1,"currency":"EUR","tip":5}}"#
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("tip"),
        ),
    ];
    assert_bad_bodies(&app.router(), |body| json_post("/payments", body), cases).await;

    let no_content_type = app
        .send(untyped_post("/payments", with("1", r#""EUR""#)))
        .await;
    no_content_type.assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);

    assert_eq!(
        app.all_payment_rows().await,
        0,
        "no bad request recorded a payment"
    );
    assert_eq!(app.app.provider_calls().charges, 0);
}

async fn bodies_over_the_limit_are_413(app: &TestApp) {
    let padding = "x".repeat(BODY_LIMIT + 1);
    let body = format!(
        r#"{{"order_id":"{}","user_id":"{}","amount":1,"currency":"EUR","note":"{padding}"}}"#,
        Uuid::new_v4(),
        Uuid::new_v4()
    );
    assert_over_the_limit(&app.router(), "/payments", &body).await;
    assert_eq!(app.all_payment_rows().await, 0);
}

async fn bad_and_unknown_order_ids_are_400_and_404(app: &TestApp) {
    let refund_unknown = app.refund(Uuid::new_v4()).await;
    refund_unknown.assert_problem(StatusCode::NOT_FOUND);

    let refund_bad = app
        .send(bodiless(Request::post("/payments/order-1/refund"), None))
        .await;
    refund_bad.assert_problem(StatusCode::BAD_REQUEST);

    let read_unknown = app.payment_of(Uuid::new_v4(), Uuid::new_v4()).await;
    read_unknown.assert_problem(StatusCode::NOT_FOUND);

    for query in [
        "",
        "?order_id=",
        "?order_id=42",
        "?order=abc",
        "?order_id=%FF",
    ] {
        let reply = app
            .get_as(Uuid::new_v4(), &format!("/payments{query}"))
            .await;
        reply.assert_problem(StatusCode::BAD_REQUEST);
        assert!(reply.json["detail"].is_string(), "{query}: {reply:?}");
    }
}

async fn wrong_methods_are_405_and_unknown_paths_404(app: &TestApp) {
    let put = app.send(bodiless(Request::put("/payments"), None)).await;
    put.assert_problem(StatusCode::METHOD_NOT_ALLOWED);

    let get_refund = app
        .get(&format!("/payments/{}/refund", Uuid::new_v4()))
        .await;
    get_refund.assert_problem(StatusCode::METHOD_NOT_ALLOWED);

    let unknown = app.get("/orders").await;
    unknown.assert_problem(StatusCode::NOT_FOUND);
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    bad_charge_bodies_are_refused,
    bodies_over_the_limit_are_413,
    bad_and_unknown_order_ids_are_400_and_404,
    wrong_methods_are_405_and_unknown_paths_404,
);

//! Every kind of bad request answers problem+json with the right status, and changes nothing.

use axum::http::{Request, StatusCode, header};
use products::BODY_LIMIT;
use products::catalog::CATALOG;
use shop_testing::bad_input::{assert_bad_bodies, assert_over_the_limit, untyped_post};
use uuid::Uuid;

use crate::common::{TestApp, TestService, bodiless, json_post};

async fn bad_reservation_bodies_are_refused(app: &TestApp) {
    let product = CATALOG[0].product_id();
    let initial = CATALOG[0].stock;
    let uri = format!("/products/{product}/reservations");
    let order = Uuid::new_v4();

    let cases: [(&str, String, StatusCode, Option<&str>); 13] = [
        (
            "malformed JSON",
            "{\"order_id\":".to_owned(),
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            "not an object",
            "42".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(""),
        ),
        ("empty body", String::new(), StatusCode::BAD_REQUEST, None),
        (
            "quantity of the wrong type",
            format!(r#"{{"order_id":"{order}","quantity":"two"}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("quantity"),
        ),
        (
            "fractional quantity",
            format!(r#"{{"order_id":"{order}","quantity":1.5}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("quantity"),
        ),
        (
            "order id not a UUID",
            r#"{"order_id":"order-1","quantity":1}"#.to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("order_id"),
        ),
        (
            "order id of the wrong type",
            r#"{"order_id":12,"quantity":1}"#.to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("order_id"),
        ),
        (
            "missing order id",
            r#"{"quantity":1}"#.to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("order_id"),
        ),
        (
            "missing quantity",
            format!(r#"{{"order_id":"{order}"}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("quantity"),
        ),
        (
            "zero quantity",
            format!(r#"{{"order_id":"{order}","quantity":0}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("quantity"),
        ),
        (
            "negative quantity",
            format!(r#"{{"order_id":"{order}","quantity":-3}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("quantity"),
        ),
        (
            "quantity beyond i64",
            format!(r#"{{"order_id":"{order}","quantity":99999999999999999999}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("quantity"),
        ),
        (
            "unknown field",
            format!(r#"{{"order_id":"{order}","quantity":1,"qty":1}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("qty"),
        ),
    ];
    assert_bad_bodies(&app.router(), |body| json_post(&uri, body), cases).await;

    let no_content_type = app
        .send(untyped_post(
            &uri,
            format!(r#"{{"order_id":"{order}","quantity":1}}"#),
        ))
        .await;
    no_content_type.assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);

    assert_eq!(
        app.stock(product).await,
        initial,
        "no bad request took stock"
    );
}

async fn bodies_over_the_limit_are_413(app: &TestApp) {
    let product = CATALOG[0].product_id();
    let uri = format!("/products/{product}/reservations");
    let padding = "x".repeat(BODY_LIMIT + 1);
    let body = format!(
        r#"{{"order_id":"{}","quantity":1,"note":"{padding}"}}"#,
        Uuid::new_v4()
    );

    // Declared up front, refused before the handler runs; and not declared, cut off while
    // the body is read.
    assert_over_the_limit(&app.router(), &uri, &body).await;

    assert_eq!(app.stock(product).await, CATALOG[0].stock);
}

async fn bad_ids_in_paths_are_400_and_unknown_ones_404(app: &TestApp) {
    let order = Uuid::new_v4();
    let body = format!(r#"{{"order_id":"{order}","quantity":1}}"#);

    let bad_product = app
        .send(json_post("/products/not-a-uuid/reservations", body.clone()))
        .await;
    bad_product.assert_problem(StatusCode::BAD_REQUEST);

    let unknown_product = app
        .send(json_post(
            &format!("/products/{}/reservations", Uuid::new_v4()),
            body,
        ))
        .await;
    unknown_product.assert_problem(StatusCode::NOT_FOUND);

    let product = CATALOG[0].product_id();
    let bad_order = app
        .send(bodiless(
            Request::delete(format!("/products/{product}/reservations/order-1")),
            None,
        ))
        .await;
    bad_order.assert_problem(StatusCode::BAD_REQUEST);

    let bad_product_on_release = app
        .send(bodiless(
            Request::delete(format!("/products/nope/reservations/{order}")),
            None,
        ))
        .await;
    bad_product_on_release.assert_problem(StatusCode::BAD_REQUEST);
}

async fn wrong_methods_are_405_and_unknown_paths_404(app: &TestApp) {
    let put = app.send(bodiless(Request::put("/products"), None)).await;
    put.assert_problem(StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(put.headers[header::ALLOW], "GET,HEAD");

    let unknown = app.get("/orders").await;
    unknown.assert_problem(StatusCode::NOT_FOUND);
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    bad_reservation_bodies_are_refused,
    bodies_over_the_limit_are_413,
    bad_ids_in_paths_are_400_and_unknown_ones_404,
    wrong_methods_are_405_and_unknown_paths_404,
);

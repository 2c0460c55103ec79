//! Every kind of bad body answers problem+json with the right status, and stores nothing;
//! so do unknown paths and wrong methods. (Out-of-range ratings and bad product ids are in
//! `posting` and `listing`.)

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use reviews::BODY_LIMIT;
use uuid::Uuid;

use crate::common::{TestApp, TestService};

async fn malformed_or_mistyped_bodies_are_refused(app: &TestApp) {
    let product = Uuid::now_v7().to_string();
    let (_, token) = app.user();
    let cases: [(&str, StatusCode, Option<&str>); 9] = [
        (r#"{"rating":"#, StatusCode::BAD_REQUEST, None),
        ("", StatusCode::BAD_REQUEST, None),
        ("42", StatusCode::UNPROCESSABLE_ENTITY, Some("")),
        (
            r#"{"rating":"5","text":"x"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("rating"),
        ),
        (
            r#"{"rating":4.5,"text":"x"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("rating"),
        ),
        (
            r#"{"rating":5,"text":7}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("text"),
        ),
        (r#"{"text":"x"}"#, StatusCode::UNPROCESSABLE_ENTITY, None),
        (r#"{"rating":5}"#, StatusCode::UNPROCESSABLE_ENTITY, None),
        (
            r#"{"rating":5,"text":"x","stars":5}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
        ),
    ];
    for (body, status, field) in cases {
        let reply = app.post_raw(&product, Some(&token), body).await;
        reply.assert_problem(status);
        if let Some(field) = field {
            reply.assert_invalid_field(field);
        }
    }
    assert_eq!(app.review_count().await, 0);
}

async fn oversized_and_non_json_bodies_are_refused(app: &TestApp) {
    let product = Uuid::now_v7().to_string();
    let (_, token) = app.user();
    let huge = format!(r#"{{"rating":5,"text":"{}"}}"#, "x".repeat(BODY_LIMIT));
    app.post_raw(&product, Some(&token), huge)
        .await
        .assert_problem(StatusCode::PAYLOAD_TOO_LARGE);

    let plain = Request::post(format!("/products/{product}/reviews"))
        .header(header::CONTENT_TYPE, "text/plain")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(r#"{"rating":5,"text":"x"}"#))
        .expect("a request");
    app.send(plain)
        .await
        .assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(app.review_count().await, 0);
}

async fn wrong_methods_are_405_and_unknown_paths_404(app: &TestApp) {
    let (_, token) = app.user();
    let put = Request::put(format!("/products/{}/reviews", Uuid::now_v7()))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .expect("a request");
    app.send(put)
        .await
        .assert_problem(StatusCode::METHOD_NOT_ALLOWED);
    app.get("/reviews", Some(&token))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    app.get(&format!("/products/{}/reviews/1", Uuid::now_v7()), None)
        .await
        .assert_problem(StatusCode::NOT_FOUND);
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    malformed_or_mistyped_bodies_are_refused,
    oversized_and_non_json_bodies_are_refused,
    wrong_methods_are_405_and_unknown_paths_404,
);

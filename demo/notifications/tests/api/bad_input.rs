//! Bad input (issue 4, item 11): the notifications API takes no JSON bodies, so what can
//! be wrong is a body where none belongs (over the 1 KiB limit: 413), a malformed or
//! unknown id (400, 404), bad paging (400), and unknown paths and methods (404, 405);
//! every answer is problem+json.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use uuid::Uuid;

use crate::common::{TestApp, TestService};

async fn a_body_over_the_limit_is_413(app: &TestApp) {
    let token = app.token(Uuid::new_v4());
    let uri = format!("/notifications/{}/read", Uuid::new_v4());
    let oversized = "x".repeat(notifications::BODY_LIMIT + 1);
    let declared = app
        .send(
            Request::post(&uri)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::CONTENT_LENGTH, oversized.len())
                .body(Body::from(oversized))
                .expect("a request"),
        )
        .await;
    declared.assert_problem(StatusCode::PAYLOAD_TOO_LARGE);
}

async fn malformed_and_unknown_ids_are_400_and_404(app: &TestApp) {
    let token = app.token(Uuid::new_v4());
    for id in ["42", "not-a-uuid", "%FF"] {
        app.post(&format!("/notifications/{id}/read"), Some(&token))
            .await
            .assert_problem(StatusCode::BAD_REQUEST);
    }
    app.post(
        &format!("/notifications/{}/read", Uuid::new_v4()),
        Some(&token),
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND);
}

async fn wrong_types_in_paging_are_400(app: &TestApp) {
    let token = app.token(Uuid::new_v4());
    for query in [
        "limit=ten",
        "limit=-1",
        "limit=0",
        "offset=-5",
        "offset=1.5",
    ] {
        app.get(&format!("/notifications?{query}"), Some(&token))
            .await
            .assert_problem(StatusCode::BAD_REQUEST);
    }
}

async fn unknown_paths_and_methods_are_404_and_405(app: &TestApp) {
    let token = app.token(Uuid::new_v4());
    app.get("/inbox", Some(&token))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    app.post("/notifications", Some(&token))
        .await
        .assert_problem(StatusCode::METHOD_NOT_ALLOWED);
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    a_body_over_the_limit_is_413,
    malformed_and_unknown_ids_are_400_and_404,
    wrong_types_in_paging_are_400,
    unknown_paths_and_methods_are_404_and_405,
);

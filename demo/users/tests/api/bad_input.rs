//! Every kind of bad request answers problem+json with the right status, and stores nothing.

use axum::http::StatusCode;
use shop_testing::bad_input::{assert_bad_bodies, assert_over_the_limit, untyped_post};
use users::BODY_LIMIT;

use crate::common::{TestApp, TestService, json_post};

async fn each_broken_rule_is_422_naming_its_field(app: &TestApp) {
    let long_email = format!("{}@example.com", "a".repeat(250));
    let cases: [(&str, &str, &str, &str); 14] = [
        ("username", "ab", "ok@example.com", "long enough"),
        ("username", &"u".repeat(33), "ok@example.com", "long enough"),
        ("username", "has space", "ok@example.com", "long enough"),
        ("username", "émile", "ok@example.com", "long enough"),
        ("username", "semi;colon", "ok@example.com", "long enough"),
        ("email", "valid_name", "not-an-email", "long enough"),
        ("email", "valid_name", "a@localhost", "long enough"),
        (
            "email",
            "valid_name",
            "Ada <ada@example.com>",
            "long enough",
        ),
        ("email", "valid_name", "", "long enough"),
        ("email", "valid_name", &long_email, "long enough"),
        ("password", "valid_name", "ok@example.com", "short"),
        ("password", "valid_name", "ok@example.com", ""),
        ("password", "valid_name", "ok@example.com", &"p".repeat(129)),
        ("username", "", "", ""),
    ];
    for (field, username, email, password) in cases {
        let reply = app.register(username, email, password).await;
        reply.assert_invalid_field(field);
    }

    let all_wrong = app.register("x", "y", "z").await;
    for field in ["username", "email", "password"] {
        all_wrong.assert_invalid_field(field);
    }
    assert_eq!(app.user_count().await, 0);
}

async fn malformed_or_mistyped_bodies_are_refused(app: &TestApp) {
    let cases: [(&str, &str, StatusCode, Option<&str>); 9] = [
        (
            "malformed JSON",
            r#"{"username":"#,
            StatusCode::BAD_REQUEST,
            None,
        ),
        ("empty body", "", StatusCode::BAD_REQUEST, None),
        (
            "not an object",
            "42",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(""),
        ),
        (
            "username of the wrong type",
            r#"{"username":42,"email":"a@example.com","password":"long enough"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("username"),
        ),
        (
            "password of the wrong type",
            r#"{"username":"abc","email":"a@example.com","password":12345678}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("password"),
        ),
        (
            "missing username",
            r#"{"email":"a@example.com","password":"long enough"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("username"),
        ),
        (
            "missing email",
            r#"{"username":"abc","password":"long enough"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("email"),
        ),
        (
            "missing password",
            r#"{"username":"abc","email":"a@example.com"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("password"),
        ),
        (
            "unknown field",
            r#"{"username":"abc","email":"a@example.com","password":"long enough","admin":true}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("admin"),
        ),
    ];
    assert_bad_bodies(&app.router(), |body| json_post("/users", body), cases).await;

    let login_missing = app
        .send(json_post("/auth/login", r#"{"email":"a@example.com"}"#))
        .await;
    login_missing.assert_invalid_field("password");
    let login_malformed = app.send(json_post("/auth/login", "{")).await;
    login_malformed.assert_problem(StatusCode::BAD_REQUEST);

    let no_content_type = app
        .send(untyped_post(
            "/users",
            r#"{"username":"abc","email":"a@example.com","password":"long enough"}"#,
        ))
        .await;
    no_content_type.assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(app.user_count().await, 0);
}

async fn bodies_over_the_limit_are_413(app: &TestApp) {
    let body = format!(
        r#"{{"username":"abc","email":"a@example.com","password":"{}"}}"#,
        "p".repeat(BODY_LIMIT + 1)
    );
    assert_over_the_limit(&app.router(), "/users", &body).await;

    let login = app.send(json_post("/auth/login", body)).await;
    login.assert_problem(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.user_count().await, 0);
}

async fn wrong_methods_are_405_and_unknown_paths_404(app: &TestApp) {
    let get_users = app.get("/users", None).await;
    get_users.assert_problem(StatusCode::METHOD_NOT_ALLOWED);
    let get_login = app.get("/auth/login", None).await;
    get_login.assert_problem(StatusCode::METHOD_NOT_ALLOWED);
    let unknown = app.get("/accounts", None).await;
    unknown.assert_problem(StatusCode::NOT_FOUND);
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    each_broken_rule_is_422_naming_its_field,
    malformed_or_mistyped_bodies_are_refused,
    bodies_over_the_limit_are_413,
    wrong_methods_are_405_and_unknown_paths_404,
);

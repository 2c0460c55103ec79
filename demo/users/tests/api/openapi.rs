//! `GET /openapi.json`: the document lists exactly the routes the router serves, declares
//! its errors as problem+json and the profile read as bearer-secured, and describes the
//! core journey's fields (DESIGN §5: register, login).

use shop_testing::openapi::{
    assert_problems_and_security, assert_schema_fields, assert_serves_exactly, fetch_document,
    response_schema,
};

use crate::common::{TestApp, TestService};

const ROUTES: &[(&str, &str)] = &[
    ("POST", "/users"),
    ("GET", "/users/{id}"),
    ("POST", "/auth/login"),
];

async fn the_document_matches_the_router(app: &TestApp) {
    let document = fetch_document(app.router()).await;
    assert_eq!(document["info"]["title"], "seawall shop: users");
    assert_serves_exactly(app.router(), &document, ROUTES).await;
    assert_problems_and_security(&document, &[("GET", "/users/{id}")]);

    let every = ["username", "email", "password"];
    assert_schema_fields(&document, "RegisterUser", &every, &every);
    let user = ["id", "username", "email"];
    assert_schema_fields(&document, "User", &user, &user);
    assert_schema_fields(
        &document,
        "Login",
        &["email", "password"],
        &["email", "password"],
    );
    assert_schema_fields(
        &document,
        "LoginToken",
        &["token", "user_id"],
        &["token", "user_id"],
    );
    assert_eq!(
        response_schema(&document, "POST", "/users", 201),
        Some("User")
    );
    assert_eq!(
        response_schema(&document, "POST", "/auth/login", 200),
        Some("LoginToken")
    );
}

shop_testing::on_both_backends!(crate::common::TestApp, the_document_matches_the_router);

//! `GET /openapi.json`: the document lists exactly the routes the router serves, declares
//! its errors as problem+json and its token-scoped reads as bearer-secured, and describes
//! the payment's fields.

use shop_testing::openapi::{
    assert_problems_and_security, assert_schema_fields, assert_serves_exactly, fetch_document,
    response_schema,
};

use crate::common::{TestApp, TestService};

const ROUTES: &[(&str, &str)] = &[
    ("POST", "/payments"),
    ("GET", "/payments"),
    ("GET", "/payments/{id}"),
    ("POST", "/payments/{order_id}/refund"),
];

async fn the_document_matches_the_router(app: &TestApp) {
    let document = fetch_document(app.router()).await;
    assert_eq!(document["info"]["title"], "seawall shop: payments");
    assert_serves_exactly(app.router(), &document, ROUTES).await;
    assert_problems_and_security(
        &document,
        &[("GET", "/payments"), ("GET", "/payments/{id}")],
    );
    assert_schema_fields(
        &document,
        "ChargeRequest",
        &["order_id", "user_id", "amount", "currency"],
        &["order_id", "user_id", "amount", "currency"],
    );
    assert_schema_fields(
        &document,
        "Payment",
        &[
            "id",
            "order_id",
            "user_id",
            "amount",
            "currency",
            "status",
            "provider_ref",
            "refund_ref",
        ],
        &["id", "order_id", "user_id", "amount", "currency", "status"],
    );
    assert_eq!(
        response_schema(&document, "GET", "/payments", 200),
        Some("Payment")
    );
    assert_eq!(
        response_schema(&document, "POST", "/payments", 201),
        Some("Payment")
    );
}

shop_testing::on_both_backends!(crate::common::TestApp, the_document_matches_the_router);

//! `GET /openapi.json`: the document lists exactly the routes the router serves, declares
//! its errors as problem+json and both routes as bearer-secured, and describes the core
//! journey's fields (DESIGN.md §5): the order request, the order and its saga steps.

use shop_testing::openapi::{
    assert_problems_and_security, assert_schema_fields, assert_serves_exactly, fetch_document,
    response_schema,
};

use crate::common::Shop;

const ROUTES: &[(&str, &str)] = &[("POST", "/orders"), ("GET", "/orders/{id}")];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_matches_the_router() {
    let shop = Shop::start().await;
    let orders = shop.orders().await;
    let router = orders.app.router();
    let document = fetch_document(router.clone()).await;
    assert_eq!(document["info"]["title"], "seawall shop: orders");
    assert_serves_exactly(router, &document, ROUTES).await;
    assert_problems_and_security(&document, ROUTES);

    assert_schema_fields(
        &document,
        "CreateOrder",
        &["product_id", "quantity"],
        &["product_id", "quantity"],
    );
    assert_schema_fields(
        &document,
        "Order",
        &[
            "id",
            "user_id",
            "status",
            "product_id",
            "quantity",
            "unit_price",
            "total",
            "currency",
            "failure_reason",
            "created_at",
            "updated_at",
            "steps",
        ],
        &["id", "status", "product_id", "quantity", "steps"],
    );
    assert_schema_fields(
        &document,
        "SagaStep",
        &["seq", "step", "status", "detail", "at"],
        &["seq", "step", "status", "at"],
    );
    assert_eq!(
        response_schema(&document, "POST", "/orders", 201),
        Some("Order")
    );
    assert_eq!(
        response_schema(&document, "GET", "/orders/{id}", 200),
        Some("Order")
    );

    let create = &document["paths"]["/orders"]["post"];
    let idempotency = create["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .find(|parameter| parameter["name"] == "Idempotency-Key")
        .expect("the Idempotency-Key header is declared");
    assert_eq!(idempotency["in"], "header");
    for status in ["402", "409", "503"] {
        assert!(
            create["responses"][status].is_object(),
            "POST /orders declares {status}"
        );
    }
}

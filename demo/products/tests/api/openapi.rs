//! `GET /openapi.json`: the document lists exactly the routes the router serves, declares
//! its errors as problem+json (and no route as token-secured), and describes the core
//! journey's catalog (DESIGN §5: `{"items":[{"id","name","price","stock"}...]}`).

use shop_testing::openapi::{
    assert_problems_and_security, assert_schema_fields, assert_serves_exactly, fetch_document,
    response_schema,
};

use crate::common::{TestApp, TestService};

const ROUTES: &[(&str, &str)] = &[
    ("GET", "/products"),
    ("GET", "/products/{id}"),
    ("POST", "/products/{id}/reservations"),
    ("DELETE", "/products/{id}/reservations/{order_id}"),
];

async fn the_document_matches_the_router(app: &TestApp) {
    let document = fetch_document(app.router()).await;
    assert_eq!(document["info"]["title"], "seawall shop: products");
    assert_serves_exactly(app.router(), &document, ROUTES).await;
    assert_problems_and_security(&document, &[]);

    assert_schema_fields(&document, "ProductPage", &["items"], &["items"]);
    assert_eq!(
        document["components"]["schemas"]["ProductPage"]["properties"]["items"]["items"]["$ref"],
        "#/components/schemas/ProductSummary"
    );
    let summary = ["id", "name", "price", "stock"];
    assert_schema_fields(&document, "ProductSummary", &summary, &summary);
    assert_schema_fields(&document, "Product", &summary, &summary);
    assert_schema_fields(
        &document,
        "ReserveStock",
        &["order_id", "quantity"],
        &["order_id", "quantity"],
    );
    assert_eq!(
        response_schema(&document, "GET", "/products", 200),
        Some("ProductPage")
    );
    assert_eq!(
        response_schema(&document, "GET", "/products/{id}", 200),
        Some("Product")
    );
}

shop_testing::on_both_backends!(crate::common::TestApp, the_document_matches_the_router);

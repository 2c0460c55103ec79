//! `GET /openapi.json`: the document lists exactly the routes the router serves, declares
//! its errors as problem+json and posting as bearer-secured, and describes the reviews.

use shop_testing::openapi::{
    assert_problems_and_security, assert_schema_fields, assert_serves_exactly, fetch_document,
    response_schema,
};

use crate::common::{TestApp, TestService};

const ROUTES: &[(&str, &str)] = &[
    ("GET", "/products/{product_id}/reviews"),
    ("POST", "/products/{product_id}/reviews"),
];

async fn the_document_matches_the_router(app: &TestApp) {
    let document = fetch_document(app.router()).await;
    assert_eq!(document["info"]["title"], "seawall shop: reviews");
    assert_serves_exactly(app.router(), &document, ROUTES).await;
    assert_problems_and_security(&document, &[("POST", "/products/{product_id}/reviews")]);
    assert_schema_fields(
        &document,
        "PostReview",
        &["rating", "text"],
        &["rating", "text"],
    );
    let review = [
        "id",
        "product_id",
        "user_id",
        "rating",
        "text",
        "created_at",
    ];
    assert_schema_fields(&document, "Review", &review, &review);
    assert_schema_fields(
        &document,
        "ReviewPage",
        &["items", "limit", "offset", "total", "average_rating"],
        &["items", "limit", "offset", "total"],
    );
    assert_eq!(
        response_schema(&document, "POST", "/products/{product_id}/reviews", 201),
        Some("Review")
    );
}

shop_testing::on_both_backends!(crate::common::TestApp, the_document_matches_the_router);

//! `GET /openapi.json`: the document lists exactly the routes the router serves, declares
//! its errors as problem+json and both routes as bearer-secured, and describes the inbox.

use shop_testing::openapi::{
    assert_problems_and_security, assert_schema_fields, assert_serves_exactly, fetch_document,
    response_schema,
};

use crate::common::TestApp;

const ROUTES: &[(&str, &str)] = &[
    ("GET", "/notifications"),
    ("POST", "/notifications/{id}/read"),
];

async fn the_document_matches_the_router(app: &TestApp) {
    let document = fetch_document(app.app.router()).await;
    assert_eq!(document["info"]["title"], "seawall shop: notifications");
    assert_serves_exactly(app.app.router(), &document, ROUTES).await;
    assert_problems_and_security(&document, ROUTES);
    let page = ["items", "limit", "offset", "total"];
    assert_schema_fields(&document, "NotificationPage", &page, &page);
    let notification = ["id", "kind", "title", "body", "created_at", "read"];
    assert_schema_fields(&document, "Notification", &notification, &notification);
    assert_eq!(
        response_schema(&document, "GET", "/notifications", 200),
        Some("NotificationPage")
    );
    let parameters = document["paths"]["/notifications"]["get"]["parameters"]
        .as_array()
        .expect("the paging parameters");
    let names: Vec<&str> = parameters
        .iter()
        .filter_map(|parameter| parameter["name"].as_str())
        .collect();
    assert_eq!(names, ["limit", "offset"]);
}

shop_testing::on_both_backends!(crate::common::TestApp, the_document_matches_the_router);

//! Listing a product's reviews: newest first, paged, with the total and the mean rating.

use axum::http::StatusCode;
use uuid::Uuid;

use crate::common::TestApp;

async fn an_unreviewed_product_has_an_empty_page(app: &TestApp) {
    let listed = app.list(Uuid::now_v7(), "").await;
    assert_eq!(listed.status, StatusCode::OK, "{listed:?}");
    assert_eq!(listed.json["items"], serde_json::json!([]));
    assert_eq!(listed.json["limit"], 20);
    assert_eq!(listed.json["offset"], 0);
    assert_eq!(listed.json["total"], 0);
    assert!(listed.json["average_rating"].is_null(), "{listed:?}");
}

async fn pages_hold_one_products_reviews_newest_first(app: &TestApp) {
    let product = Uuid::now_v7();
    let mut ids = Vec::new();
    for rating in [1, 2, 4] {
        let (_, token) = app.user();
        let posted = app.post(product, &token, rating, "text").await;
        assert_eq!(posted.status, StatusCode::CREATED, "{posted:?}");
        ids.push(posted.json["id"].clone());
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let (_, token) = app.user();
    let elsewhere = app.post(Uuid::now_v7(), &token, 5, "another product").await;
    assert_eq!(elsewhere.status, StatusCode::CREATED, "{elsewhere:?}");

    let first = app.list(product, "?limit=2").await;
    assert_eq!(first.status, StatusCode::OK, "{first:?}");
    let first_ids: Vec<_> = first.json["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["id"].clone())
        .collect();
    assert_eq!(first_ids, [ids[2].clone(), ids[1].clone()]);
    assert_eq!(first.json["limit"], 2);
    assert_eq!(first.json["total"], 3);
    assert_eq!(first.json["average_rating"], 2.33);

    let rest = app.list(product, "?limit=2&offset=2").await;
    assert_eq!(rest.json["items"][0]["id"], ids[0], "{rest:?}");
    assert_eq!(rest.json["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(rest.json["offset"], 2);

    let beyond = app.list(product, "?offset=50&other=ignored").await;
    assert_eq!(beyond.status, StatusCode::OK, "{beyond:?}");
    assert_eq!(beyond.json["items"], serde_json::json!([]));
    assert_eq!(beyond.json["total"], 3);
}

async fn bad_paging_is_400(app: &TestApp) {
    let product = Uuid::now_v7();
    for query in [
        "?limit=0",
        "?limit=101",
        "?limit=-1",
        "?limit=ten",
        "?offset=-1",
        "?offset=1.5",
        "?offset=9223372036854775808",
    ] {
        app.list(product, query)
            .await
            .assert_problem(StatusCode::BAD_REQUEST);
    }
    let largest = app
        .list(product, "?limit=100&offset=9223372036854775807")
        .await;
    assert_eq!(largest.status, StatusCode::OK, "{largest:?}");
}

async fn a_product_id_that_is_not_a_uuid_is_400(app: &TestApp) {
    app.get("/products/not-a-uuid/reviews", None)
        .await
        .assert_problem(StatusCode::BAD_REQUEST);
    let (_, token) = app.user();
    app.post_raw("42", Some(&token), r#"{"rating":5,"text":"x"}"#)
        .await
        .assert_problem(StatusCode::BAD_REQUEST);
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    an_unreviewed_product_has_an_empty_page,
    pages_hold_one_products_reviews_newest_first,
    bad_paging_is_400,
    a_product_id_that_is_not_a_uuid_is_400,
);

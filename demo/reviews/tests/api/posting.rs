//! Posting reviews: one per user and product, by the token's user, within the rules.

use axum::http::StatusCode;
use reviews::REVIEW_EXISTS_PROBLEM;
use uuid::Uuid;

use crate::common::{TestApp, TestService};

async fn a_posted_review_is_listed(app: &TestApp) {
    let product = Uuid::now_v7();
    let (user, token) = app.user();

    let posted = app.post(product, &token, 4, "  Sturdy and cheap.  ").await;
    assert_eq!(posted.status, StatusCode::CREATED, "{posted:?}");
    assert_eq!(posted.json["product_id"], product.to_string());
    assert_eq!(posted.json["user_id"], user.to_string());
    assert_eq!(posted.json["rating"], 4);
    assert_eq!(posted.json["text"], "Sturdy and cheap.");
    assert!(posted.json["created_at"].is_i64(), "{posted:?}");
    let id = posted.json["id"].as_str().expect("an id");
    assert!(Uuid::parse_str(id).is_ok(), "{posted:?}");

    let listed = app.list(product, "").await;
    assert_eq!(listed.status, StatusCode::OK, "{listed:?}");
    assert_eq!(listed.json["items"], serde_json::json!([posted.json]));
    assert_eq!(listed.json["total"], 1);
    assert_eq!(listed.json["average_rating"], 4.0);
}

async fn a_user_reviews_a_product_once(app: &TestApp) {
    let product = Uuid::now_v7();
    let (_, token) = app.user();
    let first = app.post(product, &token, 5, "great").await;
    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");

    let second = app.post(product, &token, 1, "changed my mind").await;
    second.assert_problem(StatusCode::CONFLICT);
    assert_eq!(second.json["type"], REVIEW_EXISTS_PROBLEM);

    let other_product = app.post(Uuid::now_v7(), &token, 3, "fine").await;
    assert_eq!(
        other_product.status,
        StatusCode::CREATED,
        "{other_product:?}"
    );
    let (_, other_token) = app.user();
    let other_user = app.post(product, &other_token, 2, "meh").await;
    assert_eq!(other_user.status, StatusCode::CREATED, "{other_user:?}");
    assert_eq!(app.review_count().await, 3);
}

async fn concurrent_posts_store_one_review(app: &TestApp) {
    let product = Uuid::now_v7();
    let (_, token) = app.user();
    let posts = (0..5).map(|attempt| {
        let router = app.router();
        let body = serde_json::json!({ "rating": 3, "text": format!("try {attempt}") });
        let request =
            crate::common::review_post(&product.to_string(), Some(&token), body.to_string());
        tokio::spawn(crate::common::send(router, request))
    });
    let mut statuses = Vec::new();
    for post in posts.collect::<Vec<_>>() {
        let reply = post.await.expect("the post task");
        if reply.status != StatusCode::CREATED {
            reply.assert_problem(StatusCode::CONFLICT);
        }
        statuses.push(reply.status);
    }
    let created = statuses
        .iter()
        .filter(|status| **status == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "{statuses:?}");
    assert_eq!(app.review_count().await, 1);
}

async fn posting_needs_a_valid_token(app: &TestApp) {
    let product = Uuid::now_v7().to_string();
    let body = r#"{"rating":5,"text":"great"}"#;
    let anonymous = app.post_raw(&product, None, body).await;
    anonymous.assert_problem(StatusCode::UNAUTHORIZED);
    assert!(anonymous.headers.contains_key("www-authenticate"));

    let forged = app.post_raw(&product, Some("not.a.token"), body).await;
    forged.assert_problem(StatusCode::UNAUTHORIZED);
    assert_eq!(app.review_count().await, 0);
}

async fn ratings_and_texts_out_of_bounds_are_422(app: &TestApp) {
    let product = Uuid::now_v7();
    let (_, token) = app.user();
    let long = "x".repeat(2001);
    let cases: [(&str, i64, &str); 6] = [
        ("rating", 0, "ok"),
        ("rating", 6, "ok"),
        ("rating", -3, "ok"),
        ("text", 3, ""),
        ("text", 3, " \n\t "),
        ("text", 3, &long),
    ];
    for (field, rating, text) in cases {
        app.post(product, &token, rating, text)
            .await
            .assert_invalid_field(field);
    }
    let both = app.post(product, &token, 9, "").await;
    both.assert_invalid_field("rating");
    both.assert_invalid_field("text");
    assert_eq!(app.review_count().await, 0);

    for (rating, text) in [(1, "x".to_owned()), (5, "é".repeat(2000))] {
        let (_, token) = app.user();
        let edge = app.post(product, &token, rating, &text).await;
        assert_eq!(edge.status, StatusCode::CREATED, "{edge:?}");
    }
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    a_posted_review_is_listed,
    a_user_reviews_a_product_once,
    concurrent_posts_store_one_review,
    posting_needs_a_valid_token,
    ratings_and_texts_out_of_bounds_are_422,
);

//! The inbox API: own data only, authentication, paging, marking read.

use axum::http::StatusCode;
use serde_json::Value;
use shop_kit::bus::EventKind;
use uuid::Uuid;

use crate::common::{TestApp, event_for};

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|item| item["id"].as_str().map(str::to_owned))
        .collect()
}

async fn a_user_sees_and_marks_only_their_own(app: &TestApp) {
    let ada = Uuid::now_v7();
    let bob = Uuid::now_v7();
    app.publish(&event_for(EventKind::UserCreated, ada)).await;
    app.publish(&event_for(EventKind::UserCreated, bob)).await;
    let adas = app.wait_for_inbox(ada, 1).await;
    let bobs = app.wait_for_inbox(bob, 1).await;
    let ada_note = ids(&adas).remove(0);
    assert!(!ids(&bobs).contains(&ada_note), "{bobs}");
    assert_eq!(app.inbox(Uuid::now_v7()).await["total"], 0);

    let uri = format!("/notifications/{ada_note}/read");
    let by_bob = app.post(&uri, Some(&app.token(bob))).await;
    by_bob.assert_problem(StatusCode::NOT_FOUND);
    assert_eq!(app.inbox(ada).await["items"][0]["read"], false);

    for _ in 0..2 {
        let by_ada = app.post(&uri, Some(&app.token(ada))).await;
        assert_eq!(by_ada.status, StatusCode::NO_CONTENT, "{by_ada:?}");
    }
    assert_eq!(app.inbox(ada).await["items"][0]["read"], true);
    assert_eq!(app.inbox(bob).await["items"][0]["read"], false);

    let unknown = format!("/notifications/{}/read", Uuid::now_v7());
    app.post(&unknown, Some(&app.token(ada)))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    app.post("/notifications/not-a-uuid/read", Some(&app.token(ada)))
        .await
        .assert_problem(StatusCode::BAD_REQUEST);
}

async fn no_valid_token_is_401(app: &TestApp) {
    let ada = Uuid::now_v7();
    app.get("/notifications", None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    app.get("/notifications", Some("not-a-jwt"))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    let uri = format!("/notifications/{}/read", Uuid::now_v7());
    app.post(&uri, None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    let other_secret = shop_kit::auth::TokenIssuer::new(&shop_kit::config::Secret::new(
        "another-secret-of-at-least-thirty-two-bytes",
    ))
    .issue(ada)
    .expect("a token");
    app.get("/notifications", Some(&other_secret))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
}

async fn pages_are_bounded_and_newest_first(app: &TestApp) {
    let ada = Uuid::now_v7();
    for _ in 0..5 {
        app.publish(&event_for(EventKind::OrderCompleted, ada))
            .await;
    }
    let all = app.wait_for_inbox(ada, 5).await;
    let all_ids = ids(&all);
    let mut sorted = all_ids.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(all_ids, sorted, "newest first");

    let token = app.token(ada);
    let first = app.get("/notifications?limit=2", Some(&token)).await;
    assert_eq!(first.status, StatusCode::OK, "{first:?}");
    assert_eq!(ids(&first.json), all_ids[..2]);
    assert_eq!(first.json["limit"], 2);
    assert_eq!(first.json["offset"], 0);
    assert_eq!(first.json["total"], 5);
    let last = app
        .get("/notifications?limit=2&offset=4", Some(&token))
        .await;
    assert_eq!(ids(&last.json), all_ids[4..]);
    let beyond = app.get("/notifications?offset=10", Some(&token)).await;
    assert_eq!(beyond.status, StatusCode::OK);
    assert_eq!(ids(&beyond.json), Vec::<String>::new());
    assert_eq!(beyond.json["total"], 5);
    let default = app.get("/notifications", Some(&token)).await;
    assert_eq!(default.json["limit"], 20);
    assert_eq!(ids(&default.json), all_ids);

    for query in [
        "limit=0",
        "limit=101",
        "limit=ten",
        "offset=-1",
        "offset=9223372036854775808",
    ] {
        app.get(&format!("/notifications?{query}"), Some(&token))
            .await
            .assert_problem(StatusCode::BAD_REQUEST);
    }
    let maximum = app.get("/notifications?limit=100", Some(&token)).await;
    assert_eq!(maximum.status, StatusCode::OK);
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    a_user_sees_and_marks_only_their_own,
    no_valid_token_is_401,
    pages_are_bounded_and_newest_first,
);

//! The admin listing `shop check` reads: `/admin/notifications`, the events notified.

use axum::http::StatusCode;
use shop_kit::bus::EventKind;
use uuid::Uuid;

use crate::common::{ADMIN_TOKEN, TestApp, event_for};

async fn listing(app: &TestApp) -> shop_testing::Reply {
    app.get("/admin/notifications", Some(ADMIN_TOKEN)).await
}

async fn the_listing_needs_the_admin_token(app: &TestApp) {
    app.get("/admin/notifications", None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    let user_token = app.token(Uuid::new_v4());
    app.get("/admin/notifications", Some(&user_token))
        .await
        .assert_problem(StatusCode::FORBIDDEN);
}

async fn every_notified_event_is_listed_with_its_kind(app: &TestApp) {
    let (ada, bob) = (Uuid::new_v4(), Uuid::new_v4());
    let completed = event_for(EventKind::OrderCompleted, ada);
    let created = event_for(EventKind::UserCreated, bob);
    app.publish(&completed).await;
    app.publish(&created).await;
    app.wait_for_inbox(ada, 1).await;
    app.wait_for_inbox(bob, 1).await;

    let all = listing(app).await;
    assert_eq!(all.status, StatusCode::OK, "{all:?}");
    assert_eq!(all.json["total"], 2);
    let listed = |event: Uuid| {
        all.json["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|item| item["event_id"] == event.to_string())
            .map(|item| (item["kind"].clone(), item["user_id"].clone()))
    };
    assert_eq!(
        listed(completed.id),
        Some(("order.completed".into(), ada.to_string().into()))
    );
    assert_eq!(
        listed(created.id),
        Some(("user.created".into(), bob.to_string().into()))
    );
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    the_listing_needs_the_admin_token,
    every_notified_event_is_listed_with_its_kind,
);

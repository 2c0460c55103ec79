//! Events become notifications in the right inbox, once per event id; unusable events are
//! dead-lettered.

use std::time::Duration;

use notifications::events::NewNotification;
use notifications::repository::{NotificationRepository, Recorded};
use serde_json::json;
use shop_kit::bus::{Event, EventKind};
use uuid::Uuid;

use crate::common::{PATIENCE, TestApp, event_for};

async fn each_kind_lands_in_its_users_inbox(app: &TestApp) {
    let ada = Uuid::now_v7();
    let bob = Uuid::now_v7();
    for kind in EventKind::ALL {
        app.publish(&event_for(kind, ada)).await;
    }
    app.publish(&event_for(EventKind::OrderCompleted, bob))
        .await;

    let inbox = app.wait_for_inbox(ada, 5).await;
    let items = inbox["items"].as_array().expect("items");
    let mut kinds: Vec<&str> = items
        .iter()
        .filter_map(|item| item["kind"].as_str())
        .collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        [
            "order.cancelled",
            "order.completed",
            "payment.completed",
            "payment.refunded",
            "user.created"
        ]
    );
    let newest = &items[0];
    assert_eq!(newest["kind"], "payment.refunded", "newest first: {inbox}");
    assert_eq!(newest["title"], "Payment refunded");
    assert!(
        newest["body"]
            .as_str()
            .is_some_and(|body| body.contains("49.00 EUR"))
    );
    assert_eq!(newest["read"], false);
    assert!(newest["created_at"].as_i64().is_some_and(|at| at > 0));
    assert!(Uuid::parse_str(newest["id"].as_str().unwrap_or_default()).is_ok());
    let titles: Vec<&str> = items
        .iter()
        .filter_map(|item| item["title"].as_str())
        .collect();
    assert!(titles.contains(&"Welcome, ada!"), "{titles:?}");

    let bobs = app.wait_for_inbox(bob, 1).await;
    assert_eq!(bobs["items"][0]["kind"], "order.completed");
}

async fn a_redelivered_event_makes_one_notification(app: &TestApp) {
    let ada = Uuid::now_v7();
    let event = event_for(EventKind::OrderCompleted, ada);
    app.publish(&event).await;
    app.publish(&event).await;
    // In-process delivery is in publish order: once this one is in, both copies were handled.
    app.publish(&event_for(EventKind::PaymentCompleted, ada))
        .await;

    let inbox = app.wait_for_inbox(ada, 2).await;
    assert_eq!(inbox["items"][0]["kind"], "payment.completed");
    assert_eq!(inbox["items"][1]["kind"], "order.completed");
    assert_eq!(app.count("notifications").await, 2);
    assert_eq!(app.count("processed_events").await, 2);
    assert!(app.bus.dead_letters().is_empty());
}

async fn events_without_a_usable_user_are_dead_lettered(app: &TestApp) {
    let order_id = Uuid::now_v7();
    let unusable = [
        Event::new(
            EventKind::OrderCompleted,
            json!({ "order_id": order_id, "total": 100 }),
        ),
        Event::new(
            EventKind::PaymentCompleted,
            json!({ "order_id": order_id, "user_id": "not-a-uuid", "amount": 1, "currency": "EUR" }),
        ),
    ];
    for event in &unusable {
        app.publish(event).await;
    }

    let deadline = tokio::time::Instant::now() + PATIENCE;
    let letters = loop {
        let letters = app.bus.dead_letters();
        if letters.len() == unusable.len() {
            break letters;
        }
        assert!(tokio::time::Instant::now() < deadline, "{letters:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    for (letter, event) in letters.iter().zip(&unusable) {
        assert_eq!(letter.consumer, notifications::CONSUMER);
        assert_eq!(letter.event.id, event.id);
        assert!(letter.last_error.contains("user_id"), "{letter:?}");
    }
    assert_eq!(app.count("notifications").await, 0);
    assert_eq!(app.count("processed_events").await, 0);
}

async fn concurrent_deliveries_record_one_notification(app: &TestApp) {
    let ada = Uuid::now_v7();
    let event = event_for(EventKind::PaymentRefunded, ada);
    let notification = NewNotification::from_event(&event).expect("a usable payload");
    let repository = NotificationRepository::new(app.app.storage().clone());
    let (first, second) = tokio::join!(
        repository.record(&notification),
        repository.record(&notification)
    );
    let mut outcomes = [first.expect("recorded"), second.expect("recorded")];
    outcomes.sort_by_key(|outcome| matches!(outcome, Recorded::AlreadyProcessed));
    assert!(matches!(outcomes[0], Recorded::Stored(_)), "{outcomes:?}");
    assert_eq!(outcomes[1], Recorded::AlreadyProcessed);
    assert_eq!(app.inbox(ada).await["total"], 1);
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    concurrent_deliveries_record_one_notification,
    each_kind_lands_in_its_users_inbox,
    a_redelivered_event_makes_one_notification,
    events_without_a_usable_user_are_dead_lettered,
);

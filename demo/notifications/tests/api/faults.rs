//! The named faults through `PUT /admin/faults/{name}`: `notificationsDown` stops the API
//! and the consumer without losing or doubling an event; `eventBusLag` holds deliveries
//! back while the API keeps answering.

use std::time::Duration;

use axum::http::StatusCode;
use notifications::faults::{EVENT_BUS_LAG, NOTIFICATIONS_DOWN, event_bus_lag, notifications_down};
use shop_kit::bus::EventKind;
use shop_testing::faults::{delete_fault, put_fault};
use uuid::Uuid;

use crate::common::{ADMIN_TOKEN, TestApp, event_for};

/// Long enough for a consumer that is not held back to handle a few events on a loaded
/// machine; the scenarios wait this long to see that nothing was consumed.
const SETTLE: Duration = Duration::from_millis(300);

async fn put(app: &TestApp, name: &str, spec: &seawall::chaos::FaultSpec) {
    let spec = serde_json::to_value(spec).expect("a spec as JSON");
    let reply = put_fault(app.app.router(), ADMIN_TOKEN, name, &spec).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
}

async fn remove(app: &TestApp, name: &str) {
    let reply = delete_fault(app.app.router(), ADMIN_TOKEN, name).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{reply:?}");
}

async fn down_answers_503_and_consumes_each_waiting_event_once_after(app: &TestApp) {
    let ada = Uuid::new_v4();
    let token = app.token(ada);
    put(app, NOTIFICATIONS_DOWN, &notifications_down()).await;

    let reply = app.get("/notifications", Some(&token)).await;
    reply.assert_problem(StatusCode::SERVICE_UNAVAILABLE);

    let events = [
        event_for(EventKind::UserCreated, ada),
        event_for(EventKind::OrderCompleted, ada),
        event_for(EventKind::PaymentCompleted, ada),
    ];
    for event in &events {
        app.publish(event).await;
    }
    // At-least-once delivery: the same event again, as a relay retry would send it.
    app.publish(&events[1]).await;
    tokio::time::sleep(SETTLE).await;
    assert_eq!(app.count("processed_events").await, 0, "nothing consumed");
    assert_eq!(app.count("notifications").await, 0);

    remove(app, NOTIFICATIONS_DOWN).await;

    let inbox = app.wait_for_inbox(ada, 3).await;
    assert_eq!(inbox["total"], 3, "{inbox}");
    tokio::time::sleep(SETTLE).await;
    assert_eq!(app.count("notifications").await, 3, "none doubled");
    assert_eq!(app.count("processed_events").await, 3);
    assert!(app.bus.dead_letters().is_empty(), "none lost");
}

async fn bus_lag_holds_deliveries_back_while_the_api_answers(app: &TestApp) {
    let ada = Uuid::new_v4();
    let token = app.token(ada);
    // The longest latency a fault may have: only removing the fault can let the
    // delivery through within the test.
    put(app, EVENT_BUS_LAG, &event_bus_lag(Duration::from_secs(600))).await;

    app.publish(&event_for(EventKind::OrderCompleted, ada))
        .await;
    tokio::time::sleep(SETTLE).await;
    let inbox = app.get("/notifications", Some(&token)).await;
    assert_eq!(
        inbox.status,
        StatusCode::OK,
        "the lag does not touch the API"
    );
    assert_eq!(inbox.json["total"], 0, "the delivery is held back");

    remove(app, EVENT_BUS_LAG).await;
    app.wait_for_inbox(ada, 1).await;
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    down_answers_503_and_consumes_each_waiting_event_once_after,
    bus_lag_holds_deliveries_back_while_the_api_answers,
);

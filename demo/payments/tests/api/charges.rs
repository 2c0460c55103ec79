//! Charging: one payment, one provider call and one event per order, however often and
//! however concurrently the order is charged.

use axum::http::StatusCode;
use std::time::Duration;

use payments::faults::{PAYMENT_UNREACHABLE, payment_unreachable};
use payments::{PAYMENT_CONFLICT_PROBLEM, PAYMENT_IN_PROGRESS_PROBLEM};
use shop_kit::bus::EventKind;
use uuid::Uuid;

use crate::common::{
    PaymentReply, TestApp, TestService, charge_request, json_post, leave_a_dead_lease, send,
};

async fn a_charge_is_201_with_one_event(app: &TestApp) {
    let (order, user) = (Uuid::new_v4(), Uuid::new_v4());

    let charged = app.charge(order, user, 4900).await;
    assert_eq!(charged.status, StatusCode::CREATED, "{charged:?}");
    let id: Uuid = charged.payment_id().parse().expect("a UUID payment id");
    assert_eq!(
        charged.json,
        serde_json::json!({
            "id": id, "order_id": order, "user_id": user, "amount": 4900, "currency": "EUR",
            "status": "charged", "provider_ref": format!("ch_{}", id.simple()),
            "refund_ref": null,
        })
    );

    let read = app.payment_of(user, order).await;
    assert_eq!(read.status, StatusCode::OK, "{read:?}");
    assert_eq!(read.json, charged.json);

    let events = app.published(EventKind::PaymentCompleted, 1).await;
    assert_eq!(events[0].payment_id, id);
    assert_eq!(events[0].order_id, order);
    assert_eq!(events[0].user_id, user);
    assert_eq!(events[0].amount, 4900);
    assert_eq!(events[0].currency, "EUR");
    assert_eq!(
        events[0].provider_ref,
        charged.json["provider_ref"].as_str().map(str::to_owned)
    );
    assert_eq!(app.outbox_rows(EventKind::PaymentCompleted).await, 1);
    assert_eq!(app.app.provider_calls().charges, 1);
}

async fn charging_again_returns_the_same_payment_and_charges_once(app: &TestApp) {
    let (order, user) = (Uuid::new_v4(), Uuid::new_v4());
    let first = app.charge(order, user, 1200).await;
    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");
    for _ in 0..3 {
        let again = app.charge(order, user, 1200).await;
        assert_eq!(again.status, StatusCode::OK, "{again:?}");
        assert_eq!(again.json, first.json);
    }
    assert_eq!(app.payment_rows(order).await, 1);
    assert_eq!(app.app.provider_calls().charges, 1);
    app.published(EventKind::PaymentCompleted, 1).await;
    assert_eq!(app.outbox_rows(EventKind::PaymentCompleted).await, 1);

    let other_order = app.charge(Uuid::new_v4(), user, 1200).await;
    assert_eq!(other_order.status, StatusCode::CREATED, "{other_order:?}");
    assert_ne!(other_order.payment_id(), first.payment_id());
}

async fn twenty_concurrent_charges_of_one_order_charge_once(app: &TestApp) {
    let (order, user) = (Uuid::new_v4(), Uuid::new_v4());
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let router = app.router();
            tokio::spawn(async move { send(router, charge_request(order, user, 7500)).await })
        })
        .collect();
    let mut created = 0;
    let mut ids = std::collections::HashSet::new();
    for call in calls {
        let reply = call.await.expect("the call task");
        match reply.status {
            StatusCode::CREATED => created += 1,
            StatusCode::OK => {}
            other => panic!("unexpected {other}: {reply:?}"),
        }
        assert_eq!(reply.json["status"], "charged", "{reply:?}");
        ids.insert(reply.payment_id());
    }
    assert_eq!(created, 1);
    assert_eq!(
        ids.len(),
        1,
        "every answer carries the same payment: {ids:?}"
    );
    assert_eq!(app.payment_rows(order).await, 1);
    assert_eq!(app.app.provider_calls().charges, 1);
    let events = app.published(EventKind::PaymentCompleted, 1).await;
    assert!(ids.contains(&events[0].payment_id.to_string()));
    assert_eq!(app.outbox_rows(EventKind::PaymentCompleted).await, 1);
}

async fn charging_an_order_differently_is_409(app: &TestApp) {
    let (order, user) = (Uuid::new_v4(), Uuid::new_v4());
    let first = app.charge(order, user, 3000).await;
    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");

    let other_amount = app.charge(order, user, 3001).await;
    other_amount.assert_problem(StatusCode::CONFLICT);
    assert_eq!(other_amount.json["type"], PAYMENT_CONFLICT_PROBLEM);
    assert_eq!(other_amount.payment_id(), first.payment_id());

    let other_user = app.charge(order, Uuid::new_v4(), 3000).await;
    other_user.assert_problem(StatusCode::CONFLICT);

    let other_currency = app
        .send(json_post(
            "/payments",
            serde_json::json!({
                "order_id": order, "user_id": user, "amount": 3000, "currency": "USD"
            })
            .to_string(),
        ))
        .await;
    other_currency.assert_problem(StatusCode::CONFLICT);

    let read = app.payment_of(user, order).await;
    assert_eq!(read.json, first.json, "the payment is unchanged");
    assert_eq!(app.app.provider_calls().charges, 1);
    app.published(EventKind::PaymentCompleted, 1).await;
}

async fn a_lease_left_by_a_dead_request_blocks_its_order_until_it_expires(app: &TestApp) {
    let (order, user) = (Uuid::new_v4(), Uuid::new_v4());
    app.app
        .faults()
        .put(PAYMENT_UNREACHABLE, payment_unreachable(100))
        .expect("the fault is put");
    let pending = app.charge(order, user, 1500).await;
    pending.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
    app.app.faults().clear();

    leave_a_dead_lease(app, order, 60_000).await;
    let started = std::time::Instant::now();
    let blocked = app.charge(order, user, 1500).await;
    blocked.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(blocked.json["type"], PAYMENT_IN_PROGRESS_PROBLEM);
    assert_eq!(blocked.payment_id(), pending.payment_id());
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "it waited for the call in flight"
    );
    assert_eq!(app.app.provider_calls().charges, 0);

    leave_a_dead_lease(app, order, -1).await;
    let charged = app.charge(order, user, 1500).await;
    assert_eq!(charged.status, StatusCode::CREATED, "{charged:?}");
    assert_eq!(charged.payment_id(), pending.payment_id());
    assert_eq!(app.app.provider_calls().charges, 1);
    app.published(EventKind::PaymentCompleted, 1).await;
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    a_lease_left_by_a_dead_request_blocks_its_order_until_it_expires,
    a_charge_is_201_with_one_event,
    charging_again_returns_the_same_payment_and_charges_once,
    twenty_concurrent_charges_of_one_order_charge_once,
    charging_an_order_differently_is_409,
);

//! Every payment settles: a charge that did not get through is voided or reconciled when
//! its order asks for a refund, so the refund's answer is definite and nothing is charged
//! twice.

use std::time::Duration;

use axum::http::StatusCode;
use payments::faults::{PAYMENT_SLOW, PAYMENT_UNREACHABLE, payment_slow, payment_unreachable};
use payments::{PAYMENT_CONFLICT_PROBLEM, PAYMENT_DECLINED_PROBLEM, PROVIDER_UNAVAILABLE_PROBLEM};
use shop_kit::bus::EventKind;
use uuid::Uuid;

use crate::common::{
    PROVIDER_TIMEOUT, PaymentReply, TestApp, TestService, leave_a_dead_lease, refund_request, send,
};

async fn a_charge_that_never_reached_the_provider_is_voided_by_its_refund(app: &TestApp) {
    app.app
        .faults()
        .put(PAYMENT_UNREACHABLE, payment_unreachable(100))
        .expect("the fault is put");
    let (order, user) = (Uuid::new_v4(), Uuid::new_v4());
    let unavailable = app.charge(order, user, 2300).await;
    unavailable.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(unavailable.json["payment_status"], "pending");
    let retried = app.charge(order, user, 2300).await;
    retried.assert_problem(StatusCode::SERVICE_UNAVAILABLE);

    // Ten compensations at once all get the same definite answer: not charged.
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let router = app.router();
            tokio::spawn(async move { send(router, refund_request(order)).await })
        })
        .collect();
    for call in calls {
        let refund = call.await.expect("the call task");
        refund.assert_problem(StatusCode::CONFLICT);
        assert_eq!(refund.json["type"], PAYMENT_CONFLICT_PROBLEM, "{refund:?}");
        assert_eq!(refund.json["payment_status"], "declined", "{refund:?}");
        assert_eq!(refund.payment_id(), unavailable.payment_id());
    }
    assert_eq!(app.payment_of(user, order).await.json["status"], "declined");

    // The provider is back: the voided order is not charged after all.
    app.app.faults().clear();
    let late = app.charge(order, user, 2300).await;
    late.assert_problem(StatusCode::PAYMENT_REQUIRED);
    assert_eq!(late.json["type"], PAYMENT_DECLINED_PROBLEM);
    assert_eq!(app.refund(order).await.json["payment_status"], "declined");
    assert_eq!(app.app.provider_calls().charges, 0);
    assert_eq!(app.app.provider_calls().refunds, 0);
    assert_eq!(app.outbox_rows(EventKind::PaymentCompleted).await, 0);
    assert_eq!(app.outbox_rows(EventKind::PaymentRefunded).await, 0);
    assert_eq!(app.payment_rows(order).await, 1);
}

async fn a_charge_lost_in_a_timeout_is_reconciled_then_refunded(app: &TestApp) {
    let too_slow = payment_slow(PROVIDER_TIMEOUT + Duration::from_millis(300));
    app.app
        .faults()
        .put(PAYMENT_SLOW, too_slow)
        .expect("the fault is put");
    let (order, user) = (Uuid::new_v4(), Uuid::new_v4());
    let slow = app.charge(order, user, 5100).await;
    slow.assert_problem(StatusCode::SERVICE_UNAVAILABLE);

    // Sent but unanswered: it may have charged, so it is not voided while the provider
    // cannot be asked.
    let unknown = app.refund(order).await;
    unknown.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(unknown.json["type"], PROVIDER_UNAVAILABLE_PROBLEM);
    assert_eq!(app.payment_of(user, order).await.json["status"], "pending");

    app.app.faults().clear();
    let refunded = app.refund(order).await;
    assert_eq!(refunded.status, StatusCode::OK, "{refunded:?}");
    assert_eq!(refunded.json["status"], "refunded");
    assert_eq!(refunded.payment_id(), slow.payment_id());
    assert_eq!(app.refund(order).await.json, refunded.json);
    let again = app.charge(order, user, 5100).await;
    again.assert_problem(StatusCode::CONFLICT);
    assert_eq!(again.json["payment_status"], "refunded");

    assert_eq!(
        app.app.provider_calls().charges,
        1,
        "charged once, by the reconciliation"
    );
    assert_eq!(app.app.provider_calls().refunds, 1);
    app.published(EventKind::PaymentCompleted, 1).await;
    app.published(EventKind::PaymentRefunded, 1).await;
}

async fn a_charge_whose_caller_died_mid_call_is_reconciled_not_voided(app: &TestApp) {
    app.app
        .faults()
        .put(PAYMENT_UNREACHABLE, payment_unreachable(100))
        .expect("the fault is put");
    let (order, user) = (Uuid::new_v4(), Uuid::new_v4());
    app.charge(order, user, 900)
        .await
        .assert_problem(StatusCode::SERVICE_UNAVAILABLE);
    // A later attempt died with its call in flight: that call may have charged.
    leave_a_dead_lease(app, order, -1).await;
    app.app.faults().clear();

    let refunded = app.refund(order).await;
    assert_eq!(refunded.status, StatusCode::OK, "{refunded:?}");
    assert_eq!(refunded.json["status"], "refunded");
    assert_eq!(app.app.provider_calls().charges, 1);
    assert_eq!(app.app.provider_calls().refunds, 1);
    app.published(EventKind::PaymentRefunded, 1).await;
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    a_charge_that_never_reached_the_provider_is_voided_by_its_refund,
    a_charge_lost_in_a_timeout_is_reconciled_then_refunded,
    a_charge_whose_caller_died_mid_call_is_reconciled_not_voided,
);

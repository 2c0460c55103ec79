//! Refunding: once per charged order, one event, the same answer every time.

use axum::http::StatusCode;
use payments::faults::{PAYMENT_FAILURE, payment_failure};
use payments::provider::REFUNDS_ROUTE;
use payments::{PAYMENT_CONFLICT_PROBLEM, PAYMENT_DECLINED_PROBLEM, REFUND_REFUSED_PROBLEM};
use seawall::chaos::{FaultSpec, MatchSpec};
use shop_kit::bus::EventKind;
use uuid::Uuid;

use crate::common::{PaymentReply, TestApp, TestService, refund_request, send};

async fn refunding_once_publishes_one_event_and_again_the_same_answer(app: &TestApp) {
    let (order, user) = (Uuid::new_v4(), Uuid::new_v4());
    let charged = app.charge(order, user, 2500).await;
    assert_eq!(charged.status, StatusCode::CREATED, "{charged:?}");
    let id: Uuid = charged.payment_id().parse().expect("a UUID");

    let refunded = app.refund(order).await;
    assert_eq!(refunded.status, StatusCode::OK, "{refunded:?}");
    assert_eq!(refunded.json["id"], charged.json["id"]);
    assert_eq!(refunded.json["status"], "refunded");
    assert_eq!(refunded.json["provider_ref"], charged.json["provider_ref"]);
    assert_eq!(refunded.json["refund_ref"], format!("re_{}", id.simple()));

    let again = app.refund(order).await;
    assert_eq!(again.status, StatusCode::OK, "{again:?}");
    assert_eq!(again.json, refunded.json);
    assert_eq!(app.payment_of(user, order).await.json, refunded.json);

    let events = app.published(EventKind::PaymentRefunded, 1).await;
    assert_eq!(events[0].payment_id, id);
    assert_eq!(
        events[0].refund_ref,
        refunded.json["refund_ref"].as_str().map(str::to_owned)
    );
    assert_eq!(app.outbox_rows(EventKind::PaymentRefunded).await, 1);
    assert_eq!(app.app.provider_calls().refunds, 1);

    // A refunded order is not charged again.
    let charge_again = app.charge(order, user, 2500).await;
    charge_again.assert_problem(StatusCode::CONFLICT);
    assert_eq!(charge_again.json["type"], PAYMENT_CONFLICT_PROBLEM);
    assert_eq!(charge_again.json["payment_status"], "refunded");
    assert_eq!(app.app.provider_calls().charges, 1);
    app.published(EventKind::PaymentCompleted, 1).await;
}

async fn ten_concurrent_refunds_refund_once(app: &TestApp) {
    let (order, user) = (Uuid::new_v4(), Uuid::new_v4());
    assert_eq!(
        app.charge(order, user, 900).await.status,
        StatusCode::CREATED
    );
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let router = app.router();
            tokio::spawn(async move { send(router, refund_request(order)).await })
        })
        .collect();
    let mut answers = Vec::new();
    for call in calls {
        let reply = call.await.expect("the call task");
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        answers.push(reply.json);
    }
    assert!(
        answers.windows(2).all(|pair| pair[0] == pair[1]),
        "{answers:?}"
    );
    assert_eq!(app.app.provider_calls().refunds, 1);
    app.published(EventKind::PaymentRefunded, 1).await;
    assert_eq!(app.outbox_rows(EventKind::PaymentRefunded).await, 1);
}

async fn refunding_nothing_is_404_and_a_declined_payment_409(app: &TestApp) {
    let unknown = app.refund(Uuid::new_v4()).await;
    unknown.assert_problem(StatusCode::NOT_FOUND);

    let order = Uuid::new_v4();
    app.app
        .faults()
        .put(PAYMENT_FAILURE, payment_failure(100))
        .expect("the fault is put");
    let declined = app.charge(order, Uuid::new_v4(), 500).await;
    declined.assert_problem(StatusCode::PAYMENT_REQUIRED);
    assert_eq!(declined.json["type"], PAYMENT_DECLINED_PROBLEM);
    app.app.faults().clear();

    let refund_declined = app.refund(order).await;
    refund_declined.assert_problem(StatusCode::CONFLICT);
    assert_eq!(refund_declined.json["type"], PAYMENT_CONFLICT_PROBLEM);
    assert_eq!(refund_declined.json["payment_status"], "declined");
    assert_eq!(refund_declined.payment_id(), declined.payment_id());
    assert_eq!(app.app.provider_calls().refunds, 0);
    assert_eq!(app.outbox_rows(EventKind::PaymentRefunded).await, 0);
}

async fn a_refund_the_provider_refuses_is_502_and_can_be_retried(app: &TestApp) {
    let (order, user) = (Uuid::new_v4(), Uuid::new_v4());
    assert_eq!(
        app.charge(order, user, 700).await.status,
        StatusCode::CREATED
    );
    app.app
        .faults()
        .put(
            "refundRefused",
            FaultSpec::abort(409).when(MatchSpec::new().with_route(REFUNDS_ROUTE)),
        )
        .expect("the fault is put");
    let refused = app.refund(order).await;
    refused.assert_problem(StatusCode::BAD_GATEWAY);
    assert_eq!(refused.json["type"], REFUND_REFUSED_PROBLEM);
    assert_eq!(refused.json["payment_status"], "charged");

    app.app.faults().clear();
    let refunded = app.refund(order).await;
    assert_eq!(refunded.status, StatusCode::OK, "{refunded:?}");
    assert_eq!(app.app.provider_calls().refunds, 1);
    app.published(EventKind::PaymentRefunded, 1).await;
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    a_refund_the_provider_refuses_is_502_and_can_be_retried,
    refunding_once_publishes_one_event_and_again_the_same_answer,
    ten_concurrent_refunds_refund_once,
    refunding_nothing_is_404_and_a_declined_payment_409,
);

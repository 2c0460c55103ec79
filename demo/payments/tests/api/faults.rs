//! The named faults act on the provider: declines, an unreachable provider, a slow one.

use std::collections::HashSet;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use payments::faults::{
    PAYMENT_FAILURE, PAYMENT_SLOW, PAYMENT_UNREACHABLE, payment_failure, payment_slow,
    payment_unreachable,
};
use payments::{PAYMENT_DECLINED_PROBLEM, PROVIDER_UNAVAILABLE_PROBLEM};
use shop_kit::bus::EventKind;
use uuid::Uuid;

use crate::common::{PROVIDER_TIMEOUT, PaymentReply, TestApp, TestService, admin};

async fn payment_failure_at_100_percent_is_402_without_an_event(app: &TestApp) {
    let user = Uuid::new_v4();
    let paid = Uuid::new_v4();
    assert_eq!(
        app.charge(paid, user, 100).await.status,
        StatusCode::CREATED
    );

    let put = app
        .send(
            admin(Request::put(format!("/admin/faults/{PAYMENT_FAILURE}")))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    serde_json::to_string(&payment_failure(100)).expect("a spec"),
                ))
                .expect("a request"),
        )
        .await;
    assert_eq!(put.status, StatusCode::CREATED, "{put:?}");

    let order = Uuid::new_v4();
    let declined = app.charge(order, user, 100).await;
    declined.assert_problem(StatusCode::PAYMENT_REQUIRED);
    assert_eq!(declined.json["type"], PAYMENT_DECLINED_PROBLEM);
    assert_eq!(declined.json["order_id"], order.to_string());
    assert_eq!(declined.json["payment_status"], "declined");
    let read = app.payment_of(user, order).await;
    assert_eq!(read.json["status"], "declined");
    assert_eq!(read.json["id"], declined.json["payment_id"]);

    // Refunds are not declined by `paymentFailure`.
    let refunded = app.refund(paid).await;
    assert_eq!(refunded.status, StatusCode::OK, "{refunded:?}");

    // A declined order stays declined, fault or not, and the provider is not asked again.
    let removed = app
        .send(
            admin(Request::delete(format!("/admin/faults/{PAYMENT_FAILURE}")))
                .body(Body::empty())
                .expect("a request"),
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{removed:?}");
    let again = app.charge(order, user, 100).await;
    again.assert_problem(StatusCode::PAYMENT_REQUIRED);
    assert_eq!(again.payment_id(), declined.payment_id());

    assert_eq!(
        app.app.provider_calls().charges,
        1,
        "only the first order reached it"
    );
    assert_eq!(app.payment_rows(order).await, 1);
    let completed = app.published(EventKind::PaymentCompleted, 1).await;
    assert_eq!(
        completed[0].order_id, paid,
        "no event for the declined order"
    );
    app.published(EventKind::PaymentRefunded, 1).await;
}

async fn payment_failure_at_30_percent_declines_about_30_percent(app: &TestApp) {
    app.app
        .faults()
        .put(PAYMENT_FAILURE, payment_failure(30))
        .expect("the fault is put");
    let user = Uuid::new_v4();
    let mut charged = HashSet::new();
    let mut declined = 0;
    for _ in 0..200 {
        let order = Uuid::new_v4();
        let reply = app.charge(order, user, 1000).await;
        match reply.status {
            StatusCode::CREATED => {
                charged.insert(order);
            }
            StatusCode::PAYMENT_REQUIRED => {
                reply.assert_problem(StatusCode::PAYMENT_REQUIRED);
                declined += 1;
            }
            other => panic!("unexpected {other}: {reply:?}"),
        }
    }
    // Binomial(200, 0.3): mean 60, standard deviation 6.5; this is mean ± 3.8 sd.
    assert!((35..=85).contains(&declined), "{declined} of 200 declined");
    assert_eq!(charged.len() + declined, 200);
    assert_eq!(app.app.provider_calls().charges, charged.len() as u64);

    let events = app
        .published(EventKind::PaymentCompleted, charged.len())
        .await;
    let evented: HashSet<Uuid> = events.iter().map(|event| event.order_id).collect();
    assert_eq!(evented.len(), events.len(), "one event per charged order");
    assert_eq!(
        evented, charged,
        "every charged order, and only those, has its event"
    );
    assert_eq!(
        app.outbox_rows(EventKind::PaymentCompleted).await,
        charged.len() as i64
    );
    assert_eq!(app.all_payment_rows().await, 200);
}

async fn payment_unreachable_is_503_and_a_later_retry_charges_once(app: &TestApp) {
    let put = app
        .send(
            admin(Request::put(format!("/admin/faults/{PAYMENT_UNREACHABLE}")))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    serde_json::to_string(&payment_unreachable(100)).expect("a spec"),
                ))
                .expect("a request"),
        )
        .await;
    assert_eq!(
        put.status,
        StatusCode::CREATED,
        "a transport fault reaches the provider: {put:?}"
    );

    let (order, user) = (Uuid::new_v4(), Uuid::new_v4());
    let unavailable = app.charge(order, user, 6500).await;
    unavailable.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(unavailable.json["type"], PROVIDER_UNAVAILABLE_PROBLEM);
    assert_eq!(unavailable.headers[header::RETRY_AFTER], "1");
    assert_eq!(unavailable.json["payment_status"], "pending");
    let payment_id = unavailable.payment_id();

    let still = app.charge(order, user, 6500).await;
    still.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(still.payment_id(), payment_id);
    assert_eq!(app.payment_of(user, order).await.json["status"], "pending");
    assert_eq!(app.app.provider_calls().charges, 0);

    app.app.faults().remove(PAYMENT_UNREACHABLE);
    let retried = app.charge(order, user, 6500).await;
    assert_eq!(retried.status, StatusCode::CREATED, "{retried:?}");
    assert_eq!(
        retried.payment_id(),
        payment_id,
        "the same payment is charged"
    );
    let again = app.charge(order, user, 6500).await;
    assert_eq!(again.status, StatusCode::OK, "{again:?}");
    assert_eq!(again.json, retried.json);

    assert_eq!(app.payment_rows(order).await, 1);
    assert_eq!(app.app.provider_calls().charges, 1);
    app.published(EventKind::PaymentCompleted, 1).await;
}

async fn an_unreachable_provider_delays_a_refund_but_it_happens_once(app: &TestApp) {
    let (order, user) = (Uuid::new_v4(), Uuid::new_v4());
    assert_eq!(
        app.charge(order, user, 800).await.status,
        StatusCode::CREATED
    );
    app.app
        .faults()
        .put(PAYMENT_UNREACHABLE, payment_unreachable(100))
        .expect("the fault is put");

    let unavailable = app.refund(order).await;
    unavailable.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(unavailable.json["payment_status"], "charged");
    assert_eq!(app.payment_of(user, order).await.json["status"], "charged");

    app.app.faults().clear();
    let refunded = app.refund(order).await;
    assert_eq!(refunded.status, StatusCode::OK, "{refunded:?}");
    assert_eq!(refunded.json["status"], "refunded");
    assert_eq!(app.refund(order).await.json, refunded.json);
    assert_eq!(app.app.provider_calls().refunds, 1);
    app.published(EventKind::PaymentRefunded, 1).await;
}

async fn payment_slow_beyond_the_timeout_is_503_and_within_it_succeeds(app: &TestApp) {
    let user = Uuid::new_v4();
    app.app
        .faults()
        .put(
            PAYMENT_SLOW,
            payment_slow(PROVIDER_TIMEOUT + Duration::from_millis(300)),
        )
        .expect("the fault is put");
    let order = Uuid::new_v4();
    let slow = app.charge(order, user, 4200).await;
    slow.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(slow.json["type"], PROVIDER_UNAVAILABLE_PROBLEM);

    app.app
        .faults()
        .put(PAYMENT_SLOW, payment_slow(Duration::from_millis(50)))
        .expect("the fault is replaced");
    let retried = app.charge(order, user, 4200).await;
    assert_eq!(retried.status, StatusCode::CREATED, "{retried:?}");
    assert_eq!(retried.payment_id(), slow.payment_id());
    assert_eq!(
        app.app.provider_calls().charges,
        1,
        "the abandoned call never arrived"
    );
    app.published(EventKind::PaymentCompleted, 1).await;
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    payment_failure_at_100_percent_is_402_without_an_event,
    payment_failure_at_30_percent_declines_about_30_percent,
    payment_unreachable_is_503_and_a_later_retry_charges_once,
    an_unreachable_provider_delays_a_refund_but_it_happens_once,
    payment_slow_beyond_the_timeout_is_503_and_within_it_succeeds,
);

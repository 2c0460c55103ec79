//! A caller that hangs up mid-charge (a crashed orders process) does not leave the payment
//! pending: the charge goes to its end and settles.

use std::time::Duration;

use axum::http::StatusCode;
use payments::faults::{PAYMENT_SLOW, payment_slow};
use uuid::Uuid;

use crate::common::TestApp;

/// How long to wait for the detached charge; only a hang reaches it.
const PATIENCE: Duration = Duration::from_secs(20);

async fn a_charge_whose_caller_hangs_up_still_settles(app: &TestApp) {
    app.app
        .faults()
        .put(PAYMENT_SLOW, payment_slow(Duration::from_millis(300)))
        .expect("the fault is set");
    let (order, user) = (Uuid::new_v4(), Uuid::new_v4());

    // The caller gives up while the provider call is in flight: its future is dropped.
    let hung_up =
        tokio::time::timeout(Duration::from_millis(50), app.charge(order, user, 100)).await;
    assert!(hung_up.is_err(), "the charge answered before the hang-up");

    let settled = tokio::time::timeout(PATIENCE, async {
        loop {
            let payment = app.payment_of(user, order).await;
            if payment.status == StatusCode::OK && payment.json["status"] != "pending" {
                return payment;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the payment settles");
    assert_eq!(settled.json["status"], "charged", "{settled:?}");

    // And the saga's compensation can refund it.
    let refunded = app.refund(order).await;
    assert_eq!(refunded.status, StatusCode::OK, "{refunded:?}");
    assert_eq!(refunded.json["status"], "refunded");
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    a_charge_whose_caller_hangs_up_still_settles,
);

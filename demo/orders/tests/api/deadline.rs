//! The saga's deadline: a saga that runs out of time mid-way is compensated.

use std::time::Duration;

use axum::http::StatusCode;
use orders::saga::SagaSettings;
use payments::faults::{PAYMENT_SLOW, payment_slow};
use shop_kit::bus::EventKind;
use uuid::Uuid;

use crate::common::{Shop, lantern};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saga_past_its_deadline_is_compensated_not_confirmed() {
    let shop = Shop::start().await;
    // The provider answers within its 500 ms timeout, but after the saga's 250 ms.
    shop.payments
        .faults()
        .put(PAYMENT_SLOW, payment_slow(Duration::from_millis(450)))
        .expect("the fault is set");
    let settings = SagaSettings {
        deadline: Duration::from_millis(250),
        ..SagaSettings::default()
    };
    let orders = shop.orders_with(None, settings).await;
    let user = Uuid::new_v4();

    let reply = orders.place(user, lantern(), 2, None).await;

    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{reply:?}");
    assert_eq!(reply.json["order_status"], "cancelled", "{reply:?}");
    assert_eq!(
        reply.json["failure_reason"], "deadline_exceeded",
        "{reply:?}"
    );
    let order_id = reply.json["order_id"]
        .as_str()
        .expect("an order id")
        .to_owned();
    let order = orders.get(user, &order_id).await.json;
    let steps = order["steps"].as_array().expect("steps");
    let passed = steps.iter().any(|step| {
        step["status"] == "failed"
            && step["detail"]
                .as_str()
                .is_some_and(|detail| detail.contains("deadline"))
    });
    assert!(passed, "the log names the deadline: {order}");
    let released = steps
        .iter()
        .any(|step| step["step"] == "reserve_stock" && step["status"] == "compensated");
    assert!(released, "the stock is released: {order}");
    assert_eq!(shop.stock(lantern()).await, 40);
    // Whether or not the charge went through before the deadline was seen, nothing stays
    // charged: the payment is refunded, or there is none.
    let payment = shop.payment(user, &order_id).await;
    match payment.status {
        StatusCode::OK => assert_eq!(payment.json["status"], "refunded", "{payment:?}"),
        status => assert_eq!(status, StatusCode::NOT_FOUND, "{payment:?}"),
    }
    let cancelled = shop.published(EventKind::OrderCancelled, 1).await;
    assert_eq!(cancelled[0]["reason"], "deadline_exceeded");
}

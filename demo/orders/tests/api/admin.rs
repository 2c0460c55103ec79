//! The admin reports `shop check` reads: `/admin/orders` and `/admin/state`.

use axum::http::StatusCode;
use orders::events::event_id;
use payments::faults::{PAYMENT_FAILURE, payment_failure};
use shop_kit::bus::EventKind;
use uuid::Uuid;

use crate::common::{ADMIN_TOKEN, Orders, Shop, lantern, send};

/// `GET uri` on orders with `token` as the bearer, if any.
async fn admin_get(orders: &Orders, uri: &str, token: Option<&str>) -> shop_testing::Reply {
    send(orders.app.router(), shop_testing::get(uri, token)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_reports_list_orders_with_their_events_and_count_them() {
    let shop = Shop::start().await;
    let orders = shop.orders().await;
    let user = Uuid::new_v4();
    let completed = orders.place(user, lantern(), 1, None).await;
    assert_eq!(completed.status, StatusCode::CREATED, "{completed:?}");
    shop.payments
        .faults()
        .put(PAYMENT_FAILURE, payment_failure(100))
        .expect("the fault is set");
    let declined = orders.place(user, lantern(), 2, None).await;
    assert_eq!(
        declined.status,
        StatusCode::PAYMENT_REQUIRED,
        "{declined:?}"
    );

    for uri in ["/admin/orders", "/admin/state"] {
        admin_get(&orders, uri, None)
            .await
            .assert_problem(StatusCode::UNAUTHORIZED);
        admin_get(&orders, uri, Some("wrong"))
            .await
            .assert_problem(StatusCode::FORBIDDEN);
    }

    let listed = admin_get(&orders, "/admin/orders", Some(ADMIN_TOKEN)).await;
    assert_eq!(listed.status, StatusCode::OK, "{listed:?}");
    assert_eq!(listed.json["total"], 2);
    let items = listed.json["items"].as_array().expect("items");
    let of = |id: &serde_json::Value| {
        items
            .iter()
            .find(|item| item["id"] == *id)
            .cloned()
            .expect("the order is listed")
    };
    let done = of(&completed.json["id"]);
    let order_id: Uuid = serde_json::from_value(completed.json["id"].clone()).expect("a UUID");
    assert_eq!(done["status"], "completed");
    assert_eq!(
        done["completed_event_id"],
        event_id(order_id, EventKind::OrderCompleted).to_string()
    );
    let cancelled = of(&declined.json["order_id"]);
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["failure_reason"], "payment_declined");
    assert!(cancelled["completed_event_id"].is_null(), "{cancelled}");

    let state = admin_get(&orders, "/admin/state", Some(ADMIN_TOKEN)).await;
    assert_eq!(state.status, StatusCode::OK, "{state:?}");
    let state = &state.json["state"];
    assert_eq!(state["orders"]["completed"], 1, "{state}");
    assert_eq!(state["orders"]["cancelled"], 1, "{state}");
    assert_eq!(state["orders"]["pending"], 0, "{state}");
    assert_eq!(state["running_sagas"], 0, "{state}");
    assert_eq!(
        (state["recovered"].clone(), state["swept"].clone()),
        (0.into(), 0.into())
    );
}

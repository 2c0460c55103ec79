//! The compensating sweep: sagas stuck while the service runs are finished without a
//! restart, and sagas still running are left alone.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use orders::saga::{SagaSettings, sweep};
use shop_kit::bus::EventKind;
use uuid::Uuid;

use crate::common::{
    Orders, Shop, eventually, lantern, reserve, write_interrupted, write_interrupted_at,
};

/// A sweep every 100 ms of orders quiet for one second.
fn quick_sweep() -> SagaSettings {
    SagaSettings {
        sweep_every: Duration::from_millis(100),
        stuck_after: Duration::from_secs(1),
        ..SagaSettings::default()
    }
}

/// A shop whose orders service sweeps quickly, and an order of a new user left stuck (as a
/// crash would leave it, `charged` or not) after the start-up recovery, so that only the
/// sweep can find it. Returns the shop, the orders service, the user and the order id.
async fn stuck_after_recovery(charged: bool) -> (Shop, Orders, Uuid, String) {
    let shop = Shop::start().await;
    let orders = shop.orders_with(None, quick_sweep()).await;
    eventually("the start-up recovery ends", || async {
        orders.app.recovery_finished()
    })
    .await;
    let order = Uuid::new_v4();
    let user = Uuid::new_v4();
    reserve(&shop, order).await;
    write_interrupted(orders.app.storage(), order, user, charged).await;
    (shop, orders, user, order.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saga_stuck_while_the_service_runs_is_compensated_by_the_sweep() {
    let (shop, orders, user, id) = stuck_after_recovery(false).await;
    eventually("the sweep cancels the order", || async {
        orders.get(user, &id).await.json["status"] == "cancelled"
    })
    .await;

    assert_eq!(shop.stock(lantern()).await, 40);
    let counts = orders.app.saga_counts();
    assert_eq!((counts.recovered, counts.swept), (0, 1));
    let cancelled = shop.published(EventKind::OrderCancelled, 1).await;
    assert_eq!(cancelled[0]["reason"], "interrupted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_saga_that_charged_is_confirmed_by_the_sweep() {
    let (shop, orders, user, id) = stuck_after_recovery(true).await;
    eventually("the sweep completes the order", || async {
        orders.get(user, &id).await.json["status"] == "completed"
    })
    .await;
    assert_eq!(shop.stock(lantern()).await, 37);
    assert_eq!(orders.app.saga_counts().swept, 1);
    shop.published(EventKind::OrderCompleted, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweep_leaves_running_and_recent_sagas_alone() {
    let shop = Shop::start().await;
    // Never sweeps by itself in this test: passes are run by hand.
    let settings = SagaSettings {
        sweep_every: Duration::from_secs(3600),
        stuck_after: Duration::from_secs(1),
        ..SagaSettings::default()
    };
    let orders = shop.orders_with(None, settings).await;
    eventually("the start-up recovery ends", || async {
        orders.app.recovery_finished()
    })
    .await;
    let saga = orders.app.saga();
    let order = Uuid::new_v4();
    let user = Uuid::new_v4();
    reserve(&shop, order).await;
    write_interrupted(orders.app.storage(), order, user, false).await;

    let claim = saga.running().claim(order).expect("nothing runs it");
    assert_eq!(sweep::sweep(saga).await.expect("a pass"), 0);
    let id = order.to_string();
    assert_eq!(orders.get(user, &id).await.json["status"], "pending");
    assert_eq!(shop.stock(lantern()).await, 37);

    drop(claim);
    assert_eq!(sweep::sweep(saga).await.expect("a pass"), 1);
    assert_eq!(orders.get(user, &id).await.json["status"], "cancelled");
    assert_eq!(shop.stock(lantern()).await, 40);

    // An unfinished order whose saga logged a step just now is not quiet.
    let recent = Uuid::new_v4();
    let now = i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("after 1970")
            .as_millis(),
    )
    .expect("milliseconds fit");
    write_interrupted_at(orders.app.storage(), recent, user, false, now).await;
    assert_eq!(sweep::sweep(saga).await.expect("a pass"), 0);
    assert_eq!(
        orders.get(user, &recent.to_string()).await.json["status"],
        "pending"
    );
}

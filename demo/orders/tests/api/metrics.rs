//! The saga's metrics in the Prometheus exposition: every series registered at zero with
//! its HELP, then counted exactly after known sagas (completed, out of stock, declined,
//! finished by the sweep and by the recovery).
//!
//! The recorder is the test thread's local one while orders is built: the saga registers
//! its series then and keeps the handles, so counts made on any worker thread reach it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use metrics_exporter_prometheus::PrometheusBuilder;
use orders::saga::metrics::{ORDERS_TOTAL, SAGA_COMPENSATIONS, SAGA_RECOVERED};
use orders::saga::{SagaSettings, recovery, sweep};
use payments::faults::{PAYMENT_FAILURE, payment_failure};
use uuid::Uuid;

use crate::common::{Shop, eventually, lantern, reserve, write_interrupted};

/// The value of the series `name{labels}` (exactly those labels, in that order, after
/// `service_name="orders"`), or `None` when the exposition has no such series.
fn sample(exposition: &str, name: &str, label: (&str, &str)) -> Option<u64> {
    let series = format!(
        "{name}{{service_name=\"orders\",{}=\"{}\"}} ",
        label.0, label.1
    );
    exposition
        .lines()
        .find_map(|line| line.strip_prefix(&series))
        .and_then(|value| value.trim().parse().ok())
}

#[track_caller]
fn assert_counts(exposition: &str, name: &str, label: &str, expected: &[(&str, u64)]) {
    for &(value, count) in expected {
        assert_eq!(
            sample(exposition, name, (label, value)),
            Some(count),
            "{name}{{{label}=\"{value}\"}} in\n{exposition}"
        );
    }
}

fn now_millis() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970");
    i64::try_from(since.as_millis()).expect("milliseconds fit")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sagas_are_counted_by_outcome_compensation_and_recovery() {
    let shop = Shop::start().await;
    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    // Passes of the sweep are run by hand; it never runs by itself in this test.
    let settings = SagaSettings {
        sweep_every: Duration::from_secs(3600),
        stuck_after: Duration::from_secs(1),
        ..SagaSettings::default()
    };
    let orders = {
        let _local = metrics::set_default_local_recorder(&recorder);
        shop.orders_with(None, settings).await
    };
    eventually("the start-up recovery ends", || async {
        orders.app.recovery_finished()
    })
    .await;

    let registered = handle.render();
    for name in [ORDERS_TOTAL, SAGA_COMPENSATIONS, SAGA_RECOVERED] {
        assert!(
            registered.contains(&format!("# HELP {name} ")),
            "{name} is described"
        );
    }
    let outcomes = [
        "completed",
        "product_not_found",
        "out_of_stock",
        "payment_declined",
        "unavailable",
        "rejected",
        "deadline_exceeded",
        "interrupted",
    ];
    let zeros: Vec<_> = outcomes.iter().map(|outcome| (*outcome, 0)).collect();
    assert_counts(&registered, ORDERS_TOTAL, "outcome", &zeros);
    assert_counts(
        &registered,
        SAGA_COMPENSATIONS,
        "step",
        &[("refund", 0), ("release", 0), ("cancel", 0)],
    );
    assert_counts(
        &registered,
        SAGA_RECOVERED,
        "by",
        &[("startup", 0), ("sweep", 0)],
    );

    let saga = orders.app.saga();
    let user = Uuid::new_v4();
    // A stuck saga that reserved: the sweep releases the stock and cancels it.
    let stuck = Uuid::new_v4();
    reserve(&shop, stuck).await;
    write_interrupted(orders.app.storage(), stuck, user, false).await;
    assert_eq!(sweep::sweep(saga).await.expect("a pass"), 1);
    // An interrupted saga that charged: the recovery confirms it.
    let charged = Uuid::new_v4();
    reserve(&shop, charged).await;
    write_interrupted(orders.app.storage(), charged, user, true).await;
    assert_eq!(
        recovery::recover(saga, now_millis() + 1)
            .await
            .expect("a recovery"),
        1
    );
    // Three orders through the API: completed, out of stock, declined.
    let completed = orders.place(user, lantern(), 2, None).await;
    assert_eq!(completed.status, StatusCode::CREATED, "{completed:?}");
    let out_of_stock = orders.place(user, lantern(), 1000, None).await;
    assert_eq!(
        out_of_stock.status,
        StatusCode::CONFLICT,
        "{out_of_stock:?}"
    );
    shop.payments
        .faults()
        .put(PAYMENT_FAILURE, payment_failure(100))
        .expect("the fault is put");
    let declined = orders.place(user, lantern(), 3, None).await;
    assert_eq!(
        declined.status,
        StatusCode::PAYMENT_REQUIRED,
        "{declined:?}"
    );
    assert_eq!(shop.stock(lantern()).await, 40 - 3 - 2);

    let exposition = handle.render();
    assert_counts(
        &exposition,
        ORDERS_TOTAL,
        "outcome",
        &[
            ("completed", 2),
            ("out_of_stock", 1),
            ("payment_declined", 1),
            ("interrupted", 1),
            ("product_not_found", 0),
            ("unavailable", 0),
            ("rejected", 0),
            ("deadline_exceeded", 0),
        ],
    );
    // Released: the stuck order's, the refused reservation's (nothing to undo, still a
    // compensation run) and the declined order's; refunded: the declined charge.
    assert_counts(
        &exposition,
        SAGA_COMPENSATIONS,
        "step",
        &[("refund", 1), ("release", 3), ("cancel", 3)],
    );
    assert_counts(
        &exposition,
        SAGA_RECOVERED,
        "by",
        &[("startup", 1), ("sweep", 1)],
    );
}

#![cfg(feature = "outbox")]
//! The shop's event metrics in the Prometheus exposition: `shop_events_published_total`
//! from the outbox relay and `shop_events_consumed_total` by outcome from a consumer,
//! registered at zero and counted exactly.
//!
//! A local recorder sees only its own thread, so these tests run on a current-thread
//! runtime, where the relay and the consumer tasks run on the test's thread.

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusRecorder};
use serde_json::json;
use shop_kit::bus::{
    EVENTS_CONSUMED, EVENTS_PUBLISHED, Event, EventBus, EventHandler, EventKind, Handled,
    HandlerError, InProcessBus, InProcessConfig,
};
use shop_kit::outbox::{Outbox, OutboxRelay, RelayConfig, outbox_migration};
use shop_kit::storage::{SqlMigration, Storage, TestDatabase, migrator};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// Bound on waits for things that take milliseconds; only a hang should reach it.
const PATIENCE: Duration = Duration::from_secs(30);

static MIGRATIONS: &[SqlMigration] = &[outbox_migration(1)];

fn recorder() -> PrometheusRecorder {
    PrometheusBuilder::new().build_recorder()
}

/// The value of the series of `name` whose labels include every one of `labels`
/// (`key="value"` pairs); `None` when there is no such series.
fn value(exposition: &str, name: &str, labels: &[&str]) -> Option<f64> {
    exposition
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.strip_prefix(name))
        .filter(|rest| rest.starts_with('{'))
        .find(|rest| {
            let (set, _) = rest.split_once('}').unwrap_or((rest, ""));
            labels.iter().all(|label| set.contains(label))
        })
        .and_then(|rest| rest.rsplit(' ').next())
        .and_then(|number| number.parse().ok())
}

#[tokio::test(flavor = "current_thread")]
async fn consumed_events_are_counted_by_kind_and_outcome() {
    let recorder = recorder();
    let handle = recorder.handle();
    let _local = metrics::set_default_local_recorder(&recorder);

    let bus = InProcessBus::new(InProcessConfig {
        max_deliveries: 2,
        redelivery_delay: Duration::from_millis(1),
        ..InProcessConfig::default()
    });
    // Acts once per id, reports a repeated id as a duplicate, fails on `"fail": true`.
    let seen = Arc::new(Mutex::new(HashSet::new()));
    let handler: Arc<dyn EventHandler> = Arc::new(move |event: Event| {
        let seen = Arc::clone(&seen);
        async move {
            if event.payload["fail"] == json!(true) {
                return Err(HandlerError::new("refused for the test"));
            }
            let first = seen.lock().expect("not poisoned").insert(event.id);
            Ok(if first {
                Handled::Processed
            } else {
                Handled::Duplicate
            })
        }
    });
    let subscription = bus
        .subscribe(
            "notifications",
            &[EventKind::OrderCompleted, EventKind::UserCreated],
            handler,
        )
        .await
        .expect("subscribe");

    let zero = handle.render();
    for kind in ["order.completed", "user.created"] {
        for outcome in ["handled", "duplicate", "failed"] {
            let labels = [
                "service_name=\"notifications\"",
                &format!("event=\"{kind}\""),
                &format!("outcome=\"{outcome}\""),
            ];
            assert_eq!(value(&zero, EVENTS_CONSUMED, &labels), Some(0.0), "{zero}");
        }
    }
    assert_eq!(
        value(&zero, EVENTS_CONSUMED, &["event=\"payment.refunded\""]),
        None,
        "only the kinds the consumer takes"
    );

    let completed = Event::new(EventKind::OrderCompleted, json!({ "order_id": "o-1" }));
    let failing = Event::new(EventKind::UserCreated, json!({ "fail": true }));
    bus.publish(&completed).await.expect("published");
    bus.publish(&completed).await.expect("published again");
    bus.publish(&failing).await.expect("published");
    // Shutting down drains the queue: every delivery above has ended when it returns.
    subscription.shutdown().await;

    let counted = handle.render();
    let count = |kind: &str, outcome: &str| {
        let labels = [
            &format!("event=\"{kind}\"") as &str,
            &format!("outcome=\"{outcome}\""),
        ];
        value(&counted, EVENTS_CONSUMED, &labels)
    };
    assert_eq!(count("order.completed", "handled"), Some(1.0), "{counted}");
    assert_eq!(count("order.completed", "duplicate"), Some(1.0));
    assert_eq!(count("order.completed", "failed"), Some(0.0));
    assert_eq!(count("user.created", "handled"), Some(0.0));
    assert_eq!(
        count("user.created", "failed"),
        Some(2.0),
        "both deliveries"
    );
    assert_eq!(bus.dead_letters().len(), 1);
    assert!(counted.contains(&format!("# HELP {EVENTS_CONSUMED} ")));
}

#[tokio::test(flavor = "current_thread")]
async fn the_relay_counts_the_events_it_published() {
    let recorder = recorder();
    let handle = recorder.handle();
    let _local = metrics::set_default_local_recorder(&recorder);

    let database = TestDatabase::sqlite().expect("a SQLite database");
    let storage = Storage::open(database.url(), &migrator(MIGRATIONS))
        .await
        .expect("storage opens and migrates");
    let bus = Arc::new(InProcessBus::default());
    let (sender, mut received) = mpsc::unbounded_channel();
    let forward: Arc<dyn EventHandler> = Arc::new(move |event: Event| {
        let sender = sender.clone();
        async move { sender.send(event).map_err(HandlerError::new) }
    });
    let subscription = bus
        .subscribe("audit", &EventKind::ALL, forward)
        .await
        .expect("subscribe");
    let (outbox, relay) =
        OutboxRelay::start(storage.clone(), bus.clone(), RelayConfig::new("orders"));

    let zero = handle.render();
    for kind in EventKind::ALL {
        let labels = [
            "service_name=\"orders\"",
            &format!("event=\"{}\"", kind.as_str()),
        ];
        assert_eq!(value(&zero, EVENTS_PUBLISHED, &labels), Some(0.0), "{zero}");
    }

    let events = [
        Event::new(EventKind::OrderCompleted, json!({ "n": 1 })),
        Event::new(EventKind::OrderCompleted, json!({ "n": 2 })),
        Event::new(EventKind::PaymentRefunded, json!({ "n": 3 })),
    ];
    let mut transaction = storage.begin().await.expect("begin");
    for event in &events {
        Outbox::enqueue(&mut transaction, event)
            .await
            .expect("enqueue");
    }
    outbox.commit(transaction).await.expect("commit");
    for _ in &events {
        tokio::time::timeout(PATIENCE, received.recv())
            .await
            .expect("an event in time")
            .expect("the consumer is alive");
    }
    assert_eq!(relay.shutdown().await, 0);
    subscription.shutdown().await;

    let counted = handle.render();
    let count = |kind: &str| value(&counted, EVENTS_PUBLISHED, &[&format!("event=\"{kind}\"")]);
    assert_eq!(count("order.completed"), Some(2.0), "{counted}");
    assert_eq!(count("payment.refunded"), Some(1.0));
    assert_eq!(count("order.cancelled"), Some(0.0));
    assert!(counted.contains(&format!("# HELP {EVENTS_PUBLISHED} ")));
}

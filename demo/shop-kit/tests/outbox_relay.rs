#![cfg(feature = "outbox")]
//! The transactional outbox on SQLite and PostgreSQL, relayed through the in-process bus:
//! rollbacks publish nothing, commits publish everything in order, a failing bus is retried,
//! a crash between publish and mark re-publishes, shutdown flushes within its timeout.
//!
//! PostgreSQL tests need the server of `TestDatabase::postgres` (127.0.0.1:5432/test by
//! default) and fail without it, unless `SHOP_TEST_POSTGRES=skip`.

use serde_json::json;
use shop_kit::bus::{
    BusError, Event, EventBus, EventHandler, EventKind, HandlerError, InProcessBus, Subscription,
};
use shop_kit::config::DatabaseUrl;
use shop_kit::outbox::{Outbox, OutboxRelay, RelayConfig, outbox_migration};
use shop_kit::storage::{SqlMigration, Storage, TestDatabase, migrator};
use sqlx::Row;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use uuid::Uuid;

/// Bound on waits for things that take milliseconds; only a hang should reach it.
const PATIENCE: Duration = Duration::from_secs(30);

static MIGRATIONS: &[SqlMigration] = &[
    SqlMigration {
        version: 1,
        description: "notes",
        sql: "CREATE TABLE notes (id TEXT PRIMARY KEY, body TEXT NOT NULL)",
    },
    outbox_migration(2),
];

async fn open(database: &DatabaseUrl) -> Storage {
    Storage::open(database, &migrator(MIGRATIONS))
        .await
        .expect("storage opens and migrates")
}

/// A relay that only polls once an hour, so a prompt publish proves the wake-up; quick
/// back-off so failure tests run fast.
fn quiet_config() -> RelayConfig {
    RelayConfig {
        poll_interval: Duration::from_secs(3600),
        min_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(40),
        ..RelayConfig::new("outbox-test")
    }
}

fn numbered(n: u64) -> Event {
    Event::new(EventKind::OrderCompleted, json!({ "n": n }))
}

fn number_of(event: &Event) -> u64 {
    event.payload["n"].as_u64().expect("a numbered event")
}

/// The business change and its event, in one transaction that commits through the outbox.
async fn commit_note_with_events(storage: &Storage, outbox: &Outbox, events: &[Event]) {
    let mut transaction = storage.begin().await.expect("begin");
    sqlx::query("INSERT INTO notes (id, body) VALUES ($1, $2)")
        .bind(Uuid::new_v4().to_string())
        .bind("committed")
        .execute(&mut *transaction)
        .await
        .expect("insert note");
    for event in events {
        Outbox::enqueue(&mut transaction, event)
            .await
            .expect("enqueue");
    }
    outbox.commit(transaction).await.expect("commit");
}

/// A consumer of every kind that forwards what it handles.
async fn consume(bus: &dyn EventBus) -> (Subscription, mpsc::UnboundedReceiver<Event>) {
    let (sender, receiver) = mpsc::unbounded_channel();
    let handler: Arc<dyn EventHandler> = Arc::new(move |event: Event| {
        let sender = sender.clone();
        async move { sender.send(event).map_err(HandlerError::new) }
    });
    let subscription = bus
        .subscribe("audit", &EventKind::ALL, handler)
        .await
        .expect("subscribe");
    (subscription, receiver)
}

async fn receive(events: &mut mpsc::UnboundedReceiver<Event>) -> Event {
    tokio::time::timeout(PATIENCE, events.recv())
        .await
        .expect("an event in time")
        .expect("the consumer is alive")
}

async fn count(storage: &Storage, sql: &'static str) -> i64 {
    sqlx::query(sql)
        .fetch_one(storage.pool())
        .await
        .expect("count")
        .get("n")
}

async fn rolled_back_transaction_publishes_nothing(database: &DatabaseUrl) {
    let storage = open(database).await;
    let bus = Arc::new(InProcessBus::default());
    let (subscription, mut published) = consume(bus.as_ref()).await;
    let (outbox, relay) = OutboxRelay::start(storage.clone(), bus, quiet_config());

    let mut transaction = storage.begin().await.expect("begin");
    sqlx::query("INSERT INTO notes (id, body) VALUES ($1, 'rolled back')")
        .bind(Uuid::new_v4().to_string())
        .execute(&mut *transaction)
        .await
        .expect("insert note");
    Outbox::enqueue(&mut transaction, &numbered(1))
        .await
        .expect("enqueue");
    transaction.rollback().await.expect("roll back");
    outbox.wake();

    let sentinel = numbered(2);
    commit_note_with_events(&storage, &outbox, std::slice::from_ref(&sentinel)).await;
    assert_eq!(receive(&mut published).await.id, sentinel.id);

    assert_eq!(relay.shutdown().await, 0);
    subscription.shutdown().await;
    assert!(
        published.try_recv().is_err(),
        "the rolled-back event was published"
    );
    assert_eq!(count(&storage, "SELECT COUNT(*) AS n FROM outbox").await, 1);
    assert_eq!(count(&storage, "SELECT COUNT(*) AS n FROM notes").await, 1);
    storage.close().await;
}

async fn committed_events_are_published_in_order(database: &DatabaseUrl) {
    let storage = open(database).await;
    let bus = Arc::new(InProcessBus::default());
    let (subscription, mut published) = consume(bus.as_ref()).await;
    let (outbox, relay) = OutboxRelay::start(storage.clone(), bus, quiet_config());

    let events: Vec<Event> = (0..12).map(numbered).collect();
    for chunk in events.chunks(3) {
        commit_note_with_events(&storage, &outbox, chunk).await;
    }
    for expected in 0..12 {
        assert_eq!(number_of(&receive(&mut published).await), expected);
    }

    assert_eq!(relay.shutdown().await, 0);
    subscription.shutdown().await;
    assert!(
        published.try_recv().is_err(),
        "an event was published twice"
    );
    assert_eq!(
        count(
            &storage,
            "SELECT COUNT(*) AS n FROM outbox WHERE state = 'published'"
        )
        .await,
        12
    );
    storage.close().await;
}

async fn events_committed_without_a_wake_are_found_by_polling(database: &DatabaseUrl) {
    let storage = open(database).await;
    let bus = Arc::new(InProcessBus::default());
    let (subscription, mut published) = consume(bus.as_ref()).await;
    let config = RelayConfig {
        poll_interval: Duration::from_millis(20),
        ..quiet_config()
    };
    let (_outbox, relay) = OutboxRelay::start(storage.clone(), bus, config);

    let event = numbered(7);
    let mut transaction = storage.begin().await.expect("begin");
    Outbox::enqueue(&mut transaction, &event)
        .await
        .expect("enqueue");
    transaction.commit().await.expect("a plain commit");
    assert_eq!(receive(&mut published).await.id, event.id);

    assert_eq!(relay.shutdown().await, 0);
    subscription.shutdown().await;
    storage.close().await;
}

/// A bus that refuses the first `failures` publishes, then passes them to `inner`.
struct FlakyBus {
    inner: InProcessBus,
    failures_left: AtomicU32,
    attempts: AtomicU32,
    confirmed: AtomicU32,
}

#[async_trait::async_trait]
impl EventBus for FlakyBus {
    async fn publish(&self, event: &Event) -> Result<(), BusError> {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        let refuse = self
            .failures_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok();
        if refuse {
            return Err(BusError::NotConfirmed {
                event_id: event.id,
                attempts: 1,
                reason: "the broker is down".to_owned(),
            });
        }
        self.inner.publish(event).await?;
        self.confirmed.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    async fn subscribe(
        &self,
        consumer: &str,
        kinds: &[EventKind],
        handler: Arc<dyn EventHandler>,
    ) -> Result<Subscription, BusError> {
        self.inner.subscribe(consumer, kinds, handler).await
    }
}

async fn a_failing_bus_is_retried_until_it_recovers(database: &DatabaseUrl) {
    let storage = open(database).await;
    let bus = Arc::new(FlakyBus {
        inner: InProcessBus::default(),
        failures_left: AtomicU32::new(3),
        attempts: AtomicU32::new(0),
        confirmed: AtomicU32::new(0),
    });
    let (subscription, mut published) = consume(bus.as_ref()).await;
    let (outbox, relay) = OutboxRelay::start(storage.clone(), bus.clone(), quiet_config());

    let events: Vec<Event> = (0..5).map(numbered).collect();
    commit_note_with_events(&storage, &outbox, &events).await;
    for expected in 0..5 {
        assert_eq!(number_of(&receive(&mut published).await), expected);
    }

    assert_eq!(relay.shutdown().await, 0);
    subscription.shutdown().await;
    assert!(
        published.try_recv().is_err(),
        "an event was published twice"
    );
    assert_eq!(bus.confirmed.load(Ordering::SeqCst), 5);
    assert_eq!(bus.attempts.load(Ordering::SeqCst), 8);
    let first =
        sqlx::query("SELECT attempts, last_error, state FROM outbox ORDER BY position LIMIT 1")
            .fetch_one(storage.pool())
            .await
            .expect("the first row");
    assert_eq!(first.get::<i64, _>("attempts"), 3);
    assert!(
        first
            .get::<String, _>("last_error")
            .contains("broker is down")
    );
    assert_eq!(first.get::<String, _>("state"), "published");
    storage.close().await;
}

/// A bus that publishes through `inner`, and on publish number `crash_at` never returns
/// after publishing: the relay "crashes" between the publish and marking its row.
struct CrashingBus {
    inner: InProcessBus,
    publishes: AtomicU32,
    crash_at: u32,
}

#[async_trait::async_trait]
impl EventBus for CrashingBus {
    async fn publish(&self, event: &Event) -> Result<(), BusError> {
        self.inner.publish(event).await?;
        if self.publishes.fetch_add(1, Ordering::SeqCst) + 1 >= self.crash_at {
            std::future::pending::<()>().await;
        }
        Ok(())
    }

    async fn subscribe(
        &self,
        consumer: &str,
        kinds: &[EventKind],
        handler: Arc<dyn EventHandler>,
    ) -> Result<Subscription, BusError> {
        self.inner.subscribe(consumer, kinds, handler).await
    }
}

async fn a_relay_restarted_after_a_crash_publishes_again_and_consumers_dedupe(
    database: &DatabaseUrl,
) {
    let storage = open(database).await;
    let inner = InProcessBus::default();
    let seen = Arc::new(Mutex::new(HashSet::new()));
    let deliveries = Arc::new(AtomicU32::new(0));
    let (handled_tx, mut handled) = mpsc::unbounded_channel();
    let dedupe: Arc<dyn EventHandler> = {
        let seen = Arc::clone(&seen);
        let deliveries = Arc::clone(&deliveries);
        Arc::new(move |event: Event| {
            let seen = Arc::clone(&seen);
            let deliveries = Arc::clone(&deliveries);
            let handled_tx = handled_tx.clone();
            async move {
                deliveries.fetch_add(1, Ordering::SeqCst);
                let first_time = seen.lock().map_err(HandlerError::new)?.insert(event.id);
                if first_time {
                    handled_tx.send(event).map_err(HandlerError::new)?;
                }
                Ok(())
            }
        })
    };
    let subscription = inner
        .subscribe("notifications", &EventKind::ALL, dedupe)
        .await
        .expect("subscribe");

    let crashing = Arc::new(CrashingBus {
        inner: inner.clone(),
        publishes: AtomicU32::new(0),
        crash_at: 3,
    });
    let (outbox, relay) = OutboxRelay::start(storage.clone(), crashing, quiet_config());
    let events: Vec<Event> = (0..5).map(numbered).collect();
    commit_note_with_events(&storage, &outbox, &events).await;
    for expected in 0..3 {
        assert_eq!(number_of(&receive(&mut handled).await), expected);
    }
    drop(relay); // the crash: event 2 is published, its row still pending
    assert_eq!(
        count(
            &storage,
            "SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending'"
        )
        .await,
        3
    );

    let (_outbox, restarted) = OutboxRelay::start(storage.clone(), Arc::new(inner), quiet_config());
    for expected in 3..5 {
        assert_eq!(number_of(&receive(&mut handled).await), expected);
    }
    assert_eq!(restarted.shutdown().await, 0);
    subscription.shutdown().await;

    assert!(handled.try_recv().is_err(), "an event was handled twice");
    assert_eq!(seen.lock().expect("seen ids").len(), 5);
    assert_eq!(
        deliveries.load(Ordering::SeqCst),
        6,
        "event 2 was delivered again"
    );
    storage.close().await;
}

async fn shutdown_flushes_what_is_pending(database: &DatabaseUrl) {
    let storage = open(database).await;
    let bus = Arc::new(InProcessBus::default());
    let (subscription, mut published) = consume(bus.as_ref()).await;
    let (_outbox, relay) = OutboxRelay::start(storage.clone(), bus, quiet_config());

    let mut transaction = storage.begin().await.expect("begin");
    for n in 0..3 {
        Outbox::enqueue(&mut transaction, &numbered(n))
            .await
            .expect("enqueue");
    }
    transaction
        .commit()
        .await
        .expect("commit without waking the relay");

    assert_eq!(relay.shutdown().await, 0);
    for expected in 0..3 {
        assert_eq!(number_of(&receive(&mut published).await), expected);
    }
    subscription.shutdown().await;
    storage.close().await;
}

async fn shutdown_gives_up_after_its_timeout(database: &DatabaseUrl) {
    let storage = open(database).await;
    let bus = Arc::new(FlakyBus {
        inner: InProcessBus::default(),
        failures_left: AtomicU32::new(u32::MAX),
        attempts: AtomicU32::new(0),
        confirmed: AtomicU32::new(0),
    });
    let config = RelayConfig {
        shutdown_timeout: Duration::from_millis(100),
        ..quiet_config()
    };
    let (outbox, relay) = OutboxRelay::start(storage.clone(), bus.clone(), config);
    commit_note_with_events(&storage, &outbox, &[numbered(0), numbered(1)]).await;

    assert_eq!(relay.shutdown().await, 2, "both events are still pending");
    assert_eq!(bus.confirmed.load(Ordering::SeqCst), 0);
    assert!(bus.attempts.load(Ordering::SeqCst) >= 1);
    assert_eq!(
        count(
            &storage,
            "SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending'"
        )
        .await,
        2
    );
    storage.close().await;
}

macro_rules! on_both_backends {
    ($($scenario:ident),+ $(,)?) => {$(
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let database = super::TestDatabase::sqlite()
                    .expect("a SQLite test database");
                super::$scenario(database.url()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(database) = super::TestDatabase::postgres()
                    .await
                    .unwrap_or_else(|error| panic!("{error}"))
                else {
                    return;
                };
                super::$scenario(database.url()).await;
            }
        }
    )+};
}

on_both_backends!(
    rolled_back_transaction_publishes_nothing,
    committed_events_are_published_in_order,
    events_committed_without_a_wake_are_found_by_polling,
    a_failing_bus_is_retried_until_it_recovers,
    a_relay_restarted_after_a_crash_publishes_again_and_consumers_dedupe,
    shutdown_flushes_what_is_pending,
    shutdown_gives_up_after_its_timeout,
);

#![cfg(feature = "outbox")]
//! The outbox end to end through a real RabbitMQ broker (`127.0.0.1:5672`, guest/guest, or
//! the URI in `SHOP_TEST_RABBITMQ`): committed events reach a durable consumer in order,
//! with the trace context they were enqueued with. Fails when the broker cannot be reached,
//! unless `SHOP_TEST_RABBITMQ=skip`.

use lapin::options::{ExchangeDeleteOptions, QueueDeleteOptions};
use lapin::{Connection, ConnectionProperties};
use serde_json::json;
use shop_kit::bus::{
    Event, EventBus, EventHandler, EventKind, HandlerError, RabbitMqBus, RabbitMqConfig,
    TRACEPARENT,
};
use shop_kit::outbox::{Outbox, OutboxRelay, RelayConfig, outbox_migration};
use shop_kit::storage::{SqlMigration, Storage, TestDatabase, migrator};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use uuid::Uuid;

/// Bound on waits for the broker; only a hang should reach it.
const PATIENCE: Duration = Duration::from_secs(60);

static MIGRATIONS: &[SqlMigration] = &[outbox_migration(1)];

/// Settings on an exchange of this test's own, or `None` when broker tests are skipped.
fn broker_config() -> Option<RabbitMqConfig> {
    let uri = match std::env::var("SHOP_TEST_RABBITMQ") {
        Ok(value) if value == "skip" => {
            eprintln!("skipping the outbox RabbitMQ test: SHOP_TEST_RABBITMQ=skip");
            return None;
        }
        Ok(uri) if uri.starts_with("amqp") => uri,
        _ => "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned(),
    };
    let mut config = RabbitMqConfig::new(uri);
    config.exchange = format!("shop-test.outbox.{}", Uuid::new_v4().simple());
    config.connection_name = "shop-kit outbox test".to_owned();
    config.connect_timeout = Duration::from_secs(5);
    Some(config)
}

/// Deletes the exchanges and the queues of `consumer`.
async fn delete_topology(config: &RabbitMqConfig, consumer: &str) {
    let connection = Connection::connect(&config.uri, ConnectionProperties::default())
        .await
        .expect("admin connection");
    let channel = connection.create_channel().await.expect("admin channel");
    for queue in [
        config.queue_name(consumer),
        config.dead_letter_queue_name(consumer),
    ] {
        channel
            .queue_delete(queue.into(), QueueDeleteOptions::default())
            .await
            .expect("delete queue");
    }
    for exchange in [config.exchange.clone(), config.dead_letter_exchange()] {
        channel
            .exchange_delete(exchange.into(), ExchangeDeleteOptions::default())
            .await
            .expect("delete exchange");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committed_events_reach_a_rabbitmq_consumer_in_order() {
    let Some(config) = broker_config() else {
        return;
    };
    let database = TestDatabase::sqlite().expect("a SQLite test database");
    let storage = Storage::open(database.url(), &migrator(MIGRATIONS))
        .await
        .expect("storage opens and migrates");
    let bus = Arc::new(
        RabbitMqBus::connect(config.clone())
            .await
            .unwrap_or_else(|error| {
                panic!(
                    "RabbitMQ at {} cannot be reached ({error}); start it, or set \
                     SHOP_TEST_RABBITMQ=skip to skip broker tests",
                    config.uri
                )
            }),
    );
    let (handled_tx, mut handled) = mpsc::unbounded_channel();
    let handler: Arc<dyn EventHandler> = Arc::new(move |event: Event| {
        let handled_tx = handled_tx.clone();
        async move { handled_tx.send(event).map_err(HandlerError::new) }
    });
    let subscription = bus
        .subscribe("notifications", &[EventKind::PaymentCompleted], handler)
        .await
        .expect("subscribe");
    let (outbox, relay) = OutboxRelay::start(
        storage.clone(),
        bus.clone() as Arc<dyn EventBus>,
        RelayConfig::new("outbox-rabbitmq-test"),
    );

    let mut traced = Event::new(EventKind::PaymentCompleted, json!({ "n": 0 }));
    traced.headers.insert(
        TRACEPARENT,
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    );
    let events = [
        traced,
        Event::new(EventKind::PaymentCompleted, json!({ "n": 1 })),
        Event::new(EventKind::PaymentCompleted, json!({ "n": 2 })),
    ];
    let mut transaction = storage.begin().await.expect("begin");
    for event in &events {
        Outbox::enqueue(&mut transaction, event)
            .await
            .expect("enqueue");
    }
    outbox.commit(transaction).await.expect("commit");

    for expected in &events {
        let received = tokio::time::timeout(PATIENCE, handled.recv())
            .await
            .expect("an event in time")
            .expect("the consumer is alive");
        assert_eq!(received.id, expected.id);
        assert_eq!(received.payload, expected.payload);
        assert_eq!(
            received.headers.get(TRACEPARENT),
            expected.headers.get(TRACEPARENT),
            "the trace context it was enqueued with"
        );
    }
    assert_eq!(relay.shutdown().await, 0);

    subscription.shutdown().await;
    bus.close().await;
    delete_topology(&config, "notifications").await;
    storage.close().await;
}

#![cfg(feature = "bus")]
//! The RabbitMQ backend against a real broker (`127.0.0.1:5672`, guest/guest, or the URI
//! in `SHOP_TEST_RABBITMQ`). These tests fail when the broker cannot be reached, unless
//! `SHOP_TEST_RABBITMQ=skip`.
//!
//! Each test names its exchange (and so its queues) uniquely and deletes them at the end.
//! The reconnection test drops every connection on the broker, so it runs alone: it takes
//! the write side of [`BROKER`], the others the read side.

use lapin::{
    BasicProperties, Connection, ConnectionProperties,
    options::{BasicGetOptions, BasicPublishOptions, ExchangeDeleteOptions, QueueDeleteOptions},
};
use serde_json::json;
use shop_kit::bus::{
    BAGGAGE, Event, EventBus, EventHandler, EventKind, HandlerError, RabbitMqBus, RabbitMqConfig,
    TRACEPARENT, TRACESTATE,
};
use std::{
    collections::HashSet,
    process::Command,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU32, AtomicUsize, Ordering},
    },
    time::Duration,
};
use tokio::sync::{RwLock, mpsc};
use uuid::Uuid;

static BROKER: RwLock<()> = RwLock::const_new(());

/// Bound on waits for the broker; generous, since only a hang should hit it.
const PATIENCE: Duration = Duration::from_secs(60);

/// Settings for one test on its own exchange, or `None` when broker tests are skipped.
fn broker_config(test: &str) -> Option<RabbitMqConfig> {
    let uri = match std::env::var("SHOP_TEST_RABBITMQ") {
        Ok(value) if value == "skip" => {
            eprintln!("skipping {test}: SHOP_TEST_RABBITMQ=skip");
            return None;
        }
        Ok(uri) if uri.starts_with("amqp") => uri,
        _ => "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned(),
    };
    let mut config = RabbitMqConfig::new(uri);
    config.exchange = format!("shop-test.{test}.{}", Uuid::new_v4().simple());
    config.connection_name = format!("shop-kit test {test}");
    config.redelivery_delay = Duration::from_millis(20);
    config.reconnect_min_delay = Duration::from_millis(50);
    config.reconnect_max_delay = Duration::from_secs(1);
    config.connect_timeout = Duration::from_secs(5);
    Some(config)
}

async fn connect(config: &RabbitMqConfig) -> RabbitMqBus {
    RabbitMqBus::connect(config.clone())
        .await
        .unwrap_or_else(|error| {
            panic!(
                "RabbitMQ at {} cannot be reached ({error}); start it, or set \
             SHOP_TEST_RABBITMQ=skip to skip broker tests",
                config.uri
            )
        })
}

/// A plain connection for inspecting and cleaning up, beside the bus.
async fn admin(config: &RabbitMqConfig) -> lapin::Channel {
    let connection = Connection::connect(&config.uri, ConnectionProperties::default())
        .await
        .expect("admin connection");
    connection.create_channel().await.expect("admin channel")
}

/// Deletes the exchanges and the queues of `consumers`.
async fn delete_topology(config: &RabbitMqConfig, consumers: &[&str]) {
    let channel = admin(config).await;
    for consumer in consumers {
        for queue in [
            config.queue_name(consumer),
            config.dead_letter_queue_name(consumer),
        ] {
            channel
                .queue_delete(queue.into(), QueueDeleteOptions::default())
                .await
                .expect("delete queue");
        }
    }
    for exchange in [config.exchange.clone(), config.dead_letter_exchange()] {
        channel
            .exchange_delete(exchange.into(), ExchangeDeleteOptions::default())
            .await
            .expect("delete exchange");
    }
}

/// Waits for the next message of `queue` and takes it.
async fn next_message(channel: &lapin::Channel, queue: &str) -> lapin::message::Delivery {
    tokio::time::timeout(PATIENCE, async {
        loop {
            let options = BasicGetOptions { no_ack: true };
            match channel
                .basic_get(queue.into(), options)
                .await
                .expect("basic.get")
            {
                Some(message) => return message.delivery,
                None => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no message in {queue} in time"))
}

fn forwarding(to: mpsc::UnboundedSender<Event>) -> Arc<dyn EventHandler> {
    Arc::new(move |event: Event| {
        let to = to.clone();
        async move { to.send(event).map_err(HandlerError::new) }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_round_trip_with_their_trace_headers() {
    let Some(config) = broker_config("round-trip") else {
        return;
    };
    let _shared = BROKER.read().await;
    let bus = connect(&config).await;
    let (handled_tx, mut handled) = mpsc::unbounded_channel();
    let subscription = bus
        .subscribe(
            "notifications",
            &[EventKind::OrderCompleted, EventKind::OrderCancelled],
            forwarding(handled_tx),
        )
        .await
        .expect("subscribe");

    let mut traced = Event::new(
        EventKind::OrderCompleted,
        json!({ "order_id": "7d3e", "total": 4200, "lines": [{ "sku": "tea", "qty": 2 }] }),
    );
    traced.headers.insert(
        TRACEPARENT,
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    );
    traced.headers.insert(TRACESTATE, "congo=t61rcWkgMzE");
    traced.headers.insert(BAGGAGE, "user_id=42,canary=true");
    let unrouted = Event::new(EventKind::UserCreated, json!({ "user_id": "u-1" }));
    let cancelled = Event::new(EventKind::OrderCancelled, json!({ "order_id": "7d3f" }));
    for event in [&traced, &unrouted, &cancelled] {
        bus.publish(event).await.expect("confirmed");
    }

    let first = tokio::time::timeout(PATIENCE, handled.recv())
        .await
        .expect("in time");
    assert_eq!(
        first.as_ref(),
        Some(&traced),
        "same id, kind, time, payload and headers"
    );
    let second = tokio::time::timeout(PATIENCE, handled.recv())
        .await
        .expect("in time");
    assert_eq!(
        second.map(|event| event.id),
        Some(cancelled.id),
        "user.created is not bound"
    );

    subscription.shutdown().await;
    bus.close().await;
    delete_topology(&config, &["notifications"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_handler_sends_the_event_to_the_dead_letter_queue_after_n_deliveries() {
    let Some(mut config) = broker_config("dead-letter") else {
        return;
    };
    config.max_deliveries = 3;
    let _shared = BROKER.read().await;
    let bus = connect(&config).await;
    let deliveries = Arc::new(AtomicU32::new(0));
    let counter = deliveries.clone();
    let handler = Arc::new(move |_event: Event| {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(HandlerError::new("payment provider rejects this"))
        }
    });
    let subscription = bus
        .subscribe("payments", &[EventKind::PaymentCompleted], handler)
        .await
        .expect("subscribe");

    let mut event = Event::new(EventKind::PaymentCompleted, json!({ "payment_id": "p-9" }));
    event.headers.insert(
        TRACEPARENT,
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    );
    bus.publish(&event).await.expect("confirmed");

    let inspector = admin(&config).await;
    let dead = next_message(&inspector, &config.dead_letter_queue_name("payments")).await;
    subscription.shutdown().await;
    assert_eq!(
        deliveries.load(Ordering::SeqCst),
        3,
        "delivered max_deliveries times"
    );
    let body: Event = serde_json::from_slice(&dead.data).expect("the dead letter is the event");
    assert_eq!(body, event);
    let headers = dead.properties.headers().as_ref().expect("headers");
    assert!(
        headers.contains_key(TRACEPARENT),
        "trace context kept: {headers:?}"
    );
    assert!(headers.contains_key("x-death") || headers.contains_key("x-first-death-reason"));

    bus.close().await;
    delete_topology(&config, &["payments"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_that_is_not_an_event_is_dead_lettered_at_once() {
    let Some(config) = broker_config("poison") else {
        return;
    };
    let _shared = BROKER.read().await;
    let bus = connect(&config).await;
    let (handled_tx, mut handled) = mpsc::unbounded_channel();
    let subscription = bus
        .subscribe(
            "orders",
            &[EventKind::PaymentRefunded],
            forwarding(handled_tx),
        )
        .await
        .expect("subscribe");

    let raw = admin(&config).await;
    raw.basic_publish(
        config.exchange.clone().into(),
        EventKind::PaymentRefunded.as_str().into(),
        BasicPublishOptions::default(),
        b"{not json",
        BasicProperties::default(),
    )
    .await
    .expect("raw publish");
    let event = Event::new(EventKind::PaymentRefunded, json!({ "payment_id": "p-1" }));
    bus.publish(&event).await.expect("confirmed");

    let dead = next_message(&raw, &config.dead_letter_queue_name("orders")).await;
    assert_eq!(dead.data, b"{not json");
    let next = tokio::time::timeout(PATIENCE, handled.recv())
        .await
        .expect("in time");
    assert_eq!(
        next.map(|e| e.id),
        Some(event.id),
        "the consumer carries on"
    );

    subscription.shutdown().await;
    bus.close().await;
    delete_topology(&config, &["orders"]).await;
}

#[tokio::test]
async fn connect_fails_when_the_broker_cannot_be_reached() {
    let Some(mut config) = broker_config("unreachable") else {
        return;
    };
    // A port nothing listens on.
    config.uri = "amqp://guest:guest@127.0.0.1:1/%2f".to_owned();
    assert!(RabbitMqBus::connect(config).await.is_err());
}

/// Drops every broker connection, twice, while publishers send a numbered sequence and a
/// consumer handles it: every event is handled, none is lost, and duplicates are only
/// redeliveries of the same id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_event_is_lost_when_the_connection_drops_mid_stream() {
    const PUBLISHERS: usize = 4;
    const EACH: usize = 600;
    const TOTAL: usize = PUBLISHERS * EACH;
    let Some(mut config) = broker_config("reconnect") else {
        return;
    };
    config.max_deliveries = 20;
    config.publish_attempts = 30;
    config.confirm_timeout = Duration::from_secs(5);
    let _alone = BROKER.write().await;
    let bus = Arc::new(connect(&config).await);

    let handled: Arc<Mutex<Vec<Uuid>>> = Arc::default();
    let log = handled.clone();
    let handler = Arc::new(move |event: Event| {
        let log = log.clone();
        async move {
            // A little work, so the consumer is still behind when the connection drops.
            tokio::time::sleep(Duration::from_millis(1)).await;
            log.lock()
                .map_err(|_| HandlerError::new("log poisoned"))?
                .push(event.id);
            Ok(())
        }
    });
    let subscription = bus
        .subscribe("stock", &[EventKind::OrderCompleted], handler)
        .await
        .expect("subscribe");

    let published = Arc::new(AtomicUsize::new(0));
    let mut publishers = Vec::new();
    for publisher in 0..PUBLISHERS {
        let (bus, published) = (bus.clone(), published.clone());
        publishers.push(tokio::spawn(async move {
            let mut ids = Vec::with_capacity(EACH);
            for i in 0..EACH {
                let n = publisher * EACH + i;
                let event = Event::new(EventKind::OrderCompleted, json!({ "n": n }));
                if let Err(error) = bus.publish(&event).await {
                    panic!("event {n} not confirmed: {error}");
                }
                ids.push(event.id);
                published.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            ids
        }));
    }

    for fraction in [4, 2] {
        wait_for(|| published.load(Ordering::SeqCst) >= TOTAL / fraction).await;
        let before = published.load(Ordering::SeqCst);
        drop_all_connections().await;
        let after = published.load(Ordering::SeqCst);
        eprintln!("connections dropped with {before}..{after} of {TOTAL} published");
        assert!(after < TOTAL, "the drop must happen while publishing");
    }

    let mut sent = HashSet::with_capacity(TOTAL);
    for publisher in publishers {
        sent.extend(publisher.await.expect("publisher task"));
    }
    assert_eq!(sent.len(), TOTAL);
    let unique_handled =
        || -> HashSet<Uuid> { handled.lock().expect("log").iter().copied().collect() };
    wait_for(|| unique_handled().is_superset(&sent)).await;
    subscription.shutdown().await;

    let raw = handled.lock().expect("log").len();
    let unique = unique_handled();
    eprintln!(
        "published {TOTAL}, handled {raw} deliveries of {} distinct events: {} redelivered",
        unique.len(),
        raw - unique.len()
    );
    assert_eq!(
        unique, sent,
        "after dedup by id, exactly the published events"
    );

    let inspector = admin(&config).await;
    let dead_letters = inspector
        .queue_declare(
            config.dead_letter_queue_name("stock").into(),
            lapin::options::QueueDeclareOptions {
                passive: true,
                ..Default::default()
            },
            lapin::types::FieldTable::default(),
        )
        .await
        .expect("dead-letter queue exists")
        .message_count();
    assert_eq!(dead_letters, 0, "nothing dead-lettered");
    bus.close().await;
    delete_topology(&config, &["stock"]).await;
}

/// Waits (bounded) until `condition` holds.
async fn wait_for(condition: impl Fn() -> bool) {
    tokio::time::timeout(PATIENCE * 2, async {
        while !condition() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("condition reached in time");
}

/// Has the broker close every client connection.
async fn drop_all_connections() {
    let output = tokio::task::spawn_blocking(|| {
        Command::new("rabbitmqctl")
            .args(["close_all_connections", "test"])
            .output()
    })
    .await
    .expect("rabbitmqctl task")
    .expect("rabbitmqctl runs");
    assert!(
        output.status.success(),
        "rabbitmqctl failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#![cfg(feature = "bus")]
//! The in-process event bus: per-consumer order, redelivery then dead letter, no loss
//! under concurrent publishers, back-pressure, draining on shutdown.

use serde_json::json;
use shop_kit::bus::{
    BusError, Event, EventBus, EventHandler, EventKind, HandlerError, InProcessBus, InProcessConfig,
};
use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::sync::{Semaphore, mpsc};
use uuid::Uuid;

/// Generous bound for things that happen in microseconds; a hang fails instead of blocking.
const PATIENCE: Duration = Duration::from_secs(30);

fn fast_retries(max_deliveries: u32) -> InProcessConfig {
    InProcessConfig {
        max_deliveries,
        redelivery_delay: Duration::ZERO,
        ..InProcessConfig::default()
    }
}

fn numbered(kind: EventKind, n: u64) -> Event {
    Event::new(kind, json!({ "n": n }))
}

fn number_of(event: &Event) -> u64 {
    event.payload["n"].as_u64().expect("numbered event")
}

/// A handler that forwards every event it is given.
fn forwarding(to: mpsc::UnboundedSender<Event>) -> Arc<dyn EventHandler> {
    Arc::new(move |event: Event| {
        let to = to.clone();
        async move { to.send(event).map_err(HandlerError::new) }
    })
}

async fn receive(events: &mut mpsc::UnboundedReceiver<Event>) -> Event {
    tokio::time::timeout(PATIENCE, events.recv())
        .await
        .expect("an event in time")
        .expect("the handler is alive")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_consumer_sees_its_kinds_in_publish_order() {
    let bus = InProcessBus::new(InProcessConfig {
        queue_capacity: 8,
        ..InProcessConfig::default()
    });
    let (all_tx, mut all) = mpsc::unbounded_channel();
    let (orders_tx, mut orders) = mpsc::unbounded_channel();
    let everything = bus
        .subscribe("audit", &EventKind::ALL, forwarding(all_tx))
        .await
        .expect("subscribe");
    let order_events = [EventKind::OrderCompleted, EventKind::OrderCancelled];
    let only_orders = bus
        .subscribe("notifications", &order_events, forwarding(orders_tx))
        .await
        .expect("subscribe");

    let published: Vec<Event> = (0..300)
        .map(|n| numbered(EventKind::ALL[n as usize % EventKind::ALL.len()], n))
        .collect();
    for event in &published {
        bus.publish(event).await.expect("published");
    }

    for expected in &published {
        assert_eq!(receive(&mut all).await.id, expected.id);
    }
    for expected in published.iter().filter(|e| order_events.contains(&e.kind)) {
        assert_eq!(receive(&mut orders).await.id, expected.id);
    }
    everything.shutdown().await;
    only_orders.shutdown().await;
    assert!(all.try_recv().is_err(), "nothing beyond what was published");
    assert!(orders.try_recv().is_err(), "nothing beyond its kinds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_event_is_redelivered_then_dead_lettered_and_the_consumer_moves_on() {
    let bus = InProcessBus::new(fast_retries(3));
    let always_fails = numbered(EventKind::PaymentCompleted, 0);
    let fails_twice = numbered(EventKind::PaymentCompleted, 1);
    let succeeds = numbered(EventKind::PaymentCompleted, 2);

    let deliveries: Arc<Mutex<Vec<u64>>> = Arc::default();
    let (handled_tx, mut handled) = mpsc::unbounded_channel();
    let log = deliveries.clone();
    let handler = Arc::new(move |event: Event| {
        let log = log.clone();
        let handled_tx = handled_tx.clone();
        async move {
            let n = number_of(&event);
            let attempt = {
                let mut log = log.lock().expect("log");
                log.push(n);
                log.iter().filter(|&&seen| seen == n).count()
            };
            match (n, attempt) {
                (0, _) => Err(HandlerError::new("card processor says no")),
                (1, 1 | 2) => Err(HandlerError::new("database busy")),
                _ => handled_tx.send(event).map_err(HandlerError::new),
            }
        }
    });
    let subscription = bus
        .subscribe("ledger", &[EventKind::PaymentCompleted], handler)
        .await
        .expect("subscribe");

    for event in [&always_fails, &fails_twice, &succeeds] {
        bus.publish(event).await.expect("published");
    }
    assert_eq!(receive(&mut handled).await.id, fails_twice.id);
    assert_eq!(receive(&mut handled).await.id, succeeds.id);
    subscription.shutdown().await;

    // Each event is retried in place, so the consumer's order holds.
    assert_eq!(*deliveries.lock().expect("log"), vec![0, 0, 0, 1, 1, 1, 2]);
    let dead = bus.dead_letters();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0].event, always_fails);
    assert_eq!(dead[0].consumer, "ledger");
    assert_eq!(dead[0].deliveries, 3);
    assert_eq!(dead[0].last_error, "card processor says no");
    assert_eq!(bus.take_dead_letters().len(), 1);
    assert!(bus.dead_letters().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_counts_as_a_failure() {
    let bus = InProcessBus::new(fast_retries(2));
    let (handled_tx, mut handled) = mpsc::unbounded_channel();
    let handler = Arc::new(move |event: Event| {
        let handled_tx = handled_tx.clone();
        async move {
            assert_ne!(number_of(&event), 0, "event 0 makes this handler panic");
            handled_tx.send(event).map_err(HandlerError::new)
        }
    });
    let subscription = bus
        .subscribe("reviews", &[EventKind::OrderCompleted], handler)
        .await
        .expect("subscribe");
    let poison = numbered(EventKind::OrderCompleted, 0);
    let fine = numbered(EventKind::OrderCompleted, 1);
    bus.publish(&poison).await.expect("published");
    bus.publish(&fine).await.expect("published");

    assert_eq!(receive(&mut handled).await.id, fine.id);
    subscription.shutdown().await;
    let dead = bus.dead_letters();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].event.id, poison.id);
    assert_eq!(dead[0].deliveries, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_publishers_lose_nothing() {
    const PUBLISHERS: u64 = 8;
    const EACH: u64 = 400;
    // A small queue, so publishers keep waiting for room.
    let bus = InProcessBus::new(InProcessConfig {
        queue_capacity: 4,
        ..InProcessConfig::default()
    });
    let seen: Arc<Mutex<Vec<(Uuid, u64)>>> = Arc::default();
    let log = seen.clone();
    let (done_tx, mut done) = mpsc::unbounded_channel();
    let handler = Arc::new(move |event: Event| {
        let log = log.clone();
        let done_tx = done_tx.clone();
        async move {
            let total = {
                let mut log = log.lock().expect("log");
                log.push((event.id, number_of(&event)));
                log.len() as u64
            };
            if total == PUBLISHERS * EACH {
                done_tx.send(()).map_err(HandlerError::new)?;
            }
            Ok(())
        }
    });
    let subscription = bus
        .subscribe("notifications", &[EventKind::UserCreated], handler)
        .await
        .expect("subscribe");

    let mut publishers = Vec::new();
    for publisher in 0..PUBLISHERS {
        let bus = bus.clone();
        publishers.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in 0..EACH {
                let event = numbered(EventKind::UserCreated, publisher * EACH + i);
                bus.publish(&event).await.expect("published");
                ids.push(event.id);
            }
            ids
        }));
    }
    let mut published = HashSet::new();
    for publisher in publishers {
        published.extend(publisher.await.expect("publisher task"));
    }
    tokio::time::timeout(PATIENCE, done.recv())
        .await
        .expect("all handled in time");
    subscription.shutdown().await;

    let seen = seen.lock().expect("log");
    let handled: HashSet<Uuid> = seen.iter().map(|(id, _)| *id).collect();
    assert_eq!(
        seen.len() as u64,
        PUBLISHERS * EACH,
        "each event handled once"
    );
    assert_eq!(handled, published);
    // Events of one publisher arrive in the order it published them.
    let mut last_of: HashMap<u64, u64> = HashMap::new();
    for (_, n) in seen.iter() {
        if let Some(previous) = last_of.insert(n / EACH, *n) {
            assert!(previous < *n, "publisher {} out of order", n / EACH);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_pushes_back_then_fails_the_publish() {
    let bus = InProcessBus::new(InProcessConfig {
        queue_capacity: 1,
        publish_timeout: Duration::from_millis(50),
        ..InProcessConfig::default()
    });
    let gate = Arc::new(Semaphore::new(0));
    let (started_tx, mut started) = mpsc::unbounded_channel();
    let waiting = gate.clone();
    let handler = Arc::new(move |event: Event| {
        let waiting = waiting.clone();
        let started_tx = started_tx.clone();
        async move {
            started_tx.send(event.id).map_err(HandlerError::new)?;
            let permit = waiting.acquire().await.map_err(HandlerError::new)?;
            permit.forget();
            Ok(())
        }
    });
    let subscription = bus
        .subscribe("slow", &[EventKind::OrderCancelled], handler)
        .await
        .expect("subscribe");

    let in_handler = numbered(EventKind::OrderCancelled, 0);
    bus.publish(&in_handler)
        .await
        .expect("taken by the handler");
    assert_eq!(
        tokio::time::timeout(PATIENCE, started.recv())
            .await
            .expect("started"),
        Some(in_handler.id)
    );
    let queued = numbered(EventKind::OrderCancelled, 1);
    bus.publish(&queued).await.expect("fits in the queue");
    let refused = numbered(EventKind::OrderCancelled, 2);
    match bus.publish(&refused).await {
        Err(BusError::NotConfirmed { event_id, .. }) => assert_eq!(event_id, refused.id),
        other => panic!("expected NotConfirmed, got {other:?}"),
    }

    gate.add_permits(2);
    assert_eq!(
        tokio::time::timeout(PATIENCE, started.recv())
            .await
            .expect("next"),
        Some(queued.id)
    );
    subscription.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_handles_what_is_queued_and_unsubscribes() {
    let bus = InProcessBus::default();
    let gate = Arc::new(Semaphore::new(0));
    let handled: Arc<Mutex<Vec<Uuid>>> = Arc::default();
    let (waiting, log) = (gate.clone(), handled.clone());
    let handler = Arc::new(move |event: Event| {
        let (waiting, log) = (waiting.clone(), log.clone());
        async move {
            waiting.acquire().await.map_err(HandlerError::new)?.forget();
            log.lock().expect("log").push(event.id);
            Ok(())
        }
    });
    let subscription = bus
        .subscribe("mailer", &[EventKind::UserCreated], handler)
        .await
        .expect("subscribe");
    let published: Vec<Event> = (0..20)
        .map(|n| numbered(EventKind::UserCreated, n))
        .collect();
    for event in &published {
        bus.publish(event).await.expect("published");
    }
    gate.add_permits(published.len());
    tokio::time::timeout(PATIENCE, subscription.shutdown())
        .await
        .expect("shutdown in time");

    let ids: Vec<Uuid> = published.iter().map(|event| event.id).collect();
    assert_eq!(*handled.lock().expect("log"), ids);
    // Unsubscribed: the name is free and new events no longer go to the old queue.
    bus.publish(&numbered(EventKind::UserCreated, 99))
        .await
        .expect("published with no consumer");
    let again = bus
        .subscribe(
            "mailer",
            &[EventKind::UserCreated],
            forwarding(mpsc::unbounded_channel().0),
        )
        .await
        .expect("the name is free again");
    again.shutdown().await;
}

#[tokio::test]
async fn a_consumer_name_is_subscribed_once() {
    let bus = InProcessBus::default();
    let (tx, _rx) = mpsc::unbounded_channel();
    let first = bus
        .subscribe(
            "orders",
            &[EventKind::PaymentCompleted],
            forwarding(tx.clone()),
        )
        .await
        .expect("subscribe");
    match bus
        .subscribe("orders", &[EventKind::PaymentRefunded], forwarding(tx))
        .await
    {
        Err(BusError::DuplicateConsumer(name)) => assert_eq!(name, "orders"),
        other => panic!("expected DuplicateConsumer, got {other:?}"),
    }
    first.shutdown().await;
}

//! [`OutboxRelay`]: the task that publishes pending outbox rows through the bus.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::backlog::Backlog;
use super::config::RelayConfig;
use super::enqueue::Outbox;
use super::table;
use crate::bus::{BusError, Event, EventBus, PublishedCounters};
use crate::storage::{Storage, StorageError};

/// How often published rows older than the retention are deleted.
const PURGE_INTERVAL: Duration = Duration::from_secs(60);

/// The running relay of one service's outbox; see the [module docs](super).
///
/// [`shutdown`](OutboxRelay::shutdown) stops it after publishing what is pending.
/// Dropping it stops it at once, as a crash would: a row published but not yet marked
/// is published again by the next relay on that database.
#[derive(Debug)]
#[must_use = "dropping an OutboxRelay stops it"]
pub struct OutboxRelay {
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
    backlog: Arc<Backlog>,
}

impl OutboxRelay {
    /// Starts relaying the outbox of `storage` to `bus`, and returns the [`Outbox`] that
    /// enqueues events and wakes this relay. Call it inside a Tokio runtime, once per
    /// database: two relays on one outbox would publish its events twice and out of order.
    pub fn start(storage: Storage, bus: Arc<dyn EventBus>, config: RelayConfig) -> (Outbox, Self) {
        let wake = Arc::new(Notify::new());
        let backlog = Arc::new(Backlog::new(&config.service_name));
        let published = PublishedCounters::register(&config.service_name);
        let (stop, stopped) = watch::channel(false);
        let relay = Relay {
            storage,
            bus,
            config,
            wake: Arc::clone(&wake),
            backlog: Arc::clone(&backlog),
            published,
            last_purge: None,
        };
        let task = tokio::spawn(relay.run(stopped));
        let handle = OutboxRelay {
            stop,
            task: Some(task),
            backlog,
        };
        (Outbox::new(wake), handle)
    }

    /// The events waiting to be published, as last counted (after every pass over the
    /// outbox; also the `shop_outbox_backlog` gauge).
    pub fn backlog(&self) -> u64 {
        self.backlog.get()
    }

    /// Stops the relay after publishing what is pending, for at most
    /// [`shutdown_timeout`](RelayConfig::shutdown_timeout), and returns how many events
    /// are still pending (0 when everything was flushed).
    pub async fn shutdown(mut self) -> u64 {
        self.stop.send_replace(true);
        if let Some(task) = self.task.take() {
            if let Err(error) = task.await {
                tracing::error!(%error, "the outbox relay task failed");
            }
        }
        self.backlog.get()
    }
}

impl Drop for OutboxRelay {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Why a pass over the outbox stopped early.
#[derive(Debug, thiserror::Error)]
enum PassError {
    #[error("the bus did not confirm an event: {0}")]
    Bus(#[from] BusError),
    #[error("the outbox could not be read or updated: {0}")]
    Storage(#[from] StorageError),
}

/// What a pass over the outbox left behind.
enum Pass {
    /// Everything pending was published.
    Drained,
    /// A full batch was published; more may be waiting.
    FullBatch,
}

/// The relay task's state.
struct Relay {
    storage: Storage,
    bus: Arc<dyn EventBus>,
    config: RelayConfig,
    wake: Arc<Notify>,
    backlog: Arc<Backlog>,
    /// Counts each event the bus confirmed.
    published: PublishedCounters,
    last_purge: Option<Instant>,
}

impl Relay {
    /// Publishes until asked to stop, then flushes.
    async fn run(mut self, mut stop: watch::Receiver<bool>) {
        let mut failures = 0_u32;
        loop {
            let pause = match self.pass().await {
                Ok(Pass::FullBatch) => {
                    failures = 0;
                    Duration::ZERO
                }
                Ok(Pass::Drained) => {
                    failures = 0;
                    self.purge_if_due().await;
                    self.config.poll_interval
                }
                Err(error) => {
                    failures = failures.saturating_add(1);
                    let pause = self.config.backoff(failures);
                    tracing::warn!(%error, failures, retry_in_ms = pause.as_millis() as u64, "outbox relay pass failed");
                    pause
                }
            };
            self.count_backlog().await;
            if *stop.borrow() {
                break;
            }
            tokio::select! {
                // After a failure, waking early would only hammer the failing bus.
                () = self.wake.notified(), if failures == 0 => {}
                () = tokio::time::sleep(pause) => {}
                _ = stop.wait_for(|stop| *stop) => break,
            }
        }
        self.flush().await;
    }

    /// Publishes what is pending until it is all published, or the shutdown timeout ends.
    async fn flush(&mut self) {
        let timeout = self.config.shutdown_timeout;
        let flushed = tokio::time::timeout(timeout, async {
            let mut failures = 0_u32;
            loop {
                let outcome = self.pass().await;
                self.count_backlog().await;
                match outcome {
                    Ok(Pass::Drained) => break,
                    Ok(Pass::FullBatch) => failures = 0,
                    Err(error) => {
                        failures = failures.saturating_add(1);
                        tracing::warn!(%error, failures, "outbox flush pass failed");
                        tokio::time::sleep(self.config.backoff(failures)).await;
                    }
                }
            }
        })
        .await;
        match flushed {
            Ok(()) => tracing::info!(pending = self.backlog.get(), "outbox relay stopped"),
            Err(_) => tracing::warn!(
                timeout_ms = timeout.as_millis() as u64,
                pending = self.backlog.get(),
                "outbox relay stopped before flushing everything; the rest is published after the next start"
            ),
        }
    }

    /// Publishes one batch of pending rows in order, marking each after the bus confirmed
    /// it; stops at the first failure so that no later event overtakes it.
    async fn pass(&self) -> Result<Pass, PassError> {
        let batch_size = self.config.batch_size.max(1);
        let rows = table::pending(&self.storage, batch_size).await?;
        for row in &rows {
            let event: Event = match serde_json::from_str(&row.event) {
                Ok(event) => event,
                Err(error) => {
                    tracing::error!(event_id = %row.id, %error, "outbox row is not an event; setting it aside");
                    table::mark_undecodable(&self.storage, &row.id, &error.to_string()).await?;
                    continue;
                }
            };
            if let Err(error) = self.bus.publish(&event).await {
                table::record_failure(&self.storage, &row.id, &error.to_string()).await?;
                return Err(error.into());
            }
            self.published.record(event.kind);
            table::mark_published(&self.storage, &row.id).await?;
        }
        Ok(if rows.len() == batch_size as usize {
            Pass::FullBatch
        } else {
            Pass::Drained
        })
    }

    /// Counts the pending rows into the backlog; keeps the last count if that fails.
    async fn count_backlog(&self) {
        match table::count_pending(&self.storage).await {
            Ok(pending) => self.backlog.set(pending),
            Err(error) => tracing::debug!(%error, "cannot count the outbox backlog"),
        }
    }

    /// Deletes published rows older than the retention, at most once per
    /// [`PURGE_INTERVAL`].
    async fn purge_if_due(&mut self) {
        if self
            .last_purge
            .is_some_and(|last| last.elapsed() < PURGE_INTERVAL)
        {
            return;
        }
        self.last_purge = Some(Instant::now());
        let Some(before) = SystemTime::now().checked_sub(self.config.retention) else {
            return;
        };
        match table::delete_published_before(&self.storage, before).await {
            Ok(0) => {}
            Ok(deleted) => tracing::debug!(deleted, "deleted old published outbox rows"),
            Err(error) => tracing::warn!(%error, "cannot delete old published outbox rows"),
        }
    }
}

//! A steady load for the tests that take an instance away: [`steady_load`] keeps `workers`
//! loops sending one request after another and counts what succeeded ([`Load`]), and
//! [`eventually`] waits for a condition without asserting how long it took.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::task::JoinHandle;

/// Requests sent, and those that succeeded, by a [`steady_load`].
#[derive(Debug, Default)]
pub struct Load {
    /// Requests sent and answered (or failed).
    pub sent: AtomicUsize,
    /// Of those, the ones that succeeded.
    pub ok: AtomicUsize,
}

impl Load {
    /// `(sent, ok)` now.
    pub fn counts(&self) -> (usize, usize) {
        (
            self.sent.load(Ordering::SeqCst),
            self.ok.load(Ordering::SeqCst),
        )
    }

    /// The share of requests that succeeded since `before` (a [`counts`](Self::counts)), and
    /// the two counts, for the message.
    pub fn success_rate_since(&self, before: (usize, usize)) -> (f64, usize, usize) {
        let (sent, ok) = self.counts();
        let (sent, ok) = (sent - before.0, ok - before.1);
        #[allow(clippy::cast_precision_loss)]
        let rate = ok as f64 / sent.max(1) as f64;
        (rate, ok, sent)
    }
}

/// How long each [`steady_load`] worker waits between its requests: four workers then send
/// at most 800 a second, under the gateway's default per-client limit of 1,000 a second, so
/// that what the tests count is the instances' doing and not the rate limiter's.
pub const PAUSE_BETWEEN_REQUESTS: Duration = Duration::from_millis(5);

/// `workers` loops that each call `send` (one request; `true` when it succeeded) again and
/// again while `running` holds, [`PAUSE_BETWEEN_REQUESTS`] apart. Stop them by clearing
/// `running` and awaiting the handles.
pub fn steady_load<F, Fut>(
    workers: usize,
    running: Arc<AtomicBool>,
    send: F,
) -> (Arc<Load>, Vec<JoinHandle<()>>)
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = bool> + Send,
{
    let load = Arc::new(Load::default());
    let handles = (0..workers)
        .map(|_| {
            let send = send.clone();
            let load = Arc::clone(&load);
            let running = Arc::clone(&running);
            tokio::spawn(async move {
                while running.load(Ordering::SeqCst) {
                    let succeeded = send().await;
                    load.sent.fetch_add(1, Ordering::SeqCst);
                    if succeeded {
                        load.ok.fetch_add(1, Ordering::SeqCst);
                    }
                    tokio::time::sleep(PAUSE_BETWEEN_REQUESTS).await;
                }
            })
        })
        .collect();
    (load, handles)
}

/// Waits until `done` holds, checking every 50 ms; panics naming `what` after `limit`.
/// `done` is async, so that it can ask a server (`async || metric(...).await > 0.0`).
pub async fn eventually(limit: Duration, what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + limit;
    while !done().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what} did not happen within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

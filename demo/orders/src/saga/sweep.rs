//! The compensating sweep: sagas stuck while the service runs are finished without a
//! restart.
//!
//! A saga can stop half-way without its process stopping: a compensation that kept
//! failing leaves its order `compensating`, a database error mid-saga leaves it `pending`.
//! Every [`SagaSettings::sweep_every`] the sweep lists the unfinished orders quiet for
//! [`SagaSettings::stuck_after`] (no saga step logged, no change) and finishes each the
//! way the start-up [recovery](super::recovery) does: confirmed when charged, compensated
//! otherwise. Orders whose saga a task of this process is running are
//! [claimed](super::running) and skipped, however long they take.
//!
//! [`SagaSettings::sweep_every`]: super::SagaSettings::sweep_every
//! [`SagaSettings::stuck_after`]: super::SagaSettings::stuck_after

use std::time::SystemTime;

use shop_kit::storage::unix_millis;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use super::recovery::resume;
use super::{Saga, SagaError};

/// Starts the sweep in a task that runs until it is aborted; its first pass is one
/// [`sweep_every`](super::SagaSettings::sweep_every) after the start, which the start-up
/// recovery has to itself.
pub fn start(saga: Saga) -> JoinHandle<()> {
    let every = saga.settings.sweep_every;
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match sweep(&saga).await {
                Ok(0) => {}
                Ok(orders) => tracing::info!(orders, "stuck order sagas finished"),
                Err(error) => tracing::error!(%error, "cannot list the stuck order sagas"),
            }
        }
    })
}

/// One pass of the sweep, now: finishes every unfinished order quiet for
/// [`stuck_after`](super::SagaSettings::stuck_after) whose saga nothing in this process
/// runs; how many it took over. An order whose saga fails again is logged and left for
/// the next pass.
pub async fn sweep(saga: &Saga) -> Result<usize, SagaError> {
    let stuck_after = i64::try_from(saga.settings.stuck_after.as_millis()).unwrap_or(i64::MAX);
    let quiet_since = unix_millis(SystemTime::now()).saturating_sub(stuck_after);
    let orders = saga.repository.stuck(quiet_since).await?;
    let mut taken = 0;
    for order in orders {
        let order_id = order.id;
        let Some(_claim) = saga.running.claim(order_id) else {
            continue;
        };
        // Read again under the claim: a saga that held it until just now may have finished.
        let order = saga.current(order_id).await?;
        if !order.status.is_unfinished() {
            continue;
        }
        taken += 1;
        tracing::info!(%order_id, status = order.status.as_str(), "taking over a stuck order saga");
        match resume(saga, order).await {
            Ok(()) => saga.stats.count_swept(),
            Err(error) => tracing::error!(%order_id, %error, "cannot finish the stuck order saga"),
        }
    }
    Ok(taken)
}

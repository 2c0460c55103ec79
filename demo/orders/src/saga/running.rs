//! [`RunningSagas`]: the orders whose saga a task of this process is running now.
//!
//! The request handler, the start-up recovery and the sweep each [claim](RunningSagas::claim)
//! an order before running its saga and hold the [`Claim`] until they are done, so the
//! sweep never takes over a saga that is merely slow, and two of them never run one order's
//! saga at once.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use uuid::Uuid;

/// The set of orders claimed by a running saga. Cloning shares the set.
#[derive(Debug, Clone, Default)]
pub struct RunningSagas {
    orders: Arc<Mutex<HashSet<Uuid>>>,
}

/// An order's saga claimed by its holder; dropping it (also when the task is aborted)
/// frees the order.
#[derive(Debug)]
#[must_use = "the claim ends when it is dropped"]
pub struct Claim {
    order_id: Uuid,
    orders: Arc<Mutex<HashSet<Uuid>>>,
}

impl RunningSagas {
    /// Claims `order_id`, or `None` when a saga of it is running already.
    pub fn claim(&self, order_id: Uuid) -> Option<Claim> {
        let inserted = lock(&self.orders).insert(order_id);
        inserted.then(|| Claim {
            order_id,
            orders: Arc::clone(&self.orders),
        })
    }

    /// How many sagas are running now.
    pub fn len(&self) -> usize {
        lock(&self.orders).len()
    }

    /// Whether no saga is running now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        lock(&self.orders).remove(&self.order_id);
    }
}

/// The set, also after a panic elsewhere: inserts and removes cannot leave it half-changed.
fn lock(orders: &Mutex<HashSet<Uuid>>) -> std::sync::MutexGuard<'_, HashSet<Uuid>> {
    orders.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_is_claimed_once_until_released() {
        let running = RunningSagas::default();
        let order = Uuid::now_v7();
        let claim = running.claim(order).expect("free");
        assert!(running.claim(order).is_none());
        assert!(running.claim(Uuid::now_v7()).is_some());
        assert_eq!(running.len(), 1);
        drop(claim);
        assert!(running.is_empty());
        assert!(running.claim(order).is_some());
    }
}

//! The layer.

use super::{
    config::CircuitBreakerBuilder, handle::BreakerHandle, keyed::Breakers, service::CircuitBreaker,
};
use std::{fmt, sync::Arc};
use tower_layer::Layer;

/// Wraps services in a [`CircuitBreaker`]; see the [module docs](super).
///
/// Every service this layer makes, and every clone of the layer, shares the same
/// breakers.
pub struct CircuitBreakerLayer<C = crate::HttpClassifier, K = super::Unkeyed> {
    breakers: Arc<Breakers>,
    classifier: C,
    key: K,
}

impl CircuitBreakerLayer {
    /// Starts a configuration, with the defaults listed on [`CircuitBreakerBuilder`].
    pub fn builder() -> CircuitBreakerBuilder {
        CircuitBreakerBuilder::default()
    }
}

impl<C, K> CircuitBreakerLayer<C, K> {
    pub(crate) fn new(breakers: Arc<Breakers>, classifier: C, key: K) -> Self {
        CircuitBreakerLayer {
            breakers,
            classifier,
            key,
        }
    }

    /// The handle of the shared breaker: the only breaker of an unkeyed layer, and for a
    /// keyed one the breaker of requests without a key and of overflow.
    pub fn handle(&self) -> BreakerHandle {
        BreakerHandle::new(Arc::clone(self.breakers.shared()))
    }

    /// The handle of the keyed breaker for `key`, if it exists now.
    pub fn handle_for(&self, key: &str) -> Option<BreakerHandle> {
        self.breakers.get(key).map(BreakerHandle::new)
    }

    /// The keys that have a breaker now.
    pub fn keys(&self) -> Vec<String> {
        self.breakers.keys()
    }
}

impl<C: Clone, K: Clone> Clone for CircuitBreakerLayer<C, K> {
    fn clone(&self) -> Self {
        CircuitBreakerLayer {
            breakers: Arc::clone(&self.breakers),
            classifier: self.classifier.clone(),
            key: self.key.clone(),
        }
    }
}

impl<C, K> fmt::Debug for CircuitBreakerLayer<C, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreakerLayer")
            .field("breakers", &self.breakers)
            .finish_non_exhaustive()
    }
}

impl<S, C: Clone, K: Clone> Layer<S> for CircuitBreakerLayer<C, K> {
    type Service = CircuitBreaker<S, C, K>;

    fn layer(&self, inner: S) -> Self::Service {
        CircuitBreaker::new(
            inner,
            Arc::clone(&self.breakers),
            self.classifier.clone(),
            self.key.clone(),
        )
    }
}

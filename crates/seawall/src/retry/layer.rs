use super::{Retry, RetryBudget, config::RetryBuilder, policy::Policy};
use crate::classify::HttpClassifier;
use std::{fmt, sync::Arc};
use tower_layer::Layer;

/// Retries failed requests with jittered exponential back-off, within a budget; see the
/// [module docs](super).
///
/// Cloning is cheap, and every clone, and every [`Retry`] service it makes, shares one
/// [`RetryBudget`] and one stream of jitter seeds.
pub struct RetryLayer<C = HttpClassifier> {
    policy: Arc<Policy<C>>,
}

impl RetryLayer {
    /// A builder with the defaults: 3 attempts, back-off from 50 ms doubling up to 2 s with
    /// full jitter, a budget of 20% of requests plus 10 retries a second, `Retry-After`
    /// honoured up to 10 s, bodies up to 64 KiB replayed, GET, HEAD, OPTIONS, TRACE, PUT and
    /// DELETE idempotent, and the [`HttpClassifier`].
    pub fn builder() -> RetryBuilder {
        RetryBuilder::new()
    }
}

impl<C> RetryLayer<C> {
    pub(crate) fn new(policy: Policy<C>) -> Self {
        RetryLayer {
            policy: Arc::new(policy),
        }
    }

    /// The budget this layer's retries are paid from.
    pub fn budget(&self) -> &RetryBudget {
        &self.policy.settings.budget
    }
}

impl<C> Clone for RetryLayer<C> {
    fn clone(&self) -> Self {
        RetryLayer {
            policy: Arc::clone(&self.policy),
        }
    }
}

impl<C: fmt::Debug> fmt::Debug for RetryLayer<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryLayer")
            .field("policy", &self.policy)
            .finish()
    }
}

impl<S: Clone, C> Layer<S> for RetryLayer<C> {
    type Service = Retry<S, C>;

    fn layer(&self, inner: S) -> Retry<S, C> {
        Retry::new(inner, Arc::clone(&self.policy))
    }
}

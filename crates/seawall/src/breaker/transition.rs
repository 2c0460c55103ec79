//! State-change notifications: a `tracing` event and the user's listeners.

use super::state::State;
use std::{fmt, sync::Arc};

/// A change of a breaker's state, as passed to
/// [`on_transition`](super::CircuitBreakerBuilder::on_transition) listeners.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Transition {
    /// The state left.
    pub from: State,
    /// The state entered.
    pub to: State,
    /// The key of a keyed breaker; `None` for the layer's shared breaker.
    pub key: Option<Arc<str>>,
}

/// A user callback for transitions.
#[derive(Clone)]
pub(crate) struct Listener(Arc<dyn Fn(Transition) + Send + Sync>);

impl Listener {
    pub(crate) fn new(listener: impl Fn(Transition) + Send + Sync + 'static) -> Self {
        Listener(Arc::new(listener))
    }
}

impl fmt::Debug for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Listener")
    }
}

/// Emits the `tracing` event (target `seawall::breaker`) and calls every listener.
pub(crate) fn announce(listeners: &[Listener], transition: Transition) {
    tracing::event!(
        target: "seawall::breaker",
        tracing::Level::INFO,
        seawall.breaker.from = transition.from.as_str(),
        seawall.breaker.to = transition.to.as_str(),
        seawall.breaker.key = transition.key.as_deref(),
        "circuit breaker state changed"
    );
    for listener in listeners {
        (listener.0)(transition.clone());
    }
}

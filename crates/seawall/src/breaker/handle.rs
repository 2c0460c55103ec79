//! Reading and steering one breaker from outside the request path.

use super::{circuit::Circuit, state::State, window::WindowStats};
use std::sync::Arc;

/// Reads and steers one breaker; cheap to clone, and every clone controls the same
/// breaker. Get one from [`CircuitBreakerLayer::handle`](super::CircuitBreakerLayer::handle)
/// (or `handle_for` a key).
///
/// ```
/// use seawall::breaker::{CircuitBreakerLayer, State};
///
/// let layer = CircuitBreakerLayer::builder().build().unwrap();
/// let handle = layer.handle();
/// handle.force_open();
/// assert_eq!(handle.state(), State::ForcedOpen);
/// handle.reset();
/// assert_eq!(handle.state(), State::Closed);
/// ```
#[derive(Debug, Clone)]
pub struct BreakerHandle {
    circuit: Arc<Circuit>,
}

impl BreakerHandle {
    pub(crate) fn new(circuit: Arc<Circuit>) -> Self {
        BreakerHandle { circuit }
    }

    /// The current state. An open breaker whose open duration has ended reads (and
    /// becomes) half-open.
    pub fn state(&self) -> State {
        self.circuit.state()
    }

    /// The key of a keyed breaker; `None` for a layer's shared breaker.
    pub fn key(&self) -> Option<&str> {
        self.circuit.key()
    }

    /// Refuse every call until [`reset`](Self::reset). Refusals carry a `Retry-After` of
    /// the configured open duration.
    pub fn force_open(&self) {
        self.circuit.set(State::ForcedOpen);
    }

    /// Let every call through, still recording, and never open, until
    /// [`reset`](Self::reset).
    pub fn force_closed(&self) {
        self.circuit.set(State::ForcedClosed);
    }

    /// Let every call through and record nothing, until [`reset`](Self::reset).
    pub fn disable(&self) {
        self.circuit.set(State::Disabled);
    }

    /// Back to normal operation: closed, with an empty window and no back-off.
    pub fn reset(&self) {
        self.circuit.set(State::Closed);
    }

    /// What the window holds now.
    pub fn stats(&self) -> WindowStats {
        self.circuit.stats()
    }

    /// How many calls shadow mode let through that it would have refused.
    pub fn shadow_rejections(&self) -> u64 {
        self.circuit.shadow_rejections()
    }
}

//! The permit a call holds while it runs, and reports its result through.

use super::{circuit::Circuit, telemetry::CallOutcome, window::Sample};
use crate::Outcome;
use std::sync::Arc;
use tokio::time::Instant;

/// How a call's result is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PermitKind {
    /// Recorded in the window (closed or forced closed).
    Window,
    /// Counted as a half-open probe.
    Probe,
    /// Not recorded (disabled, or let through by shadow mode).
    Unrecorded,
}

/// A call's right to run. Dropped without a result (the call was cancelled), a probe
/// permit is given back so another call can probe instead.
#[derive(Debug)]
pub(crate) struct Permit {
    circuit: Arc<Circuit>,
    generation: u32,
    kind: PermitKind,
    started: Option<Instant>,
}

impl Permit {
    /// A permit admitted in `generation`, timed when `timed`.
    pub(crate) fn new(
        circuit: Arc<Circuit>,
        generation: u32,
        kind: PermitKind,
        timed: bool,
    ) -> Self {
        Permit {
            circuit,
            generation,
            kind,
            started: timed.then(Instant::now),
        }
    }

    /// Reports the call's outcome.
    pub(crate) fn complete(mut self, outcome: Outcome) {
        let kind = std::mem::replace(&mut self.kind, PermitKind::Unrecorded);
        self.circuit.count(match outcome {
            Outcome::Ignored => CallOutcome::Ignored,
            outcome if outcome.is_failure() => CallOutcome::Failure,
            _ => CallOutcome::Success,
        });
        let sample = (outcome != Outcome::Ignored).then(|| Sample {
            failure: outcome.is_failure(),
            slow: self
                .started
                .is_some_and(|started| self.circuit.config().is_slow(started.elapsed())),
        });
        match (kind, sample) {
            (PermitKind::Window, Some(sample)) => self.circuit.record(self.generation, sample),
            (PermitKind::Probe, Some(sample)) => self
                .circuit
                .record_probe(self.generation, !sample.failure && !sample.slow),
            (PermitKind::Probe, None) => self.circuit.return_probe(self.generation),
            (PermitKind::Window | PermitKind::Unrecorded, None) | (PermitKind::Unrecorded, _) => {}
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if self.kind == PermitKind::Probe {
            self.circuit.return_probe(self.generation);
        }
    }
}

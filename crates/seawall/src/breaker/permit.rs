//! The permit a call holds while it runs, and reports its result through.

use super::{lane::Lane, telemetry::CallOutcome, window::Sample};
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
    lane: Arc<Lane>,
    generation: u32,
    kind: PermitKind,
    started: Option<Instant>,
}

impl Permit {
    /// A permit admitted through `lane` in `generation`; timed when its result is
    /// recorded and slow calls are counted.
    pub(crate) fn new(lane: Arc<Lane>, generation: u32, kind: PermitKind) -> Self {
        let timed = kind != PermitKind::Unrecorded && lane.circuit().config().times_calls();
        Permit {
            lane,
            generation,
            kind,
            started: timed.then(Instant::now),
        }
    }

    /// Reports the call's outcome.
    pub(crate) fn complete(mut self, outcome: Outcome) {
        let kind = std::mem::replace(&mut self.kind, PermitKind::Unrecorded);
        let circuit = self.lane.circuit();
        circuit.count(match outcome {
            Outcome::Ignored => CallOutcome::Ignored,
            outcome if outcome.is_failure() => CallOutcome::Failure,
            _ => CallOutcome::Success,
        });
        let sample = (outcome != Outcome::Ignored).then(|| Sample {
            failure: outcome.is_failure(),
            slow: self
                .started
                .is_some_and(|started| circuit.config().is_slow(started.elapsed())),
        });
        match (kind, sample) {
            (PermitKind::Window, Some(sample)) => {
                circuit.record(self.lane.index(), self.generation, sample);
            }
            (PermitKind::Probe, Some(sample)) => {
                circuit.record_probe(self.generation, sample.is_fast_success());
            }
            (PermitKind::Probe, None) => circuit.return_probe(self.generation),
            (PermitKind::Window | PermitKind::Unrecorded, None) | (PermitKind::Unrecorded, _) => {}
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if self.kind == PermitKind::Probe {
            self.lane.circuit().return_probe(self.generation);
        }
    }
}

//! [`run`]: puts each phase's faults in place for its duration and takes them away after.

use serde::Serialize;
use tokio::time::Instant;

use super::scenario::{Phase, Scenario};
use super::targets::Targets;

/// Why a scenario stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChaosError {
    /// A fault names a service the [`Targets`] do not have.
    #[error("no address for the {service} service's admin API")]
    UnknownService {
        /// The service.
        service: String,
    },
    /// The service did not answer.
    #[error("the {service} service's admin API {}", if *timed_out { "did not answer in time" } else { "is unreachable" })]
    Unreachable {
        /// The service.
        service: String,
        /// Whether it timed out rather than refusing the connection.
        timed_out: bool,
    },
    /// The service answered with an error (a wrong admin token: 401).
    #[error("{service} refused fault {fault}: {status} {detail}")]
    Refused {
        /// The service.
        service: String,
        /// The fault's name.
        fault: String,
        /// The status it answered with.
        status: u16,
        /// Its problem detail.
        detail: String,
    },
}

/// When one phase ran, in seconds since the run's reference instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhaseWindow {
    /// The phase's name.
    pub name: String,
    /// Its start.
    pub start_seconds: f64,
    /// Its end.
    pub end_seconds: f64,
    /// Its faults, as `name@service`.
    pub faults: Vec<String>,
}

/// What a scenario did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChaosReport {
    /// The scenario's name.
    pub scenario: String,
    /// Each phase, in order.
    pub phases: Vec<PhaseWindow>,
}

/// Runs `scenario` against `targets`, telling `observe` when each phase starts. Times are
/// measured from `reference`, so that a load run started at the same instant lines up.
/// Faults are removed at the end of their phase, and also when the run stops on an error.
///
/// # Errors
///
/// [`ChaosError`] when a fault cannot be put or removed.
pub async fn run(
    scenario: &Scenario,
    targets: &Targets,
    reference: Instant,
    mut observe: impl FnMut(&Phase),
) -> Result<ChaosReport, ChaosError> {
    let mut phases = Vec::with_capacity(scenario.phases.len());
    for phase in &scenario.phases {
        observe(phase);
        let start = reference.elapsed().as_secs_f64();
        let placed = put_all(phase, targets).await;
        if placed.is_ok() {
            tokio::time::sleep(phase.duration).await;
        }
        let removed = remove_all(phase, targets).await;
        placed.and(removed)?;
        phases.push(PhaseWindow {
            name: phase.name.clone(),
            start_seconds: start,
            end_seconds: reference.elapsed().as_secs_f64(),
            faults: phase
                .faults
                .iter()
                .map(|fault| format!("{}@{}", fault.name, fault.service))
                .collect(),
        });
    }
    Ok(ChaosReport {
        scenario: scenario.name.clone(),
        phases,
    })
}

async fn put_all(phase: &Phase, targets: &Targets) -> Result<(), ChaosError> {
    for fault in &phase.faults {
        targets.put(fault).await?;
    }
    Ok(())
}

/// Removes every fault of `phase`, trying them all even when one fails.
async fn remove_all(phase: &Phase, targets: &Targets) -> Result<(), ChaosError> {
    let mut first_error = Ok(());
    for fault in &phase.faults {
        if let Err(error) = targets.delete(fault).await {
            first_error = first_error.and(Err(error));
        }
    }
    first_error
}

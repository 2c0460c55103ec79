//! [`Scenario`]: named fault scenarios made of [`Phase`]s, each holding faults for a while.

use std::fmt;
use std::time::Duration;

use super::catalogue::NamedFault;

/// One stretch of a scenario: its faults are in place from its start to its end.
#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    /// `baseline`, `fault`, `recovery`, or a game day's `fault 3`.
    pub name: String,
    /// How long it lasts.
    pub duration: Duration,
    /// The faults in place while it lasts (none for a baseline or a recovery).
    pub faults: Vec<NamedFault>,
}

impl Phase {
    fn quiet(name: &str, duration: Duration) -> Phase {
        Phase {
            name: name.to_owned(),
            duration,
            faults: Vec::new(),
        }
    }
}

/// How long the baseline, each fault and the recovery last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Before any fault.
    pub baseline: Duration,
    /// Each fault phase.
    pub fault: Duration,
    /// After the last fault.
    pub recovery: Duration,
}

impl Default for Timing {
    /// 20 s of baseline, 30 s of fault, 20 s of recovery.
    fn default() -> Self {
        Timing {
            baseline: Duration::from_secs(20),
            fault: Duration::from_secs(30),
            recovery: Duration::from_secs(20),
        }
    }
}

/// The instance the `dead-instance` scenario takes down: the second products instance, as
/// `shop up --instances products=3` names it. Products, because orders call its first
/// instance directly, so only the gateway's traffic is balanced over the others.
pub const DEAD_INSTANCE: &str = "products#2";

/// A scenario name `shop chaos` does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scenario {name:?}; known: {}", Scenario::NAMES.join(", "))]
pub struct UnknownScenario {
    /// The name given.
    pub name: String,
}

/// A named sequence of phases.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Its name (`payment-outage`, ...).
    pub name: String,
    /// What it shows, in a sentence.
    pub description: &'static str,
    /// Its phases, in order.
    pub phases: Vec<Phase>,
}

impl Scenario {
    /// The scenarios [`Scenario::named`] knows.
    pub const NAMES: [&'static str; 11] = [
        "payment-outage",
        "slow-payments",
        "flaky-payments",
        "flaky-products",
        "dead-instance",
        "payment-declines",
        "slow-users",
        "event-bus-lag",
        "notifications-down",
        "orders-crash",
        "game-day",
    ];

    /// The scenario called `name`, timed by `timing`; `seed` drives the game day's draws.
    ///
    /// # Errors
    ///
    /// [`UnknownScenario`] for a name not in [`Scenario::NAMES`].
    pub fn named(name: &str, timing: Timing, seed: u64) -> Result<Scenario, UnknownScenario> {
        let three = |description, faults: Vec<NamedFault>| Scenario {
            name: name.to_owned(),
            description,
            phases: vec![
                Phase::quiet("baseline", timing.baseline),
                Phase {
                    name: "fault".to_owned(),
                    duration: timing.fault,
                    faults,
                },
                Phase::quiet("recovery", timing.recovery),
            ],
        };
        Ok(match name {
            "payment-outage" => three(
                "the payment provider is unreachable: orders' breaker to payments opens and orders fail fast, stock released",
                vec![NamedFault::payment_unreachable(100)],
            ),
            "slow-payments" => three(
                "the payment provider answers 0.5-3 s late: deadlines cut the slow charges and the saga compensates",
                vec![NamedFault::payment_slow(
                    Duration::from_millis(500),
                    Duration::from_secs(3),
                )],
            ),
            "flaky-products" => three(
                "products fails 30% of its requests: retries with the budget absorb most of them",
                vec![NamedFault::product_failure(30, None)],
            ),
            "dead-instance" => three(
                "one of three products instances dies (connections refused, health checks included): the gateway ejects it, requests keep succeeding, and it takes traffic again once it is back",
                vec![NamedFault::instance_down(DEAD_INSTANCE, timing.fault)],
            ),
            "slow-users" => three(
                "users answers 0.2-2 s late: logins and order checks slow down, deadlines cut the slowest",
                vec![NamedFault::users_slow(
                    Duration::from_millis(200),
                    Duration::from_secs(2),
                )],
            ),
            "event-bus-lag" => three(
                "events reach notifications 2-5 s late: orders are unaffected, inboxes catch up after",
                vec![NamedFault::event_bus_lag(
                    Duration::from_secs(2),
                    Duration::from_secs(5),
                )],
            ),
            "notifications-down" => three(
                "notifications is down: orders still complete, events wait on the bus and are delivered once after",
                vec![NamedFault::notifications_down()],
            ),
            "flaky-payments" => three(
                "10% of payment provider calls fail in transport: retries with the budget complete nearly every order",
                vec![NamedFault::payment_unreachable(10)],
            ),
            "payment-declines" => three(
                "the provider declines 10% of charges: those orders are refused with 402 and compensated",
                vec![NamedFault::payment_failure(10)],
            ),
            "orders-crash" => three(
                "20% of sagas die right after the charge: the sweep completes them, nothing is lost or charged twice",
                vec![NamedFault::orders_crash_mid_saga(
                    orders::faults::CrashPoint::AfterCharge,
                    20,
                )],
            ),
            "game-day" => Scenario::game_day(timing, seed),
            _ => {
                return Err(UnknownScenario {
                    name: name.to_owned(),
                });
            }
        })
    }

    /// Three fault phases drawn from the catalogue with `seed`, each followed by a quiet
    /// phase as long as the recovery: the same seed always gives the same day.
    fn game_day(timing: Timing, seed: u64) -> Scenario {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut phases = vec![Phase::quiet("baseline", timing.baseline)];
        for round in 1..=3 {
            let fault = match rng.u8(..6) {
                0 => NamedFault::payment_unreachable(rng.u8(50..=100)),
                1 => NamedFault::payment_slow(
                    Duration::from_millis(rng.u64(100..500)),
                    Duration::from_millis(rng.u64(500..3_000)),
                ),
                2 => NamedFault::product_failure(rng.u8(10..=50), None),
                3 => NamedFault::payment_failure(rng.u8(5..=30)),
                4 => NamedFault::event_bus_lag(
                    Duration::from_millis(rng.u64(500..2_000)),
                    Duration::from_millis(rng.u64(2_000..5_000)),
                ),
                _ => NamedFault::users_slow(
                    Duration::from_millis(rng.u64(100..500)),
                    Duration::from_millis(rng.u64(500..1_500)),
                ),
            };
            phases.push(Phase {
                name: format!("fault {round}"),
                duration: timing.fault,
                faults: vec![fault],
            });
            phases.push(Phase::quiet(&format!("recovery {round}"), timing.recovery));
        }
        Scenario {
            name: "game-day".to_owned(),
            description: "three faults drawn at random from the catalogue (the seed repeats the day), each followed by a recovery",
            phases,
        }
    }

    /// The whole scenario's length.
    pub fn duration(&self) -> Duration {
        self.phases.iter().map(|phase| phase.duration).sum()
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(formatter, "{}: {}", self.name, self.description)?;
        for phase in &self.phases {
            let faults: Vec<String> = phase
                .faults
                .iter()
                .map(|fault| format!("{} on {}", fault.name, fault.service))
                .collect();
            writeln!(
                formatter,
                "  {:<12} {:>5.0} s  {}",
                phase.name,
                phase.duration.as_secs_f64(),
                if faults.is_empty() {
                    "no faults".to_owned()
                } else {
                    faults.join(", ")
                }
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_scenario_has_a_baseline_a_fault_and_a_recovery() {
        for name in Scenario::NAMES {
            let scenario = Scenario::named(name, Timing::default(), 7).expect("known");
            assert_eq!(
                scenario.phases.first().map(|p| p.name.as_str()),
                Some("baseline")
            );
            assert!(scenario.phases.first().is_some_and(|p| p.faults.is_empty()));
            assert!(
                scenario.phases.iter().any(|p| !p.faults.is_empty()),
                "{name}"
            );
            assert!(
                scenario.phases.last().is_some_and(|p| p.faults.is_empty()),
                "{name}"
            );
        }
    }

    #[test]
    fn a_game_day_is_the_same_for_the_same_seed_and_differs_across_seeds() {
        let day = |seed| Scenario::named("game-day", Timing::default(), seed).expect("known");
        assert_eq!(day(42), day(42));
        assert!((1..20).any(|seed| day(seed) != day(42)));
        assert_eq!(day(42).phases.len(), 7);
        assert_eq!(day(42).duration(), Duration::from_secs(20 + 3 * (30 + 20)));
    }

    #[test]
    fn the_dead_instance_expires_with_its_phase() {
        let timing = Timing::default();
        let scenario = Scenario::named("dead-instance", timing, 1).expect("known");
        let fault = &scenario.phases[1].faults[0];
        assert_eq!(fault.service, DEAD_INSTANCE);
        assert_eq!(fault.name, "instanceDown");
        assert_eq!(
            fault.spec.ttl_ms,
            Some(u64::try_from(timing.fault.as_millis()).expect("fits"))
        );
    }

    #[test]
    fn an_unknown_name_lists_the_known_ones() {
        let error = Scenario::named("meteor", Timing::default(), 1).expect_err("unknown");
        assert!(error.to_string().contains("payment-outage"), "{error}");
    }
}

//! A demo run: load and a chaos scenario at the same time while `/metrics` is sampled
//! ([`run`]), what it showed per phase ([`Summary`]), and a report page with plots
//! ([`report_page`]).
//!
//! The shop itself (started by `shop demo`, or any running shop) is outside this module:
//! [`DemoPlan`] says where it is.

mod page;
mod summary;

use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::chaos::{self, ChaosError, ChaosReport, Phase, Scenario, Targets};
use crate::load::{self, LoadConfig, LoadError, LoadReport, Progress};
use crate::sampler::{self, Samples};

pub use page::report_page;
pub use summary::{BreakerOpened, PhaseSummary, Summary};

/// What a demo run does and where the shop is.
#[derive(Debug, Clone)]
pub struct DemoPlan {
    /// The load, offered for the scenario's whole length (its duration is replaced).
    pub load: LoadConfig,
    /// The scenario.
    pub scenario: Scenario,
    /// Where the scenario's faults go.
    pub targets: Targets,
    /// A base URL whose `/metrics` shows the services' series (any service of `shop up`,
    /// which share one registry).
    pub metrics_base: String,
    /// How often `/metrics` is read.
    pub sample_every: Duration,
}

/// Why a demo run failed.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The load could not start.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The scenario failed (its faults have been removed).
    #[error(transparent)]
    Chaos(#[from] ChaosError),
}

/// Everything a demo run recorded, on one clock (seconds since the run started).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoRecord {
    /// The load's report, with its per-second timeline.
    pub load: LoadReport,
    /// When each phase ran.
    pub chaos: ChaosReport,
    /// seawall's and the shop's series over time.
    pub samples: Samples,
}

/// Runs `plan`: the load and the scenario start together, `/metrics` is read throughout,
/// and `on_phase` hears of each phase as it starts.
///
/// # Errors
///
/// [`DemoError`] when the load cannot start or a fault cannot be put or removed.
pub async fn run(plan: &DemoPlan, on_phase: impl FnMut(&Phase)) -> Result<DemoRecord, DemoError> {
    // Checked first: once the scenario starts it runs to its end.
    load::check_reachable(&plan.load).await?;
    let reference = Instant::now();
    let (stop, stopped) = watch::channel(false);
    let sampling = tokio::spawn({
        let base = plan.metrics_base.clone();
        let every = plan.sample_every;
        async move { sampler::sample(&base, every, reference, stopped).await }
    });
    let load_config = plan.load.clone().with_duration(plan.scenario.duration());
    let (load, chaos) = tokio::join!(
        load::run(&load_config, Progress::Terminal),
        chaos::run(&plan.scenario, &plan.targets, reference, on_phase),
    );
    let _ = stop.send(true);
    let samples = sampling.await.unwrap_or_default();
    Ok(DemoRecord {
        load: load?,
        chaos: chaos?,
        samples,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::chaos::PhaseWindow;
    use crate::load::SecondReport;
    use crate::sampler::Sample;

    const OPEN: &str =
        r#"seawall_breaker_state{breaker="payments:8084",service_name="orders",state="open"}"#;
    const RETRIES: &str =
        r#"seawall_retry_decisions_total{decision="retry",service_name="orders"}"#;
    const ATTEMPTS: &str =
        r#"seawall_retry_attempts_total{outcome="failure",service_name="orders"}"#;
    const CHARGES: &str = r#"http_server_request_duration_seconds_count{http_request_method="POST",http_route="/payments",service_name="payments"}"#;

    /// 30 s: baseline to 10 s, a payment outage to 20 s, recovery to 30 s. Orders take 50 ms
    /// and complete, then fail slowly (2 s) until the breaker opens at 12 s, then fail in 3 ms.
    fn record() -> DemoRecord {
        let timeline = (0..30)
            .map(|second| {
                let (completed, failed, p50) = match second {
                    0..10 | 20.. => (10, 0, 50.0),
                    10..12 => (0, 10, 2_000.0),
                    _ => (0, 10, 3.0),
                };
                SecondReport {
                    second,
                    requests: 20,
                    errors: failed,
                    p50_ms: p50,
                    p99_ms: p50 * 2.0,
                    order_p50_ms: p50,
                    order_p99_ms: p50 * 2.0,
                    orders_completed: completed,
                    orders_failed: failed,
                    orders_out_of_stock: 0,
                }
            })
            .collect();
        let samples = (0..30)
            .map(|second| {
                let t = f64::from(second) + 0.5;
                let open = if (12..20).contains(&second) { 1.0 } else { 0.0 };
                // 10 attempts per second; 2 of them retries during the outage until it opens.
                let retries = f64::from(second.clamp(10, 12) - 10) * 2.0;
                let attempts = f64::from(second) * 10.0 + retries;
                // 10 charges a second, 12 during the outage.
                let charges = f64::from(second) * 10.0 + f64::from(second.clamp(10, 20) - 10) * 2.0;
                Sample {
                    seconds: t,
                    series: BTreeMap::from([
                        (OPEN.to_owned(), open),
                        (RETRIES.to_owned(), retries),
                        (ATTEMPTS.to_owned(), attempts),
                        (CHARGES.to_owned(), charges),
                    ]),
                }
            })
            .collect();
        let window = |name: &str, start: f64, end: f64, faults: &[&str]| PhaseWindow {
            name: name.to_owned(),
            start_seconds: start,
            end_seconds: end,
            faults: faults.iter().map(|f| (*f).to_owned()).collect(),
        };
        DemoRecord {
            load: LoadReport {
                elapsed_seconds: 30.0,
                journeys_started: 600,
                journeys_dropped: 0,
                steps: Vec::new(),
                timeline,
            },
            chaos: ChaosReport {
                scenario: "payment-outage".to_owned(),
                phases: vec![
                    window("baseline", 0.0, 10.0, &[]),
                    window("fault", 10.0, 20.0, &["paymentUnreachable@payments"]),
                    window("recovery", 20.0, 30.0, &[]),
                ],
            },
            samples: Samples { samples },
        }
    }

    #[test]
    fn the_summary_tells_each_phase_and_when_the_breaker_opened() {
        let summary = Summary::of(&record());

        let [baseline, fault, recovery] = &summary.phases[..] else {
            panic!("three phases: {:?}", summary.phases);
        };
        assert_eq!(
            (baseline.orders, baseline.order_success_percent),
            (100, 100.0)
        );
        assert_eq!(baseline.goodput_per_second, 10.0);
        assert_eq!((fault.orders, fault.order_success_percent), (100, 0.0));
        assert_eq!(fault.order_p99_worst_ms, 4_000.0);
        assert_eq!(fault.retries, 4.0);
        assert_eq!(recovery.goodput_per_second, 10.0);
        let opened = summary.breaker_opened.as_ref().expect("opened");
        assert_eq!(
            (opened.service.as_str(), opened.breaker.as_str()),
            ("orders", "payments:8084")
        );
        assert_eq!(opened.after_seconds, 2.5);
        assert_eq!(summary.fail_fast_order_p50_ms, Some(3.0));
        let amplification = summary.retry_amplification.expect("retries happened");
        assert!(
            (amplification - 104.0 / 100.0).abs() < 1e-9,
            "{amplification}"
        );
        assert_eq!(fault.charges_received, 118.0);
        assert_eq!(summary.charges_per_order_during_faults, Some(1.18));
        let text = summary.to_string();
        assert!(
            text.contains("orders's breaker on payments:8084 opened 2.5 s after"),
            "{text}"
        );
    }

    #[test]
    fn out_of_stock_refusals_are_counted_apart_from_the_failures() {
        let mut record = record();
        // The baseline's seconds: 10 completed, then 2 refused for lack of stock and 1
        // failed in each of the first 5.
        for second in &mut record.load.timeline[..5] {
            second.orders_out_of_stock = 2;
            second.orders_failed = 1;
            second.requests = 20;
            second.errors = 3;
        }
        let summary = Summary::of(&record);
        let baseline = &summary.phases[0];
        assert_eq!((baseline.orders, baseline.orders_out_of_stock), (115, 10));
        assert!(
            (baseline.order_success_percent - 100.0 * 100.0 / 105.0).abs() < 1e-9,
            "completed among the orders in stock: {}",
            baseline.order_success_percent
        );
        assert!((baseline.request_success_percent - 100.0 * 185.0 / 200.0).abs() < 1e-9);
        assert!(summary.to_string().contains("out of stock"));
    }

    #[test]
    fn the_report_page_holds_the_phases_the_summary_and_four_plots() {
        let record = record();
        let page = report_page(&record, &Summary::of(&record)).expect("drawn");

        assert!(page.starts_with("<!doctype html>"));
        assert_eq!(page.matches("<svg").count(), 4);
        assert!(page.contains("<li>fault from 10 s to 20 s: paymentUnreachable@payments</li>"));
        assert!(
            page.contains("orders → payments:8084"),
            "the breaker that opened is plotted"
        );
        assert!(
            !page.contains("<li>baseline from 0 s to 10 s: <"),
            "text is escaped"
        );
    }
}

//! [`Summary`]: what a demo run showed, per phase and overall.

use std::fmt;

use comfy_table::{CellAlignment, Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;

use super::DemoRecord;
use crate::load::SecondReport;

/// One phase's numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhaseSummary {
    /// The phase's name.
    pub name: String,
    /// Its faults, as `name@service`.
    pub faults: Vec<String>,
    /// How long it lasted, seconds.
    pub seconds: f64,
    /// Orders placed.
    pub orders: u64,
    /// Orders completed per second: the shop's goodput.
    pub goodput_per_second: f64,
    /// Orders completed, as a percentage of orders placed.
    pub order_success_percent: f64,
    /// The median of the per-second median order latencies, milliseconds.
    pub order_p50_ms: f64,
    /// The worst per-second 99th percentile order latency, milliseconds.
    pub order_p99_worst_ms: f64,
    /// Attempts the shop's retry layers sent.
    pub retry_attempts: f64,
    /// Of those, retries (attempts after the first).
    pub retries: f64,
    /// Retries the budget refused.
    pub budget_exhausted: f64,
    /// Calls breakers refused without calling.
    pub breaker_rejections: f64,
    /// Faults the chaos layers injected.
    pub faults_injected: f64,
    /// Saga compensations.
    pub compensations: f64,
}

/// The run's story: each phase, how fast a breaker opened once the fault began, and how
/// fast orders failed while it was open.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Per phase, in order.
    pub phases: Vec<PhaseSummary>,
    /// Seconds from the first fault phase's start to the first sample with a breaker open
    /// (sampling resolution), if one opened.
    pub breaker_opened_after_seconds: Option<f64>,
    /// The median of the per-second median order latencies over the seconds a breaker was
    /// open: how fast orders fail when failing fast.
    pub fail_fast_order_p50_ms: Option<f64>,
    /// Attempts sent per request offered by the shop's retry layers during the fault
    /// phases (1.0 means no retries).
    pub retry_amplification: Option<f64>,
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied()
}

fn seconds_between(record: &DemoRecord, start: f64, end: f64) -> Vec<&SecondReport> {
    record
        .load
        .timeline
        .iter()
        .filter(|second| {
            let at = second.second as f64;
            at >= start.floor() && at < end
        })
        .collect()
}

impl Summary {
    /// Reads the story out of `record`.
    pub fn of(record: &DemoRecord) -> Summary {
        let samples = &record.samples;
        let phases = record
            .chaos
            .phases
            .iter()
            .map(|window| {
                let (start, end) = (window.start_seconds, window.end_seconds);
                let seconds = seconds_between(record, start, end);
                let completed: u64 = seconds.iter().map(|s| s.orders_completed).sum();
                let orders = completed + seconds.iter().map(|s| s.orders_failed).sum::<u64>();
                let with_orders = || {
                    seconds
                        .iter()
                        .filter(|s| s.orders_completed + s.orders_failed > 0)
                };
                let increase =
                    |name, labels: &[(&str, &str)]| samples.increase(name, labels, start, end);
                PhaseSummary {
                    name: window.name.clone(),
                    faults: window.faults.clone(),
                    seconds: end - start,
                    orders,
                    goodput_per_second: completed as f64 / (end - start).max(f64::EPSILON),
                    order_success_percent: 100.0 * completed as f64 / orders.max(1) as f64,
                    order_p50_ms: median(with_orders().map(|s| s.order_p50_ms).collect())
                        .unwrap_or(0.0),
                    order_p99_worst_ms: with_orders().map(|s| s.order_p99_ms).fold(0.0, f64::max),
                    retry_attempts: increase("seawall_retry_attempts_total", &[]),
                    retries: increase("seawall_retry_decisions_total", &[("decision", "retry")]),
                    budget_exhausted: increase(
                        "seawall_retry_decisions_total",
                        &[("decision", "budget_exhausted")],
                    ),
                    breaker_rejections: increase(
                        "seawall_breaker_calls_total",
                        &[("outcome", "rejected")],
                    ),
                    faults_injected: increase("seawall_faults_injected_total", &[]),
                    compensations: increase("shop_saga_compensations_total", &[]),
                }
            })
            .collect::<Vec<_>>();
        let first_fault = record
            .chaos
            .phases
            .iter()
            .find(|phase| !phase.faults.is_empty());
        let breaker_opened_after_seconds = first_fault.and_then(|phase| {
            samples
                .first_reaching(
                    "seawall_breaker_state",
                    &[("state", "open")],
                    phase.start_seconds,
                    1.0,
                )
                .map(|opened| opened - phase.start_seconds)
        });
        let open = samples.sum("seawall_breaker_state", &[("state", "open")]);
        let fail_fast = record
            .load
            .timeline
            .iter()
            .filter(|second| second.orders_completed + second.orders_failed > 0)
            .filter(|second| {
                let end = second.second as f64 + 1.0;
                open.iter()
                    .rfind(|(at, _)| *at <= end)
                    .is_some_and(|(at, value)| *value >= 1.0 && *at >= second.second as f64)
            })
            .map(|second| second.order_p50_ms)
            .collect();
        let faulted = phases.iter().filter(|phase| !phase.faults.is_empty());
        let (attempts, retries) = faulted.fold((0.0, 0.0), |(attempts, retries), phase| {
            (attempts + phase.retry_attempts, retries + phase.retries)
        });
        Summary {
            phases,
            breaker_opened_after_seconds,
            fail_fast_order_p50_ms: median(fail_fast),
            retry_amplification: (attempts > retries).then(|| attempts / (attempts - retries)),
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut table = Table::new();
        table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
            "phase",
            "faults",
            "orders",
            "goodput/s",
            "ok %",
            "p50 ms",
            "worst p99 ms",
            "retries",
            "budget refused",
            "breaker rejected",
            "faults injected",
            "compensations",
        ]);
        for phase in &self.phases {
            table.add_row(vec![
                phase.name.clone(),
                if phase.faults.is_empty() {
                    "-".to_owned()
                } else {
                    phase.faults.join(", ")
                },
                phase.orders.to_string(),
                format!("{:.1}", phase.goodput_per_second),
                format!("{:.1}", phase.order_success_percent),
                format!("{:.0}", phase.order_p50_ms),
                format!("{:.0}", phase.order_p99_worst_ms),
                format!("{:.0}", phase.retries),
                format!("{:.0}", phase.budget_exhausted),
                format!("{:.0}", phase.breaker_rejections),
                format!("{:.0}", phase.faults_injected),
                format!("{:.0}", phase.compensations),
            ]);
        }
        for column in 2..12 {
            if let Some(column) = table.column_mut(column) {
                column.set_cell_alignment(CellAlignment::Right);
            }
        }
        writeln!(formatter, "{table}")?;
        match self.breaker_opened_after_seconds {
            Some(after) => writeln!(
                formatter,
                "a breaker opened {after:.1} s after the first fault began"
            )?,
            None => writeln!(formatter, "no breaker opened")?,
        }
        if let Some(p50) = self.fail_fast_order_p50_ms {
            writeln!(
                formatter,
                "while it was open, orders answered in {p50:.0} ms (median)"
            )?;
        }
        if let Some(amplification) = self.retry_amplification {
            writeln!(
                formatter,
                "retry amplification during the faults: {amplification:.2} attempts per request"
            )?;
        }
        Ok(())
    }
}

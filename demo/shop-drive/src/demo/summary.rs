//! [`Summary`]: what a demo run showed, per phase and overall.

use std::fmt;

use comfy_table::{CellAlignment, Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;

use super::DemoRecord;
use crate::load::SecondReport;
use crate::sampler::SERVER_REQUESTS;

/// One phase's numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhaseSummary {
    /// The phase's name.
    pub name: String,
    /// Its faults, as `name@service`.
    pub faults: Vec<String>,
    /// How long it lasted, seconds.
    pub seconds: f64,
    /// Requests the load sent (every step), answered in this phase.
    pub requests: u64,
    /// Of those, the ones answered 2xx, as a percentage.
    pub request_success_percent: f64,
    /// Orders placed.
    pub orders: u64,
    /// Of those, orders refused for lack of stock (409 `out_of_stock`): the seeded stock
    /// running out under load, a business answer rather than a failure.
    pub orders_out_of_stock: u64,
    /// Orders completed per second: the shop's goodput.
    pub goodput_per_second: f64,
    /// Orders completed, as a percentage of the orders placed for products in stock (the
    /// out-of-stock refusals left out): the order success rate.
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
    /// Charge requests payments received (`POST /payments`), retries included.
    pub charges_received: f64,
}

/// A breaker that opened once a fault began.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreakerOpened {
    /// The service whose client (or gateway endpoint) it guards.
    pub service: String,
    /// The breaker (the upstream's address for keyed breakers).
    pub breaker: String,
    /// Seconds from the fault phase's start to the first sample that saw it open (at the
    /// sampling resolution).
    pub after_seconds: f64,
}

/// The run's story: each phase, how fast a breaker opened once the fault began, and how
/// fast orders failed while it was open.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Per phase, in order.
    pub phases: Vec<PhaseSummary>,
    /// The first breaker that was not open when the first fault phase began and opened
    /// during it, if any.
    pub breaker_opened: Option<BreakerOpened>,
    /// The median of the per-second median order latencies over the seconds a breaker was
    /// open: how fast orders fail when failing fast.
    pub fail_fast_order_p50_ms: Option<f64>,
    /// Attempts sent per request offered by the shop's retry layers during the fault
    /// phases (1.0 means no retries).
    pub retry_amplification: Option<f64>,
    /// Charge requests payments received per order placed, during the fault phases: how
    /// much the shop's retries multiply the load on a failing dependency.
    pub charges_per_order_during_faults: Option<f64>,
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
                let orders: u64 = seconds.iter().map(|s| s.orders()).sum();
                let out_of_stock: u64 = seconds.iter().map(|s| s.orders_out_of_stock).sum();
                let requests: u64 = seconds.iter().map(|s| s.requests).sum();
                let errors: u64 = seconds.iter().map(|s| s.errors).sum();
                let with_orders = || seconds.iter().filter(|s| s.orders() > 0);
                let increase =
                    |name, labels: &[(&str, &str)]| samples.increase(name, labels, start, end);
                PhaseSummary {
                    name: window.name.clone(),
                    faults: window.faults.clone(),
                    seconds: end - start,
                    requests,
                    request_success_percent: 100.0 * (requests - errors) as f64
                        / requests.max(1) as f64,
                    orders,
                    orders_out_of_stock: out_of_stock,
                    goodput_per_second: completed as f64 / (end - start).max(f64::EPSILON),
                    order_success_percent: 100.0 * completed as f64
                        / (orders - out_of_stock).max(1) as f64,
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
                    charges_received: increase(
                        SERVER_REQUESTS,
                        &[
                            ("service_name", "payments"),
                            ("http_route", "/payments"),
                            ("http_request_method", "POST"),
                        ],
                    ),
                }
            })
            .collect::<Vec<_>>();
        let first_fault = record
            .chaos
            .phases
            .iter()
            .find(|phase| !phase.faults.is_empty());
        let breaker_opened = first_fault.and_then(|phase| {
            let (start, end) = (phase.start_seconds, phase.end_seconds);
            samples
                .breakers()
                .into_iter()
                .filter_map(|(service, breaker)| {
                    let labels = [
                        ("service_name", service.as_str()),
                        ("breaker", breaker.as_str()),
                        ("state", "open"),
                    ];
                    let series = samples.sum("seawall_breaker_state", &labels);
                    let open_at_start = series
                        .iter()
                        .rfind(|(at, _)| *at <= start)
                        .is_some_and(|(_, value)| *value >= 1.0);
                    let opened = series
                        .iter()
                        .find(|(at, value)| *at >= start && *at <= end && *value >= 1.0)?
                        .0;
                    (!open_at_start).then_some(BreakerOpened {
                        service,
                        breaker,
                        after_seconds: opened - start,
                    })
                })
                .min_by(|a, b| a.after_seconds.total_cmp(&b.after_seconds))
        });
        let open = samples.sum("seawall_breaker_state", &[("state", "open")]);
        let fail_fast = record
            .load
            .timeline
            .iter()
            .filter(|second| second.orders() > 0)
            .filter(|second| {
                let end = second.second as f64 + 1.0;
                open.iter()
                    .rfind(|(at, _)| *at <= end)
                    .is_some_and(|(at, value)| *value >= 1.0 && *at >= second.second as f64)
            })
            .map(|second| second.order_p50_ms)
            .collect();
        let faulted = || phases.iter().filter(|phase| !phase.faults.is_empty());
        let (attempts, retries) = faulted().fold((0.0, 0.0), |(attempts, retries), phase| {
            (attempts + phase.retry_attempts, retries + phase.retries)
        });
        let (charges, orders) = faulted().fold((0.0, 0), |(charges, orders), phase| {
            (charges + phase.charges_received, orders + phase.orders)
        });
        Summary {
            phases,
            breaker_opened,
            fail_fast_order_p50_ms: median(fail_fast),
            retry_amplification: (attempts > retries).then(|| attempts / (attempts - retries)),
            charges_per_order_during_faults: (orders > 0).then(|| charges / orders as f64),
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut table = Table::new();
        table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
            "phase",
            "faults",
            "requests ok %",
            "orders",
            "out of stock",
            "goodput/s",
            "ok % (in stock)",
            "p50 ms",
            "worst p99 ms",
            "retries",
            "budget refused",
            "breaker rejected",
            "faults injected",
            "compensations",
            "charges at payments",
        ]);
        for phase in &self.phases {
            table.add_row(vec![
                phase.name.clone(),
                if phase.faults.is_empty() {
                    "-".to_owned()
                } else {
                    phase.faults.join(", ")
                },
                format!("{:.2}", phase.request_success_percent),
                phase.orders.to_string(),
                phase.orders_out_of_stock.to_string(),
                format!("{:.1}", phase.goodput_per_second),
                format!("{:.1}", phase.order_success_percent),
                format!("{:.0}", phase.order_p50_ms),
                format!("{:.0}", phase.order_p99_worst_ms),
                format!("{:.0}", phase.retries),
                format!("{:.0}", phase.budget_exhausted),
                format!("{:.0}", phase.breaker_rejections),
                format!("{:.0}", phase.faults_injected),
                format!("{:.0}", phase.compensations),
                format!("{:.0}", phase.charges_received),
            ]);
        }
        for column in 2..15 {
            if let Some(column) = table.column_mut(column) {
                column.set_cell_alignment(CellAlignment::Right);
            }
        }
        writeln!(formatter, "{table}")?;
        match &self.breaker_opened {
            Some(opened) => writeln!(
                formatter,
                "{}'s breaker on {} opened {:.1} s after the first fault began",
                opened.service, opened.breaker, opened.after_seconds
            )?,
            None => writeln!(formatter, "no breaker opened")?,
        }
        if let Some(p50) = self.fail_fast_order_p50_ms {
            writeln!(
                formatter,
                "while it was open, orders answered in {p50:.0} ms (median)"
            )?;
        }
        if let Some(per_order) = self.charges_per_order_during_faults {
            writeln!(
                formatter,
                "payments received {per_order:.2} charge requests per order placed during the faults"
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

//! [`LoadReport`]: what a run saw, as a table ([`Display`](fmt::Display)) or JSON (serde).

use std::collections::BTreeMap;
use std::fmt;

use comfy_table::{CellAlignment, Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;

use super::journey::Step;

/// One step's numbers over the whole run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepReport {
    /// The step.
    pub step: Step,
    /// Its request, `METHOD /api/path`.
    pub request: &'static str,
    /// Requests sent.
    pub count: u64,
    /// Requests answered with a 2xx status.
    pub successes: u64,
    /// `successes` as a percentage of `count`.
    pub success_percent: f64,
    /// Median latency, milliseconds.
    pub p50_ms: f64,
    /// 90th percentile latency, milliseconds.
    pub p90_ms: f64,
    /// 99th percentile latency, milliseconds.
    pub p99_ms: f64,
    /// Slowest request, milliseconds.
    pub max_ms: f64,
    /// Requests per outcome: the status code, `timeout` or `transport`.
    pub outcomes: BTreeMap<String, u64>,
}

/// One second of the run (the `second`-th since the start).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SecondReport {
    /// Seconds since the start of the run.
    pub second: u64,
    /// Requests that ended in this second.
    pub requests: u64,
    /// Of those, requests without a 2xx answer.
    pub errors: u64,
    /// Median latency of those requests, milliseconds.
    pub p50_ms: f64,
    /// 99th percentile latency of those requests, milliseconds.
    pub p99_ms: f64,
    /// Median latency of the orders placed in this second, milliseconds (0 when none).
    pub order_p50_ms: f64,
    /// 99th percentile latency of the orders placed in this second, milliseconds.
    pub order_p99_ms: f64,
    /// Orders that completed (the shop's goodput).
    pub orders_completed: u64,
    /// Orders that did not, for lack of stock excepted (declined, unavailable, no answer).
    pub orders_failed: u64,
    /// Orders refused for lack of stock (409 `out_of_stock`): a business answer, counted
    /// apart from the failures.
    pub orders_out_of_stock: u64,
}

impl SecondReport {
    /// Orders placed in this second, whatever became of them.
    pub fn orders(&self) -> u64 {
        self.orders_completed + self.orders_failed + self.orders_out_of_stock
    }
}

/// The result of [`run`](super::run).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadReport {
    /// How long load was offered and awaited, seconds.
    pub elapsed_seconds: f64,
    /// Journeys started.
    pub journeys_started: u64,
    /// Journeys not started in rate mode because too many were in flight.
    pub journeys_dropped: u64,
    /// Per step, in [`Step::ALL`] order, for the steps that ran.
    pub steps: Vec<StepReport>,
    /// Per second.
    pub timeline: Vec<SecondReport>,
}

impl LoadReport {
    /// The numbers of `step`, if it ran.
    pub fn step(&self, step: Step) -> Option<&StepReport> {
        self.steps.iter().find(|report| report.step == step)
    }

    /// Every request sent.
    pub fn requests(&self) -> u64 {
        self.steps.iter().map(|step| step.count).sum()
    }

    /// Every request without a 2xx answer.
    pub fn errors(&self) -> u64 {
        self.steps
            .iter()
            .map(|step| step.count - step.successes)
            .sum()
    }
}

impl fmt::Display for LoadReport {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut table = Table::new();
        table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
            "step",
            "count",
            "success %",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "max ms",
            "outcomes",
        ]);
        for step in &self.steps {
            let outcomes: Vec<String> = step
                .outcomes
                .iter()
                .map(|(outcome, count)| format!("{outcome}: {count}"))
                .collect();
            table.add_row(vec![
                step.request.to_owned(),
                step.count.to_string(),
                format!("{:.2}", step.success_percent),
                format!("{:.1}", step.p50_ms),
                format!("{:.1}", step.p90_ms),
                format!("{:.1}", step.p99_ms),
                format!("{:.1}", step.max_ms),
                outcomes.join(", "),
            ]);
        }
        for column in 1..7 {
            if let Some(column) = table.column_mut(column) {
                column.set_cell_alignment(CellAlignment::Right);
            }
        }
        writeln!(formatter, "{table}")?;
        let requests = self.requests();
        write!(
            formatter,
            "{requests} requests in {:.1} s ({:.1}/s), {} errors; {} journeys started, {} dropped",
            self.elapsed_seconds,
            requests as f64 / self.elapsed_seconds.max(f64::EPSILON),
            self.errors(),
            self.journeys_started,
            self.journeys_dropped,
        )
    }
}

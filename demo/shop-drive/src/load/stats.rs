//! [`Recorder`]: latency histograms and outcome counts per step, and a per-second timeline.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use super::journey::{OrderEnd, Outcome, Step};
use super::report::{LoadReport, SecondReport, StepReport};

/// Latencies are recorded in microseconds, from 1 µs to 10 minutes, to 3 significant digits.
fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("static histogram bounds are valid")
}

fn micros(latency: Duration) -> u64 {
    u64::try_from(latency.as_micros())
        .unwrap_or(u64::MAX)
        .clamp(1, 600_000_000)
}

fn millis(histogram: &Histogram<u64>, quantile: f64) -> f64 {
    if histogram.is_empty() {
        return 0.0;
    }
    histogram.value_at_quantile(quantile) as f64 / 1_000.0
}

#[derive(Debug)]
struct StepStats {
    latency: Histogram<u64>,
    successes: u64,
    outcomes: BTreeMap<String, u64>,
}

#[derive(Debug)]
struct Second {
    latency: Histogram<u64>,
    order_latency: Histogram<u64>,
    errors: u64,
    orders_completed: u64,
    orders_failed: u64,
    orders_out_of_stock: u64,
}

impl Second {
    fn new() -> Second {
        Second {
            latency: histogram(),
            order_latency: histogram(),
            errors: 0,
            orders_completed: 0,
            orders_failed: 0,
            orders_out_of_stock: 0,
        }
    }
}

#[derive(Debug)]
struct Tally {
    steps: BTreeMap<Step, StepStats>,
    timeline: Vec<Second>,
    journeys_started: u64,
    journeys_dropped: u64,
}

/// What the progress line shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Live {
    pub(crate) requests: u64,
    pub(crate) errors: u64,
    /// Requests in the last complete second.
    pub(crate) rate: u64,
    /// The p99 of the last complete second, in milliseconds.
    pub(crate) p99_ms: f64,
}

/// Collects every request's outcome. Shared by all virtual users behind one lock: a load
/// generator's own cost per request is far below the shop's.
#[derive(Debug)]
pub(crate) struct Recorder {
    started: Instant,
    tally: Mutex<Tally>,
}

impl Recorder {
    pub(crate) fn new() -> Recorder {
        Recorder {
            started: Instant::now(),
            tally: Mutex::new(Tally {
                steps: BTreeMap::new(),
                timeline: Vec::new(),
                journeys_started: 0,
                journeys_dropped: 0,
            }),
        }
    }

    fn tally(&self) -> std::sync::MutexGuard<'_, Tally> {
        self.tally
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// Records one request of `step` that took `latency` and ended with `outcome`; `order`
    /// says how the order ended when it placed one.
    pub(crate) fn record(
        &self,
        step: Step,
        latency: Duration,
        outcome: Outcome,
        order: Option<OrderEnd>,
    ) {
        let second = usize::try_from(self.started.elapsed().as_secs()).unwrap_or(usize::MAX);
        let value = micros(latency);
        let mut tally = self.tally();
        let stats = tally.steps.entry(step).or_insert_with(|| StepStats {
            latency: histogram(),
            successes: 0,
            outcomes: BTreeMap::new(),
        });
        stats.latency.saturating_record(value);
        stats.successes += u64::from(outcome.is_success());
        *stats.outcomes.entry(outcome.label()).or_default() += 1;
        if tally.timeline.len() <= second {
            tally.timeline.resize_with(second + 1, Second::new);
        }
        let bucket = &mut tally.timeline[second];
        bucket.latency.saturating_record(value);
        bucket.errors += u64::from(!outcome.is_success());
        if let Some(order) = order {
            bucket.order_latency.saturating_record(value);
            *match order {
                OrderEnd::Completed => &mut bucket.orders_completed,
                OrderEnd::OutOfStock => &mut bucket.orders_out_of_stock,
                OrderEnd::Failed => &mut bucket.orders_failed,
            } += 1;
        }
    }

    pub(crate) fn journey_started(&self) {
        self.tally().journeys_started += 1;
    }

    pub(crate) fn journey_dropped(&self) {
        self.tally().journeys_dropped += 1;
    }

    pub(crate) fn live(&self) -> Live {
        let tally = self.tally();
        let (requests, errors) = tally.steps.values().fold((0, 0), |(requests, errors), s| {
            let count = s.latency.len();
            (requests + count, errors + count - s.successes)
        });
        let complete = usize::try_from(self.started.elapsed().as_secs()).unwrap_or(0);
        let last = complete
            .checked_sub(1)
            .and_then(|second| tally.timeline.get(second));
        Live {
            requests,
            errors,
            rate: last.map_or(0, |second| second.latency.len()),
            p99_ms: last.map_or(0.0, |second| millis(&second.latency, 0.99)),
        }
    }

    /// The report of everything recorded so far.
    pub(crate) fn report(&self, elapsed: Duration) -> LoadReport {
        let tally = self.tally();
        let steps = Step::ALL
            .iter()
            .filter_map(|step| {
                let stats = tally.steps.get(step)?;
                let count = stats.latency.len();
                Some(StepReport {
                    step: *step,
                    request: step.request(),
                    count,
                    successes: stats.successes,
                    success_percent: 100.0 * stats.successes as f64 / count.max(1) as f64,
                    p50_ms: millis(&stats.latency, 0.50),
                    p90_ms: millis(&stats.latency, 0.90),
                    p99_ms: millis(&stats.latency, 0.99),
                    max_ms: stats.latency.max() as f64 / 1_000.0,
                    outcomes: stats.outcomes.clone(),
                })
            })
            .collect();
        let timeline = tally
            .timeline
            .iter()
            .enumerate()
            .map(|(second, bucket)| SecondReport {
                second: second as u64,
                requests: bucket.latency.len(),
                errors: bucket.errors,
                p50_ms: millis(&bucket.latency, 0.50),
                p99_ms: millis(&bucket.latency, 0.99),
                order_p50_ms: millis(&bucket.order_latency, 0.50),
                order_p99_ms: millis(&bucket.order_latency, 0.99),
                orders_completed: bucket.orders_completed,
                orders_failed: bucket.orders_failed,
                orders_out_of_stock: bucket.orders_out_of_stock,
            })
            .collect();
        LoadReport {
            elapsed_seconds: elapsed.as_secs_f64(),
            journeys_started: tally.journeys_started,
            journeys_dropped: tally.journeys_dropped,
            steps,
            timeline,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_count_successes_outcomes_and_percentiles() {
        let recorder = Recorder::new();
        for millis in 1..=100 {
            recorder.record(
                Step::ListProducts,
                Duration::from_millis(millis),
                Outcome::Status(200),
                None,
            );
        }
        recorder.record(
            Step::PlaceOrder,
            Duration::from_millis(5),
            Outcome::Status(201),
            Some(OrderEnd::Completed),
        );
        recorder.record(
            Step::PlaceOrder,
            Duration::from_millis(7),
            Outcome::Status(402),
            Some(OrderEnd::Failed),
        );
        recorder.record(
            Step::PlaceOrder,
            Duration::from_millis(8),
            Outcome::Status(409),
            Some(OrderEnd::OutOfStock),
        );
        recorder.record(
            Step::PlaceOrder,
            Duration::from_secs(10),
            Outcome::Timeout,
            Some(OrderEnd::Failed),
        );
        let report = recorder.report(Duration::from_secs(1));
        let list = &report.steps[0];
        assert_eq!(
            (list.step, list.count, list.successes),
            (Step::ListProducts, 100, 100)
        );
        assert!((list.p50_ms - 50.0).abs() < 0.1, "{}", list.p50_ms);
        assert!((list.p99_ms - 99.0).abs() < 0.1, "{}", list.p99_ms);
        assert!((list.max_ms - 100.0).abs() < 0.1, "{}", list.max_ms);
        let orders = &report.steps[1];
        assert_eq!((orders.count, orders.successes), (4, 1));
        assert_eq!(
            orders.outcomes,
            BTreeMap::from([
                ("201".to_owned(), 1),
                ("402".to_owned(), 1),
                ("409".to_owned(), 1),
                ("timeout".to_owned(), 1)
            ])
        );
        let first_second = &report.timeline[0];
        assert_eq!(first_second.requests, 104);
        assert_eq!(first_second.errors, 3);
        assert_eq!(
            (
                first_second.orders_completed,
                first_second.orders_failed,
                first_second.orders_out_of_stock
            ),
            (1, 2, 1)
        );
        assert!((first_second.order_p50_ms - 7.0).abs() < 0.1, "orders only");
    }
}

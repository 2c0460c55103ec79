//! [`sample`]: reads a `/metrics` endpoint at an interval and keeps seawall's and the shop's
//! own series (`seawall_*`, `shop_*`) and the servers' request counts
//! (`http_server_request_duration_seconds_count`) over time, so that a run can say when a
//! breaker opened, how many retries the budget allowed, how many sagas compensated, and how
//! many requests a service received.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::http::Shop;

/// One reading of the endpoint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sample {
    /// Seconds since the reference instant.
    pub seconds: f64,
    /// Every kept series, keyed `name{label="value",...}` with the labels sorted.
    pub series: BTreeMap<String, f64>,
}

/// Readings in time order.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Samples {
    /// The readings.
    pub samples: Vec<Sample>,
}

impl Samples {
    /// The sum of the series of `name` whose labels include every pair of `labels`, in
    /// each sample: `(seconds, value)`.
    pub fn sum(&self, name: &str, labels: &[(&str, &str)]) -> Vec<(f64, f64)> {
        self.samples
            .iter()
            .map(|sample| {
                let total = sample
                    .series
                    .iter()
                    .filter(|(key, _)| matches(key, name, labels))
                    .map(|(_, value)| value)
                    .sum();
                (sample.seconds, total)
            })
            .collect()
    }

    /// Every breaker seen, as `(service_name, breaker)`, sorted.
    pub fn breakers(&self) -> Vec<(String, String)> {
        let mut breakers: Vec<(String, String)> = self
            .samples
            .iter()
            .flat_map(|sample| sample.series.keys())
            .filter(|key| key.starts_with("seawall_breaker_state{"))
            .filter_map(|key| {
                Some((
                    label_value(key, "service_name")?.to_owned(),
                    label_value(key, "breaker")?.to_owned(),
                ))
            })
            .collect();
        breakers.sort();
        breakers.dedup();
        breakers
    }

    /// How much the sum of `name` over `labels` grew between the last sample at or before
    /// `from` and the last sample at or before `to` (0 when there are none).
    pub fn increase(&self, name: &str, labels: &[(&str, &str)], from: f64, to: f64) -> f64 {
        let series = self.sum(name, labels);
        let at = |time: f64| {
            series
                .iter()
                .take_while(|(seconds, _)| *seconds <= time)
                .last()
                .map_or(0.0, |(_, value)| *value)
        };
        let growth = at(to) - at(from);
        // Counters only grow; a reset (a restarted service) counts as no growth.
        if growth > 0.0 { growth } else { 0.0 }
    }

    /// The first time at or after `from` when the sum of `name` over `labels` is at least
    /// `threshold`.
    pub fn first_reaching(
        &self,
        name: &str,
        labels: &[(&str, &str)],
        from: f64,
        threshold: f64,
    ) -> Option<f64> {
        self.sum(name, labels)
            .into_iter()
            .find(|(seconds, value)| *seconds >= from && *value >= threshold)
            .map(|(seconds, _)| seconds)
    }
}

/// The value of `label` in a series key, if it has one.
fn label_value<'a>(key: &'a str, label: &str) -> Option<&'a str> {
    let (_, labels) = key.split_once('{')?;
    let pattern = format!("{label}=\"");
    let start = labels
        .match_indices(&pattern)
        .find(|(at, _)| *at == 0 || labels.as_bytes()[at - 1] == b',')?
        .0
        + pattern.len();
    let end = labels[start..].find('"')? + start;
    Some(&labels[start..end])
}

fn matches(key: &str, name: &str, labels: &[(&str, &str)]) -> bool {
    let Some(rest) = key.strip_prefix(name) else {
        return false;
    };
    if !(rest.is_empty() || rest.starts_with('{')) {
        return false;
    }
    labels.iter().all(|(label, value)| {
        let pair = format!("{label}=\"{value}\"");
        // Preceded by `{` or `,`, so that `to` never matches `proto`.
        rest.match_indices(&pair)
            .any(|(at, _)| matches!(rest.as_bytes().get(at.wrapping_sub(1)), Some(b'{' | b',')))
    })
}

/// The requests each server answered: the count of the server duration histogram (its
/// `+Inf` bucket), kept under this name.
pub const SERVER_REQUESTS: &str = "http_server_request_duration_seconds_count";

const SERVER_DURATION: &str = "http_server_request_duration_seconds";

fn kept(metric: &str) -> bool {
    metric.starts_with("seawall_") || metric.starts_with("shop_") || metric == SERVER_DURATION
}

/// The kept series of one exposition, keyed as in [`Sample::series`].
pub fn parse(exposition: &str) -> BTreeMap<String, f64> {
    let lines = exposition.lines().map(|line| Ok(line.to_owned()));
    let Ok(scrape) = prometheus_parse::Scrape::parse(lines) else {
        return BTreeMap::new();
    };
    scrape
        .samples
        .into_iter()
        .filter(|sample| kept(&sample.metric))
        .filter_map(|sample| {
            let (name, value) = match sample.value {
                prometheus_parse::Value::Counter(value)
                | prometheus_parse::Value::Gauge(value)
                | prometheus_parse::Value::Untyped(value) => (sample.metric.as_str(), value),
                prometheus_parse::Value::Histogram(buckets) if sample.metric == SERVER_DURATION => {
                    let count = buckets
                        .iter()
                        .map(|bucket| bucket.count)
                        .fold(0.0, f64::max);
                    (SERVER_REQUESTS, count)
                }
                _ => return None,
            };
            let mut labels: Vec<(&String, &String)> = sample.labels.iter().collect();
            labels.sort();
            let labels: Vec<String> = labels
                .into_iter()
                .map(|(label, value)| format!("{label}=\"{value}\""))
                .collect();
            Some((format!("{name}{{{}}}", labels.join(",")), value))
        })
        .collect()
}

/// Reads `{base}/metrics` every `every` until `stop` turns true, timing each reading from
/// `reference`. A reading that fails is skipped.
pub async fn sample(
    base: &str,
    every: Duration,
    reference: Instant,
    mut stop: watch::Receiver<bool>,
) -> Samples {
    let shop = Shop::new(
        base.trim_end_matches('/'),
        every.max(Duration::from_secs(1)),
    );
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut samples = Samples::default();
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = stop.wait_for(|stopped| *stopped) => return samples,
        }
        let seconds = reference.elapsed().as_secs_f64();
        if let Ok((status, body)) = shop.get_text("/metrics").await
            && status.is_success()
        {
            samples.samples.push(Sample {
                seconds,
                series: parse(&body),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPOSITION: &str = r#"# HELP seawall_breaker_state 1 for the current state
# TYPE seawall_breaker_state gauge
seawall_breaker_state{service_name="orders",breaker="127.0.0.1:8084",state="open"} 1
seawall_breaker_state{service_name="orders",breaker="127.0.0.1:8084",state="closed"} 0
# TYPE seawall_retry_decisions_total counter
seawall_retry_decisions_total{service_name="orders",decision="retry"} 7
seawall_retry_decisions_total{service_name="gateway",decision="retry"} 2
# TYPE http_server_request_duration_seconds histogram
http_server_request_duration_seconds_bucket{service_name="payments",http_route="/payments",le="+Inf"} 4
http_server_request_duration_seconds_sum{service_name="payments",http_route="/payments"} 0.2
http_server_request_duration_seconds_count{service_name="payments",http_route="/payments"} 4
# TYPE http_server_active_requests gauge
http_server_active_requests{service_name="orders",http_request_method="GET"} 3
"#;

    #[test]
    fn seawall_shop_and_request_count_series_are_kept_with_sorted_labels() {
        let series = parse(EXPOSITION);
        assert_eq!(series.len(), 5, "{series:?}");
        assert_eq!(
            series.get(r#"http_server_request_duration_seconds_count{http_route="/payments",service_name="payments"}"#),
            Some(&4.0)
        );
        assert_eq!(
            series.get(r#"seawall_breaker_state{breaker="127.0.0.1:8084",service_name="orders",state="open"}"#),
            Some(&1.0)
        );
    }

    #[test]
    fn sums_increases_and_first_crossings_follow_the_labels() {
        let first = parse(EXPOSITION);
        let mut second = first.clone();
        for value in second.values_mut() {
            *value += 1.0;
        }
        let samples = Samples {
            samples: vec![
                Sample {
                    seconds: 1.0,
                    series: first,
                },
                Sample {
                    seconds: 2.0,
                    series: second,
                },
            ],
        };
        let retries = samples.sum("seawall_retry_decisions_total", &[("decision", "retry")]);
        assert_eq!(retries, [(1.0, 9.0), (2.0, 11.0)]);
        assert_eq!(
            samples.increase(
                "seawall_retry_decisions_total",
                &[("service_name", "orders")],
                1.0,
                2.0
            ),
            1.0
        );
        let open = [("service_name", "orders"), ("state", "open")];
        assert_eq!(
            samples.first_reaching("seawall_breaker_state", &open, 0.0, 1.0),
            Some(1.0)
        );
        let closed = [("state", "closed")];
        assert_eq!(
            samples.first_reaching("seawall_breaker_state", &closed, 0.0, 1.0),
            Some(2.0)
        );
        assert!(
            samples
                .sum("seawall_breaker", &[])
                .iter()
                .all(|(_, v)| *v == 0.0)
        );
    }
}

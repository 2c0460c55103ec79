//! [`sample`]: reads a `/metrics` endpoint at an interval and keeps seawall's and the shop's
//! own series (`seawall_*`, `shop_*`) over time, so that a run can say when a breaker
//! opened, how many retries the budget allowed, and how many sagas compensated.

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
        (at(to) - at(from)).max(0.0)
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

/// The kept series of one exposition, keyed as in [`Sample::series`].
pub fn parse(exposition: &str) -> BTreeMap<String, f64> {
    let lines = exposition.lines().map(|line| Ok(line.to_owned()));
    let Ok(scrape) = prometheus_parse::Scrape::parse(lines) else {
        return BTreeMap::new();
    };
    scrape
        .samples
        .into_iter()
        .filter(|sample| {
            sample.metric.starts_with("seawall_") || sample.metric.starts_with("shop_")
        })
        .filter_map(|sample| {
            let value = match sample.value {
                prometheus_parse::Value::Counter(value)
                | prometheus_parse::Value::Gauge(value)
                | prometheus_parse::Value::Untyped(value) => value,
                _ => return None,
            };
            let mut labels: Vec<(&String, &String)> = sample.labels.iter().collect();
            labels.sort();
            let labels: Vec<String> = labels
                .into_iter()
                .map(|(label, value)| format!("{label}=\"{value}\""))
                .collect();
            Some((format!("{}{{{}}}", sample.metric, labels.join(",")), value))
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
# TYPE http_server_active_requests gauge
http_server_active_requests{service_name="orders",http_request_method="GET"} 3
"#;

    #[test]
    fn only_seawall_and_shop_series_are_kept_with_sorted_labels() {
        let series = parse(EXPOSITION);
        assert_eq!(series.len(), 4);
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

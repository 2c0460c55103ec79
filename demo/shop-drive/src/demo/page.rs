//! [`report_page`]: one self-contained HTML page with the summary and the plots.

use super::{DemoRecord, Summary};
use crate::plot::{Chart, Line, Window, line_chart};

/// Breaker states as a level for the plot: closed 0, half-open 0.5, open 1.
const STATE_LEVELS: [(&str, f64); 3] = [("closed", 0.0), ("half_open", 0.5), ("open", 1.0)];

/// The report: the summary table, then latency percentiles, success rate and goodput, and
/// breaker states over time, each with the fault windows shaded. The SVG plots are inline,
/// so the page is one file.
///
/// # Errors
///
/// A message when a plot cannot be drawn.
pub fn report_page(record: &DemoRecord, summary: &Summary) -> Result<String, String> {
    let windows: Vec<Window> = record
        .chaos
        .phases
        .iter()
        .filter(|phase| !phase.faults.is_empty())
        .map(|phase| (phase.start_seconds, phase.end_seconds))
        .collect();
    let timeline = &record.load.timeline;
    let at = |second: u64| second as f64 + 0.5;
    let line = |name: &str, value: &dyn Fn(&crate::load::SecondReport) -> Option<f64>| Line {
        name: name.to_owned(),
        points: timeline
            .iter()
            .filter_map(|second| value(second).map(|v| (at(second.second), v)))
            .collect(),
    };
    let ordered = |s: &crate::load::SecondReport| s.orders() > 0;
    let latency = [
        line("all requests p50", &|s| {
            (s.requests > 0).then_some(s.p50_ms)
        }),
        line("all requests p99", &|s| {
            (s.requests > 0).then_some(s.p99_ms)
        }),
        line("orders p99", &|s| ordered(s).then_some(s.order_p99_ms)),
    ];
    let success = [
        line("requests answered 2xx, %", &|s| {
            (s.requests > 0).then(|| 100.0 * (s.requests - s.errors) as f64 / s.requests as f64)
        }),
        line("orders completed (in stock), %", &|s| {
            let in_stock = s.orders_completed + s.orders_failed;
            (in_stock > 0).then(|| 100.0 * s.orders_completed as f64 / in_stock as f64)
        }),
    ];
    let goodput = [line("orders completed per second", &|s| {
        Some(s.orders_completed as f64)
    })];
    let charts = [
        line_chart(&Chart {
            title: "Latency (ms)",
            y_label: "ms",
            lines: &latency,
            windows: &windows,
            y_max: None,
        })?,
        line_chart(&Chart {
            title: "Success rate (%)",
            y_label: "%",
            lines: &success,
            windows: &windows,
            y_max: Some(105.0),
        })?,
        line_chart(&Chart {
            title: "Goodput (orders completed per second)",
            y_label: "orders/s",
            lines: &goodput,
            windows: &windows,
            y_max: None,
        })?,
        line_chart(&Chart {
            title: "Breaker state (0 closed, 0.5 half-open, 1 open)",
            y_label: "state",
            lines: &breaker_lines(record),
            windows: &windows,
            y_max: Some(1.1),
        })?,
    ];
    let phases: String = record
        .chaos
        .phases
        .iter()
        .map(|phase| {
            format!(
                "<li>{} from {:.0} s to {:.0} s: {}</li>",
                escape(&phase.name),
                phase.start_seconds,
                phase.end_seconds,
                if phase.faults.is_empty() {
                    "no faults".to_owned()
                } else {
                    escape(&phase.faults.join(", "))
                }
            )
        })
        .collect();
    Ok(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>shop demo: {scenario}</title>\
         <style>body{{font-family:sans-serif;max-width:960px;margin:2em auto}}pre{{font-size:12px}}</style></head>\
         <body><h1>shop demo: {scenario}</h1><ul>{phases}</ul><pre>{summary}</pre>\
         <p>Shaded: the fault windows.</p>{charts}<h2>Load per step</h2><pre>{load}</pre></body></html>\n",
        scenario = escape(&record.chaos.scenario),
        summary = escape(&summary.to_string()),
        charts = charts.join("\n"),
        load = escape(&record.load.to_string()),
    ))
}

/// One line per breaker (`service_name` and `breaker` labels) that ever left `closed`.
fn breaker_lines(record: &DemoRecord) -> Vec<Line> {
    record
        .samples
        .breakers()
        .into_iter()
        .map(|(service, breaker)| {
            let mut points: Vec<(f64, f64)> = Vec::new();
            for (state, level) in STATE_LEVELS {
                let labels = [
                    ("service_name", service.as_str()),
                    ("breaker", breaker.as_str()),
                    ("state", state),
                ];
                let series = record.samples.sum("seawall_breaker_state", &labels);
                if points.is_empty() {
                    points = series.iter().map(|(at, _)| (*at, 0.0)).collect();
                }
                for (point, (_, value)) in points.iter_mut().zip(series) {
                    if value >= 1.0 {
                        point.1 = level;
                    }
                }
            }
            Line {
                name: format!("{service} → {breaker}"),
                points,
            }
        })
        .filter(|line| line.points.iter().any(|(_, level)| *level > 0.0))
        .collect()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

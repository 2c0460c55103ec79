//! Log lines carry the trace and span ids of the OpenTelemetry span they are written in.

use std::io;
use std::sync::{Arc, Mutex};

use opentelemetry::trace::TraceContextExt;
use seawall_telemetry::{LogFormat, TelemetryConfig, TracePipeline};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::fmt::MakeWriter;

/// Everything written, shared between the subscriber and the test.
#[derive(Clone, Default)]
struct CapturedLines(Arc<Mutex<Vec<u8>>>);

impl CapturedLines {
    fn lines(&self) -> Vec<String> {
        String::from_utf8(self.0.lock().unwrap().clone())
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl io::Write for CapturedLines {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for CapturedLines {
    type Writer = Self;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Logs one line outside any span and one inside `charge card`; returns the lines and the
/// span's (trace id, span id) as hex.
fn log_inside_and_outside_a_span(format: LogFormat) -> (Vec<String>, (String, String)) {
    let pipeline =
        TracePipeline::build(&TelemetryConfig::new("payments").with_log_format(format)).unwrap();
    let captured = CapturedLines::default();
    let subscriber = pipeline.subscriber(captured.clone()).unwrap();
    let ids = tracing::subscriber::with_default(subscriber, || {
        tracing::info!("starting");
        let span = tracing::info_span!("charge card", order.id = 7_i64);
        span.in_scope(|| tracing::info!(amount = 1250_i64, "charged"));
        let context = span.context();
        let span_context = context.span().span_context().clone();
        (
            span_context.trace_id().to_string(),
            span_context.span_id().to_string(),
        )
    });
    (captured.lines(), ids)
}

#[test]
fn json_log_line_inside_a_span_carries_its_trace_id_and_span_id() {
    let (lines, (trace_id, span_id)) = log_inside_and_outside_a_span(LogFormat::Json);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    let outside: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    let inside: serde_json::Value = serde_json::from_str(&lines[1]).unwrap();

    assert_eq!(outside["fields"]["message"], "starting");
    assert!(
        outside.get("trace_id").is_none(),
        "no span, no ids: {outside}"
    );

    assert_eq!(inside["fields"]["message"], "charged");
    assert_eq!(inside["fields"]["amount"], 1250);
    assert_eq!(inside["span"]["name"], "charge card");
    assert_eq!(inside["trace_id"], trace_id.as_str());
    assert_eq!(inside["span_id"], span_id.as_str());
    assert_ne!(trace_id, "0".repeat(32));
}

#[test]
fn pretty_log_line_inside_a_span_ends_with_its_trace_id_and_span_id() {
    let (lines, (trace_id, span_id)) = log_inside_and_outside_a_span(LogFormat::Pretty);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(lines[0].ends_with("starting"), "{}", lines[0]);
    assert!(lines[1].contains("charge card{order.id=7}"), "{}", lines[1]);
    assert!(
        lines[1].ends_with(&format!(
            "charged amount=1250 trace_id={trace_id} span_id={span_id}"
        )),
        "{}",
        lines[1]
    );
}

#[test]
fn invalid_log_filter_is_a_typed_error() {
    let pipeline =
        TracePipeline::build(&TelemetryConfig::new("payments").with_log_filter("info,[")).unwrap();
    let error = pipeline.subscriber(io::sink).err().unwrap();
    assert!(
        matches!(&error, seawall_telemetry::TelemetryError::LogFilter { filter, .. } if filter == "info,["),
        "{error}"
    );
}

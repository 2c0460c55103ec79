//! Log lines, pretty or JSON, that carry the `trace_id` and `span_id` of the OpenTelemetry
//! span they were written in, so a log search leads to the trace and back.

use std::fmt;
use std::sync::{Arc, OnceLock};

use opentelemetry::trace::{SpanId, TraceContextExt, TraceId};
use tracing::dispatcher::WeakDispatch;
use tracing::{Dispatch, Event, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::fmt::format::{self, JsonFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, MakeWriter};
use tracing_subscriber::registry::LookupSpan;

use crate::config::LogFormat;

/// The subscriber the layer is part of, which the formatter needs to ask the OpenTelemetry
/// layer for a span's context. Weak, because the subscriber owns the formatter.
type DispatchSlot = Arc<OnceLock<WeakDispatch>>;

/// The log layer for `format`, writing to `make_writer` without ANSI colours (the lines are
/// for collectors and files as much as for terminals).
pub(crate) fn log_layer<S, W>(format: LogFormat, make_writer: W) -> impl Layer<S> + Send + Sync
where
    S: Subscriber + for<'span> LookupSpan<'span>,
    W: for<'writer> MakeWriter<'writer> + Send + Sync + 'static,
{
    let dispatch = DispatchSlot::default();
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(make_writer)
        .with_ansi(false);
    let fmt: Box<dyn Layer<S> + Send + Sync> = match format {
        LogFormat::Json => fmt
            .fmt_fields(JsonFields::new())
            .event_format(WithTraceIds {
                inner: format::format().json(),
                format,
                dispatch: dispatch.clone(),
            })
            .boxed(),
        LogFormat::Pretty => fmt
            .event_format(WithTraceIds {
                inner: format::format(),
                format,
                dispatch: dispatch.clone(),
            })
            .boxed(),
    };
    CaptureDispatch(dispatch).and_then(fmt)
}

/// Fills the [`DispatchSlot`] when the subscriber is registered.
struct CaptureDispatch(DispatchSlot);

impl<S: Subscriber> Layer<S> for CaptureDispatch {
    fn on_register_dispatch(&self, subscriber: &Dispatch) {
        // The first registration is the subscriber this layer lives in.
        let _ = self.0.set(subscriber.downgrade());
    }
}

/// Formats with `inner`, then adds the ids of the event's OpenTelemetry span, if any.
struct WithTraceIds<F> {
    inner: F,
    format: LogFormat,
    dispatch: DispatchSlot,
}

impl<F> WithTraceIds<F> {
    fn span_ids<S, N>(&self, ctx: &FmtContext<'_, S, N>) -> Option<(TraceId, SpanId)>
    where
        S: Subscriber + for<'span> LookupSpan<'span>,
        N: for<'writer> FormatFields<'writer> + 'static,
    {
        let span = ctx.parent_span()?;
        let dispatch = self.dispatch.get()?.upgrade()?;
        let context = tracing_opentelemetry::get_otel_context(&span.id(), &dispatch)?;
        let otel_span = context.span();
        let span_context = otel_span.span_context();
        span_context
            .is_valid()
            .then(|| (span_context.trace_id(), span_context.span_id()))
    }
}

impl<S, N, F> FormatEvent<S, N> for WithTraceIds<F>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
    N: for<'writer> FormatFields<'writer> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let Some((trace_id, span_id)) = self.span_ids(ctx) else {
            return self.inner.format_event(ctx, writer, event);
        };
        // The inner formatters end each line themselves, so format into a buffer and
        // add the ids before its end.
        let mut line = String::new();
        self.inner
            .format_event(ctx, Writer::new(&mut line), event)?;
        let line = line.strip_suffix('\n').unwrap_or(&line);
        match (self.format, line.strip_suffix('}')) {
            (LogFormat::Json, Some(object)) => {
                writeln!(
                    writer,
                    r#"{object},"trace_id":"{trace_id}","span_id":"{span_id}"}}"#
                )
            }
            _ => writeln!(writer, "{line} trace_id={trace_id} span_id={span_id}"),
        }
    }
}

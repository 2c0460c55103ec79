use super::{
    future::ResponseFuture,
    layer::{HttpTraceLayer, Side},
    propagation::{HeaderExtractor, HeaderInjector, extract_context, inject_span_context},
    sampling::sampler_drops_unsampled_children,
    span::request_span,
    unsampled::unsampled_parent,
};
use http::{Request, Response};
use std::task::{Context, Poll};
use tower_service::Service;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// Traces each call; made by [`HttpTraceLayer`].
#[derive(Debug, Clone)]
pub struct HttpTrace<S> {
    inner: S,
    config: HttpTraceLayer,
}

impl<S> HttpTrace<S> {
    pub(crate) fn new(inner: S, config: HttpTraceLayer) -> Self {
        HttpTrace { inner, config }
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for HttpTrace<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    // Inlined into the caller: the call frame and its register saves cost a dozen
    // instructions per request on the paths without a span (measured with
    // `benches/instructions.rs`); the span-making paths call out of line anyway.
    #[inline]
    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        let side = self.config.side;
        if !span_wanted() {
            // No subscriber would record the span: skip making it, and its fields (with
            // `tracing`'s `log` feature on, even a disabled span costs a hundred-odd
            // instructions when no subscriber is set at all).
            return ResponseFuture::untraced(self.inner.call(req));
        }
        let mut parent = None;
        if self.config.skip_unsampled && sampler_drops_unsampled_children() {
            match unsampled_parent(req.headers()) {
                Ok(parent) => {
                    let future = {
                        let _attached = parent.clone().attach();
                        self.inner.call(req)
                    };
                    return ResponseFuture::unsampled(future, parent);
                }
                Err(extracted) => parent = extracted,
            }
        }
        let span = request_span(&req, side, &self.config.names);
        if !span.is_disabled() {
            match side {
                Side::Server => {
                    let parent =
                        parent.unwrap_or_else(|| extract_context(&HeaderExtractor(req.headers())));
                    // A parent that cannot be set (no OpenTelemetry layer) is no error here.
                    let _ = span.set_parent(parent);
                }
                Side::Client => {
                    inject_span_context(&span, &mut HeaderInjector(req.headers_mut()));
                }
            }
        }
        let future = span.in_scope(|| self.inner.call(req));
        ResponseFuture::new(future, span, side)
    }
}

/// Whether a subscriber would record a request span.
#[inline]
fn span_wanted() -> bool {
    tracing::span_enabled!(target: "seawall::trace", tracing::Level::INFO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::inject_context;
    use http::HeaderValue;
    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_sdk::{
        propagation::TraceContextPropagator,
        trace::{InMemorySpanExporter, Sampler, SdkTracerProvider},
    };
    use std::{collections::HashMap, convert::Infallible, future::Future};
    use tower::{Layer, ServiceExt, service_fn};
    use tracing_subscriber::layer::SubscriberExt;

    const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

    /// A downstream service answering with the `traceparent` it was sent, as `x-sent`.
    fn echo() -> impl Service<
        Request<()>,
        Response = Response<()>,
        Error = Infallible,
        Future = impl Future<Output = Result<Response<()>, Infallible>>,
    > {
        service_fn(|req: Request<()>| async move {
            let mut res = Response::new(());
            if let Some(value) = req.headers().get("traceparent") {
                res.headers_mut().insert("x-sent", value.clone());
            }
            Ok::<_, Infallible>(res)
        })
    }

    /// What a handler sends on: the `traceparent` of a client call it makes through a client
    /// trace layer, and the one `inject_context` writes for an event it publishes.
    async fn handler(_req: Request<()>) -> Result<Response<()>, Infallible> {
        let client = HttpTraceLayer::client("test").layer(echo());
        let mut res = client.oneshot(Request::new(())).await.unwrap();
        let mut event: HashMap<String, String> = HashMap::new();
        inject_context(&mut event);
        if let Some(value) = event.get("traceparent") {
            let value = HeaderValue::from_str(value).unwrap();
            res.headers_mut().insert("x-published", value);
        }
        Ok(res)
    }

    /// Serves one request with `flags` in its `traceparent` through `layer` over `inner`; the
    /// response and the number of spans exported.
    async fn serve<S>(layer: HttpTraceLayer, flags: &str, inner: S) -> (Response<()>, usize)
    where
        S: Service<Request<()>, Response = Response<()>, Error = Infallible>,
    {
        opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_sampler(Sampler::ParentBased(Box::new(Sampler::AlwaysOn)))
            .with_simple_exporter(exporter.clone())
            .build();
        let subscriber = tracing_subscriber::registry()
            .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
        let _default = tracing::subscriber::set_default(subscriber);
        let req = Request::get("/")
            .header(
                "traceparent",
                format!("00-{TRACE_ID}-00f067aa0ba902b7-{flags}"),
            )
            .body(())
            .unwrap();
        let res = layer.layer(inner).oneshot(req).await.unwrap();
        provider.force_flush().unwrap();
        (res, exporter.get_finished_spans().unwrap().len())
    }

    fn sent<'a>(res: &'a Response<()>, header: &str) -> &'a str {
        res.headers()[header].to_str().unwrap()
    }

    #[tokio::test(flavor = "current_thread")]
    async fn an_unsampled_request_gets_no_span_but_passes_the_trace_on_unsampled() {
        let (res, spans) = serve(HttpTraceLayer::server("test"), "00", service_fn(handler)).await;
        assert_eq!(spans, 0);
        for header in ["x-sent", "x-published"] {
            let traceparent = sent(&res, header);
            assert!(
                traceparent.starts_with(&format!("00-{TRACE_ID}-")),
                "{header}: {traceparent}"
            );
            assert!(traceparent.ends_with("-00"), "{header}: {traceparent}");
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn an_unsampled_request_s_trace_reaches_what_the_inner_service_does_in_call() {
        // A proxy: the client layer right below the server layer makes its span and writes
        // `traceparent` in `call`, before the response future is first polled. The caller's
        // context must be current around `call` too, not only while the future is polled.
        let proxy = HttpTraceLayer::client("test").layer(echo());
        let (res, spans) = serve(HttpTraceLayer::server("test"), "00", proxy).await;
        assert_eq!(spans, 0);
        let traceparent = sent(&res, "x-sent");
        assert!(
            traceparent.starts_with(&format!("00-{TRACE_ID}-")),
            "{traceparent}"
        );
        assert!(traceparent.ends_with("-00"), "{traceparent}");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_sampled_request_still_gets_its_span() {
        let (res, spans) = serve(HttpTraceLayer::server("test"), "01", service_fn(handler)).await;
        // The server span and the client span below it.
        assert_eq!(spans, 2);
        assert!(sent(&res, "x-sent").ends_with("-01"));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn skipping_can_be_turned_off() {
        let layer = HttpTraceLayer::server("test").skip_unsampled(false);
        let (res, spans) = serve(layer, "00", service_fn(handler)).await;
        // The spans are made and then dropped by the sampler; the trace goes on the same.
        assert_eq!(spans, 0);
        assert!(sent(&res, "x-sent").starts_with(&format!("00-{TRACE_ID}-")));
        assert!(sent(&res, "x-sent").ends_with("-00"));
    }
}

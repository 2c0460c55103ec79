use super::{
    labels::ErrorKind,
    layer::{Shared, Side},
    series::{ActiveGuard, SeriesRef},
};
use crate::route::{RouteLabel, RouteTemplate};
use http::Response;
use pin_project_lite::pin_project;
use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll, ready},
};
use tokio::time::Instant;

/// What a call needs to record its metrics once it answers.
#[derive(Debug)]
pub(crate) struct Recording {
    pub(crate) shared: Arc<Shared>,
    pub(crate) start: Instant,
    pub(crate) method: u8,
    pub(crate) route: Option<RouteLabel>,
    pub(crate) address: Option<Arc<str>>,
    /// Counts the request as active until it answers or is cancelled.
    pub(crate) _active: Option<ActiveGuard>,
}

impl Recording {
    fn finish<B, E>(self, result: &Result<Response<B>, E>) {
        let client = matches!(self.shared.side, Side::Client { .. });
        let (status, error) = match result {
            Ok(response) => (
                response.status().as_u16(),
                ErrorKind::of_response(response, client),
            ),
            Err(_) => (0, ErrorKind::Transport),
        };
        let series = SeriesRef {
            method: self.method,
            route: match &self.route {
                Some(route) => Some(route.as_str()),
                None => self.shared.route.as_ref().map(RouteTemplate::as_str),
            },
            address: self.address.as_deref(),
            status,
            error,
        };
        self.shared
            .duration
            .record(series, self.start.elapsed().as_secs_f64());
    }
}

pin_project! {
    /// Response future of [`HttpMetrics`](super::HttpMetrics).
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        recording: Option<Recording>,
    }
}

impl<F> ResponseFuture<F> {
    pub(crate) fn new(inner: F, recording: Recording) -> Self {
        ResponseFuture {
            inner,
            recording: Some(recording),
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        if let Some(recording) = this.recording.take() {
            recording.finish(&result);
        }
        Poll::Ready(result)
    }
}

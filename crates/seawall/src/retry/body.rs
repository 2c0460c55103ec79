use bytes::{Buf, Bytes, BytesMut};
use http::HeaderMap;
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;
use std::{
    fmt,
    pin::Pin,
    task::{Context, Poll, ready},
    vec,
};

pin_project! {
    /// The request body the services below [`Retry`](super::Retry) receive.
    ///
    /// Either a copy of a body the retry layer read in full before the first attempt
    /// (data and trailers, replayed byte for byte on every attempt), or the caller's own
    /// body streamed through once, after whatever prefix of it was already read. Data
    /// frames are handed on as [`Bytes`].
    pub struct ReplayBody<B>
    where
        B: Body,
    {
        #[pin]
        kind: Kind<B>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<B>
    where
        B: Body,
    {
        /// `prefix`, then the rest of `body`.
        Stream { prefix: vec::IntoIter<Bytes>, #[pin] body: B },
        /// `prefix`, then the error reading the body stopped at.
        Failed { prefix: vec::IntoIter<Bytes>, error: Option<B::Error> },
        /// A buffered copy. The trailers are boxed, as in [`Replay`]: they are rare, and an
        /// inline `HeaderMap` would triple the size of every request sent below the layer.
        Replay { data: Option<Bytes>, trailers: Option<Box<HeaderMap>> },
    }
}

impl<B: Body> ReplayBody<B> {
    /// `body` as it is, for requests that are never retried.
    pub(crate) fn stream(body: B) -> Self {
        Self::chained(Vec::new(), body)
    }

    fn chained(prefix: Vec<Bytes>, body: B) -> Self {
        ReplayBody {
            kind: Kind::Stream {
                prefix: prefix.into_iter(),
                body,
            },
        }
    }
}

impl<B> Body for ReplayBody<B>
where
    B: Body,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        match self.project().kind.project() {
            KindProj::Stream { prefix, body } => {
                if let Some(chunk) = prefix.next() {
                    return Poll::Ready(Some(Ok(Frame::data(chunk))));
                }
                body.poll_frame(cx)
                    .map_ok(|frame| frame.map_data(|mut data| data.copy_to_bytes(data.remaining())))
            }
            KindProj::Failed { prefix, error } => Poll::Ready(match prefix.next() {
                Some(chunk) => Some(Ok(Frame::data(chunk))),
                None => error.take().map(Err),
            }),
            KindProj::Replay { data, trailers } => Poll::Ready(
                data.take()
                    .map(Frame::data)
                    .or_else(|| trailers.take().map(|trailers| Frame::trailers(*trailers)))
                    .map(Ok),
            ),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Stream { prefix, body } => prefix.len() == 0 && body.is_end_stream(),
            Kind::Failed { prefix, error } => prefix.len() == 0 && error.is_none(),
            Kind::Replay { data, trailers } => data.is_none() && trailers.is_none(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Stream { prefix, body } => {
                let buffered = prefix
                    .as_slice()
                    .iter()
                    .map(|c| c.len() as u64)
                    .sum::<u64>();
                let rest = body.size_hint();
                let mut hint = SizeHint::new();
                hint.set_lower(rest.lower().saturating_add(buffered));
                if let Some(upper) = rest.upper() {
                    hint.set_upper(upper.saturating_add(buffered));
                }
                hint
            }
            Kind::Failed { .. } => SizeHint::new(),
            Kind::Replay { data, .. } => {
                SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64))
            }
        }
    }
}

impl<B: Body> fmt::Debug for ReplayBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.kind {
            Kind::Stream { .. } => "Stream",
            Kind::Failed { .. } => "Failed",
            Kind::Replay { .. } => "Replay",
        };
        f.debug_struct("ReplayBody")
            .field("kind", &kind)
            .field("size_hint", &self.size_hint())
            .finish()
    }
}

/// A request body read in full, handed to each attempt as a cheap clone.
#[derive(Debug, Clone)]
pub(crate) struct Replay {
    data: Option<Bytes>,
    // Boxed: trailers are rare, and the replay lives in every retryable request's future.
    trailers: Option<Box<HeaderMap>>,
}

impl Replay {
    /// The replay of an empty body.
    pub(crate) fn empty() -> Self {
        Replay {
            data: None,
            trailers: None,
        }
    }

    /// A fresh body that yields the same bytes and trailers.
    #[inline]
    pub(crate) fn body<B: Body>(&self) -> ReplayBody<B> {
        ReplayBody {
            kind: Kind::Replay {
                data: self.data.clone(),
                trailers: self.trailers.clone(),
            },
        }
    }
}

/// What reading a request body up to the replay cap produced.
pub(crate) enum Buffered<B: Body> {
    /// The whole body, within the cap: replayable.
    Replay(Replay),
    /// Too large (or failed): the body for the one and only attempt.
    Once(ReplayBody<B>),
}

/// Reads a request body before the first attempt, until its end or until it passes `cap`.
#[derive(Debug)]
pub(crate) struct Buffer<B> {
    body: Option<B>,
    chunks: Vec<Bytes>,
    len: u64,
    trailers: Option<HeaderMap>,
    cap: u64,
}

impl<B: Body + Unpin> Buffer<B> {
    pub(crate) fn new(body: B, cap: usize) -> Self {
        Buffer {
            body: Some(body),
            chunks: Vec::new(),
            len: 0,
            trailers: None,
            cap: u64::try_from(cap).unwrap_or(u64::MAX),
        }
    }

    /// Reads frames until the body ends (a known-empty body is not even polled), passes the
    /// cap, or fails. A body whose size hint already exceeds the cap is not read at all.
    ///
    /// # Panics
    ///
    /// If polled again after it returned `Ready`.
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Buffered<B>> {
        let body = self.body.as_mut().expect("Buffer polled after completion");
        loop {
            if body.is_end_stream() {
                return Poll::Ready(Buffered::Replay(self.finish()));
            }
            if self.len.saturating_add(body.size_hint().lower()) > self.cap {
                return Poll::Ready(self.once());
            }
            match ready!(Pin::new(&mut *body).poll_frame(cx)) {
                None => return Poll::Ready(Buffered::Replay(self.finish())),
                Some(Err(error)) => {
                    self.body = None;
                    let prefix = std::mem::take(&mut self.chunks).into_iter();
                    return Poll::Ready(Buffered::Once(ReplayBody {
                        kind: Kind::Failed {
                            prefix,
                            error: Some(error),
                        },
                    }));
                }
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(mut data) => {
                        let chunk = data.copy_to_bytes(data.remaining());
                        if !chunk.is_empty() {
                            self.len += chunk.len() as u64;
                            self.chunks.push(chunk);
                        }
                    }
                    Err(frame) => {
                        if let Ok(trailers) = frame.into_trailers() {
                            self.trailers
                                .get_or_insert_with(HeaderMap::new)
                                .extend(trailers);
                        }
                    }
                },
            }
        }
    }

    fn once(&mut self) -> Buffered<B> {
        let body = self.body.take().expect("Buffer polled after completion");
        Buffered::Once(ReplayBody::chained(std::mem::take(&mut self.chunks), body))
    }

    fn finish(&mut self) -> Replay {
        self.body = None;
        let data = match self.chunks.len() {
            0 => None,
            1 => self.chunks.pop(),
            _ => {
                let mut joined = BytesMut::with_capacity(self.len as usize);
                for chunk in self.chunks.drain(..) {
                    joined.extend_from_slice(&chunk);
                }
                Some(joined.freeze())
            }
        };
        Replay {
            data,
            trailers: self.trailers.take().map(Box::new),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::{BodyExt, Empty, Full};
    use std::future::poll_fn;

    async fn buffer<B: Body + Unpin>(body: B, cap: usize) -> Buffered<B> {
        let mut buffer = Buffer::new(body, cap);
        poll_fn(|cx| buffer.poll(cx)).await
    }

    #[tokio::test]
    async fn empty_body_replays_empty() {
        let Buffered::Replay(replay) = buffer(Empty::<Bytes>::new(), 8).await else {
            panic!("an empty body is replayable");
        };
        let body = replay.body::<Empty<Bytes>>();
        assert!(body.is_end_stream());
        assert_eq!(body.size_hint().exact(), Some(0));
    }

    #[tokio::test]
    async fn body_whose_size_hint_exceeds_the_cap_is_streamed_whole() {
        let Buffered::Once(body) = buffer(Full::new(Bytes::from_static(b"0123456789")), 4).await
        else {
            panic!("a body over the cap is sent once");
        };
        assert_eq!(body.size_hint().exact(), Some(10));
        assert_eq!(body.collect().await.unwrap().to_bytes(), "0123456789");
    }

    #[tokio::test]
    async fn body_at_the_cap_is_replayed_on_every_attempt() {
        let Buffered::Replay(replay) = buffer(Full::new(Bytes::from_static(b"abc")), 3).await
        else {
            panic!("a body at the cap is replayable");
        };
        for _ in 0..2 {
            let body = replay.body::<Full<Bytes>>();
            assert_eq!(body.size_hint().exact(), Some(3));
            assert_eq!(body.collect().await.unwrap().to_bytes(), "abc");
        }
    }
}

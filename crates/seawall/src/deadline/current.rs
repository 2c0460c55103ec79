use super::header;
use crate::headers::TIMEOUT_MS;
use http::HeaderMap;
use pin_project_lite::pin_project;
use std::{
    cell::Cell,
    future::Future,
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};
use tokio::time::Instant;

// The deadline of the task being polled on this thread. A task-local in effect: `Scoped`
// sets it around every poll of the future it wraps and restores what was there. A `Cell` of
// a `Copy` value rather than `tokio::task_local!`, whose `RefCell<Option<T>>` costs more
// on every poll of every request.
thread_local! {
    static CURRENT: Cell<Option<Deadline>> = const { Cell::new(None) };
}

/// Sets the current deadline until dropped, then restores the previous one, even when the
/// code in between panics.
pub(crate) struct CurrentGuard(Option<Deadline>);

impl CurrentGuard {
    #[inline]
    fn enter(deadline: Deadline) -> Self {
        CurrentGuard(CURRENT.replace(Some(deadline)))
    }
}

impl Drop for CurrentGuard {
    #[inline]
    fn drop(&mut self) {
        CURRENT.set(self.0);
    }
}

pin_project! {
    /// A future run with a [`Deadline`] as the current one; made by [`Deadline::scope`].
    #[derive(Debug)]
    pub struct Scoped<F> {
        #[pin]
        future: F,
        deadline: Deadline,
    }
}

impl<F> Scoped<F> {
    /// The deadline the future runs with.
    pub(crate) fn deadline(&self) -> Deadline {
        self.deadline
    }
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _current = CurrentGuard::enter(*this.deadline);
        this.future.poll(cx)
    }
}

/// The instant by which a request must be answered.
///
/// A server's [`DeadlineLayer`](super::DeadlineLayer) runs the handler inside
/// [`scope`](Deadline::scope), so code that serves the request, and the client layers it
/// calls, find the deadline with [`Deadline::current`] without passing it around. Work
/// spawned onto another task leaves the scope: wrap it in `deadline.scope(...)` again.
///
/// ```
/// use seawall::deadline::Deadline;
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// assert_eq!(Deadline::current(), None);
/// Deadline::after(Duration::from_secs(1))
///     .scope(async {
///         let left = Deadline::current().unwrap().remaining();
///         assert!(left <= Duration::from_secs(1));
///     })
///     .await;
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Deadline(Instant);

impl Deadline {
    /// The deadline at `instant`.
    pub fn at(instant: Instant) -> Self {
        Deadline(instant)
    }

    /// The deadline `timeout` from now.
    pub fn after(timeout: Duration) -> Self {
        Deadline(Instant::now() + timeout)
    }

    /// The instant itself.
    pub fn instant(self) -> Instant {
        self.0
    }

    /// The time left, zero once expired.
    pub fn remaining(self) -> Duration {
        self.0.saturating_duration_since(Instant::now())
    }

    /// Whether the deadline has passed.
    pub fn is_expired(self) -> bool {
        Instant::now() >= self.0
    }

    /// The earlier of the two.
    pub fn min(self, other: Deadline) -> Deadline {
        Ord::min(self, other)
    }

    /// The deadline of the request being served on this task, if any.
    pub fn current() -> Option<Deadline> {
        CURRENT.get()
    }

    /// Runs `future` with this deadline as [`current`](Deadline::current), or with the
    /// current one if that is earlier: a scope can only tighten a deadline.
    pub fn scope<F: Future>(self, future: F) -> Scoped<F> {
        self.tightened().scope_exact(future)
    }

    /// This deadline, or the current one if that is earlier.
    pub(crate) fn tightened(self) -> Deadline {
        Deadline::current().map_or(self, |outer| outer.min(self))
    }

    /// Runs `future` with exactly this deadline as the current one.
    pub(crate) fn scope_exact<F: Future>(self, future: F) -> Scoped<F> {
        Scoped {
            future,
            deadline: self,
        }
    }

    /// Runs the closure with this deadline (or the current one, if earlier) as
    /// [`current`](Deadline::current): the synchronous twin of [`scope`](Deadline::scope),
    /// for work done when a service is called rather than when its future is polled.
    pub fn sync_scope<R>(self, f: impl FnOnce() -> R) -> R {
        self.tightened().sync_scope_exact(f)
    }

    /// Runs `f` with exactly this deadline as the current one.
    pub(crate) fn sync_scope_exact<R>(self, f: impl FnOnce() -> R) -> R {
        let _current = self.enter();
        f()
    }

    /// Makes this deadline the current one until the guard is dropped: `sync_scope_exact`
    /// without a closure, for callers that must not move a large argument into one.
    #[inline]
    pub(crate) fn enter(self) -> CurrentGuard {
        CurrentGuard::enter(self)
    }

    /// Reads the caller's remaining time from [`TIMEOUT_MS`] and turns it into a deadline
    /// relative to now. `Err` when the header is present but not a whole number of
    /// milliseconds; `Ok(None)` when it is absent.
    pub fn from_headers(headers: &HeaderMap) -> Result<Option<Deadline>, InvalidTimeoutHeader> {
        Deadline::from_headers_at(headers, Instant::now())
    }

    pub(crate) fn from_headers_at(
        headers: &HeaderMap,
        now: Instant,
    ) -> Result<Option<Deadline>, InvalidTimeoutHeader> {
        Ok(Self::header_budget(headers)?.map(|budget| Deadline::after_at(now, budget)))
    }

    /// The time the caller allows, as written in [`TIMEOUT_MS`]: `Ok(None)` when absent.
    #[inline]
    pub(crate) fn header_budget(
        headers: &HeaderMap,
    ) -> Result<Option<Duration>, InvalidTimeoutHeader> {
        // Most requests carry no headers at all; skip hashing the name for them.
        if headers.is_empty() {
            return Ok(None);
        }
        let Some(value) = crate::headers::find(headers, &TIMEOUT_MS) else {
            return Ok(None);
        };
        let millis = header::parse_millis(value).ok_or(InvalidTimeoutHeader)?;
        Ok(Some(Duration::from_millis(millis)))
    }

    /// The deadline `budget` after `now`. A budget too large for the platform's clock is as
    /// good as none, so it becomes an instant decades away instead of a panic.
    #[inline]
    pub(crate) fn after_at(now: Instant, budget: Duration) -> Deadline {
        Deadline(now.checked_add(budget).unwrap_or_else(|| far_future(now)))
    }

    /// Writes the remaining time, less `margin`, to [`TIMEOUT_MS`], in whole milliseconds
    /// rounded down, so the next hop never believes it has more time than it does.
    pub fn write_to(self, headers: &mut HeaderMap, margin: Duration) {
        self.write_at(headers, margin, Instant::now());
    }

    #[inline]
    pub(crate) fn write_at(self, headers: &mut HeaderMap, margin: Duration, now: Instant) {
        let remaining = self.0.saturating_duration_since(now);
        let millis = remaining.saturating_sub(margin).as_millis();
        let millis = u64::try_from(millis).unwrap_or(u64::MAX);
        headers.insert(&header::NAME, header::millis_value(millis));
    }
}

/// An instant later than any deadline a request can have: about 30 years from `now`,
/// halving until the clock can hold it.
#[cold]
fn far_future(now: Instant) -> Instant {
    let mut ahead = Duration::from_secs(30 * 365 * 24 * 3600);
    loop {
        if let Some(instant) = now.checked_add(ahead) {
            return instant;
        }
        ahead /= 2;
    }
}

/// The [`TIMEOUT_MS`] header held something other than a whole number of milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidTimeoutHeader;

impl std::fmt::Display for InvalidTimeoutHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{TIMEOUT_MS} must be a whole number of milliseconds")
    }
}

impl std::error::Error for InvalidTimeoutHeader {}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[tokio::test(start_paused = true)]
    async fn scope_only_tightens() {
        let outer = Deadline::after(Duration::from_secs(1));
        outer
            .scope(async {
                Deadline::after(Duration::from_secs(5))
                    .scope(async { assert_eq!(Deadline::current(), Some(outer)) })
                    .await;
                let inner = Deadline::after(Duration::from_millis(100));
                inner
                    .scope(async { assert_eq!(Deadline::current(), Some(inner)) })
                    .await;
            })
            .await;
    }

    #[tokio::test(start_paused = true)]
    async fn scope_is_restored_after_a_panic() {
        let deadline = Deadline::after(Duration::from_secs(1));
        let result = std::panic::catch_unwind(|| deadline.sync_scope(|| panic!("handler bug")));
        assert!(result.is_err());
        assert_eq!(Deadline::current(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn scope_is_not_seen_by_other_tasks() {
        let deadline = Deadline::after(Duration::from_secs(1));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let other = tokio::spawn(async move {
            rx.await.unwrap();
            Deadline::current()
        });
        deadline
            .scope(async {
                tx.send(()).unwrap();
                tokio::task::yield_now().await;
                assert_eq!(Deadline::current(), Some(deadline));
            })
            .await;
        assert_eq!(other.await.unwrap(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn header_round_trip_subtracts_margin() {
        let deadline = Deadline::after(Duration::from_millis(900));
        let mut headers = HeaderMap::new();
        deadline.write_to(&mut headers, Duration::from_millis(50));
        assert_eq!(headers[TIMEOUT_MS], "850");
        let read = Deadline::from_headers(&headers).unwrap().unwrap();
        assert_eq!(read.remaining(), Duration::from_millis(850));
    }

    #[tokio::test(start_paused = true)]
    async fn expired_deadline_writes_zero() {
        let deadline = Deadline::after(Duration::from_millis(10));
        tokio::time::advance(Duration::from_millis(20)).await;
        assert!(deadline.is_expired());
        let mut headers = HeaderMap::new();
        deadline.write_to(&mut headers, Duration::from_millis(5));
        assert_eq!(headers[TIMEOUT_MS], "0");
    }

    #[test]
    fn malformed_header_is_an_error_and_absent_is_none() {
        let mut headers = HeaderMap::new();
        assert_eq!(Deadline::from_headers(&headers), Ok(None));
        headers.insert(TIMEOUT_MS, HeaderValue::from_static("-3"));
        assert_eq!(Deadline::from_headers(&headers), Err(InvalidTimeoutHeader));
        headers.insert(TIMEOUT_MS, HeaderValue::from_static("1.5s"));
        assert_eq!(Deadline::from_headers(&headers), Err(InvalidTimeoutHeader));
    }

    #[tokio::test(start_paused = true)]
    async fn a_budget_beyond_the_clock_is_far_away_not_a_panic() {
        let mut headers = HeaderMap::new();
        headers.insert(TIMEOUT_MS, HeaderValue::from_static("18446744073709551615"));
        let deadline = Deadline::from_headers(&headers).unwrap().unwrap();
        assert!(deadline.remaining() > Duration::from_secs(365 * 24 * 3600));
    }
}

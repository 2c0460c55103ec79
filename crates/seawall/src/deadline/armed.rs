//! Nested deadlines share one timer.
//!
//! A request served by a server deadline, sent through a client's total deadline and then
//! a per-attempt one, runs under three deadlines, each tighter than the one around it. Only
//! the innermost needs a timer while it is pending: it fires no later than the others, and
//! its firing wakes the task, so each outer deadline is checked again in time. Arming a
//! timer costs a lock on the runtime's timer wheel, an insertion and a removal; a request
//! through the gateway armed three.
//!
//! So while one poll runs, each pending deadline future reports the earliest timer armed
//! in it or below it, in a thread-local that the deadline future around it reads after
//! polling its inner future ([`Report`]). An outer deadline whose instant is no earlier than
//! a reported timer does not arm its own. The report only covers the poll it was made in:
//! on the next poll the inner deadline reports again, or, if it has finished, nothing
//! covers the outer one and it arms its timer then.
//!
//! A covering timer can stop covering without the outer deadline being polled: its future
//! may be dropped, or moved to another task and polled there, by code between the two.
//! Then it wakes the task it reported to ([`Relied`]), which polls the outer deadline again.

use std::cell::Cell;
use std::task::{Context, Waker};
use tokio::time::Instant;

thread_local! {
    static EARLIEST: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// What the deadline futures polled so far in the enclosing poll reported, kept aside while
/// a deadline future polls its own inner future.
#[must_use]
pub(crate) struct Report {
    outside: Option<Instant>,
}

impl Report {
    /// Starts the report of the futures below: what was reported outside them is kept.
    #[inline]
    pub(crate) fn start() -> Self {
        Report {
            outside: EARLIEST.take(),
        }
    }

    /// The earliest timer the futures below armed and left pending.
    #[inline]
    pub(crate) fn below(&self) -> Option<Instant> {
        EARLIEST.get()
    }

    /// Ends the report: what the enclosing poll sees is what was there before plus `armed`,
    /// the earliest timer pending in this future (its own or one below).
    #[inline]
    pub(crate) fn finish(self, armed: Option<Instant>) {
        EARLIEST.set(earliest(self.outside, armed));
    }
}

/// The earlier of two optional instants.
#[inline]
pub(crate) fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

/// The task that was told about this future's timer, woken if the timer stops covering it.
#[derive(Debug, Default)]
pub(crate) struct Relied(Option<Waker>);

impl Relied {
    /// Records the task polling now; wakes the one recorded before if it is another task,
    /// which may have relied on this timer and must look again.
    #[inline]
    pub(crate) fn record(&mut self, cx: &Context<'_>) {
        match &mut self.0 {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            Some(waker) => std::mem::replace(waker, cx.waker().clone()).wake(),
            None => self.0 = Some(cx.waker().clone()),
        }
    }

    /// The timer has done its work (the future finished): nobody needs waking.
    #[inline]
    pub(crate) fn release(&mut self) {
        self.0 = None;
    }

    /// The timer goes away unfinished: wake the task that may rely on it.
    #[inline]
    pub(crate) fn abandon(&mut self) {
        if let Some(waker) = self.0.take() {
            waker.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn reports_merge_the_earliest_and_restore_the_outside() {
        let now = Instant::now();
        let (near, far) = (now + Duration::from_secs(1), now + Duration::from_secs(5));
        let outer = Report::start();
        let inner = Report::start();
        assert_eq!(inner.below(), None);
        inner.finish(Some(far));
        assert_eq!(outer.below(), Some(far));
        let sibling = Report::start();
        sibling.finish(Some(near));
        assert_eq!(outer.below(), Some(near), "the earliest of both siblings");
        outer.finish(None);
        assert_eq!(Report::start().below(), None, "taken by the last start");
    }
}

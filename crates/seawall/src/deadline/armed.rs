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
//! Then it wakes the task it reported to ([`Timer`]), which polls the outer deadline again.

use pin_project_lite::pin_project;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use tokio::time::{Instant, Sleep, sleep_until};

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

/// Whether `deadline` has passed, for a deadline future whose inner future is pending:
/// arms its timer in `slot` unless a timer below, in `report`, fires no later; then ends
/// the report with the earliest timer pending here. Apart from the inner future's poll, so
/// that a future that answers at once runs only the short path.
#[inline(never)]
pub(crate) fn expired(
    mut slot: Pin<&mut Option<Timer>>,
    report: Report,
    deadline: Instant,
    cx: &mut Context<'_>,
) -> Poll<()> {
    let below = report.below();
    // A pending timer below that fires no later wakes the task in time.
    let covered = below.is_some_and(|below| below <= deadline);
    if slot.is_none() && !covered {
        slot.set(Some(Timer::new(deadline)));
    }
    let own = match slot.as_pin_mut() {
        Some(timer) => {
            if timer.poll_expired(cx).is_ready() {
                report.finish(None);
                return Poll::Ready(());
            }
            Some(deadline)
        }
        None => None,
    };
    report.finish(earliest(below, own));
    Poll::Pending
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

pin_project! {
    /// A deadline's armed timer, and the task whose poll it was last reported to.
    pub(crate) struct Timer {
        #[pin]
        sleep: Sleep,
        relied: Option<Waker>,
    }

    impl PinnedDrop for Timer {
        // Dropped unfinished: the task that may rely on this timer must look again.
        fn drop(this: Pin<&mut Self>) {
            if let Some(waker) = this.project().relied.take() {
                waker.wake();
            }
        }
    }
}

impl Timer {
    /// A timer for `deadline`, armed when first polled.
    #[inline]
    pub(crate) fn new(deadline: Instant) -> Self {
        Timer {
            sleep: sleep_until(deadline),
            relied: None,
        }
    }

    /// Whether the deadline has passed; while it has not, records the task polling now,
    /// waking the one recorded before if it is another (the timer moved to it, and no
    /// longer wakes the first).
    #[inline]
    pub(crate) fn poll_expired(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        if this.sleep.poll(cx).is_ready() {
            *this.relied = None;
            return Poll::Ready(());
        }
        match this.relied {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            Some(waker) => std::mem::replace(waker, cx.waker().clone()).wake(),
            None => *this.relied = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// The future this timer guards has finished: nobody needs waking when it goes.
    #[inline]
    pub(crate) fn finished(self: Pin<&mut Self>) {
        *self.project().relied = None;
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
        // Stands for the code around the deadline futures: it reads what they report.
        let enclosing = Report::start();
        let outer = Report::start();
        let inner = Report::start();
        assert_eq!(inner.below(), None);
        inner.finish(Some(far));
        assert_eq!(outer.below(), Some(far));
        let sibling = Report::start();
        assert_eq!(sibling.below(), None, "a sibling's report starts empty");
        sibling.finish(Some(near));
        assert_eq!(outer.below(), Some(near), "the earliest of both siblings");
        // A future that finished reports nothing of what was below it.
        outer.finish(None);
        assert_eq!(enclosing.below(), None);
        // A pending one reports its own timer, merged with what was there before.
        let pending = Report::start();
        pending.finish(Some(far));
        let later = Report::start();
        later.finish(Some(now + Duration::from_secs(9)));
        assert_eq!(enclosing.below(), Some(far));
        enclosing.finish(None);
    }
}

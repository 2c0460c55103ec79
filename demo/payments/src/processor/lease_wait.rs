//! [`LeaseWait`]: waiting, for a bounded time, for another request's provider call.

use std::time::Duration;

use tokio::time::Instant;

/// The first pause between two looks at a payment whose provider call is in flight.
const FIRST_PAUSE: Duration = Duration::from_millis(5);

/// The longest pause between two looks.
const LONGEST_PAUSE: Duration = Duration::from_millis(50);

/// The pauses of one request waiting for a lease held by another: doubling from
/// [`FIRST_PAUSE`] up to [`LONGEST_PAUSE`], until a deadline.
#[derive(Debug)]
pub(super) struct LeaseWait {
    deadline: Instant,
    pause: Duration,
}

impl LeaseWait {
    /// A wait of at most `limit`, starting now.
    pub(super) fn new(limit: Duration) -> Self {
        LeaseWait {
            deadline: Instant::now() + limit,
            pause: FIRST_PAUSE,
        }
    }

    /// Sleeps before the next look; `false`, at once, when the deadline has passed.
    pub(super) async fn pause(&mut self) -> bool {
        let now = Instant::now();
        if now >= self.deadline {
            return false;
        }
        tokio::time::sleep(self.pause.min(self.deadline - now)).await;
        self.pause = (self.pause * 2).min(LONGEST_PAUSE);
        true
    }
}

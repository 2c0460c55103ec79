//! The order of enqueued events: a clock that never goes backwards within a process.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The last position handed out in this process.
static LAST_POSITION: AtomicI64 = AtomicI64::new(0);

/// The next position: the current time in microseconds since the Unix epoch, or one more
/// than the last position handed out if the clock has not moved on (or went back).
///
/// Positions from one process strictly increase in the order they are taken, so the relay
/// publishes the events of one process in the order they were enqueued. Events from
/// several processes writing to one database interleave by their clocks. Lock-free and
/// without a database sequence, so the same SQL works on SQLite and PostgreSQL and
/// concurrent transactions do not wait for each other.
pub(super) fn next_position() -> i64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_micros()).unwrap_or(i64::MAX)
        });
    let advance = |last: i64| now.max(last.saturating_add(1));
    // The closure always returns `Some`, so this is always `Ok(previous)`.
    let previous = LAST_POSITION
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |last| {
            Some(advance(last))
        })
        .unwrap_or_else(|last| last);
    advance(previous)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_strictly_increase() {
        let mut last = next_position();
        for _ in 0..10_000 {
            let next = next_position();
            assert!(next > last, "{next} after {last}");
            last = next;
        }
    }
}

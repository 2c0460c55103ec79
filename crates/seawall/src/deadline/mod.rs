//! Deadlines that propagate across hops.

mod current;

pub use current::{Deadline, InvalidTimeoutHeader};

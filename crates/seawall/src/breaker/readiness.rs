//! What a not-ready service waits for in readiness mode.

use pin_project_lite::pin_project;
use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};
use tokio::{sync::futures::OwnedNotified, time::Sleep};

pin_project! {
    /// Completes when the breaker's state changes or, if set, the open period ends.
    pub(crate) struct ReadyWait {
        #[pin]
        changed: OwnedNotified,
        #[pin]
        open_ends: Option<Sleep>,
    }
}

impl ReadyWait {
    pub(crate) fn new(changed: OwnedNotified, open_ends: Option<Sleep>) -> Self {
        ReadyWait { changed, open_ends }
    }
}

impl Future for ReadyWait {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        if this.changed.poll(cx).is_ready() {
            return Poll::Ready(());
        }
        match this.open_ends.as_pin_mut() {
            Some(open_ends) => open_ends.poll(cx),
            None => Poll::Pending,
        }
    }
}

//! [`SimulatedProvider`]: the in-process payment provider, a tower `Service`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use http::{Request, Response};
use serde::Serialize;
use tower::Service;

use super::call::{ProviderOperation, ProviderReference, ProviderRequest, ProviderUnreachable};

/// A payment provider that approves every charge and refund.
///
/// Its reference is `ch_<key>` for a charge and `re_<key>` for a refund, `<key>` being the
/// call's idempotency key (the payment id) without hyphens, so the same call always gets
/// the same reference. It counts the calls it handles ([`SimulatedProvider::calls`]): a
/// call stopped by a fault before it arrives, or abandoned by its caller while an injected
/// delay runs, is not counted.
///
/// Clones share the counts.
#[derive(Debug, Clone, Default)]
pub struct SimulatedProvider {
    counts: Arc<CallCounts>,
}

#[derive(Debug, Default)]
struct CallCounts {
    charges: AtomicU64,
    refunds: AtomicU64,
}

/// How many calls a [`SimulatedProvider`] has handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ProviderCalls {
    /// Charges approved.
    pub charges: u64,
    /// Refunds approved.
    pub refunds: u64,
}

impl SimulatedProvider {
    /// The calls handled so far.
    pub fn calls(&self) -> ProviderCalls {
        ProviderCalls {
            charges: self.counts.charges.load(Ordering::Relaxed),
            refunds: self.counts.refunds.load(Ordering::Relaxed),
        }
    }
}

impl Service<Request<ProviderRequest>> for SimulatedProvider {
    type Response = Response<Option<ProviderReference>>;
    type Error = ProviderUnreachable;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    /// Approves the call when its future is first polled, after any injected delay.
    fn call(&mut self, request: Request<ProviderRequest>) -> Self::Future {
        let counts = Arc::clone(&self.counts);
        Box::pin(async move {
            let ProviderRequest {
                idempotency_key,
                operation,
            } = request.into_body();
            let key = idempotency_key.simple();
            let reference = match operation {
                ProviderOperation::Charge { amount, currency } => {
                    counts.charges.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(%key, amount, %currency, "simulated provider approved a charge");
                    format!("ch_{key}")
                }
                ProviderOperation::Refund { provider_ref } => {
                    counts.refunds.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(%key, %provider_ref, "simulated provider approved a refund");
                    format!("re_{key}")
                }
            };
            Ok(Response::new(Some(ProviderReference(reference))))
        })
    }
}

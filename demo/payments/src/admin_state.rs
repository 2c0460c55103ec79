//! What the payments service reports on `GET /admin/state`.

use async_trait::async_trait;
use serde::Serialize;
use shop_kit::problem::Problem;
use shop_kit::server::AdminState;

use crate::processor::PaymentProcessor;
use crate::provider::ProviderCalls;
use crate::repository::PaymentTotals;

/// Reports `{"payments": {"pending","charged","declined","refunded"}, "provider_calls":
/// {"charges","refunds"}}`: the [`PaymentTotals`](crate::repository::PaymentTotals) and the
/// calls the provider handled since the service started.
#[derive(Debug, Clone)]
pub struct PaymentsAdminState {
    processor: PaymentProcessor,
}

impl PaymentsAdminState {
    /// Reports on `processor`.
    pub fn new(processor: PaymentProcessor) -> Self {
        PaymentsAdminState { processor }
    }
}

#[async_trait]
impl AdminState for PaymentsAdminState {
    async fn state(&self) -> Result<serde_json::Value, Problem> {
        let totals = self
            .processor
            .repository()
            .totals()
            .await
            .map_err(Problem::from)?;
        let report = StateReport {
            payments: totals,
            provider_calls: self.processor.provider().calls(),
        };
        serde_json::to_value(report).map_err(|error| {
            tracing::error!(%error, "cannot serialise the payments state");
            Problem::internal_server_error("cannot report the state")
        })
    }
}

/// The JSON of the state.
#[derive(Serialize)]
struct StateReport {
    payments: PaymentTotals,
    provider_calls: ProviderCalls,
}

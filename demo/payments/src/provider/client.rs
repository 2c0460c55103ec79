//! [`PaymentProvider`]: how the service calls the provider, through the chaos layer and
//! with a timeout.

use std::time::Duration;

use http::{Method, Request, Response, Uri};
use seawall::chaos::{ClientChaosLayer, ClientChaosService, ConfigError, FaultHandle};
use tower::{Layer, ServiceExt};
use uuid::Uuid;

use super::call::{ProviderOperation, ProviderReference, ProviderRequest};
use super::simulated::{ProviderCalls, SimulatedProvider};

/// How the service talks to its provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderSettings {
    /// How long a call may take before the provider counts as unavailable (and the
    /// request answers 503). Default 2 s.
    pub timeout: Duration,
    /// Seeds the chaos layer's generator, so that probabilistic faults hit the same calls
    /// on every run; from entropy when `None` (the default).
    pub fault_seed: Option<u64>,
}

impl Default for ProviderSettings {
    fn default() -> Self {
        ProviderSettings {
            timeout: Duration::from_secs(2),
            fault_seed: None,
        }
    }
}

/// What became of one call to the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderOutcome {
    /// Done; the provider's reference of the charge or refund.
    Approved(ProviderReference),
    /// The provider refused (a 4xx answer; `paymentFailure` answers 402). Nothing was
    /// charged or refunded.
    Declined {
        /// The provider's status.
        status: u16,
    },
    /// The call never reached the provider: it failed in transport before it was sent (an
    /// injected `transport_error` or `connection_reset`, a refused connection), so the
    /// provider did nothing. The call may be made again with the same idempotency key.
    Unreachable {
        /// What happened, for logs and the problem's detail.
        reason: String,
    },
    /// No usable answer after the call was sent: a 5xx, or none within the timeout. The
    /// provider may or may not have done it; the call may be made again with the same
    /// idempotency key to find out.
    Unavailable {
        /// What happened, for logs and the problem's detail.
        reason: String,
    },
}

/// The service's client of the [`SimulatedProvider`], wrapped in a
/// [`ClientChaosLayer`] whose faults are controlled through [`PaymentProvider::faults`].
///
/// Cloning is cheap; clones share the provider, its counts and its faults.
#[derive(Debug, Clone)]
pub struct PaymentProvider {
    service: ClientChaosService<SimulatedProvider>,
    faults: FaultHandle,
    timeout: Duration,
}

impl PaymentProvider {
    /// The simulated provider behind a chaos layer labelled `service_name`, with `settings`.
    pub fn simulated(
        service_name: &'static str,
        settings: &ProviderSettings,
    ) -> Result<Self, ConfigError> {
        let mut chaos = ClientChaosLayer::builder().service_name(service_name);
        if let Some(seed) = settings.fault_seed {
            chaos = chaos.seed(seed);
        }
        let chaos = chaos.build()?;
        Ok(PaymentProvider {
            faults: chaos.handle(),
            service: chaos.layer(SimulatedProvider::default()),
            timeout: settings.timeout,
        })
    }

    /// Runtime control of the faults injected into provider calls (`paymentFailure`,
    /// `paymentUnreachable`, `paymentSlow`, or any spec a client layer accepts).
    pub fn faults(&self) -> FaultHandle {
        self.faults.clone()
    }

    /// The calls the provider has handled.
    pub fn calls(&self) -> ProviderCalls {
        self.service.get_ref().calls()
    }

    /// How long a call may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Calls the provider for the payment `payment_id` (the idempotency key).
    pub async fn call(&self, payment_id: Uuid, operation: ProviderOperation) -> ProviderOutcome {
        let route = operation.route();
        let mut request = Request::new(ProviderRequest {
            idempotency_key: payment_id,
            operation,
        });
        *request.method_mut() = Method::POST;
        *request.uri_mut() = Uri::from_static(route);
        let answer =
            tokio::time::timeout(self.timeout, self.service.clone().oneshot(request)).await;
        match answer {
            Ok(Ok(response)) => outcome_of(response),
            // The transport failed before the request left, so the provider never saw it.
            Ok(Err(unreachable)) => ProviderOutcome::Unreachable {
                reason: unreachable.to_string(),
            },
            Err(_) => ProviderOutcome::Unavailable {
                reason: format!(
                    "the payment provider did not answer within {} ms",
                    self.timeout.as_millis()
                ),
            },
        }
    }
}

/// Approved for a success with a reference, declined for a 4xx, unavailable otherwise.
fn outcome_of(response: Response<Option<ProviderReference>>) -> ProviderOutcome {
    let status = response.status();
    match response.into_body() {
        Some(reference) if status.is_success() => ProviderOutcome::Approved(reference),
        _ if status.is_client_error() => ProviderOutcome::Declined {
            status: status.as_u16(),
        },
        _ => ProviderOutcome::Unavailable {
            reason: format!("the payment provider answered {status}"),
        },
    }
}

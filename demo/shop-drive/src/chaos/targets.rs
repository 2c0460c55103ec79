//! [`Targets`]: where each service's `/admin/faults` API is, and the admin token it wants.

use std::collections::BTreeMap;
use std::time::Duration;

use http::Method;

use super::catalogue::NamedFault;
use super::runner::ChaosError;
use super::scenario::Scenario;
use crate::http::{Extras, NoAnswer, Shop};

/// The services faults can be put on, by name, with the admin bearer token. A name may
/// also be one instance of a service (`products#2`, [`DEAD_INSTANCE`](super::DEAD_INSTANCE)),
/// for the faults that take one instance down.
#[derive(Debug, Clone)]
pub struct Targets {
    token: String,
    services: BTreeMap<String, Shop>,
}

impl Targets {
    /// No services yet; every admin call carries `Authorization: Bearer {admin_token}`.
    pub fn new(admin_token: impl Into<String>) -> Targets {
        Targets {
            token: admin_token.into(),
            services: BTreeMap::new(),
        }
    }

    /// `service`'s API is at `base` (for example `http://127.0.0.1:8084`); `service` may be
    /// an instance's name (`products#2` at `http://127.0.0.1:8182`).
    #[must_use]
    pub fn with_service(mut self, service: impl Into<String>, base: &str) -> Targets {
        let shop = Shop::new(base.trim_end_matches('/'), Duration::from_secs(5));
        self.services.insert(service.into(), shop);
        self
    }

    /// Checks that every fault of `scenario` has a target, before anything is put.
    ///
    /// # Errors
    ///
    /// [`ChaosError::UnknownService`] for the first fault without one.
    pub fn check(&self, scenario: &Scenario) -> Result<(), ChaosError> {
        scenario
            .phases
            .iter()
            .flat_map(|phase| &phase.faults)
            .try_for_each(|fault| self.service(fault).map(drop))
    }

    fn service(&self, fault: &NamedFault) -> Result<&Shop, ChaosError> {
        self.services
            .get(fault.service)
            .ok_or_else(|| ChaosError::UnknownService {
                service: fault.service.to_owned(),
            })
    }

    /// `PUT /admin/faults/{name}` on the fault's service.
    pub(crate) async fn put(&self, fault: &NamedFault) -> Result<(), ChaosError> {
        let spec = serde_json::to_value(&fault.spec).unwrap_or_default();
        let extras = Extras {
            token: Some(&self.token),
            body: Some(&spec),
            idempotency_key: None,
        };
        self.send(fault, Method::PUT, extras).await
    }

    /// `DELETE /admin/faults/{name}` on the fault's service; a fault already gone is fine,
    /// and so is an unreachable service when the fault has a ttl: a fault that makes its
    /// service unreachable (`instanceDown`) can only expire by itself.
    pub(crate) async fn delete(&self, fault: &NamedFault) -> Result<(), ChaosError> {
        let extras = Extras {
            token: Some(&self.token),
            ..Extras::default()
        };
        match self.send(fault, Method::DELETE, extras).await {
            Err(ChaosError::Refused { status: 404, .. }) => Ok(()),
            Err(ChaosError::Unreachable { .. }) if fault.spec.ttl_ms.is_some() => Ok(()),
            other => other,
        }
    }

    async fn send(
        &self,
        fault: &NamedFault,
        method: Method,
        extras: Extras<'_>,
    ) -> Result<(), ChaosError> {
        let path = format!("/admin/faults/{}", fault.name);
        let answer = self
            .service(fault)?
            .call(method, &path, extras)
            .await
            .map_err(|reason| ChaosError::Unreachable {
                service: fault.service.to_owned(),
                timed_out: reason == NoAnswer::Timeout,
            })?;
        if answer.status.is_success() {
            return Ok(());
        }
        Err(ChaosError::Refused {
            service: fault.service.to_owned(),
            fault: fault.name.to_owned(),
            status: answer.status.as_u16(),
            detail: answer.body["detail"]
                .as_str()
                .or_else(|| answer.body["title"].as_str())
                .unwrap_or("no detail")
                .to_owned(),
        })
    }
}

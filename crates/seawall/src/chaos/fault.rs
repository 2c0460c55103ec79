use super::{
    FaultError, FaultKind, FaultSpec,
    matcher::{EntityLookup, Matcher, RequestHead},
};
use http::StatusCode;
use std::{sync::Arc, time::Duration};
use tokio::time::Instant;

/// The longest latency a fault may add: 10 minutes. Longer is a hang, not a slow service.
pub const MAX_LATENCY_MS: u64 = 10 * 60 * 1000;

/// The longest a fault may stay in place: 24 hours. A fault forgotten for days is an outage.
pub const MAX_TTL_MS: u64 = 24 * 60 * 60 * 1000;

/// What the layer a fault is put on can do and knows; a spec is checked against it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Capabilities {
    pub(crate) transport: bool,
    pub(crate) entity_extractor: bool,
}

/// What a fault does once it hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Wait a uniform draw from `min_ms..=max_ms`.
    Latency { min_ms: u64, max_ms: u64 },
    /// Answer with this status.
    Abort(StatusCode),
    /// Fail the call with an error of this kind.
    Fail(FaultKind),
}

/// A checked [`FaultSpec`], in place on a layer or carried by one request.
#[derive(Debug)]
pub(crate) struct Fault {
    name: Arc<str>,
    spec: FaultSpec,
    action: Action,
    matcher: Matcher,
    expires_at: Option<Instant>,
}

impl Fault {
    /// Checks `spec` against what the layer can do; its ttl starts at `now`.
    pub(crate) fn new(
        name: Arc<str>,
        spec: FaultSpec,
        capabilities: Capabilities,
        now: Instant,
    ) -> Result<Self, FaultError> {
        if !(0.0..=1.0).contains(&spec.probability) {
            return Err(FaultError::Probability(spec.probability));
        }
        let action = action(&spec, capabilities)?;
        let matcher = Matcher::new(&spec.matching, capabilities.entity_extractor)?;
        let expires_at = match spec.ttl_ms {
            None => None,
            Some(0) => return Err(FaultError::ZeroTtl),
            Some(ms) if ms > MAX_TTL_MS => return Err(FaultError::TtlTooLong(ms)),
            Some(ms) => Some(now + Duration::from_millis(ms)),
        };
        Ok(Fault {
            name,
            spec,
            action,
            matcher,
            expires_at,
        })
    }

    pub(crate) fn name(&self) -> &Arc<str> {
        &self.name
    }

    pub(crate) fn spec(&self) -> &FaultSpec {
        &self.spec
    }

    pub(crate) fn kind(&self) -> FaultKind {
        self.spec.kind
    }

    pub(crate) fn probability(&self) -> f64 {
        self.spec.probability
    }

    pub(crate) fn action(&self) -> Action {
        self.action
    }

    /// Whether the fault ends the request (abort or error) rather than delaying it.
    pub(crate) fn is_terminal(&self) -> bool {
        self.spec.kind != FaultKind::Latency
    }

    pub(crate) fn matches(&self, head: &RequestHead<'_>, entity: &mut EntityLookup<'_>) -> bool {
        self.matcher.matches(head, entity)
    }

    pub(crate) fn is_expired(&self, now: Instant) -> bool {
        self.is_expired_by(|| now)
    }

    /// Whether the fault has expired, reading the clock through `now` only if it has a ttl.
    pub(crate) fn is_expired_by(&self, now: impl FnOnce() -> Instant) -> bool {
        self.expires_at.is_some_and(|at| at <= now())
    }

    /// The time left before the fault expires; `None` when it has no ttl.
    pub(crate) fn remaining(&self, now: Instant) -> Option<Duration> {
        self.expires_at.map(|at| at.saturating_duration_since(now))
    }
}

fn action(spec: &FaultSpec, capabilities: Capabilities) -> Result<Action, FaultError> {
    let kind = spec.kind;
    // Each kind-specific field with the kind it belongs to: any other kind refuses it.
    let kind_fields = [
        ("delay_ms", spec.delay_ms.is_some(), FaultKind::Latency),
        ("min_ms", spec.min_ms.is_some(), FaultKind::Latency),
        ("max_ms", spec.max_ms.is_some(), FaultKind::Latency),
        ("status", spec.status.is_some(), FaultKind::Abort),
    ];
    if let Some(&(field, ..)) = kind_fields
        .iter()
        .find(|&&(_, given, owner)| given && owner != kind)
    {
        return Err(FaultError::NotApplicable { field, kind });
    }
    match kind {
        FaultKind::Latency => {
            let (min_ms, max_ms) = match (spec.delay_ms, spec.min_ms, spec.max_ms) {
                (Some(delay), None, None) => (delay, delay),
                (None, Some(min), Some(max)) => (min, max),
                _ => return Err(FaultError::LatencyShape),
            };
            if min_ms > max_ms {
                return Err(FaultError::LatencyRange { min_ms, max_ms });
            }
            if max_ms > MAX_LATENCY_MS {
                return Err(FaultError::LatencyTooLong(max_ms));
            }
            Ok(Action::Latency { min_ms, max_ms })
        }
        FaultKind::Abort => {
            let status = spec
                .status
                .unwrap_or(StatusCode::SERVICE_UNAVAILABLE.as_u16());
            let code = StatusCode::from_u16(status)
                .ok()
                .filter(|_| (100..=599).contains(&status))
                .ok_or(FaultError::StatusOutOfRange(status))?;
            if !(code.is_client_error() || code.is_server_error()) {
                return Err(FaultError::StatusNotError(status));
            }
            Ok(Action::Abort(code))
        }
        FaultKind::TransportError | FaultKind::ConnectionReset if !capabilities.transport => {
            Err(FaultError::TransportOnServer(kind))
        }
        FaultKind::TransportError | FaultKind::ConnectionReset => Ok(Action::Fail(kind)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: Capabilities = Capabilities {
        transport: true,
        entity_extractor: false,
    };

    fn check(json: &str) -> Result<Action, FaultError> {
        let spec = FaultSpec::from_json(json)?;
        Fault::new("f".into(), spec, CLIENT, Instant::now()).map(|fault| fault.action())
    }

    #[test]
    fn abort_defaults_to_503() {
        assert_eq!(
            check(r#"{"kind":"abort"}"#),
            Ok(Action::Abort(StatusCode::SERVICE_UNAVAILABLE))
        );
    }

    #[test]
    fn fixed_latency_is_a_range_of_one() {
        assert_eq!(
            check(r#"{"kind":"latency","delay_ms":250}"#),
            Ok(Action::Latency {
                min_ms: 250,
                max_ms: 250
            })
        );
    }

    #[test]
    fn fields_of_another_kind_are_refused() {
        assert_eq!(
            check(r#"{"kind":"latency","delay_ms":5,"status":500}"#),
            Err(FaultError::NotApplicable {
                field: "status",
                kind: FaultKind::Latency
            })
        );
        assert_eq!(
            check(r#"{"kind":"abort","max_ms":5}"#),
            Err(FaultError::NotApplicable {
                field: "max_ms",
                kind: FaultKind::Abort
            })
        );
    }

    #[test]
    fn latency_needs_a_delay_or_a_whole_range() {
        for json in [
            r#"{"kind":"latency"}"#,
            r#"{"kind":"latency","min_ms":5}"#,
            r#"{"kind":"latency","delay_ms":5,"max_ms":9}"#,
        ] {
            assert_eq!(check(json), Err(FaultError::LatencyShape), "{json}");
        }
    }

    #[test]
    fn statuses_outside_http_or_not_errors_are_refused() {
        assert_eq!(
            check(r#"{"kind":"abort","status":600}"#),
            Err(FaultError::StatusOutOfRange(600))
        );
        assert_eq!(
            check(r#"{"kind":"abort","status":99}"#),
            Err(FaultError::StatusOutOfRange(99))
        );
        assert_eq!(
            check(r#"{"kind":"abort","status":204}"#),
            Err(FaultError::StatusNotError(204))
        );
    }
}

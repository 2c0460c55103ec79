use serde::{Deserialize, Serialize};
use std::{fmt, time::Duration};

/// What an injected fault does to a request.
///
/// Written in snake case in JSON: `"latency"`, `"abort"`, `"transport_error"`,
/// `"connection_reset"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Waits before the request goes on: a fixed `delay_ms`, or a uniform draw from
    /// `min_ms..=max_ms`.
    Latency,
    /// Answers with `status` (503 unless given) without calling the inner service.
    Abort,
    /// Fails the call with an [`InjectedFault`](super::InjectedFault) that looks like a
    /// refused connection: the request never left. Client layers only.
    TransportError,
    /// Fails the call with an [`InjectedFault`](super::InjectedFault) that looks like a
    /// connection reset by the peer. Client layers only.
    ConnectionReset,
}

impl FaultKind {
    /// The name used in JSON, in the `kind` metric label and in the `seawall.fault.kind`
    /// span field.
    pub fn as_str(&self) -> &'static str {
        match self {
            FaultKind::Latency => "latency",
            FaultKind::Abort => "abort",
            FaultKind::TransportError => "transport_error",
            FaultKind::ConnectionReset => "connection_reset",
        }
    }

    /// Whether the fault fails the call with an error, which only a client layer can do.
    pub fn is_transport(&self) -> bool {
        matches!(self, FaultKind::TransportError | FaultKind::ConnectionReset)
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One fault as written by an operator: the JSON body of `PUT /admin/faults/{name}` and the
/// value of the [`x-seawall-fault`](super::FAULT_HEADER) header.
///
/// Every field but `kind` is optional. Fields that do not apply to the kind are refused
/// rather than ignored, so a typo never silently changes what a fault does; so are unknown
/// fields. The spec is checked when it is put in place ([`FaultHandle::put`]), not here.
///
/// ```
/// use seawall::chaos::{FaultSpec, MatchSpec};
/// use std::time::Duration;
///
/// let from_json = FaultSpec::from_json(
///     r#"{"kind":"abort","status":503,"probability":0.3,"match":{"route":"/charge","method":"POST"},"ttl_ms":60000}"#,
/// ).unwrap();
/// let in_code = FaultSpec::abort(503)
///     .with_probability(0.3)
///     .when(MatchSpec::new().with_route("/charge").with_method("POST"))
///     .with_ttl(Duration::from_secs(60));
/// assert_eq!(from_json, in_code);
/// ```
///
/// [`FaultHandle::put`]: super::FaultHandle::put
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// What the fault does.
    pub kind: FaultKind,
    /// The chance, from 0 to 1, that the fault hits a matching request; 1 unless given.
    #[serde(default = "always")]
    pub probability: f64,
    /// Latency: a fixed delay in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// Latency: the shortest delay of a uniform range, in milliseconds (with `max_ms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_ms: Option<u64>,
    /// Latency: the longest delay of a uniform range, in milliseconds (with `min_ms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ms: Option<u64>,
    /// Abort: the status to answer with, 400 to 599; 503 unless given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Which requests the fault applies to; every request unless given.
    #[serde(default, rename = "match", skip_serializing_if = "MatchSpec::is_any")]
    pub matching: MatchSpec,
    /// How long the fault stays in place after it is put, in milliseconds; until removed
    /// unless given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_ms: Option<u64>,
}

fn always() -> f64 {
    1.0
}

impl FaultSpec {
    fn of_kind(kind: FaultKind) -> Self {
        FaultSpec {
            kind,
            probability: always(),
            delay_ms: None,
            min_ms: None,
            max_ms: None,
            status: None,
            matching: MatchSpec::new(),
            ttl_ms: None,
        }
    }

    /// A fixed added latency, in whole milliseconds.
    pub fn latency(delay: Duration) -> Self {
        FaultSpec {
            delay_ms: Some(millis(delay)),
            ..Self::of_kind(FaultKind::Latency)
        }
    }

    /// An added latency drawn uniformly from `min..=max`, in whole milliseconds.
    pub fn latency_between(min: Duration, max: Duration) -> Self {
        FaultSpec {
            min_ms: Some(millis(min)),
            max_ms: Some(millis(max)),
            ..Self::of_kind(FaultKind::Latency)
        }
    }

    /// An answer with `status` instead of the inner service's.
    pub fn abort(status: u16) -> Self {
        FaultSpec {
            status: Some(status),
            ..Self::of_kind(FaultKind::Abort)
        }
    }

    /// A transport error, as if the connection was refused (client layers only).
    pub fn transport_error() -> Self {
        Self::of_kind(FaultKind::TransportError)
    }

    /// A connection reset by the peer (client layers only).
    pub fn connection_reset() -> Self {
        Self::of_kind(FaultKind::ConnectionReset)
    }

    /// Sets the chance, from 0 to 1, that the fault hits a matching request.
    pub fn with_probability(mut self, probability: f64) -> Self {
        self.probability = probability;
        self
    }

    /// Sets how long the fault stays in place, in whole milliseconds.
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl_ms = Some(millis(ttl));
        self
    }

    /// Sets which requests the fault applies to.
    pub fn when(mut self, matching: MatchSpec) -> Self {
        self.matching = matching;
        self
    }

    /// Reads a spec from JSON; see the [module docs](super) for the format.
    pub fn from_json(json: &str) -> Result<Self, super::FaultError> {
        serde_json::from_str(json).map_err(super::FaultError::json)
    }
}

/// Which requests a fault applies to: all the criteria given must hold.
///
/// In JSON, the `match` object of a [`FaultSpec`]:
/// `{"route": "/products/*", "method": "GET", "header": {"name": "x-tenant", "value": "acme"},
/// "entity": "42"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchSpec {
    /// The route: the axum route template when there is one (`/products/{id}`), else the
    /// URI path. Exact, or a prefix when it ends in `*` (`/api/*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// The request method, in any case (`POST`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// A request header that must carry a given value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<HeaderMatch>,
    /// The value the layer's [entity extractor](super::ChaosBuilder::entity) must find in
    /// the request, such as one product id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
}

impl MatchSpec {
    /// Matches every request.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether no criterion is set, so every request matches.
    pub fn is_any(&self) -> bool {
        *self == Self::default()
    }

    /// Requires the route; exact, or a prefix when it ends in `*`.
    pub fn with_route(mut self, route: impl Into<String>) -> Self {
        self.route = Some(route.into());
        self
    }

    /// Requires the method.
    pub fn with_method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    /// Requires a header with this exact value.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.header = Some(HeaderMatch {
            name: name.into(),
            value: value.into(),
        });
        self
    }

    /// Requires the entity extractor to find this value.
    pub fn with_entity(mut self, entity: impl Into<String>) -> Self {
        self.entity = Some(entity.into());
        self
    }
}

/// A header a request must carry: `{"name": "x-tenant", "value": "acme"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderMatch {
    /// The header name, in any case.
    pub name: String,
    /// The exact value.
    pub value: String,
}

/// Whole milliseconds, saturating: validation refuses what does not fit.
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

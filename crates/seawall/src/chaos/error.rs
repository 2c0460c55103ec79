use super::{FaultKind, fault::MAX_LATENCY_MS, fault::MAX_TTL_MS, handle::MAX_NAME_LEN};
use std::fmt;

/// Why a fault was refused: a spec that cannot work, a bad name, or no room left.
///
/// The message says what is wrong and how to put it right; the admin router sends it as the
/// `detail` of its `400` (or, for [`TooManyFaults`](FaultError::TooManyFaults), `409`)
/// answer.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FaultError {
    /// The JSON could not be read as a spec: syntax, an unknown field or kind, a wrong type.
    Json(String),
    /// The fault has no name.
    EmptyName,
    /// The name is too long or has characters that do not fit a URL path or a metric label.
    InvalidName(String),
    /// The probability is not a number from 0 to 1.
    Probability(f64),
    /// The status is not an HTTP status at all.
    StatusOutOfRange(u16),
    /// The status is not an error, so an abort would look like a success.
    StatusNotError(u16),
    /// A latency fault needs `delay_ms`, or `min_ms` and `max_ms` together.
    LatencyShape,
    /// The latency range is upside down.
    LatencyRange {
        /// The `min_ms` given.
        min_ms: u64,
        /// The `max_ms` given.
        max_ms: u64,
    },
    /// The latency is longer than [`MAX_LATENCY_MS`](super::MAX_LATENCY_MS).
    LatencyTooLong(u64),
    /// A field was given that means nothing for the kind (`status` on a latency fault).
    NotApplicable {
        /// The field given.
        field: &'static str,
        /// The kind of the fault.
        kind: FaultKind,
    },
    /// A zero ttl would remove the fault before it did anything.
    ZeroTtl,
    /// The ttl is longer than [`MAX_TTL_MS`](super::MAX_TTL_MS): a fault forgotten for days
    /// is an outage.
    TtlTooLong(u64),
    /// A fault carried in a request header lives as long as the request.
    TtlInHeader,
    /// The route does not start with `/`, or has a `*` other than at its end.
    InvalidRoute(String),
    /// The method is not an HTTP method token.
    InvalidMethod(String),
    /// The header name is not a valid header name.
    InvalidHeaderName(String),
    /// The header value is not a valid header value.
    InvalidHeaderValue(String),
    /// The entity to match is empty.
    EmptyEntity,
    /// The fault matches an entity but the layer has no
    /// [entity extractor](super::ChaosBuilder::entity).
    NoEntityExtractor,
    /// A transport fault was given to a server layer, which can only delay or answer.
    TransportOnServer(FaultKind),
    /// The layer already has its [maximum](super::ChaosBuilder::max_faults) of active faults.
    TooManyFaults {
        /// The cap.
        max: usize,
    },
}

impl FaultError {
    pub(crate) fn json(error: serde_json::Error) -> Self {
        FaultError::Json(error.to_string())
    }
}

impl fmt::Display for FaultError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultError::Json(error) => write!(f, "invalid fault spec: {error}"),
            FaultError::EmptyName => f.write_str("fault name must not be empty"),
            FaultError::InvalidName(name) => write!(
                f,
                "fault name {name:?} must be at most {MAX_NAME_LEN} characters of \
                 A-Z, a-z, 0-9, '-', '_' and '.'"
            ),
            FaultError::Probability(p) => {
                write!(f, "probability {p} must be a number from 0 to 1")
            }
            FaultError::StatusOutOfRange(status) => {
                write!(f, "status {status} is not an HTTP status (100 to 599)")
            }
            FaultError::StatusNotError(status) => write!(
                f,
                "abort status {status} must be a client or server error (400 to 599)"
            ),
            FaultError::LatencyShape => f.write_str(
                "a latency fault needs either `delay_ms`, or both `min_ms` and `max_ms`",
            ),
            FaultError::LatencyRange { min_ms, max_ms } => {
                write!(
                    f,
                    "min_ms {min_ms} must not be greater than max_ms {max_ms}"
                )
            }
            FaultError::LatencyTooLong(ms) => {
                write!(
                    f,
                    "latency {ms} ms is over the maximum of {MAX_LATENCY_MS} ms"
                )
            }
            FaultError::NotApplicable { field, kind } => {
                write!(f, "`{field}` does not apply to a {kind} fault")
            }
            FaultError::ZeroTtl => f.write_str("ttl_ms must be greater than zero"),
            FaultError::TtlTooLong(ms) => {
                write!(f, "ttl_ms {ms} is over the maximum of {MAX_TTL_MS} ms")
            }
            FaultError::TtlInHeader => {
                f.write_str("ttl_ms does not apply to a fault carried in a request header")
            }
            FaultError::InvalidRoute(route) => write!(
                f,
                "route {route:?} must start with '/' and may have a '*' only at its end"
            ),
            FaultError::InvalidMethod(method) => {
                write!(f, "method {method:?} is not an HTTP method")
            }
            FaultError::InvalidHeaderName(name) => {
                write!(f, "header name {name:?} is not a valid header name")
            }
            FaultError::InvalidHeaderValue(name) => {
                write!(
                    f,
                    "the value for header {name:?} is not a valid header value"
                )
            }
            FaultError::EmptyEntity => f.write_str("entity must not be empty"),
            FaultError::NoEntityExtractor => f.write_str(
                "the fault matches an entity, but the layer has no entity extractor \
                 (ChaosBuilder::entity)",
            ),
            FaultError::TransportOnServer(kind) => write!(
                f,
                "a {kind} fault needs a client layer; a server layer only injects latency \
                 and abort"
            ),
            FaultError::TooManyFaults { max } => write!(
                f,
                "too many active faults: the limit is {max}; remove one before adding another"
            ),
        }
    }
}

impl std::error::Error for FaultError {}

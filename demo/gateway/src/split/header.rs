//! [`HeaderRule`]: requests with a header of a given value go to another upstream.

use std::sync::Arc;

use http::{HeaderMap, HeaderName, HeaderValue};

use crate::balance::Upstream;
use crate::config::ConfigError;

/// `header: value` sends a request to `upstream` (`x-canary: beta` to the canary).
#[derive(Debug)]
pub struct HeaderRule {
    name: HeaderName,
    value: HeaderValue,
    upstream: Arc<Upstream>,
}

impl HeaderRule {
    /// A rule; the header name is matched case-insensitively, the value exactly.
    ///
    /// # Errors
    ///
    /// A name or value that is not a valid header.
    pub fn new(name: &str, value: &str, upstream: Arc<Upstream>) -> Result<Self, ConfigError> {
        let name = HeaderName::try_from(name)
            .map_err(|e| ConfigError::invalid("canary.header", format!("{name:?}: {e}")))?;
        let value = HeaderValue::try_from(value)
            .map_err(|e| ConfigError::invalid("canary.value", format!("{value:?}: {e}")))?;
        Ok(HeaderRule {
            name,
            value,
            upstream,
        })
    }

    /// Whether any value of the header is the rule's.
    pub fn matches(&self, headers: &HeaderMap) -> bool {
        headers.get_all(&self.name).iter().any(|v| v == self.value)
    }

    /// Where matching requests go.
    pub fn upstream(&self) -> &Arc<Upstream> {
        &self.upstream
    }
}

//! [`UpstreamConfig`]: the instances of one upstream service.

use http::Uri;
use serde::Deserialize;

use super::ConfigError;

/// One upstream: the base URLs of its instances (`http://host:port`), and whether those
/// are instances or names whose DNS answers are (`discover = "dns"`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamConfig {
    /// The base URL of each instance; at least one.
    pub instances: Vec<String>,
    /// How the instances are found. Default [`Discover::Static`].
    #[serde(default)]
    pub discover: Discover,
    /// With [`Discover::Dns`], the time between two resolutions. Default 5000 ms.
    #[serde(default = "default_discover_interval_ms")]
    pub discover_interval_ms: u64,
}

/// How an upstream's instances are found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Discover {
    /// Each URL is one instance (its host name, if any, is resolved per connection).
    #[default]
    Static,
    /// Each URL's host is resolved every `discover_interval_ms`, and every address of the
    /// answer is an instance on the URL's port, with its own health checks and breaker: a
    /// Kubernetes headless Service answers with its ready pods. A failed or empty answer
    /// keeps the instances of the last good one; until a first answer, the URL itself is
    /// the instance.
    Dns,
}

const fn default_discover_interval_ms() -> u64 {
    5000
}

impl UpstreamConfig {
    /// An upstream with these instances.
    pub fn new(instances: impl IntoIterator<Item = impl Into<String>>) -> Self {
        UpstreamConfig {
            instances: instances.into_iter().map(Into::into).collect(),
            discover: Discover::Static,
            discover_interval_ms: default_discover_interval_ms(),
        }
    }

    /// The time between two DNS resolutions.
    pub fn discover_interval(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.discover_interval_ms)
    }

    /// The authority (`host:port`) of every instance, checked: `http://` and nothing after
    /// the authority but an optional `/`.
    pub(crate) fn authorities(&self, name: &str) -> Result<Vec<String>, ConfigError> {
        if self.discover_interval_ms == 0 {
            return Err(ConfigError::invalid(
                format!("upstreams.{name}.discover_interval_ms"),
                "must be above 0",
            ));
        }
        if self.instances.is_empty() {
            return Err(ConfigError::invalid(
                format!("upstreams.{name}.instances"),
                "at least one instance is needed",
            ));
        }
        self.instances
            .iter()
            .enumerate()
            .map(|(index, url)| {
                let key = || format!("upstreams.{name}.instances[{index}]");
                let uri: Uri = url
                    .parse()
                    .map_err(|error| ConfigError::invalid(key(), format!("{url:?}: {error}")))?;
                if uri.scheme_str() != Some("http") {
                    return Err(ConfigError::invalid(
                        key(),
                        format!("{url:?}: expected an http:// URL"),
                    ));
                }
                let path_ok = matches!(uri.path(), "" | "/") && uri.query().is_none();
                match uri.authority() {
                    Some(authority) if path_ok && authority.port_u16().is_some() => {
                        Ok(authority.to_string())
                    }
                    _ => Err(ConfigError::invalid(
                        key(),
                        format!("{url:?}: expected http://host:port with no path"),
                    )),
                }
            })
            .collect()
    }
}

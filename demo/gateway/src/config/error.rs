//! [`ConfigError`]: why a gateway configuration was refused.

/// A gateway configuration that cannot work; the message names the key at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file is not valid TOML, or a key has the wrong type or is unknown.
    #[error("the gateway configuration is not valid TOML: {0}")]
    Syntax(#[from] toml::de::Error),
    /// The file could not be read.
    #[error("cannot read the gateway configuration {path}: {source}")]
    Read {
        /// The path given.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A value is out of range or refers to something that does not exist.
    #[error("invalid gateway configuration: {key}: {reason}")]
    Invalid {
        /// Where: `routes[2].upstream`, `upstreams.products.instances[0]`.
        key: String,
        /// What is wrong.
        reason: String,
    },
}

impl ConfigError {
    /// An [`Invalid`](ConfigError::Invalid) error.
    pub(crate) fn invalid(key: impl Into<String>, reason: impl Into<String>) -> Self {
        ConfigError::Invalid {
            key: key.into(),
            reason: reason.into(),
        }
    }
}

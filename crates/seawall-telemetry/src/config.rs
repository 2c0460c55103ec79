//! Configuration: the standard `OTEL_*` variables, `SEAWALL_LOG_FORMAT` and `RUST_LOG`,
//! read by a pure function over name/value pairs so that tests never touch the process
//! environment, and setters that override what the environment said.

use std::collections::HashMap;

use crate::error::ConfigError;
use crate::sampler::SamplerConfig;

/// The service name used when neither `OTEL_SERVICE_NAME` nor a `service.name` resource
/// attribute is given (the OpenTelemetry specification's fallback).
pub const DEFAULT_SERVICE_NAME: &str = "unknown_service";

/// The log filter used when `RUST_LOG` is unset: `info` and above, except the OpenTelemetry
/// SDK's own start-up chatter (its export failures are warnings and errors, so they show).
pub const DEFAULT_LOG_FILTER: &str = "info,opentelemetry=warn";

const OTEL_SERVICE_NAME: &str = "OTEL_SERVICE_NAME";
const OTEL_RESOURCE_ATTRIBUTES: &str = "OTEL_RESOURCE_ATTRIBUTES";
const OTEL_EXPORTER_OTLP_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
const OTEL_EXPORTER_OTLP_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_PROTOCOL";
const OTEL_TRACES_SAMPLER: &str = "OTEL_TRACES_SAMPLER";
const OTEL_TRACES_SAMPLER_ARG: &str = "OTEL_TRACES_SAMPLER_ARG";
const SEAWALL_LOG_FORMAT: &str = "SEAWALL_LOG_FORMAT";
const RUST_LOG: &str = "RUST_LOG";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// One human-readable line per event (`SEAWALL_LOG_FORMAT=pretty`, the default).
    #[default]
    Pretty,
    /// One JSON object per line (`SEAWALL_LOG_FORMAT=json`), for log collectors.
    Json,
}

/// The OTLP transport (`OTEL_EXPORTER_OTLP_PROTOCOL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OtlpProtocol {
    /// OTLP over gRPC (`grpc`), usually port 4317.
    Grpc,
    /// OTLP protobuf over HTTP (`http/protobuf`, the specification's default), usually port
    /// 4318; spans are posted to `{endpoint}/v1/traces`.
    #[default]
    HttpProtobuf,
}

/// Everything [`init`](crate::init) needs: start from [`TelemetryConfig::from_env`] (or
/// [`TelemetryConfig::new`] to ignore the environment) and override with the setters.
///
/// ```
/// use seawall_telemetry::{LogFormat, SamplerConfig, TelemetryConfig};
///
/// let config = TelemetryConfig::from_env_pairs([
///     ("OTEL_SERVICE_NAME", "orders"),
///     ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
///     ("OTEL_TRACES_SAMPLER_ARG", "0.25"),
/// ])?
/// .with_log_format(LogFormat::Json);
///
/// assert_eq!(config.service_name(), "orders");
/// assert_eq!(config.sampler(), SamplerConfig::ParentBasedTraceIdRatio(0.25));
/// # Ok::<(), seawall_telemetry::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TelemetryConfig {
    service_name: String,
    resource_attributes: Vec<(String, String)>,
    otlp_endpoint: Option<String>,
    otlp_protocol: OtlpProtocol,
    sampler: SamplerConfig,
    log_format: LogFormat,
    log_filter: String,
}

impl TelemetryConfig {
    /// A configuration for `service_name` with every other setting at its default and the
    /// environment ignored: no OTLP export, `parentbased_always_on`, pretty logs at `info`.
    pub fn new(service_name: impl Into<String>) -> Self {
        Self {
            service_name: service_name.into(),
            resource_attributes: Vec::new(),
            otlp_endpoint: None,
            otlp_protocol: OtlpProtocol::default(),
            sampler: SamplerConfig::default(),
            log_format: LogFormat::default(),
            log_filter: DEFAULT_LOG_FILTER.to_owned(),
        }
    }

    /// Reads the process environment. Variables whose value is not valid UTF-8 are treated
    /// as unset.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_env_pairs(std::env::vars_os().filter_map(|(name, value)| {
            Some((name.into_string().ok()?, value.into_string().ok()?))
        }))
    }

    /// Reads the given variables as if they were the environment. An empty value counts as
    /// unset, as the OpenTelemetry specification asks.
    pub fn from_env_pairs<I, K, V>(vars: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let vars: HashMap<String, String> = vars
            .into_iter()
            .map(|(name, value)| (name.into(), value.into()))
            .filter(|(_, value)| !value.trim().is_empty())
            .collect();
        let var = |name: &str| vars.get(name).map(|value| value.trim());

        let mut resource_attributes = match var(OTEL_RESOURCE_ATTRIBUTES) {
            Some(raw) => parse_resource_attributes(raw)?,
            None => Vec::new(),
        };
        // OTEL_SERVICE_NAME wins over a `service.name` in the resource attributes.
        let service_name_attribute = resource_attributes
            .iter()
            .position(|(key, _)| key == "service.name")
            .map(|index| resource_attributes.remove(index).1);
        let service_name = var(OTEL_SERVICE_NAME)
            .map(str::to_owned)
            .or(service_name_attribute)
            .unwrap_or_else(|| DEFAULT_SERVICE_NAME.to_owned());

        Ok(Self {
            service_name,
            resource_attributes,
            otlp_endpoint: var(OTEL_EXPORTER_OTLP_ENDPOINT)
                .map(|endpoint| validate_endpoint(endpoint).map(|()| endpoint.to_owned()))
                .transpose()?,
            otlp_protocol: var(OTEL_EXPORTER_OTLP_PROTOCOL)
                .map(parse_protocol)
                .transpose()?
                .unwrap_or_default(),
            sampler: match var(OTEL_TRACES_SAMPLER) {
                Some(name) => SamplerConfig::parse(name, var(OTEL_TRACES_SAMPLER_ARG))?,
                None => SamplerConfig::default(),
            },
            log_format: var(SEAWALL_LOG_FORMAT)
                .map(parse_log_format)
                .transpose()?
                .unwrap_or_default(),
            log_filter: var(RUST_LOG).unwrap_or(DEFAULT_LOG_FILTER).to_owned(),
        })
    }

    /// Sets `service.name`, the name spans are exported under unless they carry their own
    /// [`SERVICE_NAME_ATTRIBUTE`](crate::SERVICE_NAME_ATTRIBUTE).
    pub fn with_service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = name.into();
        self
    }

    /// Adds (or replaces) one resource attribute, such as `deployment.environment.name`.
    /// A `service.name` given here sets the service name.
    pub fn with_resource_attribute(
        mut self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        let (key, value) = (key.into(), value.into());
        if key == "service.name" {
            return self.with_service_name(value);
        }
        self.resource_attributes
            .retain(|(existing, _)| *existing != key);
        self.resource_attributes.push((key, value));
        self
    }

    /// Exports spans to this OTLP endpoint (`http://host:port`, plus a base path for HTTP).
    /// The value is checked when telemetry starts.
    pub fn with_otlp_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.otlp_endpoint = Some(endpoint.into());
        self
    }

    /// Exports no spans, whatever `OTEL_EXPORTER_OTLP_ENDPOINT` said. Spans still get ids,
    /// so logs stay correlated.
    pub fn without_otlp_export(mut self) -> Self {
        self.otlp_endpoint = None;
        self
    }

    /// Sets the OTLP transport.
    pub fn with_otlp_protocol(mut self, protocol: OtlpProtocol) -> Self {
        self.otlp_protocol = protocol;
        self
    }

    /// Sets the sampler.
    pub fn with_sampler(mut self, sampler: SamplerConfig) -> Self {
        self.sampler = sampler;
        self
    }

    /// Sets the log line format.
    pub fn with_log_format(mut self, format: LogFormat) -> Self {
        self.log_format = format;
        self
    }

    /// Sets the log filter, in `RUST_LOG` syntax (`info,seawall=debug`). It also decides which
    /// spans exist, and so which are exported. The value is checked when telemetry starts.
    pub fn with_log_filter(mut self, filter: impl Into<String>) -> Self {
        self.log_filter = filter.into();
        self
    }

    /// The service name.
    pub fn service_name(&self) -> &str {
        &self.service_name
    }

    /// The resource attributes other than `service.name`, in the order given.
    pub fn resource_attributes(&self) -> &[(String, String)] {
        &self.resource_attributes
    }

    /// The OTLP endpoint, if spans are exported.
    pub fn otlp_endpoint(&self) -> Option<&str> {
        self.otlp_endpoint.as_deref()
    }

    /// The OTLP transport.
    pub fn otlp_protocol(&self) -> OtlpProtocol {
        self.otlp_protocol
    }

    /// The sampler.
    pub fn sampler(&self) -> SamplerConfig {
        self.sampler
    }

    /// The log line format.
    pub fn log_format(&self) -> LogFormat {
        self.log_format
    }

    /// The log filter, in `RUST_LOG` syntax.
    pub fn log_filter(&self) -> &str {
        &self.log_filter
    }
}

/// Parses `key1=value1,key2=value2` with percent-encoded values (W3C Baggage octets).
fn parse_resource_attributes(raw: &str) -> Result<Vec<(String, String)>, ConfigError> {
    let invalid = || {
        ConfigError::invalid(
            OTEL_RESOURCE_ATTRIBUTES,
            raw,
            "comma-separated key=value pairs",
        )
    };
    let mut attributes: Vec<(String, String)> = Vec::new();
    for pair in raw
        .split(',')
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
    {
        let (key, value) = pair.split_once('=').ok_or_else(invalid)?;
        let key = key.trim();
        if key.is_empty() {
            return Err(invalid());
        }
        let value = percent_encoding::percent_decode_str(value.trim())
            .decode_utf8()
            .map_err(|_| invalid())?;
        // A later duplicate wins, as with the setters.
        attributes.retain(|(existing, _)| existing != key);
        attributes.push((key.to_owned(), value.into_owned()));
    }
    Ok(attributes)
}

/// Accepts `http://host[:port][/base]`. TLS (`https`) is refused because this crate is built
/// without a TLS stack; point it at a local collector instead.
pub(crate) fn validate_endpoint(endpoint: &str) -> Result<(), ConfigError> {
    let invalid = |expected: &'static str| {
        ConfigError::invalid(OTEL_EXPORTER_OTLP_ENDPOINT, endpoint, expected)
    };
    let uri: http::Uri = endpoint
        .parse()
        .map_err(|_| invalid("a URL such as http://localhost:4317"))?;
    match uri.scheme_str() {
        Some("http") if uri.host().is_some() => Ok(()),
        Some("https") => Err(invalid("an http:// URL (this build has no TLS support)")),
        _ => Err(invalid("a URL such as http://localhost:4317")),
    }
}

fn parse_protocol(value: &str) -> Result<OtlpProtocol, ConfigError> {
    match value {
        "grpc" => Ok(OtlpProtocol::Grpc),
        "http/protobuf" => Ok(OtlpProtocol::HttpProtobuf),
        _ => Err(ConfigError::invalid(
            OTEL_EXPORTER_OTLP_PROTOCOL,
            value,
            "grpc or http/protobuf",
        )),
    }
}

fn parse_log_format(value: &str) -> Result<LogFormat, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "pretty" => Ok(LogFormat::Pretty),
        "json" => Ok(LogFormat::Json),
        _ => Err(ConfigError::invalid(
            SEAWALL_LOG_FORMAT,
            value,
            "json or pretty",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<TelemetryConfig, ConfigError> {
        TelemetryConfig::from_env_pairs(vars.iter().copied())
    }

    fn rejected_variable(vars: &[(&str, &str)]) -> &'static str {
        match config(vars) {
            Err(ConfigError::InvalidValue { variable, .. }) => variable,
            Ok(config) => panic!("expected an error, got {config:?}"),
        }
    }

    #[test]
    fn empty_environment_gives_defaults_without_export() {
        let config = config(&[]).unwrap();
        assert_eq!(config, TelemetryConfig::new(DEFAULT_SERVICE_NAME));
        assert_eq!(config.otlp_endpoint(), None);
        assert_eq!(config.sampler(), SamplerConfig::ParentBasedAlwaysOn);
        assert_eq!(config.log_format(), LogFormat::Pretty);
        assert_eq!(config.log_filter(), DEFAULT_LOG_FILTER);
    }

    #[test]
    fn every_standard_variable_is_read() {
        let config = config(&[
            ("OTEL_SERVICE_NAME", "orders"),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "deployment.environment.name=prod, team=shop%20core",
            ),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_TRACES_SAMPLER", "traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.5"),
            ("SEAWALL_LOG_FORMAT", "json"),
            ("RUST_LOG", "debug"),
        ])
        .unwrap();
        assert_eq!(config.service_name(), "orders");
        assert_eq!(
            config.resource_attributes(),
            [
                ("deployment.environment.name".to_owned(), "prod".to_owned()),
                ("team".to_owned(), "shop core".to_owned()),
            ]
        );
        assert_eq!(config.otlp_endpoint(), Some("http://collector:4317"));
        assert_eq!(config.otlp_protocol(), OtlpProtocol::Grpc);
        assert_eq!(config.sampler(), SamplerConfig::TraceIdRatio(0.5));
        assert_eq!(config.log_format(), LogFormat::Json);
        assert_eq!(config.log_filter(), "debug");
    }

    #[test]
    fn service_name_env_wins_over_resource_attribute() {
        let both = config(&[
            ("OTEL_SERVICE_NAME", "orders"),
            ("OTEL_RESOURCE_ATTRIBUTES", "service.name=ignored"),
        ])
        .unwrap();
        assert_eq!(both.service_name(), "orders");
        assert!(both.resource_attributes().is_empty());

        let attribute_only =
            config(&[("OTEL_RESOURCE_ATTRIBUTES", "service.name=payments")]).unwrap();
        assert_eq!(attribute_only.service_name(), "payments");
    }

    #[test]
    fn empty_values_count_as_unset() {
        let config = config(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", ""),
            ("OTEL_TRACES_SAMPLER", " "),
        ])
        .unwrap();
        assert_eq!(config.otlp_endpoint(), None);
        assert_eq!(config.sampler(), SamplerConfig::default());
    }

    #[test]
    fn setters_override_the_environment() {
        let config = config(&[
            ("OTEL_SERVICE_NAME", "from-env"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
        ])
        .unwrap()
        .with_service_name("from-code")
        .with_resource_attribute("region", "eu")
        .with_resource_attribute("region", "us")
        .with_otlp_protocol(OtlpProtocol::Grpc)
        .with_sampler(SamplerConfig::AlwaysOff)
        .with_log_format(LogFormat::Json)
        .with_log_filter("warn")
        .without_otlp_export();
        assert_eq!(config.service_name(), "from-code");
        assert_eq!(
            config.resource_attributes(),
            [("region".to_owned(), "us".to_owned())]
        );
        assert_eq!(config.otlp_endpoint(), None);
        assert_eq!(config.otlp_protocol(), OtlpProtocol::Grpc);
        assert_eq!(config.sampler(), SamplerConfig::AlwaysOff);
        assert_eq!(config.log_format(), LogFormat::Json);
        assert_eq!(config.log_filter(), "warn");
    }

    #[test]
    fn bad_values_are_typed_errors_naming_the_variable() {
        assert_eq!(
            rejected_variable(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")]),
            OTEL_EXPORTER_OTLP_PROTOCOL
        );
        assert_eq!(
            rejected_variable(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317")]),
            OTEL_EXPORTER_OTLP_ENDPOINT
        );
        assert_eq!(
            rejected_variable(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector")]),
            OTEL_EXPORTER_OTLP_ENDPOINT
        );
        assert_eq!(
            rejected_variable(&[("OTEL_RESOURCE_ATTRIBUTES", "novalue")]),
            OTEL_RESOURCE_ATTRIBUTES
        );
        assert_eq!(
            rejected_variable(&[("OTEL_RESOURCE_ATTRIBUTES", "=value")]),
            OTEL_RESOURCE_ATTRIBUTES
        );
        assert_eq!(
            rejected_variable(&[("OTEL_RESOURCE_ATTRIBUTES", "k=%FF")]),
            OTEL_RESOURCE_ATTRIBUTES
        );
        assert_eq!(
            rejected_variable(&[("SEAWALL_LOG_FORMAT", "xml")]),
            SEAWALL_LOG_FORMAT
        );
        assert_eq!(
            rejected_variable(&[("OTEL_TRACES_SAMPLER", "jaeger_remote")]),
            OTEL_TRACES_SAMPLER
        );
    }

    #[test]
    fn error_message_names_variable_value_and_expectation() {
        let error = config(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")]).unwrap_err();
        assert_eq!(
            error.to_string(),
            r#"OTEL_EXPORTER_OTLP_PROTOCOL="http/json" is invalid: expected grpc or http/protobuf"#
        );
    }
}

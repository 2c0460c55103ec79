//! `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG` and the SDK sampler they stand for.

use opentelemetry_sdk::trace::Sampler;

use crate::error::ConfigError;

const OTEL_TRACES_SAMPLER: &str = "OTEL_TRACES_SAMPLER";
const OTEL_TRACES_SAMPLER_ARG: &str = "OTEL_TRACES_SAMPLER_ARG";

/// Which spans are recorded and exported, named as in `OTEL_TRACES_SAMPLER`.
///
/// The `parentbased_*` samplers follow the caller's decision (the `traceparent` sampled
/// flag) and apply the named rule only to new traces.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum SamplerConfig {
    /// `always_on`: every span.
    AlwaysOn,
    /// `always_off`: no span (ids are still made, so logs stay correlated).
    AlwaysOff,
    /// `traceidratio`: this fraction of traces, decided from the trace id.
    TraceIdRatio(f64),
    /// `parentbased_always_on`: the default.
    #[default]
    ParentBasedAlwaysOn,
    /// `parentbased_always_off`.
    ParentBasedAlwaysOff,
    /// `parentbased_traceidratio`.
    ParentBasedTraceIdRatio(f64),
}

impl SamplerConfig {
    /// Whether the sampler drops the span of a request whose caller did not sample its
    /// trace: the parent-based samplers follow the caller, `always_off` drops everything;
    /// `always_on` and `traceidratio` may record it.
    pub fn drops_unsampled_children(self) -> bool {
        !matches!(self, Self::AlwaysOn | Self::TraceIdRatio(_))
    }

    /// Parses a sampler name and its argument. The ratio samplers take a number in `[0, 1]`
    /// and default to `1.0` when `arg` is `None`; the others ignore `arg`.
    pub fn parse(name: &str, arg: Option<&str>) -> Result<Self, ConfigError> {
        let ratio = || match arg {
            None => Ok(1.0),
            Some(arg) => arg
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|ratio| (0.0..=1.0).contains(ratio))
                .ok_or_else(|| {
                    ConfigError::invalid(OTEL_TRACES_SAMPLER_ARG, arg, "a number from 0 to 1")
                }),
        };
        match name.trim() {
            "always_on" => Ok(Self::AlwaysOn),
            "always_off" => Ok(Self::AlwaysOff),
            "traceidratio" => ratio().map(Self::TraceIdRatio),
            "parentbased_always_on" => Ok(Self::ParentBasedAlwaysOn),
            "parentbased_always_off" => Ok(Self::ParentBasedAlwaysOff),
            "parentbased_traceidratio" => ratio().map(Self::ParentBasedTraceIdRatio),
            _ => Err(ConfigError::invalid(
                OTEL_TRACES_SAMPLER,
                name,
                "always_on, always_off, traceidratio, parentbased_always_on, \
                 parentbased_always_off or parentbased_traceidratio",
            )),
        }
    }

    /// The SDK sampler this stands for.
    pub fn to_sampler(self) -> Sampler {
        let parent_based = |root: Sampler| Sampler::ParentBased(Box::new(root));
        match self {
            Self::AlwaysOn => Sampler::AlwaysOn,
            Self::AlwaysOff => Sampler::AlwaysOff,
            Self::TraceIdRatio(ratio) => Sampler::TraceIdRatioBased(ratio),
            Self::ParentBasedAlwaysOn => parent_based(Sampler::AlwaysOn),
            Self::ParentBasedAlwaysOff => parent_based(Sampler::AlwaysOff),
            Self::ParentBasedTraceIdRatio(ratio) => parent_based(Sampler::TraceIdRatioBased(ratio)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_samplers_that_ignore_the_caller_may_record_its_unsampled_requests() {
        for (sampler, drops) in [
            (SamplerConfig::AlwaysOn, false),
            (SamplerConfig::TraceIdRatio(0.5), false),
            (SamplerConfig::AlwaysOff, true),
            (SamplerConfig::ParentBasedAlwaysOn, true),
            (SamplerConfig::ParentBasedAlwaysOff, true),
            (SamplerConfig::ParentBasedTraceIdRatio(0.5), true),
        ] {
            assert_eq!(sampler.drops_unsampled_children(), drops, "{sampler:?}");
        }
    }

    #[test]
    fn every_standard_sampler_name_parses() {
        let cases = [
            ("always_on", None, SamplerConfig::AlwaysOn),
            ("always_off", None, SamplerConfig::AlwaysOff),
            (
                "traceidratio",
                Some("0.25"),
                SamplerConfig::TraceIdRatio(0.25),
            ),
            (
                "parentbased_always_on",
                None,
                SamplerConfig::ParentBasedAlwaysOn,
            ),
            (
                "parentbased_always_off",
                None,
                SamplerConfig::ParentBasedAlwaysOff,
            ),
            (
                "parentbased_traceidratio",
                Some("0"),
                SamplerConfig::ParentBasedTraceIdRatio(0.0),
            ),
        ];
        for (name, arg, expected) in cases {
            assert_eq!(SamplerConfig::parse(name, arg), Ok(expected), "{name}");
        }
    }

    #[test]
    fn ratio_without_argument_samples_everything() {
        assert_eq!(
            SamplerConfig::parse("traceidratio", None),
            Ok(SamplerConfig::TraceIdRatio(1.0))
        );
    }

    #[test]
    fn non_ratio_samplers_ignore_the_argument() {
        assert_eq!(
            SamplerConfig::parse("always_off", Some("junk")),
            Ok(SamplerConfig::AlwaysOff)
        );
    }

    #[test]
    fn ratio_outside_zero_to_one_or_not_a_number_is_rejected() {
        for arg in ["1.5", "-0.1", "half", "NaN"] {
            let error = SamplerConfig::parse("traceidratio", Some(arg)).unwrap_err();
            assert!(
                matches!(&error, ConfigError::InvalidValue { variable: OTEL_TRACES_SAMPLER_ARG, value, .. } if value == arg),
                "{arg}: {error}"
            );
        }
    }

    #[test]
    fn unknown_sampler_name_is_rejected() {
        assert!(matches!(
            SamplerConfig::parse("xray", None),
            Err(ConfigError::InvalidValue {
                variable: OTEL_TRACES_SAMPLER,
                ..
            })
        ));
    }

    #[test]
    fn parent_based_config_maps_to_parent_based_sdk_sampler() {
        assert!(matches!(
            SamplerConfig::ParentBasedTraceIdRatio(0.5).to_sampler(),
            Sampler::ParentBased(_)
        ));
        assert!(
            matches!(SamplerConfig::TraceIdRatio(0.5).to_sampler(), Sampler::TraceIdRatioBased(r) if r == 0.5)
        );
        assert!(matches!(
            SamplerConfig::AlwaysOff.to_sampler(),
            Sampler::AlwaysOff
        ));
    }
}

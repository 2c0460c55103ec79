//! [`LoadConfig`]: where to send load, how much, for how long, and in which mix.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use http::Uri;

use super::journey::Journey;

/// Why a [`LoadConfig`] or a [`Mix`] was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// The base URL is not an absolute `http://host[:port]` URL.
    #[error("the shop's URL {0:?} is not an absolute http:// URL such as http://127.0.0.1:8080")]
    BaseUrl(String),
    /// A rate that is not a positive, finite number of journeys per second.
    #[error("the rate must be a positive number of journeys per second, not {0}")]
    Rate(f64),
    /// Zero virtual users.
    #[error("at least one virtual user is needed")]
    NoUsers,
    /// A zero duration.
    #[error("the duration must be longer than zero")]
    NoDuration,
    /// A mix entry that is not `journey=weight`.
    #[error("mix entry {0:?} is not journey=weight (for example browse=5)")]
    MixEntry(String),
    /// A journey name the generator does not know.
    #[error("unknown journey {name:?}; known: {known}")]
    UnknownJourney {
        /// The name given.
        name: String,
        /// The names known, comma-separated.
        known: String,
    },
    /// A mix whose weights are all zero.
    #[error("the mix gives every journey a weight of zero")]
    EmptyMix,
}

/// How load is offered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    /// An open model: journeys start at this rate per second whatever the shop's latency
    /// (up to [`LoadConfig::with_max_in_flight`] at once; the excess is counted as dropped).
    Rate(f64),
    /// A closed model: this many virtual users, each starting its next journey when its last
    /// one ends.
    Users(usize),
}

/// The relative weight of each [`Journey`]: how often it is picked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mix {
    weights: Vec<(Journey, u32)>,
}

impl Mix {
    /// The journeys and their weights, in [`Journey::ALL`] order.
    pub fn weights(&self) -> &[(Journey, u32)] {
        &self.weights
    }

    /// Picks a journey with probability proportional to its weight; `roll` is uniform in
    /// `0..total weight`.
    pub(crate) fn pick(&self, roll: u32) -> Journey {
        let mut left = roll;
        for &(journey, weight) in &self.weights {
            if left < weight {
                return journey;
            }
            left -= weight;
        }
        self.weights
            .iter()
            .rev()
            .find(|(_, weight)| *weight > 0)
            .map_or(Journey::Browse, |(journey, _)| *journey)
    }

    /// The sum of the weights (never zero for a built mix).
    pub(crate) fn total(&self) -> u32 {
        self.weights.iter().map(|(_, weight)| weight).sum()
    }
}

impl Default for Mix {
    /// Browsing dominates, as in a real shop: browse 5, product detail 4, order 2, view order
    /// 2, inbox 1, a new customer 1.
    fn default() -> Self {
        Mix {
            weights: Journey::ALL
                .iter()
                .map(|&journey| (journey, journey.default_weight()))
                .collect(),
        }
    }
}

impl FromStr for Mix {
    type Err = ConfigError;

    /// `browse=5,order=2`: the journeys named get these weights, the others weight 0.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut weights: Vec<(Journey, u32)> =
            Journey::ALL.iter().map(|&journey| (journey, 0)).collect();
        for entry in text
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
        {
            let (name, weight) = entry
                .split_once('=')
                .ok_or_else(|| ConfigError::MixEntry(entry.to_owned()))?;
            let journey =
                Journey::from_name(name.trim()).ok_or_else(|| ConfigError::UnknownJourney {
                    name: name.trim().to_owned(),
                    known: Journey::ALL
                        .iter()
                        .map(|journey| journey.name())
                        .collect::<Vec<_>>()
                        .join(", "),
                })?;
            let weight: u32 = weight
                .trim()
                .parse()
                .map_err(|_| ConfigError::MixEntry(entry.to_owned()))?;
            if let Some(slot) = weights.iter_mut().find(|(known, _)| *known == journey) {
                slot.1 = weight;
            }
        }
        let mix = Mix { weights };
        if mix.total() == 0 {
            return Err(ConfigError::EmptyMix);
        }
        Ok(mix)
    }
}

impl fmt::Display for Mix {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries: Vec<String> = self
            .weights
            .iter()
            .filter(|(_, weight)| *weight > 0)
            .map(|(journey, weight)| format!("{}={weight}", journey.name()))
            .collect();
        formatter.write_str(&entries.join(","))
    }
}

/// What [`run`](super::run) does: a validated configuration, built by [`LoadConfig::new`].
#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// The base URL without a trailing slash; paths are appended to it.
    pub(crate) base: String,
    pub(crate) mode: Mode,
    pub(crate) duration: Duration,
    pub(crate) mix: Mix,
    pub(crate) seed: u64,
    pub(crate) request_timeout: Duration,
    pub(crate) max_in_flight: usize,
    pub(crate) customers: usize,
}

impl LoadConfig {
    /// Load against the shop at `base` (the gateway, for example `http://127.0.0.1:8080`;
    /// requests go to `{base}/api/...`) in `mode` for `duration`, with the default [`Mix`],
    /// seed 1, a 10 s timeout per request, at most 512 journeys in flight, and at most 200
    /// customers (registered users) reused across journeys in rate mode.
    ///
    /// # Errors
    ///
    /// A base that is not an absolute `http://` URL, a rate that is not positive, zero
    /// users, a zero duration.
    pub fn new(base: &str, mode: Mode, duration: Duration) -> Result<Self, ConfigError> {
        let base_error = || ConfigError::BaseUrl(base.to_owned());
        let trimmed = base.trim_end_matches('/');
        let uri: Uri = trimmed.parse().map_err(|_| base_error())?;
        if uri.scheme_str() != Some("http") || uri.authority().is_none() {
            return Err(base_error());
        }
        match mode {
            Mode::Rate(rate) if !(rate.is_finite() && rate > 0.0) => {
                return Err(ConfigError::Rate(rate));
            }
            Mode::Users(0) => return Err(ConfigError::NoUsers),
            _ => {}
        }
        if duration.is_zero() {
            return Err(ConfigError::NoDuration);
        }
        Ok(LoadConfig {
            base: trimmed.to_owned(),
            mode,
            duration,
            mix: Mix::default(),
            seed: 1,
            request_timeout: Duration::from_secs(10),
            max_in_flight: 512,
            customers: 200,
        })
    }

    /// Uses `mix` instead of the default.
    #[must_use]
    pub fn with_mix(mut self, mix: Mix) -> Self {
        self.mix = mix;
        self
    }

    /// Offers load for `duration` (at least 1 ms) instead.
    #[must_use]
    pub fn with_duration(mut self, duration: Duration) -> Self {
        self.duration = duration.max(Duration::from_millis(1));
        self
    }

    /// Seeds the journey choices and product picks, so two runs offer the same sequence.
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The longest a request may take before it counts as failed (at least 1 ms).
    #[must_use]
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// The most journeys in flight at once in rate mode (at least 1).
    #[must_use]
    pub fn with_max_in_flight(mut self, journeys: usize) -> Self {
        self.max_in_flight = journeys.max(1);
        self
    }

    /// The most customers registered and reused in rate mode (at least 1).
    #[must_use]
    pub fn with_customers(mut self, customers: usize) -> Self {
        self.customers = customers.max(1);
        self
    }

    /// The shop's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// How load is offered.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// How long load is offered.
    pub fn duration(&self) -> Duration {
        self.duration
    }

    /// The journey mix.
    pub fn mix(&self) -> &Mix {
        &self.mix
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mix_names_its_journeys_and_leaves_the_rest_at_zero() {
        let mix: Mix = "browse=5, order=2".parse().expect("valid mix");
        assert_eq!(mix.total(), 7);
        assert_eq!(mix.to_string(), "browse=5,order=2");
        let picks: Vec<Journey> = (0..7).map(|roll| mix.pick(roll)).collect();
        assert_eq!(picks.iter().filter(|&&j| j == Journey::Browse).count(), 5);
        assert_eq!(picks.iter().filter(|&&j| j == Journey::Order).count(), 2);
    }

    #[test]
    fn bad_mixes_are_refused_with_the_reason() {
        assert_eq!(
            "browse".parse::<Mix>(),
            Err(ConfigError::MixEntry("browse".into()))
        );
        assert_eq!(
            "browse=many".parse::<Mix>(),
            Err(ConfigError::MixEntry("browse=many".into()))
        );
        assert!(matches!(
            "shopping=1".parse::<Mix>(),
            Err(ConfigError::UnknownJourney { name, known }) if name == "shopping" && known.contains("browse")
        ));
        assert_eq!("browse=0".parse::<Mix>(), Err(ConfigError::EmptyMix));
    }

    #[test]
    fn bad_configurations_are_refused() {
        let second = Duration::from_secs(1);
        assert!(matches!(
            LoadConfig::new("localhost:8080", Mode::Users(1), second),
            Err(ConfigError::BaseUrl(_))
        ));
        assert!(matches!(
            LoadConfig::new("https://shop.example", Mode::Users(1), second),
            Err(ConfigError::BaseUrl(_))
        ));
        assert_eq!(
            LoadConfig::new("http://127.0.0.1:8080", Mode::Rate(0.0), second).err(),
            Some(ConfigError::Rate(0.0))
        );
        assert_eq!(
            LoadConfig::new("http://127.0.0.1:8080", Mode::Users(0), second).err(),
            Some(ConfigError::NoUsers)
        );
        assert_eq!(
            LoadConfig::new("http://127.0.0.1:8080", Mode::Users(1), Duration::ZERO).err(),
            Some(ConfigError::NoDuration)
        );
        let config =
            LoadConfig::new("http://127.0.0.1:8080/", Mode::Rate(50.0), second).expect("valid");
        assert_eq!(config.base(), "http://127.0.0.1:8080");
    }
}

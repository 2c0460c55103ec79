//! [`SagaSettings`]: the saga's deadline and the sweep of stuck sagas, and reading them
//! from `SHOP_*` variables ([`SagaSettings::from_env`]).

use std::time::Duration;

/// How long a saga may run, and how the [sweep](super::sweep) finds the ones that got stuck.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SagaSettings {
    /// How long a saga may run forward before it is compensated: checked before each step,
    /// confirming included (each call is bounded by the client's own timeouts).
    pub deadline: Duration,
    /// How often the sweep looks for stuck sagas.
    pub sweep_every: Duration,
    /// How long an unfinished order must have been quiet (no saga step logged, no change)
    /// before the sweep takes it over. Longer than any step of a live saga can take, so only
    /// orders nobody works on qualify; sagas this process runs are skipped anyway.
    pub stuck_after: Duration,
}

/// A `SHOP_SAGA_*` variable that is not a whole number of milliseconds of at least 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {reason}")]
pub struct SettingsError {
    /// The variable, such as `SHOP_ORDERS_SAGA_DEADLINE_MS`.
    pub variable: String,
    /// What is wrong with its value.
    pub reason: String,
}

/// The settings read from variables, by their name after `SHOP_` or `SHOP_ORDERS_`.
const NAMES: [&str; 3] = [
    "SAGA_DEADLINE_MS",
    "SAGA_SWEEP_EVERY_MS",
    "SAGA_STUCK_AFTER_MS",
];

impl SagaSettings {
    /// The defaults: an 8 s deadline, a sweep every 10 s of orders quiet for 30 s.
    pub const DEFAULT: SagaSettings = SagaSettings {
        deadline: Duration::from_secs(8),
        sweep_every: Duration::from_secs(10),
        stuck_after: Duration::from_secs(30),
    };

    /// The settings of the variables among `env`, the defaults for the others:
    ///
    /// | variable | sets | default |
    /// |---|---|---|
    /// | `SHOP_SAGA_DEADLINE_MS` | [`deadline`](Self::deadline) | `8000` |
    /// | `SHOP_SAGA_SWEEP_EVERY_MS` | [`sweep_every`](Self::sweep_every) | `10000` |
    /// | `SHOP_SAGA_STUCK_AFTER_MS` | [`stuck_after`](Self::stuck_after) | `30000` |
    ///
    /// Each also exists as `SHOP_ORDERS_<NAME>` (such as `SHOP_ORDERS_SAGA_DEADLINE_MS`),
    /// which wins, like the settings of [`shop_kit::config`]. Values are whole
    /// milliseconds, at least one. They come from the environment only: the `SHOP_CONFIG`
    /// file holds shop-kit's settings alone. Pairs that are not `SHOP_SAGA_*` or
    /// `SHOP_ORDERS_SAGA_*` are ignored, so the whole environment can be passed.
    pub fn from_env<K, V>(env: impl IntoIterator<Item = (K, V)>) -> Result<Self, SettingsError>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        // The value and variable of each setting: a service-specific one wins.
        let mut found: [Option<(String, String, bool)>; 3] = Default::default();
        for (name, value) in env {
            let name = name.as_ref();
            let (key, specific) = match name.strip_prefix("SHOP_ORDERS_") {
                Some(key) => (key, true),
                None => match name.strip_prefix("SHOP_") {
                    Some(key) => (key, false),
                    None => continue,
                },
            };
            let Some(index) = NAMES.iter().position(|known| *known == key) else {
                continue;
            };
            let keep = found[index]
                .as_ref()
                .is_none_or(|(_, _, was_specific)| specific || !was_specific);
            if keep {
                found[index] = Some((name.to_owned(), value.as_ref().to_owned(), specific));
            }
        }
        let [deadline, sweep_every, stuck_after] = found;
        let defaults = SagaSettings::DEFAULT;
        Ok(SagaSettings {
            deadline: millis(deadline)?.unwrap_or(defaults.deadline),
            sweep_every: millis(sweep_every)?.unwrap_or(defaults.sweep_every),
            stuck_after: millis(stuck_after)?.unwrap_or(defaults.stuck_after),
        })
    }

    /// [`from_env`](Self::from_env) of the process environment. A variable of ours whose
    /// value is not Unicode is an error; other variables are not looked at.
    pub fn load() -> Result<Self, SettingsError> {
        let mut env = Vec::new();
        for (name, value) in std::env::vars_os() {
            let Some(name) = name.to_str() else { continue };
            if !name.starts_with("SHOP_") {
                continue;
            }
            match value.into_string() {
                Ok(value) => env.push((name.to_owned(), value)),
                Err(_) if is_ours(name) => {
                    return Err(SettingsError {
                        variable: name.to_owned(),
                        reason: "not valid Unicode".to_owned(),
                    });
                }
                Err(_) => {}
            }
        }
        SagaSettings::from_env(env)
    }
}

impl Default for SagaSettings {
    fn default() -> Self {
        SagaSettings::DEFAULT
    }
}

fn is_ours(name: &str) -> bool {
    let key = name
        .strip_prefix("SHOP_ORDERS_")
        .or_else(|| name.strip_prefix("SHOP_"));
    key.is_some_and(|key| NAMES.contains(&key))
}

/// The duration of a found variable, if any.
fn millis(found: Option<(String, String, bool)>) -> Result<Option<Duration>, SettingsError> {
    let Some((variable, value, _)) = found else {
        return Ok(None);
    };
    match value.trim().parse::<u64>() {
        Ok(ms) if ms >= 1 => Ok(Some(Duration::from_millis(ms))),
        _ => Err(SettingsError {
            variable,
            reason: format!("{value:?} is not a whole number of milliseconds of at least 1"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_set_is_the_defaults() {
        let env: [(&str, &str); 1] = [("SHOP_BIND", "127.0.0.1:1")];
        assert_eq!(SagaSettings::from_env(env), Ok(SagaSettings::DEFAULT));
    }

    #[test]
    fn variables_set_each_setting_and_the_service_specific_one_wins() {
        let env = [
            ("SHOP_ORDERS_SAGA_DEADLINE_MS", "1500"),
            ("SHOP_SAGA_DEADLINE_MS", "9000"),
            ("SHOP_SAGA_SWEEP_EVERY_MS", "250"),
            ("SHOP_SAGA_STUCK_AFTER_MS", "4000"),
        ];
        let settings = SagaSettings::from_env(env).expect("valid");
        assert_eq!(settings.deadline, Duration::from_millis(1500));
        assert_eq!(settings.sweep_every, Duration::from_millis(250));
        assert_eq!(settings.stuck_after, Duration::from_secs(4));
    }

    #[test]
    fn zero_or_garbage_is_an_error_naming_the_variable() {
        for value in ["0", "-5", "soon", ""] {
            let error = SagaSettings::from_env([("SHOP_ORDERS_SAGA_SWEEP_EVERY_MS", value)])
                .expect_err("refused");
            assert_eq!(error.variable, "SHOP_ORDERS_SAGA_SWEEP_EVERY_MS");
        }
    }

    #[test]
    fn only_our_variables_are_ours() {
        assert!(is_ours("SHOP_SAGA_DEADLINE_MS"));
        assert!(is_ours("SHOP_ORDERS_SAGA_STUCK_AFTER_MS"));
        assert!(!is_ours("SHOP_BIND"));
        assert!(!is_ours("SHOP_PRODUCTS_SAGA_DEADLINE_MS"));
    }
}

//! Which upstream a request of a route goes to.
//!
//! In order: the first [header rule](header) that matches sends it to its canary upstream;
//! otherwise the [weights](weighted) pick an upstream (the route's own when it has none);
//! then the [`migration`], when the route has one, takes its percentage of what
//! is left and rolls itself back to 0% when its upstream fails too often.

pub mod header;
pub mod migration;
pub mod weighted;

use std::sync::Arc;

use http::HeaderMap;

use crate::balance::{Upstream, Upstreams};
use crate::config::{ConfigError, RouteConfig};
use header::HeaderRule;
use migration::Migration;
use weighted::Weighted;

/// The split of one route; see the [module docs](self).
#[derive(Debug)]
pub struct Split {
    rules: Vec<HeaderRule>,
    weighted: Weighted,
    migration: Option<Migration>,
}

/// Where one request goes.
#[derive(Debug, Clone)]
pub struct Choice {
    /// The upstream.
    pub upstream: Arc<Upstream>,
    /// Whether the migration chose it (its outcome then counts towards a rollback).
    pub migration: bool,
}

impl Split {
    /// The split of `route`, with the upstreams of the configuration.
    ///
    /// # Errors
    ///
    /// An upstream or header the route names that does not exist or is not valid.
    pub fn new(route: &RouteConfig, upstreams: &Upstreams) -> Result<Self, ConfigError> {
        let find = |name: &str| {
            upstreams.get(name).cloned().ok_or_else(|| {
                ConfigError::invalid(
                    format!("route {}", route.prefix),
                    format!("no upstream {name:?}"),
                )
            })
        };
        let rules = route
            .canary
            .iter()
            .map(|rule| HeaderRule::new(&rule.header, &rule.value, find(&rule.upstream)?))
            .collect::<Result<Vec<_>, _>>()?;
        let primary = find(&route.upstream)?;
        let weights = if route.weights.is_empty() {
            vec![(Arc::clone(&primary), 1)]
        } else {
            route
                .weights
                .iter()
                .map(|w| Ok((find(&w.upstream)?, w.weight)))
                .collect::<Result<Vec<_>, ConfigError>>()?
        };
        let migration = route
            .migration
            .as_ref()
            .map(|policy| {
                Ok::<_, ConfigError>(Migration::new(
                    &route.prefix,
                    policy,
                    find(&policy.upstream)?,
                ))
            })
            .transpose()?;
        Ok(Split {
            rules,
            weighted: Weighted::new(primary, weights),
            migration,
        })
    }

    /// The upstream for a request with `headers`.
    pub fn choose(&self, headers: &HeaderMap, rng: &mut fastrand::Rng) -> Choice {
        if let Some(rule) = self.rules.iter().find(|rule| rule.matches(headers)) {
            return Choice {
                upstream: Arc::clone(rule.upstream()),
                migration: false,
            };
        }
        if let Some(migration) = &self.migration {
            if migration.takes(rng) {
                return Choice {
                    upstream: Arc::clone(migration.upstream()),
                    migration: true,
                };
            }
        }
        Choice {
            upstream: Arc::clone(self.weighted.pick(rng)),
            migration: false,
        }
    }

    /// Every upstream it may choose, each once.
    pub fn upstreams(&self) -> Vec<Arc<Upstream>> {
        let all = self
            .rules
            .iter()
            .map(HeaderRule::upstream)
            .chain(self.weighted.upstreams())
            .chain(self.migration.iter().map(Migration::upstream));
        let mut distinct: Vec<Arc<Upstream>> = Vec::new();
        for upstream in all {
            if !distinct.iter().any(|known| Arc::ptr_eq(known, upstream)) {
                distinct.push(Arc::clone(upstream));
            }
        }
        distinct
    }

    /// The route's migration, if it has one.
    pub fn migration(&self) -> Option<&Migration> {
        self.migration.as_ref()
    }
}

//! [`Upstream`] and its [`Endpoint`]s.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use arc_swap::{ArcSwap, Guard};
use http::HeaderValue;
use http::uri::Authority;

use crate::config::{ConfigError, GatewayConfig};

/// One instance of an upstream.
#[derive(Debug)]
pub struct Endpoint {
    upstream: String,
    authority: Authority,
    /// The `Host` header for requests to it, made once: left to the HTTP client, it is
    /// formatted anew for every request.
    host: HeaderValue,
    in_flight: AtomicUsize,
    healthy: AtomicBool,
}

impl Endpoint {
    /// An instance at `authority` (`host:port`), healthy until a check says otherwise.
    pub fn new(upstream: &str, authority: Authority) -> Self {
        let host = HeaderValue::from_str(authority.as_str())
            .expect("an authority is a valid header value");
        Endpoint {
            upstream: upstream.to_owned(),
            host,
            authority,
            in_flight: AtomicUsize::new(0),
            healthy: AtomicBool::new(true),
        }
    }

    /// The upstream's name.
    pub fn upstream(&self) -> &str {
        &self.upstream
    }

    /// `host:port`.
    pub fn authority(&self) -> &Authority {
        &self.authority
    }

    /// The `Host` header value for requests to it: its authority.
    pub fn host(&self) -> &HeaderValue {
        &self.host
    }

    /// Requests sent to it and not yet answered.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// Whether the active health checks let it take traffic.
    pub fn is_healthy(&self) -> bool {
        self.healthy.load(Ordering::Relaxed)
    }

    /// Records the health checks' verdict; returns whether it changed.
    pub fn set_healthy(&self, healthy: bool) -> bool {
        self.healthy.swap(healthy, Ordering::Relaxed) != healthy
    }

    /// Counts a request in flight until the guard is dropped.
    pub fn start(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(Arc::clone(self))
    }
}

/// A request in flight to an [`Endpoint`]; dropping it ends the count.
#[derive(Debug)]
pub struct InFlight(Arc<Endpoint>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The instances of an upstream at one moment.
pub type Endpoints = Arc<Vec<Arc<Endpoint>>>;

/// An upstream service: its name and instances. The instances can change while requests
/// run (DNS discovery swaps the whole list), so a request reads a snapshot: one atomic
/// load, no lock.
#[derive(Debug)]
pub struct Upstream {
    name: String,
    header: Option<HeaderValue>,
    endpoints: ArcSwap<Vec<Arc<Endpoint>>>,
}

impl Upstream {
    /// An upstream named `name` on these authorities.
    pub fn new(name: &str, authorities: Vec<Authority>) -> Self {
        Upstream {
            name: name.to_owned(),
            header: HeaderValue::try_from(name).ok(),
            endpoints: ArcSwap::from_pointee(
                authorities
                    .into_iter()
                    .map(|authority| Arc::new(Endpoint::new(name, authority)))
                    .collect(),
            ),
        }
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its name as a header value (`x-gateway-upstream`), made once; `None` if the name
    /// cannot be one.
    pub fn header(&self) -> Option<&HeaderValue> {
        self.header.as_ref()
    }

    /// Its instances now.
    pub fn endpoints(&self) -> Guard<Endpoints> {
        self.endpoints.load()
    }

    /// Replaces its instances; requests already under way keep the ones they picked.
    pub fn replace_endpoints(&self, endpoints: Vec<Arc<Endpoint>>) {
        self.endpoints.store(Arc::new(endpoints));
    }
}

/// Every upstream of the configuration, by name.
#[derive(Debug, Clone, Default)]
pub struct Upstreams(BTreeMap<String, Arc<Upstream>>);

impl Upstreams {
    /// The upstreams of `config`.
    ///
    /// # Errors
    ///
    /// An instance URL that is not `http://host:port`.
    pub fn from_config(config: &GatewayConfig) -> Result<Self, ConfigError> {
        let mut upstreams = BTreeMap::new();
        for (name, upstream) in &config.upstreams {
            let authorities = upstream
                .authorities(name)?
                .into_iter()
                .map(|authority| {
                    Authority::try_from(authority.as_str()).map_err(|error| {
                        ConfigError::invalid(format!("upstreams.{name}"), error.to_string())
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            upstreams.insert(name.clone(), Arc::new(Upstream::new(name, authorities)));
        }
        Ok(Upstreams(upstreams))
    }

    /// The upstream named `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<Upstream>> {
        self.0.get(name)
    }

    /// Every upstream.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Upstream>> {
        self.0.values()
    }
}

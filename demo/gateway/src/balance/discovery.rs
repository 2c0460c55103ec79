//! DNS discovery: an upstream's names resolved at an interval into one instance per
//! address (`discover = "dns"`, [`Discover::Dns`](crate::config::Discover::Dns)).
//!
//! A Kubernetes headless Service answers with the addresses of its ready pods. Resolving
//! it per connection (what hyper's connector does) spreads connections over the pods, but
//! then the gateway's health checks, breakers and p2c see one instance. Here each address
//! becomes an [`Endpoint`] of its own, with its own health checks and (keyed by its
//! authority) its own breaker, added and removed as the answer changes. The set is swapped
//! whole, so a request sees the old or the new one, never half of each.
//!
//! A failed or empty answer keeps the last good set (a DNS hiccup must not empty an
//! upstream; instances that are really gone fail their health checks). The resolver is a
//! [`Resolve`], so tests can answer without DNS.

use std::collections::{BTreeSet, HashMap};
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use http::uri::Authority;
use tokio::task::{AbortHandle, JoinSet};

use super::Upstream;
use super::endpoint::Endpoint;
use super::health::{self, CheckClient};
use crate::config::HealthConfig;
use crate::telemetry;

/// Resolves a host name and port into socket addresses.
pub trait Resolve: Send + Sync + 'static {
    /// The addresses of `host` on `port`.
    fn resolve(&self, host: &str, port: u16) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>>;
}

/// The system resolver, through [`tokio::net::lookup_host`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, host: &str, port: u16) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
        let host = host.to_owned();
        Box::pin(async move {
            Ok(tokio::net::lookup_host((host.as_str(), port))
                .await?
                .collect())
        })
    }
}

/// What one upstream's discovery needs.
pub struct Discovery {
    upstream: Arc<Upstream>,
    names: Vec<Authority>,
    interval: Duration,
    resolver: Arc<dyn Resolve>,
    health: HealthConfig,
    client: CheckClient,
}

impl std::fmt::Debug for Discovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Discovery")
            .field("upstream", &self.upstream.name())
            .field("names", &self.names)
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

impl Discovery {
    /// Discovery of `upstream`'s instances from the configured `names` (`host:port`) by
    /// `resolver` every `interval`, checking each instance as `health` says.
    pub fn new(
        upstream: Arc<Upstream>,
        names: Vec<Authority>,
        interval: Duration,
        resolver: Arc<dyn Resolve>,
        health: HealthConfig,
        client: CheckClient,
    ) -> Self {
        Discovery {
            upstream,
            names,
            interval,
            resolver,
            health,
            client,
        }
    }

    /// Resolves now and then every interval, forever, keeping the upstream's instances and
    /// their health checks in step with the answers. The checks are tasks of this future:
    /// dropping (aborting) it stops them all.
    pub async fn run(self) {
        let mut checks = JoinSet::new();
        let mut running: HashMap<Authority, AbortHandle> = HashMap::new();
        for endpoint in self.upstream.endpoints().iter() {
            let handle = health::spawn_check(endpoint, &self.client, self.health, &mut checks);
            running.insert(endpoint.authority().clone(), handle);
        }
        loop {
            if let Some(addresses) = self.resolve_all().await {
                self.apply(&addresses, &mut running, &mut checks);
            }
            // Reap the checks of removed instances.
            while checks.try_join_next().is_some() {}
            tokio::time::sleep(self.interval).await;
        }
    }

    /// Every address of every name, as authorities; `None` when any name failed or the
    /// answers were empty, so that the last good set stays.
    async fn resolve_all(&self) -> Option<Vec<Authority>> {
        let mut found = BTreeSet::new();
        for name in &self.names {
            let host = name.host().trim_start_matches('[').trim_end_matches(']');
            let port = name.port_u16().unwrap_or(80);
            match self.resolver.resolve(host, port).await {
                Ok(addresses) => found.extend(addresses),
                Err(error) => {
                    tracing::warn!(upstream = self.upstream.name(), %name, %error, "DNS discovery failed, keeping the instances");
                    return None;
                }
            }
        }
        if found.is_empty() {
            tracing::warn!(
                upstream = self.upstream.name(),
                "DNS discovery found no address, keeping the instances"
            );
            return None;
        }
        // Sorted and deduplicated by address, so the order of the answer does not matter.
        Some(
            found
                .into_iter()
                .filter_map(|address| Authority::try_from(address.to_string()).ok())
                .collect(),
        )
    }

    /// Makes `addresses` the upstream's instances: those already known keep their endpoint
    /// (its load, health and breaker), new ones start checked, gone ones stop.
    fn apply(
        &self,
        addresses: &[Authority],
        running: &mut HashMap<Authority, AbortHandle>,
        checks: &mut JoinSet<()>,
    ) {
        let current = self.upstream.endpoints();
        let unchanged = current.len() == addresses.len()
            && current.iter().all(|e| addresses.contains(e.authority()));
        if unchanged {
            return;
        }
        let name = self.upstream.name();
        let mut next = Vec::with_capacity(addresses.len());
        for authority in addresses {
            match current.iter().find(|e| e.authority() == authority) {
                Some(known) => next.push(Arc::clone(known)),
                None => {
                    let endpoint = Arc::new(Endpoint::new(name, authority.clone()));
                    tracing::info!(upstream = name, endpoint = %authority, "instance discovered");
                    let handle = health::spawn_check(&endpoint, &self.client, self.health, checks);
                    running.insert(authority.clone(), handle);
                    next.push(endpoint);
                }
            }
        }
        for gone in current
            .iter()
            .filter(|e| !addresses.contains(e.authority()))
        {
            tracing::info!(upstream = name, endpoint = %gone.authority(), "instance no longer in DNS, removed");
            if let Some(handle) = running.remove(gone.authority()) {
                handle.abort();
            }
            // The metrics facade cannot delete a series: a removed instance reads as out.
            telemetry::endpoint_health(gone, false);
        }
        self.upstream.replace_endpoints(next);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// Answers with whatever the test last set; `None` fails.
    #[derive(Default)]
    struct Scripted {
        answer: Mutex<Option<Vec<SocketAddr>>>,
        asked: Mutex<Vec<(String, u16)>>,
    }

    impl Scripted {
        fn answer(&self, answer: Option<&[&str]>) {
            let parsed = answer.map(|list| list.iter().map(|a| a.parse().unwrap()).collect());
            *self.answer.lock().unwrap() = parsed;
        }
    }

    impl Resolve for Arc<Scripted> {
        fn resolve(
            &self,
            host: &str,
            port: u16,
        ) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
            self.asked.lock().unwrap().push((host.to_owned(), port));
            let answer = self.answer.lock().unwrap().clone();
            Box::pin(async move { answer.ok_or_else(|| io::Error::other("no such host")) })
        }
    }

    fn instances(upstream: &Upstream) -> Vec<String> {
        upstream
            .endpoints()
            .iter()
            .map(|e| e.authority().to_string())
            .collect()
    }

    #[tokio::test(start_paused = true)]
    async fn addresses_appear_and_disappear_as_the_answer_changes() {
        let name = Authority::from_static("things-headless:8082");
        let upstream = Arc::new(Upstream::new("things", vec![name.clone()]));
        let resolver = Arc::new(Scripted::default());
        resolver.answer(Some(&["10.0.0.2:8082", "10.0.0.1:8082", "10.0.0.2:8082"]));
        let health = HealthConfig {
            interval_ms: 3_600_000,
            ..HealthConfig::default()
        };
        let discovery = Discovery::new(
            Arc::clone(&upstream),
            vec![name],
            Duration::from_secs(1),
            Arc::new(Arc::clone(&resolver)),
            health,
            CheckClient::new(),
        );
        let task = tokio::spawn(discovery.run());
        // Every step below happens half an interval after a resolution.
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(instances(&upstream), ["10.0.0.1:8082", "10.0.0.2:8082"]);
        assert_eq!(
            resolver.asked.lock().unwrap()[0],
            ("things-headless".to_owned(), 8082)
        );
        let kept = Arc::clone(&upstream.endpoints()[1]);
        let _busy = kept.start();

        resolver.answer(Some(&["10.0.0.3:8082", "10.0.0.2:8082"]));
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(instances(&upstream), ["10.0.0.2:8082", "10.0.0.3:8082"]);
        assert!(
            Arc::ptr_eq(&kept, &upstream.endpoints()[0]),
            "a known instance keeps its endpoint"
        );
        assert_eq!(upstream.endpoints()[0].in_flight(), 1);

        // A failed, then an empty answer keep the last good set.
        resolver.answer(None);
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(instances(&upstream), ["10.0.0.2:8082", "10.0.0.3:8082"]);
        resolver.answer(Some(&[]));
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(instances(&upstream), ["10.0.0.2:8082", "10.0.0.3:8082"]);

        resolver.answer(Some(&["[fd00::7]:8082"]));
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(instances(&upstream), ["[fd00::7]:8082"]);
        assert_eq!(resolver.asked.lock().unwrap().len(), 5);
        task.abort();
    }
}

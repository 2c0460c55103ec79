//! [`Route`]: one configured route, ready to serve: its policies, split and pipeline.

use seawall::metrics::RouteTemplate;

use std::sync::Arc;

use crate::balance::{Upstream, Upstreams};
use crate::config::{AuthMode, ConfigError, RouteConfig};
use crate::limit::Limits;
use crate::pipeline::{self, Breakers, ReadyPipelines, Transport};
use crate::split::Split;
use crate::telemetry::UpstreamRequests;

/// A route, built.
#[derive(Debug)]
pub struct Route {
    prefix: String,
    template: RouteTemplate,
    strip_prefix: String,
    auth: AuthMode,
    limits: Option<Limits>,
    split: Split,
    /// A pipeline per upstream the split sends to.
    pipelines: Vec<(Arc<Upstream>, ReadyPipelines)>,
    breakers: Breakers,
    requests: Vec<UpstreamRequests>,
}

impl Route {
    /// Builds `config`'s route over the shared `transport` and retry `budget`.
    ///
    /// # Errors
    ///
    /// A policy the layers refuse, or an upstream or header that does not exist.
    pub fn build(
        config: &RouteConfig,
        upstreams: &Upstreams,
        transport: Transport,
        budget: seawall::retry::RetryBudget,
    ) -> Result<Self, ConfigError> {
        let template = RouteTemplate::new(format!("{}/*", config.prefix));
        let split = Split::new(config, upstreams)?;
        let targets = split.upstreams();
        let (pipelines, breakers) =
            pipeline::build(config, &template, &targets, &transport, budget)?;
        Ok(Route {
            prefix: config.prefix.clone(),
            template,
            strip_prefix: config.strip_prefix.clone(),
            auth: config.auth,
            limits: config.rate_limit.as_ref().map(Limits::new),
            split,
            pipelines: targets
                .into_iter()
                .zip(pipelines.into_iter().map(ReadyPipelines::new))
                .collect(),
            breakers,
            requests: config
                .upstreams()
                .map(|upstream| UpstreamRequests::new(&config.prefix, upstream))
                .collect(),
        })
    }

    /// The prefix, as configured.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The `http_route` label of its requests: the prefix and `/*`.
    pub fn template(&self) -> &RouteTemplate {
        &self.template
    }

    /// What is cut from paths before forwarding.
    pub fn strip_prefix(&self) -> &str {
        &self.strip_prefix
    }

    /// Its token checking.
    pub fn auth(&self) -> AuthMode {
        self.auth
    }

    /// Its rate limits.
    pub fn limits(&self) -> Option<&Limits> {
        self.limits.as_ref()
    }

    /// Which upstream each request goes to.
    pub fn split(&self) -> &Split {
        &self.split
    }

    /// Its client stack to `upstream`, one the split chose.
    pub fn pipeline(&self, upstream: &Arc<Upstream>) -> Option<&ReadyPipelines> {
        self.pipelines
            .iter()
            .find(|(target, _)| Arc::ptr_eq(target, upstream))
            .map(|(_, pipeline)| pipeline)
    }

    /// Counts a request the split sent to `upstream`
    /// (`shop_gateway_upstream_requests_total`).
    pub fn count_request(&self, upstream: &str) {
        if let Some(requests) = self.requests.iter().find(|r| r.upstream() == upstream) {
            requests.increment();
        }
    }

    /// Its per-instance breakers.
    pub fn breakers(&self) -> &Breakers {
        &self.breakers
    }
}

use super::{
    FaultHandle,
    fault::Capabilities,
    injector::Injector,
    matcher::{EntityFn, RequestHead},
    service::{ChaosService, ClientChaosService},
};
use std::{
    fmt,
    marker::PhantomData,
    sync::{Arc, Mutex},
};
use tower_layer::Layer;

/// How many faults a layer holds at once unless told otherwise.
pub const DEFAULT_MAX_FAULTS: usize = 32;

/// Injects latency and aborts into a server; see the [module docs](super).
///
/// Its services keep the inner service's error type, so axum handlers stay `Infallible`.
/// Every clone shares one set of faults, reachable through [`handle`](Self::handle).
#[derive(Debug, Clone)]
pub struct ChaosLayer {
    injector: Arc<Injector>,
}

/// Injects latency, aborts, transport errors and connection resets into a client; see the
/// [module docs](super).
///
/// The client's error type must be `From<`[`InjectedFault`](super::InjectedFault)`>`, as
/// tower's `BoxError` and `std::io::Error` are. Every clone shares one set of faults,
/// reachable through [`handle`](Self::handle).
#[derive(Debug, Clone)]
pub struct ClientChaosLayer {
    injector: Arc<Injector>,
}

impl ChaosLayer {
    /// Starts building a server layer.
    pub fn builder() -> ChaosBuilder<ChaosLayer> {
        ChaosBuilder::new()
    }

    /// Runtime control of this layer's faults.
    pub fn handle(&self) -> FaultHandle {
        self.injector.faults.clone()
    }
}

impl ClientChaosLayer {
    /// Starts building a client layer.
    pub fn builder() -> ChaosBuilder<ClientChaosLayer> {
        ChaosBuilder::new()
    }

    /// Runtime control of this layer's faults.
    pub fn handle(&self) -> FaultHandle {
        self.injector.faults.clone()
    }
}

impl<S> Layer<S> for ChaosLayer {
    type Service = ChaosService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ChaosService::new(inner, Arc::clone(&self.injector))
    }
}

impl<S> Layer<S> for ClientChaosLayer {
    type Service = ClientChaosService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ClientChaosService::new(inner, Arc::clone(&self.injector))
    }
}

/// Builds a [`ChaosLayer`] or a [`ClientChaosLayer`] (the type parameter), checking its
/// configuration.
#[must_use]
pub struct ChaosBuilder<L> {
    service_name: String,
    seed: Option<u64>,
    max_faults: usize,
    trust_fault_header: bool,
    entity: Option<Box<EntityFn>>,
    layer: PhantomData<fn() -> L>,
}

impl<L> ChaosBuilder<L> {
    fn new() -> Self {
        ChaosBuilder {
            service_name: "unknown".to_owned(),
            seed: None,
            max_faults: DEFAULT_MAX_FAULTS,
            trust_fault_header: false,
            entity: None,
            layer: PhantomData,
        }
    }

    /// The `service_name` label of the `seawall_faults_injected_total` counter; `unknown`
    /// unless set.
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = name.into();
        self
    }

    /// Seeds the generator that draws fault chances and latencies, so a run can be
    /// repeated; seeded from entropy unless set.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The most faults the layer holds at once; [`DEFAULT_MAX_FAULTS`] unless set. Putting a
    /// new one beyond it is refused with
    /// [`FaultError::TooManyFaults`](super::FaultError::TooManyFaults).
    pub fn max_faults(mut self, max_faults: usize) -> Self {
        self.max_faults = max_faults;
        self
    }

    /// Whether to honour a fault carried in the [`x-seawall-fault`](super::FAULT_HEADER)
    /// request header; off unless set. Turn it on only where every caller that can reach
    /// the layer is trusted, or where an edge in front strips the header from everyone else.
    pub fn trust_fault_header(mut self, trust: bool) -> Self {
        self.trust_fault_header = trust;
        self
    }

    /// How to find the entity a request is about (a product id, a user id), for faults that
    /// match on `entity`. Called at most once per request, and only when a fault's other
    /// criteria match.
    ///
    /// ```
    /// use seawall::chaos::ChaosLayer;
    ///
    /// let layer = ChaosLayer::builder()
    ///     .entity(|req| {
    ///         let id = req.uri().path().strip_prefix("/products/")?;
    ///         Some(id.to_owned())
    ///     })
    ///     .build()
    ///     .unwrap();
    /// # let _ = layer;
    /// ```
    pub fn entity<F>(mut self, extract: F) -> Self
    where
        F: Fn(&RequestHead<'_>) -> Option<String> + Send + Sync + 'static,
    {
        self.entity = Some(Box::new(extract));
        self
    }

    fn injector(self, transport: bool) -> Result<Arc<Injector>, ConfigError> {
        if self.max_faults == 0 {
            return Err(ConfigError::ZeroMaxFaults);
        }
        if self.service_name.is_empty() {
            return Err(ConfigError::EmptyServiceName);
        }
        let capabilities = Capabilities {
            transport,
            entity_extractor: self.entity.is_some(),
        };
        let rng = match self.seed {
            Some(seed) => fastrand::Rng::with_seed(seed),
            None => fastrand::Rng::new(),
        };
        metrics::describe_counter!(
            super::FAULTS_INJECTED_TOTAL,
            "Faults injected on purpose, by fault name and kind."
        );
        Ok(Arc::new(Injector {
            faults: FaultHandle::new(self.max_faults, capabilities),
            rng: Mutex::new(rng),
            entity: self.entity,
            trust_fault_header: self.trust_fault_header,
            service_name: self.service_name.into(),
        }))
    }
}

impl ChaosBuilder<ChaosLayer> {
    /// Checks the configuration and builds the server layer.
    pub fn build(self) -> Result<ChaosLayer, ConfigError> {
        let injector = self.injector(false)?;
        Ok(ChaosLayer { injector })
    }
}

impl ChaosBuilder<ClientChaosLayer> {
    /// Checks the configuration and builds the client layer.
    pub fn build(self) -> Result<ClientChaosLayer, ConfigError> {
        let injector = self.injector(true)?;
        Ok(ClientChaosLayer { injector })
    }
}

impl<L> fmt::Debug for ChaosBuilder<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChaosBuilder")
            .field("service_name", &self.service_name)
            .field("seed", &self.seed)
            .field("max_faults", &self.max_faults)
            .field("trust_fault_header", &self.trust_fault_header)
            .field("entity", &self.entity.is_some())
            .finish()
    }
}

/// A [`ChaosBuilder`] was given a configuration that cannot work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// A cap of zero faults would refuse every fault.
    ZeroMaxFaults,
    /// The `service_name` label must not be empty.
    EmptyServiceName,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::ZeroMaxFaults => f.write_str("max_faults must be at least 1"),
            ConfigError::EmptyServiceName => f.write_str("service_name must not be empty"),
        }
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_max_faults_and_empty_service_name_are_refused() {
        assert_eq!(
            ChaosLayer::builder().max_faults(0).build().unwrap_err(),
            ConfigError::ZeroMaxFaults
        );
        assert_eq!(
            ClientChaosLayer::builder()
                .service_name("")
                .build()
                .unwrap_err(),
            ConfigError::EmptyServiceName
        );
    }

    #[test]
    fn clones_of_a_layer_share_their_faults() {
        let layer = ChaosLayer::builder().build().unwrap();
        let clone = layer.clone();
        layer
            .handle()
            .put("a", super::super::FaultSpec::abort(500))
            .unwrap();
        assert_eq!(clone.handle().list().len(), 1);
    }
}

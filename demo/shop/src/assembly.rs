//! [`Assembly`]: services built and run together until a shutdown signal.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;

use shop_kit::bus::{EventBus, InProcessBus};
use shop_kit::config::ServiceConfig;
use shop_kit::server::ServerError;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::service::{BuildError, Downstream, Service, ServiceApp, Stage};
use crate::settings::{Instance, UpSettings};

/// Why services could not be started or did not stop cleanly. Every message names the service.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The service's address is taken (or otherwise cannot be bound).
    #[error(
        "{service} cannot listen on {address}: {source} (is another shop, or another program, using port {port}?)",
        port = address.port()
    )]
    Listen {
        /// The service.
        service: Service,
        /// The address it should listen on.
        address: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The service could not be built (database, bus, server scaffolding).
    #[error("{service} could not start: {source}")]
    Build {
        /// The service.
        service: Service,
        /// Its crate's build error.
        source: BuildError,
    },
    /// The service's server failed.
    #[error("{service} failed: {source}")]
    Serve {
        /// The service.
        service: Service,
        /// The server error.
        source: ServerError,
    },
    /// The gateway's routes could not be made for these services.
    #[error("gateway routes: {0}")]
    Routes(#[from] gateway::config::ConfigError),
    /// The service's task ended without being asked to (a panic, or an early return).
    #[error("{service} stopped unexpectedly: {reason}")]
    Stopped {
        /// The service's name.
        service: String,
        /// What happened.
        reason: String,
    },
}

/// Services built and ready to serve: every service of `shop up` on one in-process bus, or
/// the one service of `shop serve`.
#[derive(Debug)]
pub struct Assembly {
    apps: Vec<Bound>,
}

/// An instance, built, and the listener it will serve on, bound before it was built.
#[derive(Debug)]
struct Bound {
    instance: Instance,
    app: ServiceApp,
    listener: TcpListener,
}

impl Assembly {
    /// Builds every [`Instance`] of [`UpSettings::instances`] (every [`Service`] once, more
    /// with `--instances`, canaries with `--canary`) with the configuration
    /// [`UpSettings::instance_config`] gives it, all on one shared [`InProcessBus`], so that
    /// events flow between them. The gateway is built last, its routes pointing at all of
    /// them.
    ///
    /// # Errors
    ///
    /// [`RunError::Listen`] when an address is taken (each is bound before anything is built),
    /// [`RunError::Build`] when a service cannot be built.
    pub async fn up(settings: &UpSettings) -> Result<Self, RunError> {
        let mut instances = settings.instances();
        // Stable: the gateway moves to the end, the rest keep their port order.
        instances.sort_by_key(|instance| instance.service == Service::Gateway);
        let configs: Vec<(Instance, ServiceConfig)> = instances
            .into_iter()
            .map(|instance| (instance, settings.instance_config(instance)))
            .collect();
        // Every address is bound before anything is built and held until served: the
        // gateway's health checks and the services' clients connect from ephemeral ports
        // meanwhile, and one of them could take a port left free.
        let mut listeners = Vec::with_capacity(configs.len());
        for (instance, config) in &configs {
            listeners.push(listen(instance.service, config.bind).await?);
        }
        let downstream = settings.downstream()?;
        let bus: Arc<dyn EventBus> = Arc::new(InProcessBus::default());
        let mut apps = Vec::with_capacity(configs.len());
        for ((instance, config), listener) in configs.iter().zip(listeners) {
            let app = ServiceApp::build(
                instance.service,
                config,
                Some(Arc::clone(&bus)),
                &downstream,
            )
            .await
            .map_err(|source| RunError::Build {
                service: instance.service,
                source,
            })?;
            apps.push(Bound {
                instance: *instance,
                app,
                listener,
            });
        }
        apps.sort_by_key(|bound| bound.instance);
        Ok(Assembly { apps })
    }

    /// Builds `service` alone from `config`, on the bus `config` names.
    ///
    /// # Errors
    ///
    /// As [`Assembly::up`].
    pub async fn one(
        service: Service,
        config: &ServiceConfig,
        downstream: &Downstream,
    ) -> Result<Self, RunError> {
        let listener = listen(service, config.bind).await?;
        let app = ServiceApp::build(service, config, None, downstream)
            .await
            .map_err(|source| RunError::Build { service, source })?;
        Ok(Assembly {
            apps: vec![Bound {
                instance: Instance::first(service),
                app,
                listener,
            }],
        })
    }

    /// Each instance and the address it listens on, in port order.
    pub fn services(&self) -> Vec<(Instance, SocketAddr)> {
        self.apps
            .iter()
            .map(|bound| (bound.instance, bound.app.bind()))
            .collect()
    }

    /// Serves every service until `shutdown` completes or one of them fails, then stops
    /// them gracefully: first the [`Stage::Producer`]s (requests in flight answered, outbox
    /// flushed onto the bus), then the [`Stage::Consumer`]s, which still receive what was
    /// flushed.
    ///
    /// # Errors
    ///
    /// The first failure of a service; the others are stopped gracefully all the same.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), RunError> {
        let (stop_producers, producers_stopping) = watch::channel(false);
        let (stop_consumers, consumers_stopping) = watch::channel(false);
        let mut producers_left = 0_usize;
        let mut names = HashMap::new();
        let mut tasks = JoinSet::new();
        for Bound { app, listener, .. } in self.apps {
            let service = app.service();
            let mut stopping = match service.stage() {
                Stage::Producer => {
                    producers_left += 1;
                    producers_stopping.clone()
                }
                Stage::Consumer => consumers_stopping.clone(),
            };
            let signal = async move {
                // An error means the sender is gone, which also means: stop.
                let _stopped = stopping.wait_for(|stop| *stop).await;
            };
            let handle =
                tasks.spawn(async move { (service, app.serve_on(listener, signal).await) });
            names.insert(handle.id(), service);
        }

        let mut shutdown = pin!(shutdown);
        let mut stopping = false;
        let mut first_error = None;
        loop {
            tokio::select! {
                () = &mut shutdown, if !stopping => stopping = true,
                joined = tasks.join_next_with_id() => {
                    let Some(joined) = joined else { break };
                    let (service, outcome) = match joined {
                        Ok((_, (service, Ok(())))) if stopping => (Some(service), Ok(())),
                        Ok((_, (service, Ok(())))) => (Some(service), Err(RunError::Stopped {
                            service: service.to_string(),
                            reason: "it stopped before the shutdown signal".to_owned(),
                        })),
                        Ok((_, (service, Err(source)))) => {
                            (Some(service), Err(RunError::from((service, source))))
                        }
                        Err(error) => {
                            let service = names.get(&error.id()).copied();
                            let error = RunError::Stopped {
                                service: service.map_or_else(|| "a service".to_owned(), |s| s.to_string()),
                                reason: error.to_string(),
                            };
                            (service, Err(error))
                        }
                    };
                    if service.is_none_or(|service| service.stage() == Stage::Producer) {
                        producers_left = producers_left.saturating_sub(1);
                    }
                    if let Err(error) = outcome {
                        tracing::error!(%error, "stopping every service");
                        first_error.get_or_insert(error);
                        stopping = true;
                    }
                }
            }
            if stopping {
                stop_producers.send_replace(true);
                if producers_left == 0 {
                    stop_consumers.send_replace(true);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// A listener on `address` for `service`, or [`RunError::Listen`] naming both.
async fn listen(service: Service, address: SocketAddr) -> Result<TcpListener, RunError> {
    shop_kit::server::bind(address)
        .await
        .map_err(|error| RunError::from((service, error)))
}

/// The listening failure of a [`ServerError`] as a [`RunError::Listen`] naming the service.
impl From<(Service, ServerError)> for RunError {
    fn from((service, error): (Service, ServerError)) -> Self {
        match error {
            ServerError::Bind { address, source } => RunError::Listen {
                service,
                address,
                source,
            },
            source => RunError::Serve { service, source },
        }
    }
}

//! [`connect`]: the event bus a [`BusConfig`] names.

use super::{BusError, EventBus, InProcessBus, RabbitMqBus, RabbitMqConfig};
use crate::config::BusConfig;
use std::sync::Arc;

/// The bus `config` names: a new in-process bus, or a connection to the RabbitMQ broker
/// (which fails when the broker cannot be reached now).
pub async fn connect(config: &BusConfig) -> Result<Arc<dyn EventBus>, BusError> {
    Ok(match config {
        BusConfig::InProcess => Arc::new(InProcessBus::default()),
        BusConfig::RabbitMq { url } => {
            Arc::new(RabbitMqBus::connect(RabbitMqConfig::new(url.expose())).await?)
        }
    })
}

//! [`RedisCache`]: entries in Redis under `shop:gateway:<key>`, with `SET ... PX <ttl>`.

use std::time::Duration;

use bytes::Bytes;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;

const NAMESPACE: &str = "shop:gateway:";

/// The Redis cache: one multiplexed connection that reconnects by itself.
#[derive(Clone)]
pub struct RedisCache {
    connection: ConnectionManager,
    ttl_ms: u64,
}

impl RedisCache {
    /// Connects to `url`.
    pub async fn connect(url: &str, ttl: Duration) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let connection = ConnectionManager::new(client).await?;
        Ok(RedisCache {
            connection,
            ttl_ms: u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX),
        })
    }

    /// The live entry under `key`.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, redis::RedisError> {
        let mut connection = self.connection.clone();
        let value: Option<Vec<u8>> = connection.get(format!("{NAMESPACE}{key}")).await?;
        Ok(value.map(Bytes::from))
    }

    /// Stores an entry that expires after the time to live.
    pub async fn put(&self, key: &str, value: Bytes) -> Result<(), redis::RedisError> {
        let mut connection = self.connection.clone();
        let options =
            redis::SetOptions::default().with_expiration(redis::SetExpiry::PX(self.ttl_ms));
        connection
            .set_options::<_, _, ()>(format!("{NAMESPACE}{key}"), value.as_ref(), options)
            .await
    }
}

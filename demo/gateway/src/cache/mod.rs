//! The product detail's cache: in-process ([`moka`]) by default, Redis when a URL is given.
//!
//! Entries are JSON documents with a time to live. What is cached is what may be a little
//! old: a product's catalogue fields (never its stock, which is always read live) and a
//! product's reviews. Every lookup counts in `shop_gateway_cache_requests_total{cache,result}`
//! as a `hit`, a `miss`, or an `error` when Redis cannot be reached (then the gateway goes
//! on without the cache).

mod memory;
mod redis_cache;

use std::time::Duration;

use bytes::Bytes;

use crate::config::CacheConfig;
use crate::telemetry;
use memory::MemoryCache;
use redis_cache::RedisCache;

/// Why the cache could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("cannot connect to the Redis cache: {0}")]
pub struct CacheError(#[source] ::redis::RedisError);

/// The cache; see the [module docs](self). Clones share the entries.
#[derive(Clone)]
pub enum Cache {
    /// In this process.
    Memory(MemoryCache),
    /// In Redis.
    Redis(RedisCache),
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Cache::Memory(_) => "Cache::Memory",
            Cache::Redis(_) => "Cache::Redis",
        })
    }
}

impl Cache {
    /// The cache `config` describes; connects to Redis when it names a URL.
    ///
    /// # Errors
    ///
    /// [`CacheError`] when Redis cannot be reached at start.
    pub async fn new(config: &CacheConfig) -> Result<Self, CacheError> {
        let ttl = Duration::from_millis(config.ttl_ms);
        Ok(match &config.redis_url {
            Some(url) => Cache::Redis(RedisCache::connect(url, ttl).await.map_err(CacheError)?),
            None => Cache::Memory(MemoryCache::new(config.max_entries, ttl)),
        })
    }

    /// The entry under `key` of the cache named `cache` (`product`, `reviews`), counted.
    pub async fn get(&self, cache: &'static str, key: &str) -> Option<Bytes> {
        let found = match self {
            Cache::Memory(memory) => Ok(memory.get(key).await),
            Cache::Redis(redis) => redis.get(key).await,
        };
        match found {
            Ok(Some(value)) => {
                telemetry::cache_lookup(cache, "hit");
                Some(value)
            }
            Ok(None) => {
                telemetry::cache_lookup(cache, "miss");
                None
            }
            Err(error) => {
                tracing::warn!(%error, cache, "cache lookup failed; going on without it");
                telemetry::cache_lookup(cache, "error");
                None
            }
        }
    }

    /// Stores `value` under `key` for the configured time to live.
    pub async fn put(&self, key: &str, value: Bytes) {
        match self {
            Cache::Memory(memory) => memory.put(key, value).await,
            Cache::Redis(redis) => {
                if let Err(error) = redis.put(key, value).await {
                    tracing::warn!(%error, "cache store failed; going on without it");
                }
            }
        }
    }
}

//! [`MemoryCache`]: moka's concurrent cache, bounded in entries, with a time to live.

use std::time::Duration;

use bytes::Bytes;
use moka::future::Cache;

/// The in-process cache.
#[derive(Clone)]
pub struct MemoryCache(Cache<String, Bytes>);

impl MemoryCache {
    /// At most `max_entries`, each for `ttl`.
    pub fn new(max_entries: u64, ttl: Duration) -> Self {
        MemoryCache(
            Cache::builder()
                .max_capacity(max_entries)
                .time_to_live(ttl)
                .build(),
        )
    }

    /// The live entry under `key`.
    pub async fn get(&self, key: &str) -> Option<Bytes> {
        self.0.get(key).await
    }

    /// Stores an entry.
    pub async fn put(&self, key: &str, value: Bytes) {
        self.0.insert(key.to_owned(), value).await;
    }
}

//! The breakers of one layer: a shared one, and a bounded map of keyed ones.

use super::{
    circuit::Circuit,
    config::Config,
    lane::{Lane, Lanes, shared_lane_count},
    state::State,
};
use hashbrown::HashMap;
use std::sync::{
    Arc, PoisonError, RwLock,
    atomic::{AtomicU64, Ordering::Relaxed},
};

/// Every breaker one layer and its clones share.
#[derive(Debug)]
pub(crate) struct Breakers {
    /// The only breaker of an unkeyed layer; for a keyed one, the breaker of requests
    /// without a key and the overflow when the map is full of breakers it may not evict.
    /// Every thread may call it at once: it has a lane per core.
    shared: Lanes,
    keyed: Option<KeyedCircuits>,
}

/// At most `max_keys` breakers by key, with a logical clock for least-recently-used
/// eviction.
#[derive(Debug)]
struct KeyedCircuits {
    config: Arc<Config>,
    /// hashbrown's map with its default hasher (foldhash), not SipHash: a key is hashed on
    /// every call.
    entries: RwLock<HashMap<Box<str>, Entry>>,
    max_keys: usize,
    clock: AtomicU64,
}

/// A keyed breaker has one lane: keys spread the calls already, and a lane per core for
/// each of thousands of keys would cost more memory than the contention it saves.
#[derive(Debug)]
struct Entry {
    lane: Arc<Lane>,
    last_used: AtomicU64,
}

impl Breakers {
    /// The breakers of a layer; keyed, with room for `max_keys`, when that is given.
    pub(crate) fn new(config: Arc<Config>, max_keys: Option<usize>) -> Self {
        Breakers {
            shared: Lanes::new(Arc::clone(&config), None, shared_lane_count()),
            keyed: max_keys.map(|max_keys| KeyedCircuits {
                config,
                entries: RwLock::new(HashMap::new()),
                max_keys,
                clock: AtomicU64::new(0),
            }),
        }
    }

    pub(crate) fn shared(&self) -> &Arc<Circuit> {
        self.shared.circuit()
    }

    /// The lane to the breaker for a request with this key.
    pub(crate) fn select(&self, key: Option<&str>) -> Arc<Lane> {
        match (&self.keyed, key) {
            (Some(keyed), Some(key)) => keyed.select(key, self.shared.current()),
            _ => Arc::clone(self.shared.current()),
        }
    }

    /// The keyed breaker for `key`, if there is one now.
    pub(crate) fn get(&self, key: &str) -> Option<Arc<Circuit>> {
        let keyed = self.keyed.as_ref()?;
        let entries = keyed.entries.read().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(key)
            .map(|entry| Arc::clone(entry.lane.circuit()))
    }

    /// The keys that have a breaker now.
    pub(crate) fn keys(&self) -> Vec<String> {
        let Some(keyed) = &self.keyed else {
            return Vec::new();
        };
        let entries = keyed.entries.read().unwrap_or_else(PoisonError::into_inner);
        entries.keys().map(|key| key.to_string()).collect()
    }
}

impl KeyedCircuits {
    fn select(&self, key: &str, overflow: &Arc<Lane>) -> Arc<Lane> {
        let now = self.clock.fetch_add(1, Relaxed);
        if let Some(lane) = self.touch(key, now) {
            return lane;
        }
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = entries.get(key) {
            return Arc::clone(&entry.lane);
        }
        if entries.len() >= self.max_keys && !evict_least_recently_used_closed(&mut entries) {
            tracing::debug!(
                target: "seawall::breaker",
                key,
                "keyed breakers full and none closed: using the shared breaker"
            );
            return Arc::clone(overflow);
        }
        let lane = Lane::single(Arc::clone(&self.config), Some(key.into()));
        let entry = Entry {
            lane: Arc::clone(&lane),
            last_used: AtomicU64::new(now),
        };
        entries.insert(key.into(), entry);
        lane
    }

    /// The breaker for `key` if it exists, marked as used at `now`: a read lock only.
    fn touch(&self, key: &str, now: u64) -> Option<Arc<Lane>> {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        let entry = entries.get(key)?;
        entry.last_used.fetch_max(now, Relaxed);
        Some(Arc::clone(&entry.lane))
    }
}

/// Drops the least recently used breaker that is closed. Open, half-open and
/// operator-set breakers hold a decision that must not be forgotten, so they stay.
fn evict_least_recently_used_closed(entries: &mut HashMap<Box<str>, Entry>) -> bool {
    let victim = entries
        .iter()
        .filter(|(_, entry)| entry.lane.circuit().stored_state() == State::Closed)
        .min_by_key(|(_, entry)| entry.last_used.load(Relaxed))
        .map(|(key, _)| key.clone());
    match victim {
        Some(key) => {
            tracing::debug!(target: "seawall::breaker", key = &*key, "evicting keyed breaker");
            entries.remove(&key);
            true
        }
        None => false,
    }
}

use super::{
    FaultError, FaultSpec,
    fault::{Capabilities, Fault},
};
use serde::{Serialize, Serializer};
use std::{
    sync::{
        Arc, PoisonError, RwLock,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};
use tokio::time::Instant;
use tracing::Level;

/// The longest fault name: names end up in URL paths and metric labels.
pub const MAX_NAME_LEN: usize = 64;

/// The faults in place, sorted by name. Replaced as a whole on every change, so that a
/// request reads it with one lock and one reference count and never waits for a writer
/// to finish checking a spec.
type Faults = Arc<Vec<Arc<Fault>>>;

/// Runtime control of the faults of one layer: put, get, list, remove, clear.
///
/// Cheap to clone; every clone, the layer and every service the layer made share the same
/// faults. Get it from [`ChaosLayer::handle`](super::ChaosLayer::handle) or
/// [`ClientChaosLayer::handle`](super::ClientChaosLayer::handle), and serve it over HTTP
/// with `admin_router` (feature `axum`).
///
/// ```
/// use seawall::chaos::{ChaosLayer, FaultSpec};
/// use std::time::Duration;
///
/// let layer = ChaosLayer::builder().build().unwrap();
/// let faults = layer.handle();
/// faults.put("paymentSlow", FaultSpec::latency(Duration::from_millis(300))).unwrap();
/// assert_eq!(faults.list()[0].name, "paymentSlow");
/// assert!(faults.remove("paymentSlow").is_some());
/// ```
#[derive(Debug, Clone)]
pub struct FaultHandle {
    registry: Arc<Registry>,
}

#[derive(Debug)]
struct Registry {
    faults: RwLock<Faults>,
    // The length of `faults`, read without the lock: zero means the layer has nothing to do.
    active: AtomicUsize,
    max_faults: usize,
    capabilities: Capabilities,
}

impl FaultHandle {
    pub(crate) fn new(max_faults: usize, capabilities: Capabilities) -> Self {
        FaultHandle {
            registry: Arc::new(Registry {
                faults: RwLock::new(Arc::default()),
                active: AtomicUsize::new(0),
                max_faults,
                capabilities,
            }),
        }
    }

    /// Puts a fault in place under `name`, replacing (and returning) the one of that name,
    /// if any. Its ttl starts now.
    ///
    /// Refused when the spec cannot work on this layer (see [`FaultError`]), when the name is
    /// empty or longer than [`MAX_NAME_LEN`] or has characters other than `A-Z a-z 0-9 - _ .`,
    /// and when the name is new and the layer already has its
    /// [maximum](super::ChaosBuilder::max_faults) of faults.
    pub fn put(&self, name: &str, spec: FaultSpec) -> Result<Option<FaultSpec>, FaultError> {
        check_name(name)?;
        let now = Instant::now();
        let fault = Arc::new(Fault::new(name.into(), spec, self.capabilities(), now)?);
        let max = self.registry.max_faults;
        let previous = self.update(now, |faults| {
            match faults.binary_search_by(|f| f.name().as_ref().cmp(name)) {
                Ok(at) => Ok(Some(std::mem::replace(&mut faults[at], fault))),
                Err(_) if faults.len() >= max => Err(FaultError::TooManyFaults { max }),
                Err(at) => {
                    faults.insert(at, fault);
                    Ok(None)
                }
            }
        })?;
        tracing::event!(
            target: "seawall::chaos",
            Level::INFO,
            seawall.fault = name,
            "fault put in place"
        );
        Ok(previous.map(|fault| fault.spec().clone()))
    }

    /// The fault of that name, if it is in place and has not expired.
    pub fn get(&self, name: &str) -> Option<ActiveFault> {
        let now = Instant::now();
        self.snapshot()
            .iter()
            .find(|fault| fault.name().as_ref() == name && !fault.is_expired(now))
            .map(|fault| ActiveFault::of(fault, now))
    }

    /// Every fault in place that has not expired, sorted by name.
    pub fn list(&self) -> Vec<ActiveFault> {
        let now = Instant::now();
        self.snapshot()
            .iter()
            .filter(|fault| !fault.is_expired(now))
            .map(|fault| ActiveFault::of(fault, now))
            .collect()
    }

    /// Removes the fault of that name, returning its spec if it was in place.
    pub fn remove(&self, name: &str) -> Option<FaultSpec> {
        let removed = self.update(Instant::now(), |faults| {
            let at = faults
                .binary_search_by(|f| f.name().as_ref().cmp(name))
                .ok()?;
            Some(faults.remove(at))
        })?;
        tracing::event!(
            target: "seawall::chaos",
            Level::INFO,
            seawall.fault = name,
            "fault removed"
        );
        Some(removed.spec().clone())
    }

    /// Removes every fault.
    pub fn clear(&self) {
        self.update(Instant::now(), Vec::clear);
        tracing::info!(target: "seawall::chaos", "all faults removed");
    }

    /// The most faults the layer holds at once.
    pub fn max_faults(&self) -> usize {
        self.registry.max_faults
    }

    /// Whether no fault is in place (expired ones may still count until the next request or
    /// change removes them): the hot path's one check.
    #[inline]
    pub(crate) fn is_idle(&self) -> bool {
        // Relaxed: the count only says whether to look; the faults themselves are read
        // under the lock, which orders them after the change that put them in place.
        self.registry.active.load(Ordering::Relaxed) == 0
    }

    pub(crate) fn capabilities(&self) -> Capabilities {
        self.registry.capabilities
    }

    pub(crate) fn snapshot(&self) -> Faults {
        let faults = self
            .registry
            .faults
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(&faults)
    }

    /// Drops the faults that have expired by `now`.
    pub(crate) fn remove_expired(&self, now: Instant) {
        self.update(now, |_| ());
    }

    /// Changes the faults under the write lock, after dropping the expired ones, and keeps
    /// the count in step. Requests reading the old snapshot keep it until they finish.
    fn update<T>(&self, now: Instant, change: impl FnOnce(&mut Vec<Arc<Fault>>) -> T) -> T {
        // No code under this lock panics, so a poisoned lock still holds consistent faults.
        let mut guard = self
            .registry
            .faults
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let faults = Arc::make_mut(&mut guard);
        faults.retain(|fault| !fault.is_expired(now));
        let result = change(faults);
        self.registry.active.store(faults.len(), Ordering::Release);
        result
    }
}

fn check_name(name: &str) -> Result<(), FaultError> {
    if name.is_empty() {
        return Err(FaultError::EmptyName);
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if name.len() > MAX_NAME_LEN || !name.chars().all(allowed) {
        return Err(FaultError::InvalidName(name.to_owned()));
    }
    Ok(())
}

/// A fault in place, as [`FaultHandle::get`] and [`FaultHandle::list`] (and the admin
/// router, in JSON) report it.
///
/// ```json
/// {"name": "paymentFailure", "spec": {"kind": "abort", "probability": 0.3, "status": 503, "ttl_ms": 60000}, "remaining_ms": 41250}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ActiveFault {
    /// The fault's name.
    pub name: String,
    /// The spec as it was put.
    pub spec: FaultSpec,
    /// The time left before it expires; `None` (`null`) when it has no ttl.
    #[serde(rename = "remaining_ms", serialize_with = "as_millis")]
    pub remaining: Option<Duration>,
}

impl ActiveFault {
    fn of(fault: &Fault, now: Instant) -> Self {
        ActiveFault {
            name: fault.name().to_string(),
            spec: fault.spec().clone(),
            remaining: fault.remaining(now),
        }
    }
}

fn as_millis<S: Serializer>(
    remaining: &Option<Duration>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    remaining
        .map(|remaining| u64::try_from(remaining.as_millis()).unwrap_or(u64::MAX))
        .serialize(serializer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handle(max_faults: usize) -> FaultHandle {
        FaultHandle::new(
            max_faults,
            Capabilities {
                transport: false,
                entity_extractor: false,
            },
        )
    }

    #[test]
    fn names_must_be_short_and_plain() {
        let faults = handle(4);
        let spec = FaultSpec::abort(503);
        assert_eq!(faults.put("", spec.clone()), Err(FaultError::EmptyName));
        for bad in ["a b", "a/b", "ü", &"x".repeat(MAX_NAME_LEN + 1)] {
            assert_eq!(
                faults.put(bad, spec.clone()),
                Err(FaultError::InvalidName(bad.to_owned()))
            );
        }
        assert_eq!(faults.put("payment-failure_2.b", spec), Ok(None));
    }

    #[test]
    fn replacing_a_fault_returns_the_old_spec_and_keeps_the_count() {
        let faults = handle(1);
        faults.put("a", FaultSpec::abort(500)).unwrap();
        assert_eq!(
            faults.put("a", FaultSpec::abort(503)),
            Ok(Some(FaultSpec::abort(500)))
        );
        assert_eq!(faults.list().len(), 1);
        assert_eq!(
            faults.put("b", FaultSpec::abort(503)),
            Err(FaultError::TooManyFaults { max: 1 })
        );
    }

    #[test]
    fn the_idle_flag_follows_the_faults() {
        let faults = handle(4);
        assert!(faults.is_idle());
        faults.put("a", FaultSpec::abort(500)).unwrap();
        assert!(!faults.is_idle());
        faults.clear();
        assert!(faults.is_idle());
    }
}

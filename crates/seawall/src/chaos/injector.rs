use super::{
    FAULT_HEADER, FAULTS_INJECTED_TOTAL, FaultError, FaultHandle, FaultSpec, InjectedFault,
    fault::{Action, Fault},
    matcher::{EntityFn, EntityLookup, RequestHead},
};
use http::{HeaderValue, Request, StatusCode};
use std::{
    fmt,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};
use tokio::time::Instant;
use tracing::Level;

/// The decision logic both layer flavours share: which faults hit a request, and what
/// happens to it. Shared by all clones of a layer.
pub(crate) struct Injector {
    pub(crate) faults: FaultHandle,
    pub(crate) rng: Mutex<fastrand::Rng>,
    pub(crate) entity: Option<Box<EntityFn>>,
    pub(crate) trust_fault_header: bool,
    pub(crate) service_name: Arc<str>,
}

impl fmt::Debug for Injector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Injector")
            .field("faults", &self.faults)
            .field("entity", &self.entity.is_some())
            .field("trust_fault_header", &self.trust_fault_header)
            .field("service_name", &self.service_name)
            .finish_non_exhaustive()
    }
}

/// What the faults that hit a request do to it.
pub(crate) struct Injection<E> {
    /// The sum of the latencies that hit.
    pub(crate) delay: Duration,
    pub(crate) end: End<E>,
}

/// How a request ends after its delay.
pub(crate) enum End<E> {
    /// Called on the inner service.
    Inner,
    /// Answered by the layer with this status.
    Abort(StatusCode),
    /// Failed with this error.
    Fail(E),
}

impl Injector {
    /// The faults that hit `req`, or `None` when none do and the request goes straight on.
    ///
    /// Every matching fault draws its own chance, in name order after a fault carried in the
    /// request header. Latencies add up; the first abort or error that hits ends the
    /// request, and the ones after it are not drawn. `fail` turns an injected transport
    /// fault into the service's error; a server layer, which refuses transport faults when
    /// they are put, gives `None`.
    #[inline]
    pub(crate) fn decide<B, E>(
        &self,
        req: &Request<B>,
        fail: impl Fn(InjectedFault) -> Option<E>,
    ) -> Option<Injection<E>> {
        let header = if self.trust_fault_header {
            req.headers().get(FAULT_HEADER)
        } else {
            None
        };
        if header.is_none() && self.faults.is_idle() {
            return None;
        }
        self.decide_with_faults(RequestHead::of(req), header, fail)
    }

    fn decide_with_faults<E>(
        &self,
        head: RequestHead<'_>,
        header: Option<&HeaderValue>,
        fail: impl Fn(InjectedFault) -> Option<E>,
    ) -> Option<Injection<E>> {
        let request_fault = header.and_then(|value| self.request_fault(value));
        // Read the clock only if some fault has a ttl.
        let mut now = None;
        let faults = self.faults.snapshot();
        let mut entity = EntityLookup::new(self.entity.as_deref());
        let mut injection = Injection {
            delay: Duration::ZERO,
            end: End::Inner,
        };
        let mut saw_expired = false;
        for fault in request_fault.iter().chain(faults.iter().map(Arc::as_ref)) {
            if fault.is_expired_by(|| *now.get_or_insert_with(Instant::now)) {
                saw_expired = true;
                continue;
            }
            let ended = !matches!(injection.end, End::Inner);
            if (ended && fault.is_terminal())
                || !fault.matches(&head, &mut entity)
                || !self.hits(fault.probability())
            {
                continue;
            }
            self.apply(fault, &mut injection, &fail);
        }
        if let (true, Some(now)) = (saw_expired, now) {
            self.faults.remove_expired(now);
        }
        let injected = injection.delay > Duration::ZERO || !matches!(injection.end, End::Inner);
        injected.then_some(injection)
    }

    fn apply<E>(
        &self,
        fault: &Fault,
        injection: &mut Injection<E>,
        fail: impl Fn(InjectedFault) -> Option<E>,
    ) {
        let mut delay_ms = None;
        match fault.action() {
            Action::Latency { min_ms, max_ms } => {
                let ms = if min_ms == max_ms {
                    min_ms
                } else {
                    self.rng().u64(min_ms..=max_ms)
                };
                injection.delay = injection.delay.saturating_add(Duration::from_millis(ms));
                delay_ms = Some(ms);
            }
            Action::Abort(status) => injection.end = End::Abort(status),
            Action::Fail(kind) => match fail(InjectedFault::new(Arc::clone(fault.name()), kind)) {
                Some(error) => injection.end = End::Fail(error),
                None => return,
            },
        }
        self.record(fault, delay_ms);
    }

    /// Draws the fault's chance; certain and impossible faults skip the generator.
    fn hits(&self, probability: f64) -> bool {
        if probability >= 1.0 {
            true
        } else if probability <= 0.0 {
            false
        } else {
            self.rng().f64() < probability
        }
    }

    fn rng(&self) -> std::sync::MutexGuard<'_, fastrand::Rng> {
        // Drawing a number cannot panic, so a poisoned generator is still a generator.
        self.rng.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The fault a trusted hop put in the request header; a bad one is logged and ignored,
    /// since failing the request would turn an operator's typo into an outage.
    fn request_fault(&self, value: &HeaderValue) -> Option<Fault> {
        let checked = serde_json::from_slice::<FaultSpec>(value.as_bytes())
            .map_err(FaultError::json)
            .and_then(|spec| match spec.ttl_ms {
                Some(_) => Err(FaultError::TtlInHeader),
                None => Fault::new(
                    FAULT_HEADER.as_str().into(),
                    spec,
                    self.faults.capabilities(),
                    Instant::now(),
                ),
            });
        match checked {
            Ok(fault) => Some(fault),
            Err(error) => {
                tracing::warn!(
                    target: "seawall::chaos",
                    %error,
                    "ignoring the fault in the {FAULT_HEADER} header"
                );
                None
            }
        }
    }

    fn record(&self, fault: &Fault, delay_ms: Option<u64>) {
        let kind = fault.kind().as_str();
        metrics::counter!(
            FAULTS_INJECTED_TOTAL,
            "service_name" => Arc::clone(&self.service_name),
            "fault" => Arc::clone(fault.name()),
            "kind" => kind,
        )
        .increment(1);
        // `event!` rather than `info!`: `info!` cannot parse a target with dotted field names.
        tracing::event!(
            target: "seawall::chaos",
            Level::INFO,
            seawall.fault = &**fault.name(),
            seawall.fault.kind = kind,
            seawall.fault.delay_ms = delay_ms,
            "fault injected"
        );
    }
}

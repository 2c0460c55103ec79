//! One circuit breaker: window, state machine and half-open probes.

use super::{
    config::Config,
    deferred::{Deferred, Tag},
    half_open::{ProbeTally, Verdict},
    permit::PermitKind,
    state::{State, StateWord},
    telemetry::{BreakerTelemetry, CallOutcome},
    transition::{Transition, announce},
    window::{Sample, Window, WindowStats},
};
use crate::{Rejection, observe::mark_span};
use ::metrics::SharedString;
use std::{
    cell::Cell,
    sync::{
        Arc, Mutex, MutexGuard, PoisonError,
        atomic::{
            AtomicU64,
            Ordering::{Acquire, Relaxed, Release},
        },
    },
    time::Duration,
};
use tokio::{sync::Notify, time::Instant};

/// What `poll_ready` should say in readiness mode.
pub(crate) enum Readiness {
    Ready,
    /// Not ready until this instant, or until the state changes.
    NotReadyUntil(Instant),
    /// Not ready until the state changes.
    NotReady,
}

/// Bookkeeping that only transitions touch, under the transition lock.
#[derive(Debug, Default)]
struct Bookkeeping {
    /// How many times in a row the breaker opened without closing in between: the
    /// exponent of the open-duration back-off.
    consecutive_opens: u32,
}

/// A circuit breaker.
///
/// The hot path reads one state word; a closed breaker records a fast success in its
/// lane's own word once the window is full enough (see `deferred`), and anything else into
/// its window with two or three atomic operations, without a lock or an allocation.
/// Transitions are rare and take the `transitions` lock, which also serialises them.
#[derive(Debug)]
pub(crate) struct Circuit {
    config: Arc<Config>,
    key: Option<Arc<str>>,
    word: AtomicU64,
    probes: ProbeTally,
    window: Window,
    deferred: Deferred,
    base: Instant,
    /// When the current open period ends, in nanoseconds since `base`. Written before the
    /// state word that publishes it.
    open_until: AtomicU64,
    transitions: Mutex<Bookkeeping>,
    /// Taken before the transition lock is released and held while listeners run, so
    /// that listeners see transitions in order yet may use the breaker themselves.
    announcing: Mutex<()>,
    shadow_rejections: AtomicU64,
    changed: Arc<Notify>,
    telemetry: BreakerTelemetry,
}

thread_local! {
    /// Whether this thread is running transition listeners.
    static ANNOUNCING: Cell<bool> = const { Cell::new(false) };
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The guarded data stays consistent at every point a panic could occur.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Circuit {
    /// A closed breaker whose calls come through `lanes` lanes.
    pub(crate) fn new(config: Arc<Config>, key: Option<Arc<str>>, lanes: usize) -> Self {
        let name = key.as_deref().map_or_else(
            || config.name.clone(),
            |key| SharedString::from(key.to_owned()),
        );
        Circuit {
            telemetry: BreakerTelemetry::new(config.service_name.clone(), name),
            window: Window::new(config.window),
            deferred: Deferred::new(lanes),
            config,
            key,
            word: AtomicU64::new(StateWord::new(State::Closed, 0, 0).bits()),
            probes: ProbeTally::new(),
            base: Instant::now(),
            open_until: AtomicU64::new(0),
            transitions: Mutex::new(Bookkeeping::default()),
            announcing: Mutex::new(()),
            shadow_rejections: AtomicU64::new(0),
            changed: Arc::new(Notify::new()),
        }
    }

    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    pub(crate) fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    fn load(&self) -> StateWord {
        StateWord::from_bits(self.word.load(Acquire))
    }

    /// Decides whether a call may go ahead: the generation and kind of its permit, or the
    /// rejection to answer with.
    pub(crate) fn admit(&self) -> Result<(u32, PermitKind), Rejection> {
        let (refused_in, retry_after) = loop {
            let word = self.load();
            match word.state() {
                State::Closed | State::ForcedClosed => {
                    return Ok((word.generation(), PermitKind::Window));
                }
                State::Disabled => return Ok((word.generation(), PermitKind::Unrecorded)),
                State::ForcedOpen => break (word, self.config.open_duration),
                State::Open => match self.open_remaining(Instant::now()) {
                    Some(remaining) => break (word, remaining),
                    None => self.transition_from(word.generation(), State::HalfOpen),
                },
                State::HalfOpen => {
                    let taken = self.word.fetch_update(Acquire, Acquire, |bits| {
                        StateWord::from_bits(bits)
                            .take_permit()
                            .map(StateWord::bits)
                    });
                    match taken {
                        Ok(bits) => {
                            let generation = StateWord::from_bits(bits).generation();
                            return Ok((generation, PermitKind::Probe));
                        }
                        // Every probe is out: come back once they have decided.
                        Err(bits) if StateWord::from_bits(bits).state() == State::HalfOpen => {
                            break (StateWord::from_bits(bits), Duration::ZERO);
                        }
                        // The state changed under us: decide again.
                        Err(_) => {}
                    }
                }
            }
        };
        let state = refused_in.state().as_str();
        if self.config.shadow {
            self.shadow_rejections.fetch_add(1, Relaxed);
            self.telemetry.call(CallOutcome::ShadowRejected);
            mark_span("seawall.breaker.shadow_rejected", true);
            tracing::event!(
                target: "seawall::breaker",
                tracing::Level::DEBUG,
                seawall.breaker.state = state,
                seawall.breaker.key = self.key(),
                "shadow mode: call would have been rejected"
            );
            return Ok((refused_in.generation(), PermitKind::Unrecorded));
        }
        self.telemetry.call(CallOutcome::Rejected);
        mark_span("seawall.breaker.rejected", state);
        tracing::event!(
            target: "seawall::breaker",
            tracing::Level::DEBUG,
            seawall.breaker.state = state,
            seawall.breaker.key = self.key(),
            seawall.retry_after_ms = u64::try_from(retry_after.as_millis()).unwrap_or(u64::MAX),
            "circuit open: call rejected"
        );
        Err(Rejection::CircuitOpen { retry_after })
    }

    /// The time left in the current open period, if any.
    fn open_remaining(&self, now: Instant) -> Option<Duration> {
        let until = self.open_until();
        (now < until).then(|| until - now)
    }

    fn open_until(&self) -> Instant {
        self.base + Duration::from_nanos(self.open_until.load(Relaxed))
    }

    /// Records the result of a call admitted through lane `lane` while the window was
    /// recording, and opens the breaker if the window now says so. A result from before the
    /// last transition is dropped: it belongs to a window that was since cleared.
    pub(crate) fn record(&self, lane: usize, generation: u32, sample: Sample) {
        let word = self.load();
        if word.generation() != generation {
            return;
        }
        let tag = Tag {
            generation,
            epoch: self.window.epoch(),
        };
        if sample.is_fast_success()
            && self.config.may_defer_success(self.window.stats(tag.epoch))
            && self.deferred.defer(lane, tag)
        {
            return;
        }
        self.hand_over_deferred(tag);
        let stats = self.window.record(sample, 1, tag.epoch);
        if word.state() == State::Closed && self.config.trips(stats) {
            self.transition_from(generation, State::Open);
        }
    }

    /// Records every lane's deferred successes of generation `tag.generation`.
    fn hand_over_deferred(&self, tag: Tag) {
        self.deferred.drain(tag, |count, epoch| {
            self.window.record(Sample::FAST_SUCCESS, count, epoch);
        });
    }

    /// Counts the result of a half-open probe, and closes or reopens when it decides.
    pub(crate) fn record_probe(&self, generation: u32, success: bool) {
        let verdict = self.probes.record(
            generation,
            success,
            self.config.half_open_probes,
            self.config.probes_to_close,
        );
        match verdict {
            Verdict::Undecided => {}
            Verdict::Close => self.transition_from(generation, State::Closed),
            Verdict::Reopen => self.transition_from(generation, State::Open),
        }
    }

    /// Gives back the permit of a probe whose result says nothing (ignored or cancelled).
    pub(crate) fn return_probe(&self, generation: u32) {
        let returned = self.word.fetch_update(Release, Relaxed, |bits| {
            StateWord::from_bits(bits)
                .return_permit(generation)
                .map(StateWord::bits)
        });
        if returned.is_ok() {
            self.changed.notify_waiters();
        }
    }

    /// The current state, after ending an open period that has run out.
    pub(crate) fn state(&self) -> State {
        self.refresh().state()
    }

    /// The state word, after ending an open period that has run out.
    fn refresh(&self) -> StateWord {
        let word = self.load();
        if word.state() == State::Open && self.open_remaining(Instant::now()).is_none() {
            self.transition_from(word.generation(), State::HalfOpen);
            return self.load();
        }
        word
    }

    /// The state as stored, without ending an expired open period.
    pub(crate) fn stored_state(&self) -> State {
        self.load().state()
    }

    /// Counts the outcome of an admitted call.
    pub(crate) fn count(&self, outcome: CallOutcome) {
        self.telemetry.call(outcome);
    }

    pub(crate) fn stats(&self) -> WindowStats {
        let tag = Tag {
            generation: self.load().generation(),
            epoch: self.window.epoch(),
        };
        self.hand_over_deferred(tag);
        self.window.stats(tag.epoch)
    }

    pub(crate) fn shadow_rejections(&self) -> u64 {
        self.shadow_rejections.load(Relaxed)
    }

    /// What `poll_ready` should say now.
    pub(crate) fn readiness(&self) -> Readiness {
        if self.config.shadow {
            return Readiness::Ready;
        }
        let word = self.refresh();
        match word.state() {
            State::Closed | State::ForcedClosed | State::Disabled => Readiness::Ready,
            State::Open => Readiness::NotReadyUntil(self.open_until()),
            State::HalfOpen if word.permits() > 0 => Readiness::Ready,
            State::HalfOpen | State::ForcedOpen => Readiness::NotReady,
        }
    }

    /// A future that completes on the next state change (or returned probe permit).
    /// Made before checking the state, it cannot miss a change that follows the check.
    pub(crate) fn changed(&self) -> tokio::sync::futures::OwnedNotified {
        Arc::clone(&self.changed).notified_owned()
    }

    /// An operator's transition: to `to` unless already there. Entering `Closed` (a
    /// reset) also clears the window and the back-off even when already closed.
    pub(crate) fn set(&self, to: State) {
        self.transition(None, to);
    }

    /// Forgets every recorded and deferred result.
    fn clear_window(&self) {
        self.deferred.discard();
        self.window.clear();
    }

    /// An automatic transition, made only if nothing changed since generation `from`.
    fn transition_from(&self, from: u32, to: State) {
        self.transition(Some(from), to);
    }

    fn transition(&self, expected_generation: Option<u32>, to: State) {
        let mut bookkeeping = lock(&self.transitions);
        let current = self.load();
        if expected_generation.is_some_and(|generation| generation != current.generation()) {
            return;
        }
        let from = current.state();
        if to == State::Closed {
            bookkeeping.consecutive_opens = 0;
            self.clear_window();
        }
        if from == to {
            return;
        }
        let generation = current.generation().wrapping_add(1);
        let mut permits = 0;
        match to {
            State::Open => {
                bookkeeping.consecutive_opens = bookkeeping.consecutive_opens.saturating_add(1);
                let open_for = self
                    .config
                    .open_duration_after(bookkeeping.consecutive_opens);
                let until = (Instant::now() + open_for).saturating_duration_since(self.base);
                let nanos = u64::try_from(until.as_nanos()).unwrap_or(u64::MAX);
                self.open_until.store(nanos, Relaxed);
            }
            State::HalfOpen => {
                self.probes.reset(generation);
                permits = self.config.half_open_probes;
            }
            State::ForcedClosed => self.clear_window(),
            State::Closed | State::ForcedOpen | State::Disabled => {}
        }
        self.word
            .store(StateWord::new(to, permits, generation).bits(), Release);
        self.telemetry.transition(from, to);
        // A listener that reads the breaker may end an expired open period: that nested
        // transition runs on this thread and must not wait for the lock held here.
        let nested = ANNOUNCING.with(Cell::get);
        let in_order = (!nested).then(|| lock(&self.announcing));
        drop(bookkeeping);
        let transition = Transition {
            from,
            to,
            key: self.key.clone(),
        };
        ANNOUNCING.with(|announcing| announcing.set(true));
        announce(&self.config.listeners, transition);
        ANNOUNCING.with(|announcing| announcing.set(nested));
        drop(in_order);
        self.changed.notify_waiters();
    }
}

//! Capturing `tracing` events in tests that run in parallel.
//!
//! A thread-local subscriber (`set_default`) misses events whose callsite another test
//! thread registered while no subscriber wanted it: tracing caches that interest globally.
//! So the capture is one global subscriber, installed once per test binary, that keeps
//! each thread's events apart; a test reads the events of its own thread (tokio's test
//! runtime polls everything on it).

use std::{
    collections::HashMap,
    sync::{
        Mutex, OnceLock,
        atomic::{AtomicU64, Ordering},
    },
    thread::{self, ThreadId},
};
use tracing::{
    Event, Metadata, Subscriber,
    field::{Field, Visit},
    span,
};

/// One event: where it came from, the span it happened in, and its fields as text.
#[derive(Debug, Clone)]
pub struct Captured {
    pub target: String,
    pub span: Option<String>,
    pub fields: HashMap<String, String>,
}

impl Captured {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

#[derive(Default)]
struct Capture {
    next_span: AtomicU64,
    span_names: Mutex<HashMap<u64, String>>,
    stacks: Mutex<HashMap<ThreadId, Vec<u64>>>,
    events: Mutex<HashMap<ThreadId, Vec<Captured>>>,
}

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().into(), format!("{value:?}"));
    }
}

// Implemented for the leaked reference, so the global default and the tests share it.
impl Subscriber for &'static Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attrs: &span::Attributes<'_>) -> span::Id {
        let id = self.next_span.fetch_add(1, Ordering::Relaxed) + 1;
        let name = attrs.metadata().name().to_owned();
        self.span_names.lock().unwrap().insert(id, name);
        span::Id::from_u64(id)
    }
    fn record(&self, _: &span::Id, _: &span::Record<'_>) {}
    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = HashMap::new();
        event.record(&mut Fields(&mut fields));
        let thread = thread::current().id();
        let current = self
            .stacks
            .lock()
            .unwrap()
            .get(&thread)
            .and_then(|stack| stack.last().copied());
        let span = current.and_then(|id| self.span_names.lock().unwrap().get(&id).cloned());
        let captured = Captured {
            target: event.metadata().target().to_owned(),
            span,
            fields,
        };
        self.events
            .lock()
            .unwrap()
            .entry(thread)
            .or_default()
            .push(captured);
    }
    fn enter(&self, id: &span::Id) {
        let thread = thread::current().id();
        self.stacks
            .lock()
            .unwrap()
            .entry(thread)
            .or_default()
            .push(id.into_u64());
    }
    fn exit(&self, _: &span::Id) {
        let thread = thread::current().id();
        if let Some(stack) = self.stacks.lock().unwrap().get_mut(&thread) {
            stack.pop();
        }
    }
}

fn capture() -> &'static Capture {
    static CAPTURE: OnceLock<&'static Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture: &'static Capture = Box::leak(Box::default());
        tracing::subscriber::set_global_default(capture)
            .expect("no other global subscriber in this test binary");
        capture
    })
}

/// Starts capturing on this thread, forgetting what it captured before.
pub fn start() {
    let capture = capture();
    capture
        .events
        .lock()
        .unwrap()
        .remove(&thread::current().id());
}

/// The events captured on this thread since [`start`], optionally only those of `target`.
pub fn captured(target: &str) -> Vec<Captured> {
    capture()
        .events
        .lock()
        .unwrap()
        .get(&thread::current().id())
        .map(|events| {
            events
                .iter()
                .filter(|event| event.target == target)
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

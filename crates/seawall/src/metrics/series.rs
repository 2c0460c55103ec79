use super::labels::{ErrorKind, METHODS};
use ::metrics::{Gauge, Histogram, Label, SharedString};
use hashbrown::{Equivalent, HashMap};
use std::{
    hash::{Hash, Hasher},
    sync::{Arc, OnceLock, PoisonError, RwLock},
};

/// The most label sets one layer keeps a series for; past it, new label sets are recorded
/// with `http_route="_OTHER"`.
pub const MAX_SERIES: usize = 2048;

const OTHER_ROUTE: &str = "_OTHER";

/// The label values of one duration series, borrowed from the request being recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SeriesRef<'a> {
    pub(crate) method: u8,
    pub(crate) route: Option<&'a str>,
    pub(crate) address: Option<&'a str>,
    /// Zero when no response arrived.
    pub(crate) status: u16,
    pub(crate) error: ErrorKind,
}

// Hashed on every request, twice through a gateway: the small fields and the lengths go
// in two words and each string in one write, where a derived hash writes every field, and
// every string's terminator, on its own. Equal label sets write the same words.
impl Hash for SeriesRef<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let (error, rejection) = match self.error {
            ErrorKind::None => (0, ""),
            ErrorKind::Rejection(error_type) => (1, error_type),
            ErrorKind::Status => (2, ""),
            ErrorKind::Transport => (3, ""),
        };
        let route = self.route.unwrap_or_default();
        let address = self.address.unwrap_or_default();
        state.write_u64(
            u64::from(self.method)
                | u64::from(self.status) << 8
                | error << 24
                | u64::from(self.route.is_some()) << 26
                | u64::from(self.address.is_some()) << 27
                | (route.len() as u64) << 32,
        );
        state.write_u64(address.len() as u64 | (rejection.len() as u64) << 32);
        state.write(route.as_bytes());
        state.write(address.as_bytes());
        state.write(rejection.as_bytes());
    }
}

/// The owned twin of [`SeriesRef`], stored in the map.
#[derive(Debug, PartialEq, Eq)]
struct SeriesKey {
    method: u8,
    route: Option<Box<str>>,
    address: Option<Box<str>>,
    status: u16,
    error: ErrorKind,
}

impl SeriesKey {
    fn as_ref(&self) -> SeriesRef<'_> {
        SeriesRef {
            method: self.method,
            route: self.route.as_deref(),
            address: self.address.as_deref(),
            status: self.status,
            error: self.error,
        }
    }
}

// Hashing through `SeriesRef` keeps the two hashes equal, which borrowed lookups need.
impl Hash for SeriesKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_ref().hash(state);
    }
}

impl Equivalent<SeriesKey> for SeriesRef<'_> {
    fn equivalent(&self, key: &SeriesKey) -> bool {
        *self == key.as_ref()
    }
}

impl From<SeriesRef<'_>> for SeriesKey {
    fn from(series: SeriesRef<'_>) -> Self {
        SeriesKey {
            method: series.method,
            route: series.route.map(Box::from),
            address: series.address.map(Box::from),
            status: series.status,
            error: series.error,
        }
    }
}

/// The histogram handles of one duration metric, by label values.
#[derive(Debug)]
pub(crate) struct DurationSeries {
    name: &'static str,
    help: &'static str,
    service_name: SharedString,
    series: RwLock<HashMap<SeriesKey, Histogram>>,
}

impl DurationSeries {
    pub(crate) fn new(name: &'static str, help: &'static str, service_name: SharedString) -> Self {
        DurationSeries {
            name,
            help,
            service_name,
            series: RwLock::default(),
        }
    }

    pub(crate) fn service_name(&self) -> &SharedString {
        &self.service_name
    }

    pub(crate) fn record(&self, series: SeriesRef<'_>, seconds: f64) {
        if let Some(histogram) = self
            .series
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&series)
        {
            histogram.record(seconds);
            return;
        }
        let mut map = self.series.write().unwrap_or_else(PoisonError::into_inner);
        let series = if map.len() >= MAX_SERIES && !map.contains_key(&series) {
            SeriesRef {
                route: Some(OTHER_ROUTE),
                ..series
            }
        } else {
            series
        };
        if let Some(histogram) = map.get(&series) {
            histogram.record(seconds);
            return;
        }
        ::metrics::describe_histogram!(self.name, ::metrics::Unit::Seconds, self.help);
        let histogram = ::metrics::histogram!(self.name, self.labels(series));
        histogram.record(seconds);
        map.insert(series.into(), histogram);
    }

    fn labels(&self, series: SeriesRef<'_>) -> Vec<Label> {
        let mut labels = Vec::with_capacity(6);
        labels.push(Label::new("service_name", self.service_name.clone()));
        labels.push(Label::new(
            "http_request_method",
            METHODS[usize::from(series.method)],
        ));
        if let Some(address) = series.address {
            labels.push(Label::new("server_address", address.to_owned()));
        }
        if let Some(route) = series.route {
            labels.push(Label::new("http_route", route.to_owned()));
        }
        if series.status != 0 {
            labels.push(Label::new(
                "http_response_status_code",
                series.status.to_string(),
            ));
        }
        let error_type = match series.error {
            ErrorKind::None => None,
            ErrorKind::Rejection(error_type) => Some(SharedString::from(error_type)),
            ErrorKind::Status => Some(SharedString::from(series.status.to_string())),
            ErrorKind::Transport => Some(SharedString::from("transport")),
        };
        if let Some(error_type) = error_type {
            labels.push(Label::new("error_type", error_type));
        }
        labels
    }
}

/// Server addresses seen by a client, each kept once, so a request holds an `Arc` to its
/// label instead of a copy. Bounded by [`MAX_ADDRESSES`]; later ones share `_OTHER`.
#[derive(Debug, Default)]
pub(crate) struct Addresses {
    known: RwLock<HashMap<Box<str>, Arc<str>>>,
}

/// The most distinct server addresses a client layer labels by name.
const MAX_ADDRESSES: usize = 256;

impl Addresses {
    pub(crate) fn intern(&self, host: &str) -> Arc<str> {
        if let Some(address) = self
            .known
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(host)
        {
            return address.clone();
        }
        let mut known = self.known.write().unwrap_or_else(PoisonError::into_inner);
        let host = if known.len() >= MAX_ADDRESSES && !known.contains_key(host) {
            OTHER_ROUTE
        } else {
            host
        };
        known
            .entry_ref(host)
            .or_insert_with(|| Arc::from(host))
            .clone()
    }
}

/// The active-requests gauge per method, registered on first use.
#[derive(Debug)]
pub(crate) struct ActiveRequests {
    name: &'static str,
    help: &'static str,
    service_name: SharedString,
    gauges: [OnceLock<Gauge>; METHODS.len()],
}

impl ActiveRequests {
    pub(crate) fn new(name: &'static str, help: &'static str, service_name: SharedString) -> Self {
        ActiveRequests {
            name,
            help,
            service_name,
            gauges: Default::default(),
        }
    }

    pub(crate) fn gauge(&self, method: u8) -> &Gauge {
        self.gauges[usize::from(method)].get_or_init(|| {
            ::metrics::describe_gauge!(self.name, self.help);
            ::metrics::gauge!(
                self.name,
                "service_name" => self.service_name.clone(),
                "http_request_method" => METHODS[usize::from(method)],
            )
        })
    }
}

/// Decrements an active-requests gauge when dropped: when the response is ready, or when
/// the request is cancelled.
#[derive(Debug)]
pub(crate) struct ActiveGuard {
    active: Arc<ActiveRequests>,
    method: u8,
}

impl ActiveGuard {
    pub(crate) fn enter(active: Arc<ActiveRequests>, method: u8) -> Self {
        active.gauge(method).increment(1.0);
        ActiveGuard { active, method }
    }
}

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.active.gauge(self.method).decrement(1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    fn series<'a>(route: Option<&'a str>, address: Option<&'a str>) -> SeriesRef<'a> {
        SeriesRef {
            method: 0,
            route,
            address,
            status: 200,
            error: ErrorKind::None,
        }
    }

    #[test]
    fn a_borrowed_label_set_finds_its_owned_key_and_no_other() {
        let mut map: HashMap<SeriesKey, u32> = HashMap::new();
        map.insert(series(Some("/ab"), Some("c")).into(), 1);
        map.insert(series(Some("/a"), Some("bc")).into(), 2);
        map.insert(series(None, Some("/abc")).into(), 3);
        map.insert(series(Some("/abc"), None).into(), 4);
        let route = String::from("/ab");
        assert_eq!(map.get(&series(Some(&route), Some("c"))), Some(&1));
        assert_eq!(map.get(&series(Some("/a"), Some("bc"))), Some(&2));
        assert_eq!(map.get(&series(None, Some("/abc"))), Some(&3));
        assert_eq!(map.get(&series(Some("/abc"), None)), Some(&4));
        assert_eq!(map.get(&series(Some("/abc"), Some(""))), None);
        let rejected = SeriesRef {
            error: ErrorKind::Rejection("circuit_open"),
            ..series(Some("/ab"), Some("c"))
        };
        assert_eq!(map.get(&rejected), None);
    }

    #[test]
    fn a_key_hashes_as_the_label_set_it_was_made_from() {
        let hasher = hashbrown::DefaultHashBuilder::default();
        let borrowed = SeriesRef {
            error: ErrorKind::Rejection("timeout"),
            ..series(Some("/users/{id}"), Some("users:8081"))
        };
        let owned = SeriesKey::from(borrowed);
        assert_eq!(hasher.hash_one(borrowed), hasher.hash_one(&owned));
    }
}

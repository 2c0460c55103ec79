//! The service-to-service client: a pooled hyper client wrapped in seawall's layers.
//!
//! [`ServiceClient`] is what one shop service uses to call another. Each call goes through,
//! outermost first (the order of DESIGN §3):
//!
//! 1. client metrics ([`HttpMetricsLayer::client`]): `http_client_request_duration_seconds`
//!    for the whole call, retries included;
//! 2. the total deadline ([`DeadlineLayer::client`]): [`total_timeout`], tightened by the
//!    deadline of the request being served ([`Deadline::current`]);
//! 3. retry ([`RetryLayer`]) with a shared [`RetryBudget`] and `Retry-After`: idempotent
//!    requests only (GET, or any request with an `Idempotency-Key`);
//! 4. a client trace span per attempt ([`HttpTraceLayer::client`]), which also writes the
//!    W3C `traceparent` of that attempt;
//! 5. a circuit breaker per upstream authority ([`CircuitBreakerLayer`], [`ByAuthority`]);
//! 6. the per-attempt timeout ([`DeadlineLayer::per_attempt`]), which writes the time left
//!    for that attempt in `x-seawall-timeout-ms`;
//! 7. fault injection ([`ClientChaosLayer`]), controlled through
//!    [`ServiceClient::faults`], right above the transport so the layers above see faults
//!    as they would see real failures;
//! 8. hyper-util's pooled HTTP/1 client.
//!
//! This is seawall's [`ClientStack`](seawall::stack::ClientStack) composed by hand, to fit
//! the trace layer between retry and breaker.
//!
//! [`resilience`](ServiceClientBuilder::resilience) switches retries and breakers for a
//! comparison run ([`ClientResilience`]): [`NaiveRetries`](ClientResilience::NaiveRetries)
//! keeps layer 3 without its budget and drops layer 5; [`Off`](ClientResilience::Off)
//! makes layer 3 send one attempt and drops layer 5. Every other layer stays, so the runs
//! are measured, traced and faulted alike.
//!
//! [`get_json`](ServiceClient::get_json) and [`post_json`](ServiceClient::post_json) set the
//! route template for metrics and spans, and turn every answer that is not a 2xx into a
//! [`ClientError`]: a local refusal (open circuit, timeout, injected fault) is told apart
//! from an upstream's error status with [`Rejection::of`], and an upstream's
//! `application/problem+json` body is kept as a [`Problem`].
//!
//! [`total_timeout`]: ServiceClientBuilder::total_timeout
//! [`Deadline::current`]: seawall::deadline::Deadline::current
//!
//! # Example
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use serde::{Deserialize, Serialize};
//! use shop_kit::client::{ClientError, ServiceClient};
//! use std::time::Duration;
//!
//! #[derive(Deserialize)]
//! struct Product { id: String, price: i64, stock: i64 }
//! #[derive(Serialize)]
//! struct Reserve { order_id: String, quantity: i64 }
//! #[derive(Deserialize)]
//! struct Reservation { reserved: bool }
//!
//! let products = ServiceClient::builder("orders")
//!     .total_timeout(Duration::from_secs(2))
//!     .attempt_timeout(Duration::from_millis(500))
//!     .build()?;
//! let base = "http://127.0.0.1:8082";
//!
//! let product: Product = products.get_json(base, "/products/42", "/products/{id}").await?;
//! let order_id = "0190d1f4-…".to_owned();
//! let reserved: Result<Reservation, ClientError> = products
//!     .post_json(
//!         base,
//!         "/products/42/reservations",
//!         "/products/{id}/reservations",
//!         &Reserve { order_id: order_id.clone(), quantity: 2 },
//!         Some(&order_id), // safe to retry: the products service dedupes by key
//!     )
//!     .await;
//! match reserved {
//!     Ok(reservation) => assert!(reservation.reserved),
//!     Err(ClientError::Status { status, problem }) if status == 409 => { /* out of stock */ }
//!     Err(ClientError::CircuitOpen { .. } | ClientError::Timeout { .. }) => { /* degrade */ }
//!     Err(other) => return Err(other.into()),
//! }
//! # let _ = product;
//! # Ok(()) }
//! ```

use std::fmt;
use std::future::Future;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::header::{ACCEPT, CONTENT_TYPE};
use http::{HeaderValue, Method, Request, Response, StatusCode, Uri};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use seawall::breaker::{BreakerHandle, ByAuthority, CircuitBreakerLayer};
use seawall::chaos::{ClientChaosLayer, FaultHandle};
use seawall::deadline::DeadlineLayer;
use seawall::headers::IDEMPOTENCY_KEY;
use seawall::metrics::{HttpMetricsLayer, RouteTemplate};
use seawall::retry::{RetryBudget, RetryLayer};
use seawall::trace::HttpTraceLayer;
use seawall::{HttpClassifier, Rejection};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tower::util::BoxCloneSyncService;
use tower::{BoxError, ServiceBuilder, ServiceExt};

use crate::problem::{PROBLEM_JSON, Problem};

mod transport;
pub use crate::resilience::ClientResilience;
pub use transport::SharedTransport;

/// The retries a [`ClientResilience::NaiveRetries`] client may make per call, at most, and
/// so the ratio of its unlimited budget: seawall's retry layer always pays from a budget,
/// and one that every call fills with this many tokens never runs dry.
const NAIVE_RETRIES_PER_CALL: f64 = 1000.0;

/// The budget of a [`ClientResilience::NaiveRetries`] caller: one that never runs dry, so
/// that every failed attempt of a retryable request is retried up to the maximum. Also the
/// gateway's for its `naive` routes.
///
/// # Errors
///
/// Never with these constants; typed for the builder's sake.
pub fn naive_retry_budget() -> Result<RetryBudget, seawall::retry::ConfigError> {
    RetryBudget::builder()
        .ratio(NAIVE_RETRIES_PER_CALL)
        .min_per_sec(0.0)
        .max_balance(NAIVE_RETRIES_PER_CALL * 1_000_000.0)
        .build()
}

/// The body of a request a [`ServiceClient`] sends.
pub type RequestBody = Full<Bytes>;

/// The body of a response a [`ServiceClient`] returns from [`send`](ServiceClient::send).
pub type ResponseBody = BoxBody<Bytes, BoxError>;

/// The layered client, boxed so that [`ServiceClient`] has a nameable type.
type LayeredClient = BoxCloneSyncService<Request<RequestBody>, Response<ResponseBody>, BoxError>;

/// What a call through a [`ServiceClient`] can end in, other than a 2xx.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The upstream answered with an error status, after any retries.
    #[error("the upstream answered {status}{}", problem.as_ref().and_then(Problem::detail).map(|detail| format!(": {detail}")).unwrap_or_default())]
    Status {
        /// The status it answered with.
        status: StatusCode,
        /// Its `application/problem+json` body, when it sent one.
        problem: Option<Problem>,
    },
    /// The circuit breaker of the upstream is open: no request was sent.
    #[error("the circuit to the upstream is open; it lets a call through in {retry_after:?}")]
    CircuitOpen {
        /// When the breaker lets the next call through.
        retry_after: Duration,
    },
    /// The call ran out of time: its deadline (the total timeout or the caller's) passed,
    /// or its last attempt timed out.
    #[error("the call ran out of time: {rejection}")]
    Timeout {
        /// [`Rejection::DeadlineExceeded`] or [`Rejection::Timeout`].
        rejection: Rejection,
    },
    /// A layer of this client refused the call for another reason, such as an injected
    /// abort fault ([`Rejection::FaultInjected`]).
    #[error("the call was refused: {rejection}")]
    Unavailable {
        /// Why.
        rejection: Rejection,
    },
    /// The connection failed, before or while the response arrived; its source may be an
    /// injected [`InjectedFault`](seawall::chaos::InjectedFault).
    #[error("transport error: {0}")]
    Transport(#[source] BoxError),
    /// A 2xx response whose body is not the JSON expected, or is over the size limit.
    #[error("cannot decode the response: {0}")]
    Decode(#[source] BoxError),
    /// The URL, a header or the request body could not be made.
    #[error("cannot build the request: {0}")]
    InvalidRequest(#[source] BoxError),
}

impl ClientError {
    /// The error for a response a seawall layer of this client made itself.
    fn rejected(rejection: Rejection) -> Self {
        match rejection {
            Rejection::CircuitOpen { retry_after } => ClientError::CircuitOpen { retry_after },
            Rejection::DeadlineExceeded | Rejection::Timeout => ClientError::Timeout { rejection },
            _ => ClientError::Unavailable { rejection },
        }
    }
}

/// A [`ServiceClientBuilder`] was given settings that cannot work together.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientConfigError {
    /// An attempt could never time out before the whole call does, so no retry could run.
    #[error("the attempt timeout {attempt:?} must be below the total timeout {total:?}")]
    AttemptTimeoutNotBelowTotal {
        /// The attempt timeout given.
        attempt: Duration,
        /// The total timeout given.
        total: Duration,
    },
    /// A timeout the deadline layers refuse.
    #[error("invalid timeout: {0}")]
    Deadline(#[from] seawall::deadline::ConfigError),
    /// A retry or budget setting out of range.
    #[error("invalid retry setting: {0}")]
    Retry(#[from] seawall::retry::ConfigError),
    /// A circuit breaker setting out of range.
    #[error("invalid circuit breaker setting: {0}")]
    Breaker(#[from] seawall::breaker::ConfigError),
    /// A fault injection setting out of range.
    #[error("invalid fault injection setting: {0}")]
    Chaos(#[from] seawall::chaos::ConfigError),
}

/// Builds a [`ServiceClient`]; every setting has a default.
#[derive(Debug, Clone)]
#[must_use]
pub struct ServiceClientBuilder {
    service_name: String,
    total_timeout: Duration,
    attempt_timeout: Duration,
    max_attempts: u32,
    retry_base_delay: Duration,
    retry_budget: Option<RetryBudget>,
    breaker_window: u32,
    breaker_minimum_calls: u32,
    breaker_failure_rate: f64,
    breaker_open_duration: Duration,
    fault_seed: Option<u64>,
    max_response_bytes: usize,
    resilience: ClientResilience,
}

impl ServiceClientBuilder {
    /// The most time a call may take, retries included. Default 5 s.
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.total_timeout = timeout;
        self
    }

    /// The most time one attempt may take; must be below the total timeout. Default 2 s.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// Attempts per call, the first included; 1 turns retries off. Default 3.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// The first retry's back-off before jitter; it doubles with each retry. Default 50 ms.
    pub fn retry_base_delay(mut self, delay: Duration) -> Self {
        self.retry_base_delay = delay;
        self
    }

    /// The budget retries are paid from; pass one budget to several clients to cap their
    /// retries together. Default: 20% of calls plus 10 retries a second, starting empty.
    pub fn retry_budget(mut self, budget: RetryBudget) -> Self {
        self.retry_budget = Some(budget);
        self
    }

    /// How many of the latest calls to an upstream its breaker judges. Default 20.
    pub fn breaker_window(mut self, calls: u32) -> Self {
        self.breaker_window = calls;
        self
    }

    /// How many calls the window must hold before the breaker may open. Default 10.
    pub fn breaker_minimum_calls(mut self, calls: u32) -> Self {
        self.breaker_minimum_calls = calls;
        self
    }

    /// The failure rate (0 to 1) of the window at which the breaker opens. Default 0.5.
    pub fn breaker_failure_rate(mut self, rate: f64) -> Self {
        self.breaker_failure_rate = rate;
        self
    }

    /// How long an open breaker refuses calls before it lets probes through. Default 5 s.
    pub fn breaker_open_duration(mut self, duration: Duration) -> Self {
        self.breaker_open_duration = duration;
        self
    }

    /// Seeds the draws of fault probabilities and latencies, for repeatable chaos runs.
    pub fn fault_seed(mut self, seed: u64) -> Self {
        self.fault_seed = Some(seed);
        self
    }

    /// The largest response body the JSON methods read. Default 4 MiB.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Which resilience layers the client uses; default [`ClientResilience::Seawall`].
    /// Pass [`ServiceConfig::client_resilience`](crate::config::ServiceConfig) so that
    /// `SHOP_CLIENT_RESILIENCE` applies. The retry and breaker settings above are ignored
    /// by the choices that drop those layers (the budget by `NaiveRetries`, and
    /// `max_attempts` by `Off`).
    pub fn resilience(mut self, resilience: ClientResilience) -> Self {
        self.resilience = resilience;
        self
    }

    /// Checks the settings and assembles the client. Call it inside a Tokio runtime.
    pub fn build(self) -> Result<ServiceClient, ClientConfigError> {
        if self.attempt_timeout >= self.total_timeout {
            return Err(ClientConfigError::AttemptTimeoutNotBelowTotal {
                attempt: self.attempt_timeout,
                total: self.total_timeout,
            });
        }
        let name = self.service_name.as_str();
        // The attempt layer writes the time left on each attempt; this one only enforces.
        let total_deadline = DeadlineLayer::client()
            .propagate(false)
            .timeout(self.total_timeout)
            .service_name(name)
            .build()?;
        let attempt_deadline = DeadlineLayer::per_attempt()
            .timeout(self.attempt_timeout)
            .service_name(name)
            .build()?;
        let budget = match (self.resilience, self.retry_budget) {
            // Checked first, so a budget given for a Seawall run does not cap a naive one.
            (ClientResilience::NaiveRetries, _) => naive_retry_budget()?,
            (_, Some(budget)) => budget,
            (_, None) => RetryBudget::new(0.2, 10.0)?,
        };
        // `Off` keeps the retry layer with one attempt rather than removing it: the layer
        // also makes the request body replayable, which the transport below is typed for.
        let max_attempts = if self.resilience.retries() {
            self.max_attempts
        } else {
            1
        };
        let retry = RetryLayer::builder()
            .max_attempts(max_attempts)
            .base_delay(self.retry_base_delay)
            .budget(budget)
            .service_name(self.service_name.clone())
            .build()?;
        let breakers = CircuitBreakerLayer::builder()
            .key_by(ByAuthority)
            .count_window(self.breaker_window)
            .minimum_calls(self.breaker_minimum_calls)
            .failure_rate_threshold(self.breaker_failure_rate)
            .open_duration(self.breaker_open_duration)
            .service_name(self.service_name.clone())
            .build()?;
        let chaos = ClientChaosLayer::builder().service_name(name);
        let chaos = match self.fault_seed {
            Some(seed) => chaos.seed(seed),
            None => chaos,
        }
        .build()?;
        let faults = chaos.handle();

        let transport = SharedTransport::new();
        let layered = ServiceBuilder::new()
            .layer(HttpMetricsLayer::client(self.service_name.clone()))
            .layer(total_deadline)
            .layer(retry)
            .layer(HttpTraceLayer::client(name))
            .option_layer(self.resilience.protects().then(|| breakers.clone()))
            .layer(attempt_deadline)
            .layer(chaos)
            .map_err(BoxError::from)
            .map_response(|response: Response<hyper::body::Incoming>| {
                response.map(|body| body.map_err(BoxError::from).boxed())
            })
            .service(transport);
        Ok(ServiceClient {
            service: BoxCloneSyncService::new(layered),
            faults,
            breakers,
            max_response_bytes: self.max_response_bytes,
            resilience: self.resilience,
        })
    }
}

/// A client for calling other shop services; see the [module docs](self).
///
/// Cloning is cheap: clones share the connection pool, breakers, retry budget and faults.
#[derive(Clone)]
pub struct ServiceClient {
    service: LayeredClient,
    faults: FaultHandle,
    breakers: CircuitBreakerLayer<HttpClassifier, ByAuthority>,
    max_response_bytes: usize,
    resilience: ClientResilience,
}

impl fmt::Debug for ServiceClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceClient")
            .field("resilience", &self.resilience)
            .field("upstreams", &self.breakers.keys())
            .field("faults", &self.faults.list().len())
            .finish_non_exhaustive()
    }
}

impl ServiceClient {
    /// A builder for the client of the service named `service_name` (the `service_name`
    /// label of its metrics and spans).
    pub fn builder(service_name: impl Into<String>) -> ServiceClientBuilder {
        ServiceClientBuilder {
            service_name: service_name.into(),
            total_timeout: Duration::from_secs(5),
            attempt_timeout: Duration::from_secs(2),
            max_attempts: 3,
            retry_base_delay: Duration::from_millis(50),
            retry_budget: None,
            breaker_window: 20,
            breaker_minimum_calls: 10,
            breaker_failure_rate: 0.5,
            breaker_open_duration: Duration::from_secs(5),
            fault_seed: None,
            max_response_bytes: 4 * 1024 * 1024,
            resilience: ClientResilience::Seawall,
        }
    }

    /// The faults injected into this client's calls (and its clones'), to put and remove
    /// at run time; the admin routes of a service expose it.
    pub fn faults(&self) -> &FaultHandle {
        &self.faults
    }

    /// Which resilience layers this client uses.
    pub fn resilience(&self) -> ClientResilience {
        self.resilience
    }

    /// The circuit breaker of the upstream at `authority` (`host:port`), once it has been
    /// called; never for a client without breakers ([`ClientResilience::protects`]).
    pub fn breaker(&self, authority: &str) -> Option<BreakerHandle> {
        self.breakers.handle_for(authority)
    }

    /// Sends `request` through every layer and returns the response as it is, whatever its
    /// status. A response a layer made itself carries a [`Rejection`] (see
    /// [`Rejection::of`]); set a [`RouteTemplate`] extension for metrics and spans.
    pub async fn send(
        &self,
        request: Request<RequestBody>,
    ) -> Result<Response<ResponseBody>, BoxError> {
        self.service.clone().oneshot(request).await
    }

    /// `GET {base}{path}` and decodes the JSON answer. `route` is the path's template
    /// (`/products/{id}`), for metrics and span names; `path` starts with `/`.
    ///
    /// Like [`post_json`](Self::post_json), the future borrows only the client and is `Send`.
    pub fn get_json<'a, T: DeserializeOwned>(
        &'a self,
        base: &str,
        path: &str,
        route: &str,
    ) -> impl Future<Output = Result<T, ClientError>> + Send + use<'a, T> {
        let request = json_request(Method::GET, base, path, route, RequestBody::default());
        async move { self.exchange_json(request?).await }
    }

    /// `POST {base}{path}` with `body` as JSON, and decodes the JSON answer. With an
    /// `idempotency_key` the request carries it in `Idempotency-Key` and is retried like a
    /// GET; without one it is sent once. `route` as for [`get_json`](Self::get_json).
    ///
    /// The request is made before the future is returned, so the future borrows only the
    /// client: it is `Send` (it can be spawned) whatever `B` is, and `body`, `base`, `path`
    /// and `route` may be dropped as soon as this returns.
    pub fn post_json<'a, B: Serialize + ?Sized, T: DeserializeOwned>(
        &'a self,
        base: &str,
        path: &str,
        route: &str,
        body: &B,
        idempotency_key: Option<&str>,
    ) -> impl Future<Output = Result<T, ClientError>> + Send + use<'a, B, T> {
        let request = json_post_request(base, path, route, body, idempotency_key);
        async move { self.exchange_json(request?).await }
    }

    /// Sends `request` and turns its answer into `T` or a [`ClientError`].
    async fn exchange_json<T: DeserializeOwned>(
        &self,
        request: Request<RequestBody>,
    ) -> Result<T, ClientError> {
        let response = self.send(request).await.map_err(ClientError::Transport)?;
        if let Some(rejection) = Rejection::of(&response) {
            return Err(ClientError::rejected(rejection));
        }
        let status = response.status();
        let is_problem = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with(PROBLEM_JSON));
        let body = read_limited(response.into_body(), self.max_response_bytes).await?;
        if !status.is_success() {
            let problem = is_problem
                .then(|| serde_json::from_slice::<Problem>(&body).ok())
                .flatten();
            return Err(ClientError::Status { status, problem });
        }
        // An empty body (204) decodes as JSON `null`, so `()` and `Option<_>` accept it.
        let json: &[u8] = if body.is_empty() { b"null" } else { &body };
        serde_json::from_slice(json).map_err(|error| ClientError::Decode(error.into()))
    }
}

/// Reads `body` whole, refusing more than `max_bytes` with a [`ClientError::Decode`].
///
/// Frame by frame rather than with `http_body_util::Limited`: awaiting a `Limited` collect
/// of a boxed body trips rustc's higher-ranked check of `Send` (`From<Box<dyn Error + '0>>`
/// "not general enough", rust-lang/rust#64552), which made the JSON helpers' futures not
/// `Send`.
async fn read_limited(mut body: ResponseBody, max_bytes: usize) -> Result<Bytes, ClientError> {
    let mut read = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.map_err(ClientError::Transport)?.into_data() else {
            continue; // trailers carry nothing to decode
        };
        if read.len() + data.len() > max_bytes {
            return Err(ClientError::Decode(
                format!("the answer is longer than {max_bytes} bytes").into(),
            ));
        }
        read.extend_from_slice(&data);
    }
    Ok(read.freeze())
}

/// A `POST` of `body` as JSON, with its `Idempotency-Key` when given.
fn json_post_request<B: Serialize + ?Sized>(
    base: &str,
    path: &str,
    route: &str,
    body: &B,
    idempotency_key: Option<&str>,
) -> Result<Request<RequestBody>, ClientError> {
    let json =
        serde_json::to_vec(body).map_err(|error| ClientError::InvalidRequest(error.into()))?;
    let mut request = json_request(Method::POST, base, path, route, Full::from(json))?;
    let headers = request.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Some(key) = idempotency_key {
        let key = HeaderValue::from_str(key)
            .map_err(|error| ClientError::InvalidRequest(error.into()))?;
        headers.insert(IDEMPOTENCY_KEY, key);
    }
    Ok(request)
}

/// A request for `base` + `path` that accepts JSON and names its route template.
fn json_request(
    method: Method,
    base: &str,
    path: &str,
    route: &str,
    body: RequestBody,
) -> Result<Request<RequestBody>, ClientError> {
    let uri = Uri::try_from(format!("{}{path}", base.trim_end_matches('/')))
        .map_err(|error| ClientError::InvalidRequest(error.into()))?;
    let mut request = Request::new(body);
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    request
        .headers_mut()
        .insert(ACCEPT, HeaderValue::from_static("application/json"));
    request.extensions_mut().insert(RouteTemplate::new(route));
    Ok(request)
}

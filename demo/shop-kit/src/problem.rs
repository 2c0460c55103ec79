//! `application/problem+json` errors (RFC 9457) for axum, and a JSON extractor that rejects with them.
//!
//! [`Problem`] is the error body of every service: handlers return `Result<T, Problem>`.
//! [`ValidJson`] replaces [`axum::Json`] as a request extractor so that a bad body is answered
//! with a problem too, instead of axum's plain-text rejections:
//!
//! | request | status |
//! |---|---|
//! | no or non-JSON `Content-Type` | 415 |
//! | body over the limit ([`axum::extract::DefaultBodyLimit`]) | 413 |
//! | malformed JSON | 400 |
//! | valid JSON of the wrong shape (missing field, wrong type) | 422, with `errors: [{field, message}]` |
//!
//! # Example
//!
//! ```
//! use axum::{Json, Router, http::StatusCode, routing::post};
//! use serde::Deserialize;
//! use shop_kit::problem::{FieldError, Problem, ValidJson};
//!
//! #[derive(Deserialize)]
//! struct NewOrder {
//!     product_id: String,
//!     quantity: u32,
//! }
//!
//! async fn create_order(
//!     ValidJson(order): ValidJson<NewOrder>,
//! ) -> Result<(StatusCode, Json<serde_json::Value>), Problem> {
//!     if order.quantity == 0 {
//!         return Err(Problem::unprocessable_entity("the order is not valid")
//!             .with_field_errors([FieldError::new("quantity", "must be at least 1")]));
//!     }
//!     if order.product_id == "sold-out" {
//!         return Err(Problem::conflict("out of stock").with_type("https://shop.example/problems/out-of-stock"));
//!     }
//!     Ok((StatusCode::CREATED, Json(serde_json::json!({ "quantity": order.quantity }))))
//! }
//!
//! let app: Router = Router::new().route("/orders", post(create_order));
//! ```

use std::fmt;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// The media type of a problem body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The `type` of a problem that has no more specific type (RFC 9457 §4.2.1).
pub const ABOUT_BLANK: &str = "about:blank";

/// An RFC 9457 problem: the JSON error body of every shop service.
///
/// Serialises as `{"type", "title", "status", "detail"?, "instance"?, ...extensions}` and
/// responds with `Content-Type: application/problem+json` (plus `Retry-After` when set).
///
/// ```
/// use shop_kit::problem::Problem;
///
/// let problem = Problem::not_found("no product 42").with_instance("/api/products/42");
/// let json = serde_json::to_value(&problem).unwrap();
/// assert_eq!(json["status"], 404);
/// assert_eq!(json["title"], "Not Found");
/// assert_eq!(json["type"], "about:blank");
/// ```
///
/// The members live behind one pointer, so that `Result<T, Problem>` stays small.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Problem(Box<ProblemMembers>);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ProblemMembers {
    #[serde(rename = "type", default = "about_blank")]
    type_uri: String,
    #[serde(default)]
    title: String,
    #[serde(
        serialize_with = "serialize_status",
        deserialize_with = "deserialize_status"
    )]
    status: StatusCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    instance: Option<String>,
    #[serde(flatten)]
    extensions: Map<String, Value>,
    #[serde(skip)]
    retry_after: Option<Duration>,
}

fn about_blank() -> String {
    ABOUT_BLANK.to_owned()
}

fn serialize_status<S: Serializer>(status: &StatusCode, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u16(status.as_u16())
}

fn deserialize_status<'de, D: Deserializer<'de>>(deserializer: D) -> Result<StatusCode, D::Error> {
    let code = u16::deserialize(deserializer)?;
    StatusCode::from_u16(code).map_err(serde::de::Error::custom)
}

/// One invalid field of a request, listed in the `errors` member of a 422 problem.
///
/// `field` is a dotted path such as `items[0].quantity`; empty for the body as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The path of the field in the request body.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    /// An error for `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl Problem {
    /// A problem of type `about:blank` whose title is the status's reason phrase.
    pub fn new(status: StatusCode) -> Self {
        Problem(Box::new(ProblemMembers {
            type_uri: about_blank(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status,
            detail: None,
            instance: None,
            extensions: Map::new(),
            retry_after: None,
        }))
    }

    fn with_status_and_detail(status: StatusCode, detail: impl Into<String>) -> Self {
        Problem::new(status).with_detail(detail)
    }

    /// 400 Bad Request.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::with_status_and_detail(StatusCode::BAD_REQUEST, detail)
    }

    /// 401 Unauthorized. Add a `WWW-Authenticate` header in the handler if the scheme needs it.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::with_status_and_detail(StatusCode::UNAUTHORIZED, detail)
    }

    /// 403 Forbidden.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::with_status_and_detail(StatusCode::FORBIDDEN, detail)
    }

    /// 404 Not Found.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::with_status_and_detail(StatusCode::NOT_FOUND, detail)
    }

    /// 409 Conflict: a uniqueness or state conflict, e.g. out of stock.
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::with_status_and_detail(StatusCode::CONFLICT, detail)
    }

    /// 413 Content Too Large.
    pub fn payload_too_large(detail: impl Into<String>) -> Self {
        Self::with_status_and_detail(StatusCode::PAYLOAD_TOO_LARGE, detail)
    }

    /// 415 Unsupported Media Type.
    pub fn unsupported_media_type(detail: impl Into<String>) -> Self {
        Self::with_status_and_detail(StatusCode::UNSUPPORTED_MEDIA_TYPE, detail)
    }

    /// 422 Unprocessable Content; add the invalid fields with [`Problem::with_field_errors`].
    pub fn unprocessable_entity(detail: impl Into<String>) -> Self {
        Self::with_status_and_detail(StatusCode::UNPROCESSABLE_ENTITY, detail)
    }

    /// 429 Too Many Requests; add [`Problem::with_retry_after`] when the wait is known.
    pub fn too_many_requests(detail: impl Into<String>) -> Self {
        Self::with_status_and_detail(StatusCode::TOO_MANY_REQUESTS, detail)
    }

    /// 500 Internal Server Error. Keep internals out of `detail`; log them instead.
    pub fn internal_server_error(detail: impl Into<String>) -> Self {
        Self::with_status_and_detail(StatusCode::INTERNAL_SERVER_ERROR, detail)
    }

    /// 502 Bad Gateway: an upstream answered with something unusable.
    pub fn bad_gateway(detail: impl Into<String>) -> Self {
        Self::with_status_and_detail(StatusCode::BAD_GATEWAY, detail)
    }

    /// 503 Service Unavailable: a dependency is down or a breaker is open.
    pub fn service_unavailable(detail: impl Into<String>) -> Self {
        Self::with_status_and_detail(StatusCode::SERVICE_UNAVAILABLE, detail)
    }

    /// 504 Gateway Timeout: an upstream did not answer in time.
    pub fn gateway_timeout(detail: impl Into<String>) -> Self {
        Self::with_status_and_detail(StatusCode::GATEWAY_TIMEOUT, detail)
    }

    /// Sets the `type` URI identifying the kind of problem. The title stays the reason phrase
    /// unless changed with [`Problem::with_title`].
    pub fn with_type(mut self, type_uri: impl Into<String>) -> Self {
        self.0.type_uri = type_uri.into();
        self
    }

    /// Sets the short, human-readable `title` (the same for every occurrence of the type).
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.0.title = title.into();
        self
    }

    /// Sets the `detail`: what went wrong this time.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.0.detail = Some(detail.into());
        self
    }

    /// Sets the `instance` URI of this occurrence, e.g. the request path.
    pub fn with_instance(mut self, instance: impl Into<String>) -> Self {
        self.0.instance = Some(instance.into());
        self
    }

    /// Adds an extension member. The standard members cannot be overwritten this way.
    ///
    /// ```
    /// use shop_kit::problem::Problem;
    ///
    /// let problem = Problem::conflict("not enough stock").with_extension("available", 2);
    /// assert_eq!(problem.extension("available"), Some(&serde_json::json!(2)));
    /// ```
    pub fn with_extension(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        let name = name.into();
        if !matches!(
            name.as_str(),
            "type" | "title" | "status" | "detail" | "instance"
        ) {
            self.0.extensions.insert(name, value.into());
        }
        self
    }

    /// Sets the `errors` extension member to the invalid fields.
    pub fn with_field_errors(self, errors: impl IntoIterator<Item = FieldError>) -> Self {
        let errors: Vec<Value> = errors
            .into_iter()
            .map(|error| serde_json::json!({ "field": error.field, "message": error.message }))
            .collect();
        self.with_extension("errors", errors)
    }

    /// Adds a `Retry-After` header (whole seconds, rounded up) to the response.
    pub fn with_retry_after(mut self, wait: Duration) -> Self {
        self.0.retry_after = Some(wait);
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// The `type` URI.
    pub fn type_uri(&self) -> &str {
        &self.0.type_uri
    }

    /// The `title`.
    pub fn title(&self) -> &str {
        &self.0.title
    }

    /// The `detail`, if any.
    pub fn detail(&self) -> Option<&str> {
        self.0.detail.as_deref()
    }

    /// The `instance`, if any.
    pub fn instance(&self) -> Option<&str> {
        self.0.instance.as_deref()
    }

    /// An extension member, if present.
    pub fn extension(&self, name: &str) -> Option<&Value> {
        self.0.extensions.get(name)
    }

    /// The `errors` extension member, if present and well-formed.
    pub fn field_errors(&self) -> Option<Vec<FieldError>> {
        self.extension("errors")
            .and_then(|errors| serde_json::from_value(errors.clone()).ok())
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.0.status.as_u16(), self.0.title)?;
        if let Some(detail) = &self.0.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problem {}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(wait) = self.0.retry_after {
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        match serde_json::to_vec(&self) {
            Ok(body) => (self.0.status, headers, body).into_response(),
            Err(error) => {
                tracing::error!(%error, "cannot serialise a problem");
                (StatusCode::INTERNAL_SERVER_ERROR, headers, FALLBACK_BODY).into_response()
            }
        }
    }
}

const FALLBACK_BODY: &str =
    r#"{"type":"about:blank","title":"Internal Server Error","status":500}"#;

/// A JSON request body extractor like [`axum::Json`] whose rejections are [`Problem`]s.
///
/// Honours [`axum::extract::DefaultBodyLimit`]. See the [module docs](self) for the statuses.
#[derive(Debug, Clone, Copy, Default)]
pub struct ValidJson<T>(pub T);

impl<T, S> FromRequest<S> for ValidJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !has_json_content_type(request.headers()) {
            return Err(Problem::unsupported_media_type(
                "expected a request with Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                Problem::new(rejection.status()).with_detail(rejection.body_text())
            })?;
        parse_json_body(&bytes).map(ValidJson)
    }
}

/// `application/json` or `application/<anything>+json`, parameters allowed.
fn has_json_content_type(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.split_once('/') {
        Some(("application", subtype)) => subtype == "json" || subtype.ends_with("+json"),
        _ => false,
    }
}

fn parse_json_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let error = match serde_json::from_slice::<T>(bytes) {
        Ok(value) => return Ok(value),
        Err(error) => error,
    };
    if !error.is_data() {
        return Err(Problem::bad_request(format!(
            "the body is not valid JSON: {error}"
        )));
    }
    let field_error = locate_data_error::<T>(bytes, &error);
    Err(
        Problem::unprocessable_entity("the body does not match the expected shape")
            .with_field_errors([field_error]),
    )
}

/// Names the field of a data error. `axum::Json` tracks the path (with `serde_path_to_error`)
/// and prints it as `<path>: <serde_json message>`; the path is what precedes the message.
fn locate_data_error<T: DeserializeOwned>(bytes: &[u8], error: &serde_json::Error) -> FieldError {
    let position = format!(" at line {} column {}", error.line(), error.column());
    let full_message = error.to_string();
    let message = full_message
        .strip_suffix(&position)
        .unwrap_or(&full_message)
        .to_owned();
    let path = match axum::Json::<T>::from_bytes(bytes) {
        Err(axum::extract::rejection::JsonRejection::JsonDataError(rejection)) => {
            let located = std::error::Error::source(&rejection)
                .map(ToString::to_string)
                .unwrap_or_default();
            located
                .strip_suffix(&full_message)
                .and_then(|prefix| prefix.strip_suffix(": "))
                .unwrap_or_default()
                .to_owned()
        }
        _ => String::new(),
    };
    let field = match missing_field_name(&message) {
        Some(name) if path.is_empty() => name.to_owned(),
        Some(name) => format!("{path}.{name}"),
        None => path,
    };
    FieldError::new(field, message)
}

/// The field name of serde's "missing field `name`" message.
fn missing_field_name(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
}

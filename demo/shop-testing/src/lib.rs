//! Helpers shared by the API tests of the demo shop's services: a parsed [`Reply`] with
//! its problem+json assertions, [`send`] through a router, JSON request builders, and
//! [`on_both_backends!`] to run scenarios on SQLite and PostgreSQL, [`faults`] to put and
//! remove named faults through `/admin/faults`, [`openapi`] checks
//! that a service's OpenAPI document matches its router, and [`load`]: a steady load and
//! a wait for the tests that take an instance away (the gateway's and the shop's), and
//! [`net::free_address`] for servers started by configuration.
//!
//! The harness pieces every service's tests share are here too: [`test_config`] and
//! [`OnEachBackend`] ([`backends`]), [`TestService`] (`send` through a test app's router),
//! [`Tokens`], an [`EventLog`] of what a bus carried, the [`bad_input`] test shapes, and
//! the operator routes ([`admin_state`], [`metrics_text`], [`assert_route_counted`]).
//!
//! Dev-only: every service lists it under `[dev-dependencies]`, and keeps its own
//! `TestApp` (how it is built) in its `tests/api/common`.

use std::future::Future;

use axum::Router;
use axum::body::Body;
use axum::http::request::Builder;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use uuid::Uuid;

pub mod backends;
pub mod bad_input;
pub mod events;
pub mod faults;
pub mod load;
pub mod net;
pub mod openapi;
pub mod tokens;

pub use backends::{
    OnEachBackend, postgres_database, service_config, sqlite_database, test_config,
    test_config_with,
};
pub use events::EventLog;
pub use shop_kit::storage::TestDatabase;
pub use tokens::Tokens;

/// A built service under test: its router, and [`send`](TestService::send) through it.
pub trait TestService {
    /// The service's whole router.
    fn router(&self) -> Router;

    /// Sends `request` through the service's router, and parses the answer (see [`send`]).
    fn send(&self, request: Request<Body>) -> impl Future<Output = Reply> {
        send(self.router(), request)
    }
}

/// A response, its body parsed as JSON (`Null` when empty).
#[derive(Debug)]
pub struct Reply {
    /// The response status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body parsed as JSON, `Null` when empty.
    pub json: Value,
}

impl Reply {
    /// The `Content-Type` header, when there is one and it is text.
    pub fn content_type(&self) -> Option<&str> {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
    }

    /// Asserts the status and that the body is a problem document with that status and a
    /// title.
    #[track_caller]
    pub fn assert_problem(&self, status: StatusCode) {
        self.assert_problem_status(status);
        assert!(self.json["title"].is_string(), "{self:?}");
    }

    /// Asserts the status, the `application/problem+json` content type, and the `status`
    /// member of the problem document.
    #[track_caller]
    pub fn assert_problem_status(&self, status: StatusCode) {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(
            self.content_type(),
            Some("application/problem+json"),
            "{self:?}"
        );
        assert_eq!(self.json["status"], status.as_u16(), "{self:?}");
    }

    /// Asserts a 422 problem whose `errors` name `field`.
    #[track_caller]
    pub fn assert_invalid_field(&self, field: &str) {
        self.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
        let errors = self.json["errors"].as_array().expect("an errors list");
        assert!(
            errors
                .iter()
                .any(|error| error["field"] == field && error["message"].is_string()),
            "{field}: {self:?}"
        );
    }

    /// The `id` member as a UUID.
    #[track_caller]
    pub fn id(&self) -> Uuid {
        self.json["id"]
            .as_str()
            .and_then(|id| Uuid::parse_str(id).ok())
            .unwrap_or_else(|| panic!("no id: {self:?}"))
    }
}

/// Sends `request` through `router`, and parses the answer; panics when a non-empty body
/// is not JSON.
pub async fn send(router: Router, request: Request<Body>) -> Reply {
    let (status, headers, bytes) = exchange(router, request).await;
    let json = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|error| {
            panic!("not JSON ({error}): {}", String::from_utf8_lossy(&bytes))
        })
    };
    Reply {
        status,
        headers,
        json,
    }
}

/// Like [`send`], but a body that is not JSON becomes a JSON string of its text.
pub async fn send_lenient(router: Router, request: Request<Body>) -> Reply {
    let (status, headers, bytes) = exchange(router, request).await;
    let json = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
    };
    Reply {
        status,
        headers,
        json,
    }
}

async fn exchange(router: Router, request: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let response = router.oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("the body")
        .to_bytes();
    (status, headers, bytes.to_vec())
}

/// Adds `Authorization: Bearer {token}` when there is a token.
pub fn bearer(builder: Builder, token: Option<&str>) -> Builder {
    match token {
        Some(token) => builder.header(header::AUTHORIZATION, format!("Bearer {token}")),
        None => builder,
    }
}

/// A `POST` of `body` as `application/json`.
pub fn json_post(uri: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.into())
        .expect("a request")
}

/// A bodiless `GET`, with a bearer token when there is one.
pub fn get(uri: &str, token: Option<&str>) -> Request<Body> {
    bodiless(Request::get(uri), token)
}

/// A bodiless request of `builder`, with a bearer token when there is one.
pub fn bodiless(builder: Builder, token: Option<&str>) -> Request<Body> {
    bearer(builder, token)
        .body(Body::empty())
        .expect("a request")
}

/// `GET /admin/state` through `router`: asserts a 401 problem without a token, and a 200
/// report of `service` with `admin_token`; answers the report.
pub async fn admin_state(router: &Router, admin_token: &str, service: &str) -> Reply {
    let refused = send(router.clone(), get("/admin/state", None)).await;
    refused.assert_problem(StatusCode::UNAUTHORIZED);

    let state = send(router.clone(), get("/admin/state", Some(admin_token))).await;
    assert_eq!(state.status, StatusCode::OK, "{state:?}");
    assert_eq!(state.json["service"], service, "{state:?}");
    state
}

/// `GET /metrics` through `router`: asserts a 200, and answers the text (it is not JSON).
pub async fn metrics_text(router: Router) -> String {
    let (status, _, bytes) = exchange(router, get("/metrics", None)).await;
    assert_eq!(status, StatusCode::OK);
    String::from_utf8(bytes).expect("UTF-8")
}

/// Asserts that `/metrics` through `router` counts requests to `route` of `service` in
/// `http_server_request_duration_seconds`.
pub async fn assert_route_counted(router: Router, route: &str, service: &str) {
    let metrics = metrics_text(router).await;
    let (route, service) = (
        format!(r#"http_route="{route}""#),
        format!(r#"service_name="{service}""#),
    );
    assert!(
        metrics.lines().any(
            |line| line.starts_with("http_server_request_duration_seconds_count")
                && line.contains(&route)
                && line.contains(&service)
        ),
        "{metrics}"
    );
}

/// Runs each scenario `async fn name(app: &TestApp)` on SQLite and on PostgreSQL.
///
/// The first argument is the path of the caller's `TestApp`, which must implement
/// [`OnEachBackend`] (on PostgreSQL, `SHOP_TEST_POSTGRES=skip` skips the test). The
/// caller needs `tokio` with `macros` and `rt-multi-thread`:
///
/// ```ignore
/// shop_testing::on_both_backends!(crate::common::TestApp, lists_the_catalog, reserves);
/// ```
#[macro_export]
macro_rules! on_both_backends {
    ($app:path, $($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let app = <$app as $crate::OnEachBackend>::sqlite().await;
                    super::$scenario(&app).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let Some(app) = <$app as $crate::OnEachBackend>::postgres().await else {
                        return;
                    };
                    super::$scenario(&app).await;
                }
            )*
        }
    };
}

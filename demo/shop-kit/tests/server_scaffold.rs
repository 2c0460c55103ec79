#![cfg(feature = "server")]
//! The service scaffold through `oneshot`: health, metrics, admin authentication, faults put
//! through the admin API, the 404/405 fallbacks, the body limit and the deadline.

use std::time::Duration;

use async_trait::async_trait;
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Request, StatusCode, header};
use axum::routing::{get, post};
use serde_json::{Value, json};
use shop_kit::config::{ServiceConfig, ShopService};
use shop_kit::problem::{PROBLEM_JSON, Problem, ValidJson};
use shop_kit::server::{
    AdminState, NotReady, REJECTION_PROBLEM_TYPE, ReadinessCheck, ServiceScaffold,
};
use tower::ServiceExt;

const ADMIN_TOKEN: &str = "scaffold-test-admin-token";
const BODY_LIMIT: usize = 1024;

fn config() -> ServiceConfig {
    ServiceConfig::from_sources(
        ShopService::Reviews,
        [("SHOP_ADMIN_TOKEN", ADMIN_TOKEN)],
        None,
    )
    .expect("test settings")
}

fn api() -> Router {
    Router::new()
        .route("/items/{id}", get(|| async { "an item" }))
        .route(
            "/items",
            post(|ValidJson(item): ValidJson<Value>| async move { item.to_string() }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        )
}

fn scaffold() -> ServiceScaffold {
    ServiceScaffold::new(&config())
        .body_limit(BODY_LIMIT)
        .request_timeout(Duration::from_secs(1))
}

fn router() -> Router {
    scaffold().build(api()).expect("the router builds")
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|error| panic!("{error}: {}", self.body))
    }

    #[track_caller]
    fn assert_problem(&self, status: StatusCode) -> Value {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.headers[header::CONTENT_TYPE], PROBLEM_JSON);
        let problem = self.json();
        assert_eq!(problem["status"], status.as_u16());
        problem
    }
}

async fn send(router: &Router, request: Request<Body>) -> Reply {
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("the body");
    Reply {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).expect("UTF-8"),
    }
}

fn get_request(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).expect("a request")
}

fn admin_request(method: &str, uri: &str, body: Body) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {ADMIN_TOKEN}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(body)
        .expect("a request")
}

struct Check {
    name: &'static str,
    outcome: Result<(), &'static str>,
    delay: Duration,
}

#[async_trait]
impl ReadinessCheck for Check {
    fn name(&self) -> &str {
        self.name
    }

    async fn check(&self) -> Result<(), NotReady> {
        tokio::time::sleep(self.delay).await;
        self.outcome.map_err(|reason| NotReady(reason.to_owned()))
    }
}

fn check(name: &'static str, outcome: Result<(), &'static str>) -> Check {
    Check {
        name,
        outcome,
        delay: Duration::ZERO,
    }
}

#[tokio::test]
async fn live_is_200_and_ready_without_checks_is_200() {
    let router = router();
    let live = send(&router, get_request("/health/live")).await;
    assert_eq!(live.status, StatusCode::OK);
    assert_eq!(live.json(), json!({ "status": "live" }));

    let ready = send(&router, get_request("/health/ready")).await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.json(), json!({ "status": "ready", "checks": {} }));
}

#[tokio::test]
async fn ready_is_503_problem_naming_the_failed_check() {
    let router = scaffold()
        .readiness_check(check("bus", Err("the broker refuses connections")))
        .readiness_check(check("cache", Ok(())))
        .build(api())
        .expect("the router builds");
    let ready = send(&router, get_request("/health/ready")).await;
    let problem = ready.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        problem["checks"],
        json!({ "bus": "the broker refuses connections", "cache": "ok" })
    );

    let live = send(&router, get_request("/health/live")).await;
    assert_eq!(live.status, StatusCode::OK, "live does not run the checks");
}

#[tokio::test(start_paused = true)]
async fn a_check_that_hangs_counts_as_not_ready() {
    let router = scaffold()
        .readiness_check(Check {
            name: "slow",
            outcome: Ok(()),
            delay: Duration::from_secs(60),
        })
        .build(api())
        .expect("the router builds");
    let ready = send(&router, get_request("/health/ready")).await;
    let problem = ready.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        problem["checks"]["slow"]
            .as_str()
            .is_some_and(|reason| reason.contains("no answer")),
        "{problem}"
    );
}

#[cfg(feature = "storage")]
#[tokio::test]
async fn ready_checks_the_storage() {
    use shop_kit::storage::{Storage, TestDatabase, migrator};

    let database = TestDatabase::sqlite().expect("a SQLite test database");
    let storage = Storage::open(database.url(), &migrator(&[]))
        .await
        .expect("storage opens");
    let router = scaffold()
        .readiness_check(storage.clone())
        .build(api())
        .expect("the router builds");

    let ready = send(&router, get_request("/health/ready")).await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);
    assert_eq!(ready.json()["checks"]["storage"], "ok");

    storage.close().await;
    let closed = send(&router, get_request("/health/ready")).await;
    let problem = closed.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(problem["checks"]["storage"], "the database does not answer");
}

#[tokio::test]
async fn metrics_expose_the_api_requests_of_the_service() {
    let router = router();
    assert_eq!(
        send(&router, get_request("/items/7")).await.status,
        StatusCode::OK
    );
    let metrics = send(&router, get_request("/metrics")).await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(
        metrics.headers[header::CONTENT_TYPE]
            .to_str()
            .is_ok_and(|value| value.starts_with("text/plain")),
    );
    assert!(
        metrics.body.lines().any(|line| {
            line.starts_with("http_server_request_duration_seconds_count")
                && line.contains(r#"http_route="/items/{id}""#)
                && line.contains(r#"service_name="reviews""#)
        }),
        "{}",
        metrics.body
    );
}

#[tokio::test]
async fn admin_routes_refuse_requests_without_the_token() {
    let router = router();
    for uri in [
        "/admin/faults",
        "/admin/state",
        "/admin/faults/x",
        "/admin/unknown",
        "/admin",
    ] {
        let anonymous = send(&router, get_request(uri)).await;
        anonymous.assert_problem(StatusCode::UNAUTHORIZED);
        assert_eq!(
            anonymous.headers[header::WWW_AUTHENTICATE],
            r#"Bearer realm="admin""#
        );
        assert!(!anonymous.body.contains(ADMIN_TOKEN));

        for authorization in [
            format!("Basic {ADMIN_TOKEN}"),
            "Bearer".to_owned(),
            "Bearer ".to_owned(),
        ] {
            let malformed = send(
                &router,
                Request::get(uri)
                    .header(header::AUTHORIZATION, authorization)
                    .body(Body::empty())
                    .expect("a request"),
            )
            .await;
            malformed.assert_problem(StatusCode::UNAUTHORIZED);
        }

        for wrong in [
            "not-the-admin-token",
            &ADMIN_TOKEN[..ADMIN_TOKEN.len() - 1],
            &format!("{ADMIN_TOKEN}x"),
        ] {
            let forbidden = send(
                &router,
                Request::get(uri)
                    .header(header::AUTHORIZATION, format!("Bearer {wrong}"))
                    .body(Body::empty())
                    .expect("a request"),
            )
            .await;
            forbidden.assert_problem(StatusCode::FORBIDDEN);
            assert!(!forbidden.body.contains(ADMIN_TOKEN));
        }
    }

    let put_without_token = send(
        &router,
        Request::put("/admin/faults/outage")
            .body(Body::from(r#"{"kind":"abort","status":503}"#))
            .expect("a request"),
    )
    .await;
    put_without_token.assert_problem(StatusCode::UNAUTHORIZED);
    assert_eq!(
        send(&router, get_request("/items/1")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn admin_routes_answer_with_the_token() {
    struct Counts;

    #[async_trait]
    impl AdminState for Counts {
        async fn state(&self) -> Result<Value, Problem> {
            Ok(json!({ "reviews": 3 }))
        }
    }

    let with_state = scaffold()
        .admin_state(Counts)
        .build(api())
        .expect("the router builds");
    let faults = send(
        &with_state,
        admin_request("GET", "/admin/faults", Body::empty()),
    )
    .await;
    assert_eq!(faults.status, StatusCode::OK, "{}", faults.body);
    assert_eq!(faults.json(), json!({ "faults": [] }));

    let lowercase_scheme = send(
        &with_state,
        Request::get("/admin/state")
            .header(header::AUTHORIZATION, format!("bearer {ADMIN_TOKEN}"))
            .body(Body::empty())
            .expect("a request"),
    )
    .await;
    assert_eq!(lowercase_scheme.status, StatusCode::OK);
    assert_eq!(
        lowercase_scheme.json(),
        json!({ "service": "reviews", "faults": [], "state": { "reviews": 3 } })
    );

    let unknown = send(
        &with_state,
        admin_request("GET", "/admin/unknown", Body::empty()),
    )
    .await;
    unknown.assert_problem(StatusCode::NOT_FOUND);
    let wrong_method = send(
        &with_state,
        admin_request("POST", "/admin/state", Body::empty()),
    )
    .await;
    wrong_method.assert_problem(StatusCode::METHOD_NOT_ALLOWED);

    let stateless = router();
    let state = send(
        &stateless,
        admin_request("GET", "/admin/state", Body::empty()),
    )
    .await;
    assert_eq!(state.json()["state"], Value::Null);
}

#[tokio::test]
async fn a_fault_put_through_admin_hits_its_api_route_only() {
    let router = router();
    let put = send(
        &router,
        admin_request(
            "PUT",
            "/admin/faults/itemsDown",
            Body::from(r#"{"kind":"abort","status":503,"match":{"route":"/items/{id}"}}"#),
        ),
    )
    .await;
    assert_eq!(put.status, StatusCode::CREATED, "{}", put.body);

    let hit = send(&router, get_request("/items/1")).await;
    let problem = hit.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(problem["type"], REJECTION_PROBLEM_TYPE);
    assert_eq!(problem["error_type"], "fault_injected");

    let other_route = send(&router, get_request("/health/ready")).await;
    assert_eq!(
        other_route.status,
        StatusCode::OK,
        "operations routes are outside the faults"
    );

    let listed = send(&router, admin_request("GET", "/admin/state", Body::empty())).await;
    assert_eq!(listed.json()["faults"][0]["name"], "itemsDown");

    let removed = send(
        &router,
        admin_request("DELETE", "/admin/faults/itemsDown", Body::empty()),
    )
    .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert_eq!(
        send(&router, get_request("/items/1")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_bad_fault_spec_is_a_400_problem() {
    let router = router();
    let bad = send(
        &router,
        admin_request(
            "PUT",
            "/admin/faults/broken",
            Body::from(r#"{"kind":"abort","probability":2}"#),
        ),
    )
    .await;
    bad.assert_problem(StatusCode::BAD_REQUEST);
}

#[tokio::test(start_paused = true)]
async fn requests_past_the_request_timeout_are_504_problems() {
    let router = router();
    let late = send(&router, get_request("/slow")).await;
    let problem = late.assert_problem(StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(problem["error_type"], "deadline_exceeded");

    let expired = send(
        &router,
        Request::get("/items/1")
            .header("x-seawall-timeout-ms", "0")
            .body(Body::empty())
            .expect("a request"),
    )
    .await;
    expired.assert_problem(StatusCode::GATEWAY_TIMEOUT);
}

#[tokio::test]
async fn unknown_paths_are_404_and_wrong_methods_405_problems() {
    let router = router();
    let unknown = send(&router, get_request("/nothing/here")).await;
    let problem = unknown.assert_problem(StatusCode::NOT_FOUND);
    assert_eq!(problem["instance"], "/nothing/here");

    let wrong_method = send(
        &router,
        Request::delete("/items/1")
            .body(Body::empty())
            .expect("a request"),
    )
    .await;
    wrong_method.assert_problem(StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong_method.headers[header::ALLOW], "GET,HEAD");

    let health_post = send(
        &router,
        Request::post("/health/live")
            .body(Body::empty())
            .expect("a request"),
    )
    .await;
    health_post.assert_problem(StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn bodies_over_the_limit_are_413_problems() {
    let router = router();
    let big = format!(r#"{{"text":"{}"}}"#, "x".repeat(BODY_LIMIT));

    let declared = send(
        &router,
        Request::post("/items")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::CONTENT_LENGTH, big.len())
            .body(Body::from(big.clone()))
            .expect("a request"),
    )
    .await;
    declared.assert_problem(StatusCode::PAYLOAD_TOO_LARGE);

    let undeclared = send(
        &router,
        Request::post("/items")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(big))
            .expect("a request"),
    )
    .await;
    undeclared.assert_problem(StatusCode::PAYLOAD_TOO_LARGE);

    let small = send(
        &router,
        Request::post("/items")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(r#"{"text":"ok"}"#))
            .expect("a request"),
    )
    .await;
    assert_eq!(small.status, StatusCode::OK);
}

#[test]
fn debug_output_never_shows_the_admin_token() {
    let scaffold = scaffold();
    assert!(!format!("{scaffold:?}").contains(ADMIN_TOKEN));
}

#[test]
fn a_zero_body_limit_is_refused() {
    assert!(scaffold().body_limit(0).build(api()).is_err());
    assert!(
        scaffold()
            .request_timeout(Duration::ZERO)
            .build(api())
            .is_err()
    );
}

#![cfg(all(feature = "server", feature = "storage", feature = "openapi"))]
//! What the services build with the scaffold beyond its defaults: admin routes on a fault
//! handle of their own, `GET /openapi.json`, and a `StoredApp` that stops its background
//! work after serving and before closing the database.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use seawall::chaos::{ChaosLayer, FaultSpec};
use serde_json::Value;
use shop_kit::config::{ServiceConfig, ShopService};
use shop_kit::openapi::{BEARER_AUTH, service_document};
use shop_kit::server::{Background, ServiceScaffold, StoredApp};
use shop_kit::storage::{Storage, TestDatabase, migrator};
use tower::ServiceExt;

const ADMIN_TOKEN: &str = "server-apps-test-admin-token";

fn config() -> ServiceConfig {
    ServiceConfig::from_sources(
        ShopService::Payments,
        [("SHOP_ADMIN_TOKEN", ADMIN_TOKEN)],
        None,
    )
    .expect("test settings")
}

fn api() -> Router {
    Router::new().route("/items", get(|| async { "items" }))
}

async fn send(router: &Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let bytes = to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("the body");
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, json)
}

fn admin(method: &str, uri: &str, body: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {ADMIN_TOKEN}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_owned()))
        .expect("a request")
}

fn get_request(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).expect("a request")
}

#[tokio::test]
async fn admin_faults_act_on_the_handle_given() {
    let elsewhere = ChaosLayer::builder()
        .service_name("provider")
        .build()
        .expect("a chaos layer")
        .handle();
    let router = ServiceScaffold::new(&config())
        .admin_faults(elsewhere.clone())
        .build(api())
        .expect("the router builds");

    let (status, _) = send(
        &router,
        admin(
            "PUT",
            "/admin/faults/itemsDown",
            r#"{"kind":"abort","status":503}"#,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        elsewhere.list().len(),
        1,
        "the given handle holds the fault"
    );
    assert_eq!(
        send(&router, get_request("/items")).await.0,
        StatusCode::OK,
        "the stack's own faults are untouched, so the API still answers"
    );
    let (_, state) = send(&router, admin("GET", "/admin/state", "")).await;
    assert_eq!(state["faults"][0]["name"], "itemsDown");

    elsewhere
        .put("direct", FaultSpec::abort(500))
        .expect("a fault");
    let (_, listed) = send(&router, admin("GET", "/admin/faults", "")).await;
    assert_eq!(
        listed["faults"].as_array().map(Vec::len),
        Some(2),
        "{listed}"
    );
}

#[tokio::test]
async fn the_openapi_document_is_served_outside_the_faults() {
    let document = service_document("payments", utoipa::openapi::OpenApi::default());
    let router = ServiceScaffold::new(&config())
        .openapi(&document)
        .build(api())
        .expect("the router builds");
    let (status, _) = send(
        &router,
        admin(
            "PUT",
            "/admin/faults/allDown",
            r#"{"kind":"abort","status":503}"#,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        send(&router, get_request("/items")).await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );

    let (status, served) = send(&router, get_request("/openapi.json")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(served["openapi"], "3.1.0");
    assert_eq!(served["info"]["title"], "seawall shop: payments");
    let bearer = &served["components"]["securitySchemes"][BEARER_AUTH];
    assert_eq!(bearer["scheme"], "bearer");
    assert_eq!(bearer["bearerFormat"], "JWT");
    let problem = &served["components"]["schemas"]["Problem"];
    for member in ["type", "title", "status", "detail", "instance", "errors"] {
        assert!(
            problem["properties"][member].is_object(),
            "{member}: {problem}"
        );
    }
    assert_eq!(
        problem["required"],
        serde_json::json!(["type", "title", "status"])
    );
    assert!(served["components"]["schemas"]["FieldError"].is_object());

    let (status, _) = send(
        &router,
        Request::post("/openapi.json")
            .body(Body::empty())
            .expect("a request"),
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

/// Records when it is stopped, and whether the database was still open then.
#[derive(Debug)]
struct Recorder {
    name: &'static str,
    storage: Storage,
    log: Arc<Mutex<Vec<(&'static str, bool)>>>,
}

#[async_trait]
impl Background for Recorder {
    async fn stop(self: Box<Self>) {
        let open = !self.storage.pool().is_closed();
        self.log.lock().expect("the log").push((self.name, open));
    }
}

#[tokio::test]
async fn a_stored_app_stops_its_background_work_in_order_before_closing_the_database() {
    let database = TestDatabase::sqlite().expect("a SQLite test database");
    let storage = Storage::open(database.url(), &migrator(&[]))
        .await
        .expect("the database opens");
    let log = Arc::new(Mutex::new(Vec::new()));
    let recorder = |name| Recorder {
        name,
        storage: storage.clone(),
        log: Arc::clone(&log),
    };
    let router = ServiceScaffold::new(&config())
        .build(api())
        .expect("the router builds");
    let app = StoredApp::new(
        router,
        storage.clone(),
        "127.0.0.1:0".parse().expect("an address"),
    )
    .stopping(recorder("relay"))
    .stopping(recorder("consumer"));
    assert!(app.bus().is_none());

    app.serve(async {}).await.expect("serves and stops");
    assert_eq!(
        *log.lock().expect("the log"),
        [("relay", true), ("consumer", true)]
    );
    assert!(storage.pool().is_closed(), "the database is closed last");
}

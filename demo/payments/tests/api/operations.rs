//! What the service adds around its API: health, metrics, and the admin routes, whose
//! fault API controls the provider.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use uuid::Uuid;

use crate::common::{TestApp, admin};

async fn health_checks_the_database_without_the_admin_token(app: &TestApp) {
    let live = app.get("/health/live").await;
    assert_eq!(live.status, StatusCode::OK, "{live:?}");
    let ready = app.get("/health/ready").await;
    assert_eq!(ready.status, StatusCode::OK, "{ready:?}");
    assert_eq!(ready.json["checks"]["storage"], "ok");
}

async fn admin_routes_need_the_token(app: &TestApp) {
    for uri in [
        "/admin/state",
        "/admin/faults",
        "/admin/faults/paymentSlow",
        "/admin/other",
    ] {
        app.get(uri).await.assert_problem(StatusCode::UNAUTHORIZED);
    }
    let wrong = app
        .send(
            Request::get("/admin/faults")
                .header(header::AUTHORIZATION, "Bearer not-the-admin-token")
                .body(Body::empty())
                .expect("a request"),
        )
        .await;
    wrong.assert_problem(StatusCode::FORBIDDEN);
}

async fn admin_faults_are_the_providers_and_state_counts_payments(app: &TestApp) {
    let put = app
        .send(
            admin(Request::put("/admin/faults/paymentSlow"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"kind":"latency","delay_ms":20}"#))
                .expect("a request"),
        )
        .await;
    assert_eq!(put.status, StatusCode::CREATED, "{put:?}");
    assert_eq!(
        app.app.faults().list().len(),
        1,
        "the provider has the fault"
    );

    let listed = app
        .send(
            admin(Request::get("/admin/faults"))
                .body(Body::empty())
                .expect("a request"),
        )
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{listed:?}");
    assert_eq!(listed.json["faults"][0]["name"], "paymentSlow");

    assert_eq!(
        app.charge(Uuid::new_v4(), Uuid::new_v4(), 100).await.status,
        StatusCode::CREATED
    );
    let state = app
        .send(
            admin(Request::get("/admin/state"))
                .body(Body::empty())
                .expect("a request"),
        )
        .await;
    assert_eq!(state.status, StatusCode::OK, "{state:?}");
    assert_eq!(state.json["service"], "payments");
    assert_eq!(state.json["faults"][0]["name"], "paymentSlow");
    assert_eq!(state.json["state"]["payments"]["charged"], 1);
    assert_eq!(state.json["state"]["payments"]["pending"], 0);
    assert_eq!(state.json["state"]["provider_calls"]["charges"], 1);

    let cleared = app
        .send(
            admin(Request::delete("/admin/faults"))
                .body(Body::empty())
                .expect("a request"),
        )
        .await;
    assert_eq!(cleared.status, StatusCode::NO_CONTENT);
    assert!(app.app.faults().list().is_empty());
}

async fn metrics_count_api_requests_by_route(app: &TestApp) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    assert_eq!(
        app.payment_of(Uuid::new_v4(), Uuid::new_v4()).await.status,
        StatusCode::NOT_FOUND
    );
    let response = app
        .router()
        .oneshot(
            Request::get("/metrics")
                .body(Body::empty())
                .expect("a request"),
        )
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("the body")
        .to_bytes();
    let metrics = String::from_utf8(bytes.to_vec()).expect("UTF-8");
    assert!(
        metrics.lines().any(
            |line| line.starts_with("http_server_request_duration_seconds_count")
                && line.contains(r#"http_route="/payments""#)
                && line.contains(r#"service_name="payments""#)
        ),
        "{metrics}"
    );
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    health_checks_the_database_without_the_admin_token,
    admin_routes_need_the_token,
    admin_faults_are_the_providers_and_state_counts_payments,
    metrics_count_api_requests_by_route,
);

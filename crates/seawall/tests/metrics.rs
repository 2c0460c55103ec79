#![cfg(all(feature = "metrics", feature = "deadline", feature = "axum"))]
//! The metrics layer's Prometheus exposition after a known set of requests, checked with
//! `promtool check metrics` and asserted series by series.

mod support;

use axum::{Router, body::Body, routing::get};
use http::{Request, Response, StatusCode};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusRecorder};
use seawall::{
    deadline::DeadlineLayer,
    metrics::{HTTP_DURATION_BUCKETS, HttpMetricsLayer, RouteTemplate},
};
use std::time::Duration;
use support::prometheus::{promtool_check, value};
use tower::{BoxError, ServiceBuilder, ServiceExt, service_fn};

fn recorder() -> PrometheusRecorder {
    PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Suffix("duration_seconds".into()),
            &HTTP_DURATION_BUCKETS,
        )
        .unwrap()
        .build_recorder()
}

async fn send(app: &Router, method: &str, uri: &str, timeout_ms: Option<&str>) -> StatusCode {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(timeout) = timeout_ms {
        req = req.header(seawall::headers::TIMEOUT_MS, timeout);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    res.status()
}

#[tokio::test(start_paused = true)]
async fn server_exposition_has_route_templates_statuses_and_error_types() {
    let recorder = recorder();
    let handle = recorder.handle();
    let _local = metrics::set_default_local_recorder(&recorder);

    let app = Router::new()
        .route(
            "/users/{id}",
            get(|| async { "user" }).post(|| async { StatusCode::CREATED }),
        )
        .route("/boom", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }))
        .route("/slow", get(std::future::pending::<&'static str>))
        .layer(DeadlineLayer::server().build().unwrap())
        .layer(HttpMetricsLayer::server("users"));

    assert_eq!(send(&app, "GET", "/users/1", None).await, StatusCode::OK);
    assert_eq!(send(&app, "GET", "/users/2", None).await, StatusCode::OK);
    assert_eq!(
        send(&app, "POST", "/users/3", None).await,
        StatusCode::CREATED
    );
    assert_eq!(
        send(&app, "GET", "/boom", None).await,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(
        send(&app, "GET", "/slow", Some("100")).await,
        StatusCode::GATEWAY_TIMEOUT
    );

    let exposition = handle.render();
    promtool_check(&exposition);
    let count = |labels: &str| {
        value(
            &exposition,
            &format!(
                "http_server_request_duration_seconds_count{{service_name=\"users\",{labels}}}"
            ),
        )
    };
    assert_eq!(
        count(
            r#"http_request_method="GET",http_route="/users/{id}",http_response_status_code="200""#
        ),
        Some(2.0)
    );
    assert_eq!(
        count(
            r#"http_request_method="POST",http_route="/users/{id}",http_response_status_code="201""#
        ),
        Some(1.0)
    );
    assert_eq!(
        count(
            r#"http_request_method="GET",http_route="/boom",http_response_status_code="500",error_type="500""#
        ),
        Some(1.0)
    );
    assert_eq!(
        count(
            r#"http_request_method="GET",http_route="/slow",http_response_status_code="504",error_type="deadline_exceeded""#
        ),
        Some(1.0)
    );
    // The raw paths never become labels.
    assert!(!exposition.contains("/users/1"), "{exposition}");
    // The timed-out request took exactly its 100 ms of virtual time: it lands in the
    // 0.1 s bucket and not in the 0.075 s one.
    let bucket = |le: &str| {
        value(
            &exposition,
            &format!(
                "http_server_request_duration_seconds_bucket{{service_name=\"users\",http_request_method=\"GET\",http_route=\"/slow\",http_response_status_code=\"504\",error_type=\"deadline_exceeded\",le=\"{le}\"}}"
            ),
        )
    };
    assert_eq!(bucket("0.075"), Some(0.0));
    assert_eq!(bucket("0.1"), Some(1.0));
    // Every configured bucket is exported.
    for le in HTTP_DURATION_BUCKETS {
        assert!(bucket(&le.to_string()).is_some(), "bucket {le} missing");
    }
    // Nothing is in flight any more.
    assert_eq!(
        value(
            &exposition,
            r#"http_server_active_requests{service_name="users",http_request_method="GET"}"#
        ),
        Some(0.0)
    );
}

#[tokio::test(start_paused = true)]
async fn active_requests_gauge_counts_requests_in_flight() {
    let recorder = recorder();
    let handle = recorder.handle();
    let _local = metrics::set_default_local_recorder(&recorder);
    let app = Router::new()
        .route(
            "/wait",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(1)).await;
                "done"
            }),
        )
        .layer(HttpMetricsLayer::server("orders"));

    let in_flight = tokio::spawn(send_owned(app.clone()));
    tokio::time::sleep(Duration::from_millis(10)).await;
    let gauge = r#"http_server_active_requests{service_name="orders",http_request_method="GET"}"#;
    assert_eq!(value(&handle.render(), gauge), Some(1.0));
    assert_eq!(in_flight.await.unwrap(), StatusCode::OK);
    assert_eq!(value(&handle.render(), gauge), Some(0.0));
}

async fn send_owned(app: Router) -> StatusCode {
    send(&app, "GET", "/wait", None).await
}

#[tokio::test(start_paused = true)]
async fn client_exposition_has_server_address_template_and_transport_errors() {
    let recorder = recorder();
    let handle = recorder.handle();
    let _local = metrics::set_default_local_recorder(&recorder);

    let upstream = service_fn(|req: Request<Body>| async move {
        match req.uri().path() {
            "/charge" => Ok(Response::new(Body::empty())),
            "/declined" => Ok(Response::builder()
                .status(StatusCode::PAYMENT_REQUIRED)
                .body(Body::empty())
                .unwrap()),
            _ => Err(BoxError::from("connection refused")),
        }
    });
    let client = ServiceBuilder::new()
        .layer(HttpMetricsLayer::client("orders"))
        .service(upstream);

    let call = |uri: &'static str, template: &'static str| {
        let client = client.clone();
        async move {
            let mut req = Request::post(uri).body(Body::empty()).unwrap();
            req.extensions_mut().insert(RouteTemplate::new(template));
            client.oneshot(req).await
        }
    };
    assert!(call("http://payments:8084/charge", "/charge").await.is_ok());
    assert!(
        call("http://payments:8084/declined", "/declined")
            .await
            .is_ok()
    );
    assert!(call("http://payments:8084/gone", "/gone").await.is_err());

    let exposition = handle.render();
    promtool_check(&exposition);
    let count = |labels: &str| {
        value(
            &exposition,
            &format!(
                "http_client_request_duration_seconds_count{{service_name=\"orders\",http_request_method=\"POST\",server_address=\"payments\",{labels}}}"
            ),
        )
    };
    assert_eq!(
        count(r#"http_route="/charge",http_response_status_code="200""#),
        Some(1.0)
    );
    assert_eq!(
        count(r#"http_route="/declined",http_response_status_code="402",error_type="402""#),
        Some(1.0)
    );
    assert_eq!(
        count(r#"http_route="/gone",error_type="transport""#),
        Some(1.0)
    );
}

#[tokio::test(start_paused = true)]
async fn a_client_layer_s_route_labels_requests_without_a_template_of_their_own() {
    let recorder = recorder();
    let handle = recorder.handle();
    let _local = metrics::set_default_local_recorder(&recorder);

    let upstream =
        service_fn(|_req: Request<Body>| async { Ok::<_, BoxError>(Response::new(Body::empty())) });
    let client = ServiceBuilder::new()
        .layer(HttpMetricsLayer::client("gateway").route(RouteTemplate::new("/api/users/*")))
        .service(upstream);
    let plain = Request::get("http://users:8081/users/7")
        .body(Body::empty())
        .unwrap();
    client.clone().oneshot(plain).await.unwrap();
    let mut labelled = Request::get("http://users:8081/users/me")
        .body(Body::empty())
        .unwrap();
    labelled
        .extensions_mut()
        .insert(RouteTemplate::new("/users/me"));
    client.oneshot(labelled).await.unwrap();

    let exposition = handle.render();
    promtool_check(&exposition);
    let count = |route: &str| {
        value(
            &exposition,
            &format!(
                "http_client_request_duration_seconds_count{{service_name=\"gateway\",http_request_method=\"GET\",server_address=\"users\",http_route=\"{route}\",http_response_status_code=\"200\"}}"
            ),
        )
    };
    assert_eq!(count("/api/users/*"), Some(1.0), "{exposition}");
    assert_eq!(
        count("/users/me"),
        Some(1.0),
        "the request's own template wins"
    );
}

#![cfg(all(feature = "breaker", feature = "retry", feature = "deadline"))]
//! The resilience layers' own series after known sequences of calls, rendered by a real
//! Prometheus recorder and checked with `promtool check metrics`.

mod support;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::Empty;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use seawall::{
    breaker::CircuitBreakerLayer,
    deadline::DeadlineLayer,
    headers::TIMEOUT_MS,
    retry::{RetryBudget, RetryLayer},
};
use std::{convert::Infallible, time::Duration};
use support::prometheus::{promtool_check, value};
use tower::{Layer, ServiceExt, service_fn};

type Req = Request<Empty<Bytes>>;

fn get() -> Req {
    Request::get("http://payments/charge")
        .body(Empty::new())
        .unwrap()
}

/// A service answering every call with `status`.
fn answering<B>(
    status: u16,
) -> impl tower::Service<
    Request<B>,
    Response = Response<Empty<Bytes>>,
    Error = Infallible,
    Future = impl Send,
> + Clone {
    service_fn(move |_req: Request<B>| async move {
        let mut res = Response::new(Empty::new());
        *res.status_mut() = StatusCode::from_u16(status).unwrap();
        Ok::<_, Infallible>(res)
    })
}

fn recorder() -> (
    metrics_exporter_prometheus::PrometheusRecorder,
    PrometheusHandle,
) {
    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    (recorder, handle)
}

#[tokio::test(start_paused = true)]
async fn breaker_state_series_exist_from_construction_and_follow_transitions() {
    let (recorder, handle) = recorder();
    let _local = metrics::set_default_local_recorder(&recorder);
    let layer = CircuitBreakerLayer::builder()
        .service_name("orders")
        .name("payments")
        .count_window(10)
        .minimum_calls(4)
        .open_duration(Duration::from_secs(5))
        .build()
        .unwrap();

    let state = |exposition: &str, state: &str| {
        value(
            exposition,
            &format!(
                r#"seawall_breaker_state{{service_name="orders",breaker="payments",state="{state}"}}"#
            ),
        )
    };
    let exposition = handle.render();
    assert_eq!(state(&exposition, "closed"), Some(1.0));
    for other in [
        "open",
        "half_open",
        "forced_open",
        "forced_closed",
        "disabled",
    ] {
        assert_eq!(state(&exposition, other), Some(0.0), "{other}");
    }

    let svc = layer.layer(answering(500));
    for _ in 0..4 {
        svc.clone().oneshot(get()).await.unwrap();
    }
    // Open now: these two are refused without a call.
    for _ in 0..2 {
        let res = svc.clone().oneshot(get()).await.unwrap();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    }

    let exposition = handle.render();
    promtool_check(&exposition);
    assert_eq!(state(&exposition, "closed"), Some(0.0));
    assert_eq!(state(&exposition, "open"), Some(1.0));
    let calls = |outcome: &str| {
        value(
            &exposition,
            &format!(
                r#"seawall_breaker_calls_total{{service_name="orders",breaker="payments",outcome="{outcome}"}}"#
            ),
        )
    };
    assert_eq!(calls("failure"), Some(4.0));
    assert_eq!(calls("rejected"), Some(2.0));
    assert_eq!(calls("success"), Some(0.0));
    assert_eq!(
        value(
            &exposition,
            r#"seawall_breaker_transitions_total{service_name="orders",breaker="payments",from="closed",to="open"}"#
        ),
        Some(1.0)
    );
}

#[tokio::test(start_paused = true)]
async fn retry_counts_attempts_by_outcome_and_each_decision() {
    let (recorder, handle) = recorder();
    let _local = metrics::set_default_local_recorder(&recorder);
    let layer = RetryLayer::builder()
        .service_name("orders")
        .max_attempts(3)
        .base_delay(Duration::from_millis(10))
        .budget(RetryBudget::builder().ratio(1.0).build().unwrap())
        .build()
        .unwrap();
    // One request: 1 token deposited, so one retry, then the budget is dry.
    let res = layer.layer(answering(503)).oneshot(get()).await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);

    let exposition = handle.render();
    promtool_check(&exposition);
    let attempts = |outcome: &str| {
        value(
            &exposition,
            &format!(
                r#"seawall_retry_attempts_total{{service_name="orders",outcome="{outcome}"}}"#
            ),
        )
    };
    let decisions = |decision: &str| {
        value(
            &exposition,
            &format!(
                r#"seawall_retry_decisions_total{{service_name="orders",decision="{decision}"}}"#
            ),
        )
    };
    assert_eq!(attempts("failure"), Some(2.0));
    assert_eq!(attempts("success"), Some(0.0));
    assert_eq!(decisions("retry"), Some(1.0));
    assert_eq!(decisions("budget_exhausted"), Some(1.0));
    assert_eq!(decisions("attempts_exhausted"), Some(0.0));
}

#[tokio::test(start_paused = true)]
async fn deadline_counts_requests_expired_on_arrival_and_in_flight() {
    let (recorder, handle) = recorder();
    let _local = metrics::set_default_local_recorder(&recorder);
    let layer = DeadlineLayer::server()
        .service_name("payments")
        .build()
        .unwrap();
    let hanging = service_fn(|_req: Req| {
        std::future::pending::<Result<Response<Empty<Bytes>>, Infallible>>()
    });
    let svc = layer.layer(hanging);
    for timeout in ["0", "0", "50"] {
        let mut req = get();
        req.headers_mut()
            .insert(TIMEOUT_MS, timeout.parse().unwrap());
        let res = svc.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::GATEWAY_TIMEOUT);
    }
    let exposition = handle.render();
    promtool_check(&exposition);
    let exceeded = |phase: &str| {
        value(
            &exposition,
            &format!(
                r#"seawall_deadline_exceeded_total{{service_name="payments",role="server",error_type="deadline_exceeded",phase="{phase}"}}"#
            ),
        )
    };
    assert_eq!(exceeded("arrival"), Some(2.0));
    assert_eq!(exceeded("in_flight"), Some(1.0));
}

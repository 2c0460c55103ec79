//! `shop_drive::chaos::run` against stub admin APIs on free ports: each fault phase puts its
//! faults with the admin token and removes them when it ends, in order; a refusal stops the
//! run with the service's reason and leaves no fault behind.

use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::put;
use serde_json::Value;
use shop_drive::chaos::{ChaosError, NamedFault, Phase, Scenario, Targets, Timing, run};

const TOKEN: &str = "admin-token-for-tests";

type Log = Arc<Mutex<Vec<String>>>;

fn authorised(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {TOKEN}"))
}

/// A service's fault admin API that logs `PUT name kind` and `DELETE name`, and refuses a
/// wrong token with 401 and a PUT with a `kind` of `latency` with 400.
async fn start_admin(service: &'static str, log: Log) -> String {
    async fn put_fault(
        State((service, log)): State<(&'static str, Log)>,
        Path(name): Path<String>,
        headers: HeaderMap,
        axum::Json(spec): axum::Json<Value>,
    ) -> (StatusCode, axum::Json<Value>) {
        if !authorised(&headers) {
            return (StatusCode::UNAUTHORIZED, axum::Json(Value::Null));
        }
        if spec["kind"] == "latency" {
            let detail = serde_json::json!({"detail": "latency is not allowed here"});
            return (StatusCode::BAD_REQUEST, axum::Json(detail));
        }
        log.lock().unwrap().push(format!(
            "{service} PUT {name} {}",
            spec["kind"].as_str().unwrap_or("?")
        ));
        (StatusCode::OK, axum::Json(spec))
    }
    async fn delete_fault(
        State((service, log)): State<(&'static str, Log)>,
        Path(name): Path<String>,
        headers: HeaderMap,
    ) -> StatusCode {
        if !authorised(&headers) {
            return StatusCode::UNAUTHORIZED;
        }
        log.lock().unwrap().push(format!("{service} DELETE {name}"));
        StatusCode::NO_CONTENT
    }
    let app = Router::new()
        .route("/admin/faults/{name}", put(put_fault).delete(delete_fault))
        .with_state((service, log));
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind a free port");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

fn short() -> Timing {
    Timing {
        baseline: Duration::from_millis(20),
        fault: Duration::from_millis(50),
        recovery: Duration::from_millis(20),
    }
}

#[tokio::test]
async fn a_scenario_puts_its_faults_for_the_fault_phase_and_removes_them_after() {
    let log = Log::default();
    let payments = start_admin("payments", Arc::clone(&log)).await;
    let targets = Targets::new(TOKEN).with_service("payments", &payments);
    let scenario = Scenario::named("payment-outage", short(), 1).expect("known");
    let mut seen_phases = Vec::new();

    let report = run(
        &scenario,
        &targets,
        tokio::time::Instant::now(),
        |phase: &Phase| seen_phases.push(phase.name.clone()),
    )
    .await
    .expect("the stub accepts the faults");

    assert_eq!(seen_phases, ["baseline", "fault", "recovery"]);
    assert_eq!(
        *log.lock().unwrap(),
        [
            "payments PUT paymentUnreachable transport_error",
            "payments DELETE paymentUnreachable"
        ]
    );
    let names: Vec<&str> = report.phases.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["baseline", "fault", "recovery"]);
    assert_eq!(report.phases[1].faults, ["paymentUnreachable@payments"]);
    assert!(
        report
            .phases
            .windows(2)
            .all(|w| w[0].end_seconds <= w[1].start_seconds)
    );
}

#[tokio::test]
async fn a_refused_fault_stops_the_run_with_the_reason_and_cleans_up() {
    let log = Log::default();
    let payments = start_admin("payments", Arc::clone(&log)).await;
    let users = start_admin("users", Arc::clone(&log)).await;
    let targets = Targets::new(TOKEN)
        .with_service("payments", &payments)
        .with_service("users", &users);
    let scenario = Scenario {
        name: "two faults".to_owned(),
        description: "one accepted, one refused",
        phases: vec![Phase {
            name: "fault".to_owned(),
            duration: Duration::from_millis(10),
            faults: vec![
                NamedFault::payment_failure(50),
                NamedFault::users_slow(Duration::from_millis(200), Duration::from_millis(300)),
            ],
        }],
    };

    let error = run(&scenario, &targets, tokio::time::Instant::now(), |_| {})
        .await
        .expect_err("users refuses latency");

    assert_eq!(
        error,
        ChaosError::Refused {
            service: "users".to_owned(),
            fault: "usersSlow".to_owned(),
            status: 400,
            detail: "latency is not allowed here".to_owned(),
        }
    );
    let log = log.lock().unwrap();
    assert_eq!(
        *log,
        [
            "payments PUT paymentFailure abort",
            "payments DELETE paymentFailure",
            "users DELETE usersSlow"
        ]
    );
}

#[tokio::test]
async fn a_wrong_token_or_a_missing_service_is_reported() {
    let log = Log::default();
    let payments = start_admin("payments", Arc::clone(&log)).await;
    let scenario = Scenario::named("payment-declines", short(), 1).expect("known");

    let wrong = Targets::new("not-the-token").with_service("payments", &payments);
    let error = run(&scenario, &wrong, tokio::time::Instant::now(), |_| {})
        .await
        .expect_err("401");
    assert!(
        matches!(error, ChaosError::Refused { status: 401, .. }),
        "{error}"
    );

    let none = Targets::new(TOKEN);
    let error = run(&scenario, &none, tokio::time::Instant::now(), |_| {})
        .await
        .expect_err("no address");
    assert_eq!(
        error,
        ChaosError::UnknownService {
            service: "payments".to_owned()
        }
    );
    assert!(log.lock().unwrap().is_empty(), "nothing was put");
}

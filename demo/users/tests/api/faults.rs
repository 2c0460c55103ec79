//! `usersSlow` through `PUT /admin/faults/usersSlow`: the API answers late, so a caller
//! whose deadline is shorter than the delay gets `504`; removing the fault heals it.
//!
//! No timing is measured: the delays are far longer than the callers' deadlines, so only
//! a request the fault did not delay can answer `200`.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use seawall::chaos::FaultSpec;
use seawall::headers::TIMEOUT_MS;
use shop_testing::faults::{delete_fault, put_fault};
use users::faults::{USERS_SLOW, users_slow, users_slow_between};
use uuid::Uuid;

use crate::common::{ADMIN_TOKEN, Reply, TestApp, TestService};

/// The deadline the caller gives its profile read, in milliseconds.
const CALLER_DEADLINE_MS: &str = "100";

async fn put(app: &TestApp, spec: &FaultSpec) -> StatusCode {
    let spec = serde_json::to_value(spec).expect("a spec as JSON");
    put_fault(app.router(), ADMIN_TOKEN, USERS_SLOW, &spec)
        .await
        .status
}

/// `GET /users/{id}` with the caller's deadline in the seawall timeout header.
async fn profile_within_deadline(app: &TestApp, id: Uuid, token: &str) -> Reply {
    let request = Request::get(format!("/users/{id}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(TIMEOUT_MS, CALLER_DEADLINE_MS)
        .body(Body::empty())
        .expect("a request");
    app.send(request).await
}

async fn a_slow_users_api_misses_its_callers_deadline(app: &TestApp) {
    let (id, token) = app.signed_up("slow-sam").await;
    assert_eq!(
        profile_within_deadline(app, id, &token).await.status,
        StatusCode::OK
    );

    assert_eq!(
        put(app, &users_slow(Duration::from_secs(60))).await,
        StatusCode::CREATED
    );
    let late = profile_within_deadline(app, id, &token).await;
    late.assert_problem(StatusCode::GATEWAY_TIMEOUT);

    let ranged = users_slow_between(Duration::from_secs(30), Duration::from_secs(60));
    assert_eq!(put(app, &ranged).await, StatusCode::OK, "replaced");
    let late = profile_within_deadline(app, id, &token).await;
    late.assert_problem(StatusCode::GATEWAY_TIMEOUT);

    let removed = delete_fault(app.router(), ADMIN_TOKEN, USERS_SLOW).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{removed:?}");
    assert_eq!(
        profile_within_deadline(app, id, &token).await.status,
        StatusCode::OK
    );
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    a_slow_users_api_misses_its_callers_deadline,
);

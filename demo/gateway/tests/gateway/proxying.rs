//! Routing, prefix rewriting, authentication, header hygiene, error mapping, limits.

use std::sync::atomic::Ordering;

use http::Method;
use serde_json::json;
use uuid::Uuid;

use crate::support::client::{get, send};
use crate::support::stub::Stub;
use crate::support::{ADMIN_TOKEN, RunningGateway, config, start_gateway, token};

const ROUTES: &str = r#"
[[routes]]
prefix = "/api/things"
upstream = "things"
[[routes]]
prefix = "/api/things/{id}/parts"
upstream = "parts"
auth = "required"
[[routes]]
prefix = "/api/slow"
upstream = "things"
timeout_ms = 300
attempt_timeout_ms = 200
attempts = 1
[[routes]]
prefix = "/api/limited"
upstream = "things"
rate_limit = { per_client_per_second = 1, per_client_burst = 2 }
"#;

/// A gateway with [`ROUTES`] whose upstreams `things` and `parts` are both `stub`.
async fn in_front_of(stub: &Stub) -> RunningGateway {
    start_gateway(&config(
        &[("things", vec![stub.url()]), ("parts", vec![stub.url()])],
        ROUTES,
    ))
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_by_the_most_specific_prefix_and_rewrites_the_path() {
    let things = Stub::start("things").await;
    let parts = Stub::start("parts").await;
    let gateway = start_gateway(&config(
        &[("things", vec![things.url()]), ("parts", vec![parts.url()])],
        ROUTES,
    ))
    .await;

    let answer = get(
        &gateway.url("/api/things/7?colour=red"),
        &[("x-request-id", "req-1")],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body["name"], "things");
    assert_eq!(answer.body["path"], "/things/7");
    assert_eq!(answer.body["query"], "colour=red");
    assert_eq!(answer.body["headers"]["x-request-id"], "req-1");
    assert!(
        answer.body["headers"]["x-seawall-timeout-ms"].is_string(),
        "{}",
        answer.text
    );
    assert_eq!(answer.body["headers"]["x-forwarded-for"], "127.0.0.1");
    // The upstream instance's own authority, not the gateway's.
    let authority = things.url().trim_start_matches("http://").to_owned();
    assert_eq!(answer.body["headers"]["host"], authority.as_str());
    assert_eq!(answer.header("x-request-id"), Some("req-1"));
    assert_eq!(answer.header("x-gateway-upstream"), Some("things"));

    let user = Uuid::new_v4();
    let bearer = format!("Bearer {}", token(user));
    let answer = get(
        &gateway.url("/api/things/7/parts"),
        &[("authorization", &bearer)],
    )
    .await;
    assert_eq!(answer.body["name"], "parts");
    assert_eq!(answer.body["path"], "/things/7/parts");
    assert_eq!(answer.body["headers"]["x-shop-user-id"], user.to_string());

    let generated = get(&gateway.url("/api/things"), &[]).await;
    assert_eq!(generated.header("x-request-id").map(str::len), Some(36));

    let unknown = get(&gateway.url("/api/nothing"), &[]).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(
        unknown.header("content-type"),
        Some("application/problem+json")
    );
    // Outside `/api` the scaffold's router answers, behind the same front.
    let elsewhere = get(&gateway.url("/nothing"), &[]).await;
    assert_eq!(elsewhere.status, 404);
    assert_eq!(
        elsewhere.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(elsewhere.header("x-request-id").map(str::len), Some(36));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_or_bad_token_is_refused_with_a_problem() {
    let things = Stub::start("things").await;
    let gateway = in_front_of(&things).await;
    let url = gateway.url("/api/things/1/parts");

    let missing = get(&url, &[]).await;
    assert_eq!(missing.status, 401);
    assert_eq!(
        missing.header("content-type"),
        Some("application/problem+json")
    );
    assert!(missing.header("www-authenticate").is_some());

    let forged = shop_kit::auth::TokenIssuer::new(&shop_kit::config::Secret::new(
        "another-secret-that-is-long-enough-to-sign",
    ))
    .issue(Uuid::new_v4())
    .expect("a token");
    let bad = get(&url, &[("authorization", &format!("Bearer {forged}"))]).await;
    assert_eq!(bad.status, 401, "{}", bad.text);

    let expired = shop_kit::auth::TokenIssuer::new(&shop_kit::config::Secret::new(
        crate::support::JWT_SECRET,
    ))
    .issue_at(
        Uuid::new_v4(),
        std::time::SystemTime::now() - std::time::Duration::from_secs(7200),
    )
    .expect("a token");
    let old = get(&url, &[("authorization", &format!("Bearer {expired}"))]).await;
    assert_eq!(old.status, 401);
    assert!(
        old.body["detail"]
            .as_str()
            .unwrap_or("")
            .contains("expired"),
        "{}",
        old.text
    );
    assert_eq!(
        things.behaviour.served.load(Ordering::SeqCst),
        0,
        "nothing reached the upstream"
    );

    // An optional route lets a request without a token through, but not with a bad one.
    assert_eq!(get(&gateway.url("/api/things"), &[]).await.status, 200);
    let bad = get(
        &gateway.url("/api/things"),
        &[("authorization", &format!("Bearer {forged}"))],
    )
    .await;
    assert_eq!(bad.status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_headers_from_outside_are_stripped_unless_admin() {
    let things = Stub::start("things").await;
    let gateway = in_front_of(&things).await;
    let forged = [
        ("x-shop-user-id", "00000000-0000-0000-0000-000000000001"),
        ("x-seawall-fault", r#"{"kind":"abort","value":500}"#),
        ("x-seawall-timeout-ms", "1"),
    ];
    let outsider = get(&gateway.url("/api/things"), &forged).await;
    assert_eq!(outsider.status, 200, "{}", outsider.text);
    let headers = &outsider.body["headers"];
    assert!(headers.get("x-shop-user-id").is_none(), "{headers}");
    assert!(headers.get("x-seawall-fault").is_none(), "{headers}");
    assert_ne!(
        headers["x-seawall-timeout-ms"], "1",
        "the gateway writes its own deadline"
    );

    let mut as_admin = forged.to_vec();
    as_admin.push(("x-shop-admin-token", ADMIN_TOKEN));
    as_admin.retain(|(name, _)| *name != "x-seawall-timeout-ms");
    let admin = get(&gateway.url("/api/things"), &as_admin).await;
    let headers = &admin.body["headers"];
    assert!(headers.get("x-seawall-fault").is_some(), "{headers}");
    assert!(
        headers.get("x-shop-user-id").is_none(),
        "only the gateway sets the user"
    );
    assert!(
        headers.get("x-shop-admin-token").is_none(),
        "the credential is not forwarded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_failures_become_502_504_and_503_problems() {
    let mut things = Stub::start("things").await;
    let gateway = in_front_of(&things).await;

    things.behaviour.delay_ms.store(1000, Ordering::SeqCst);
    let slow = get(&gateway.url("/api/slow"), &[]).await;
    assert_eq!(slow.status, 504, "{}", slow.text);
    assert_eq!(
        slow.header("content-type"),
        Some("application/problem+json")
    );
    things.behaviour.delay_ms.store(0, Ordering::SeqCst);

    things.kill();
    let refused = get(&gateway.url("/api/things/1"), &[]).await;
    assert!([502, 503].contains(&refused.status), "{}", refused.text);
    assert_eq!(
        refused.header("content-type"),
        Some("application/problem+json")
    );

    // Enough failures open the instance's breaker (and the health checks take it out):
    // then the answer is 503 with Retry-After, without calling it.
    let mut last = refused;
    for _ in 0..30 {
        last = get(&gateway.url("/api/things/1"), &[]).await;
        if last.status == 503 {
            break;
        }
    }
    assert_eq!(last.status, 503, "{}", last.text);
    assert!(last.header("retry-after").is_some(), "{:?}", last.headers);
    assert_eq!(
        last.header("content-type"),
        Some("application/problem+json")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_past_its_limit_gets_429_with_retry_after() {
    let things = Stub::start("things").await;
    let gateway = in_front_of(&things).await;
    let first = get(&gateway.url("/api/limited"), &[]).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.header("ratelimit-limit"), Some("2"));
    assert_eq!(first.header("ratelimit-remaining"), Some("1"));
    let _second = get(&gateway.url("/api/limited"), &[]).await;
    let third = get(&gateway.url("/api/limited"), &[]).await;
    assert_eq!(third.status, 429, "{}", third.text);
    assert_eq!(
        third.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(third.header("retry-after"), Some("1"));
    assert_eq!(third.header("ratelimit-remaining"), Some("0"));
    // Another route has its own limit.
    assert_eq!(get(&gateway.url("/api/things"), &[]).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_is_refused_with_413() {
    let things = Stub::start("things").await;
    let routes = format!("body_limit_bytes = 100\n{ROUTES}");
    let gateway = start_gateway(&config(
        &[
            ("things", vec![things.url()]),
            ("parts", vec![things.url()]),
        ],
        &routes,
    ))
    .await;
    let big = json!({"text": "x".repeat(200)});
    let answer = send(Method::POST, &gateway.url("/api/things"), &[], Some(big)).await;
    assert_eq!(answer.status, 413, "{}", answer.text);
    assert_eq!(
        answer.header("content-type"),
        Some("application/problem+json")
    );
    let small = send(
        Method::POST,
        &gateway.url("/api/things"),
        &[],
        Some(json!({"a": 1})),
    )
    .await;
    assert_eq!(small.status, 200, "{}", small.text);
    assert_eq!(small.body["method"], "POST");
}

//! `/admin/faults` on the gateway: fanned out to every instance, or one service's.

use std::sync::atomic::Ordering;

use http::Method;
use serde_json::{Value, json};

use crate::support::client::{get, send};
use crate::support::stub::Stub;
use crate::support::{ADMIN_TOKEN, RunningGateway, config, start_gateway};

const ROUTES: &str = r#"
[[routes]]
prefix = "/api/payments"
upstream = "payments"
[[routes]]
prefix = "/api/products"
upstream = "products"
"#;

const BEARER: &str = "Bearer a-test-admin-token";

async fn shop() -> (Stub, Stub, Stub, RunningGateway) {
    let payments = Stub::start("payments").await;
    let products_a = Stub::start("products").await;
    let products_b = Stub::start("products").await;
    let gateway = start_gateway(&config(
        &[
            ("payments", vec![payments.url()]),
            ("products", vec![products_a.url(), products_b.url()]),
        ],
        ROUTES,
    ))
    .await;
    (payments, products_a, products_b, gateway)
}

fn served(stub: &Stub) -> usize {
    stub.behaviour.served.load(Ordering::SeqCst)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_token_is_required() {
    let (payments, _a, _b, gateway) = shop().await;
    let anonymous = get(&gateway.url("/admin/faults"), &[]).await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.text);
    assert_eq!(
        anonymous.header("content-type"),
        Some("application/problem+json")
    );
    assert!(anonymous.header("www-authenticate").is_some());
    let wrong = send(
        Method::PUT,
        &gateway.url("/admin/faults/paymentFailure"),
        &[("authorization", "Bearer not-the-admin-token")],
        Some(json!({"kind": "abort", "status": 503})),
    )
    .await;
    assert_eq!(wrong.status, 403, "{}", wrong.text);
    // The gateway-side token header of control headers is not the admin API's credential.
    let header_only = get(
        &gateway.url("/admin/faults"),
        &[("x-shop-admin-token", ADMIN_TOKEN)],
    )
    .await;
    assert_eq!(header_only.status, 401, "{}", header_only.text);
    assert_eq!(served(&payments), 0, "nothing reached an instance");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_for_one_service_reaches_only_its_instances_without_the_service_member() {
    let (payments, products_a, products_b, gateway) = shop().await;
    let put = send(
        Method::PUT,
        &gateway.url("/admin/faults/paymentFailure"),
        &[("authorization", BEARER)],
        Some(json!({"service": "payments", "kind": "abort", "status": 503, "probability": 0.5})),
    )
    .await;
    assert_eq!(put.status, 200, "{}", put.text);
    let results = put.body["results"].as_object().expect("results by service");
    assert_eq!(
        results.keys().collect::<Vec<_>>(),
        ["payments"],
        "{}",
        put.text
    );
    let echo = &put.body["results"]["payments"][payments.address.to_string()];
    assert_eq!(echo["status"], 200, "{}", put.text);
    assert_eq!(echo["body"]["method"], "PUT");
    assert_eq!(echo["body"]["path"], "/admin/faults/paymentFailure");
    assert_eq!(echo["body"]["headers"]["authorization"], BEARER);
    let forwarded: Value =
        serde_json::from_str(echo["body"]["body"].as_str().expect("the forwarded body"))
            .expect("JSON");
    assert_eq!(
        forwarded,
        json!({"kind": "abort", "status": 503, "probability": 0.5})
    );
    assert_eq!(served(&payments), 1);
    assert_eq!(served(&products_a) + served(&products_b), 0);

    // The query names the service as well as the body does.
    let by_query = send(
        Method::DELETE,
        &gateway.url("/admin/faults/productFailure?service=products"),
        &[("authorization", BEARER)],
        None,
    )
    .await;
    assert_eq!(by_query.status, 200, "{}", by_query.text);
    assert_eq!(served(&products_a), 1);
    assert_eq!(served(&products_b), 1);
    assert_eq!(served(&payments), 1);

    let unknown = get(
        &gateway.url("/admin/faults?service=nobody"),
        &[("authorization", BEARER)],
    )
    .await;
    assert_eq!(unknown.status, 404, "{}", unknown.text);
    let conflicting = send(
        Method::PUT,
        &gateway.url("/admin/faults/x?service=products"),
        &[("authorization", BEARER)],
        Some(json!({"service": "payments", "kind": "abort", "status": 503})),
    )
    .await;
    assert_eq!(conflicting.status, 400, "{}", conflicting.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_service_every_instance_and_the_gateway_itself_get_it() {
    let (payments, products_a, products_b, gateway) = shop().await;
    let put = send(
        Method::PUT,
        &gateway.url("/admin/faults/usersSlow"),
        &[("authorization", BEARER)],
        Some(json!({"kind": "latency", "delay_ms": 50})),
    )
    .await;
    assert_eq!(put.status, 200, "{}", put.text);
    for stub in [&payments, &products_a, &products_b] {
        assert_eq!(served(stub), 1);
    }
    assert_eq!(
        put.body["results"]["gateway"]["self"]["status"], 201,
        "{}",
        put.text
    );

    let list = get(&gateway.url("/admin/faults"), &[("authorization", BEARER)]).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let results = &list.body["results"];
    assert_eq!(
        results["gateway"]["self"]["body"]["faults"][0]["name"],
        "usersSlow"
    );
    assert_eq!(results["products"].as_object().map(|m| m.len()), Some(2));
    for address in [products_a.address, products_b.address] {
        assert_eq!(
            results["products"][address.to_string()]["body"]["method"],
            "GET"
        );
    }

    let one = get(
        &gateway.url("/admin/faults/usersSlow?service=gateway"),
        &[("authorization", BEARER)],
    )
    .await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert_eq!(
        one.body["results"]["gateway"]["self"]["body"]["name"],
        "usersSlow"
    );
    let cleared = send(
        Method::DELETE,
        &gateway.url("/admin/faults/usersSlow?service=gateway"),
        &[("authorization", BEARER)],
        None,
    )
    .await;
    assert_eq!(cleared.status, 200, "{}", cleared.text);
    let gone = get(
        &gateway.url("/admin/faults/usersSlow?service=gateway"),
        &[("authorization", BEARER)],
    )
    .await;
    assert_eq!(gone.status, 404, "{}", gone.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusing_or_dead_instance_is_reported_per_instance() {
    let (payments, products_a, mut products_b, gateway) = shop().await;
    products_a.behaviour.status.store(409, Ordering::SeqCst);
    products_b.kill();
    let put = send(
        Method::PUT,
        &gateway.url("/admin/faults/productFailure"),
        &[("authorization", BEARER)],
        Some(json!({"kind": "abort", "status": 500})),
    )
    .await;
    assert_eq!(put.status, 502, "{}", put.text);
    assert_eq!(put.header("content-type"), Some("application/problem+json"));
    let detail = put.body["detail"].as_str().expect("a detail");
    let a = products_a.address.to_string();
    let b = products_b.address.to_string();
    assert!(detail.starts_with("2 of 4 instances refused"), "{detail}");
    assert!(detail.contains(&format!("products/{a} (409)")), "{detail}");
    assert!(detail.contains(&format!("products/{b} (")), "{detail}");
    let results = &put.body["results"];
    assert_eq!(results["products"][&a]["status"], 409);
    assert!(results["products"][&b]["error"].is_string(), "{}", put.text);
    assert_eq!(
        results["payments"][payments.address.to_string()]["status"],
        200
    );
    assert_eq!(results["gateway"]["self"]["status"], 201);
}

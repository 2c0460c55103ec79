//! `GET /api/products/{id}`: the product with its reviews; without them, marked degraded,
//! when the reviews fail or are slow; the cache, in process and in Redis, never holds stock.

use std::sync::atomic::Ordering;

use serde_json::{Value, json};

use crate::support::client::{get, metric};
use crate::support::stub::Stub;
use crate::support::{RunningGateway, config, start_gateway};

const ROUTES: &str = r#"
[product_detail]
route = "/api/products"
reviews_timeout_ms = 300
[[routes]]
prefix = "/api/products"
upstream = "products"
[[routes]]
prefix = "/api/products/{id}/reviews"
upstream = "reviews"
"#;

struct Shop {
    products: Stub,
    reviews: Stub,
    gateway: RunningGateway,
}

fn product(id: &str, stock: i64) -> Value {
    json!({"id": id, "name": "Desk lamp", "price": 2500, "stock": stock})
}

async fn shop(extra: &str) -> Shop {
    let products = Stub::start("products").await;
    let reviews = Stub::start("reviews").await;
    *reviews.behaviour.body.lock().unwrap() = Some(json!({
        "items": [{"rating": 5, "text": "bright"}], "total": 1, "average_rating": 5.0,
        "limit": 20, "offset": 0
    }));
    let routes = format!("{extra}\n{ROUTES}");
    let gateway = start_gateway(&config(
        &[
            ("products", vec![products.url()]),
            ("reviews", vec![reviews.url()]),
        ],
        &routes,
    ))
    .await;
    Shop {
        products,
        reviews,
        gateway,
    }
}

fn id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_product_comes_with_its_reviews() {
    let shop = shop("").await;
    let id = id();
    *shop.products.behaviour.body.lock().unwrap() = Some(product(&id, 5));
    let answer = get(&shop.gateway.url(&format!("/api/products/{id}")), &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body["id"], id.as_str());
    assert_eq!(answer.body["stock"], 5);
    assert_eq!(answer.body["reviews"][0]["rating"], 5);
    assert_eq!(answer.body["review_count"], 1);
    assert_eq!(answer.body["degraded"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_reviews_the_product_still_comes_marked_degraded() {
    let mut shop = shop("").await;
    let id = id();
    *shop.products.behaviour.body.lock().unwrap() = Some(product(&id, 3));
    shop.reviews.kill();
    for _ in 0..15 {
        // Down, then (after enough failures) behind an open breaker: degraded each time.
        let answer = get(&shop.gateway.url(&format!("/api/products/{id}")), &[]).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        assert_eq!(answer.body["stock"], 3);
        assert_eq!(answer.body["reviews"], json!([]));
        assert_eq!(answer.body["degraded"], true);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_reviews_are_left_out_after_their_timeout() {
    let shop = shop("").await;
    let id = id();
    *shop.products.behaviour.body.lock().unwrap() = Some(product(&id, 3));
    shop.reviews
        .behaviour
        .delay_ms
        .store(3000, Ordering::SeqCst);
    let answer = get(&shop.gateway.url(&format!("/api/products/{id}")), &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body["degraded"], true);
    assert_eq!(answer.body["reviews"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_product_is_the_upstreams_404() {
    let shop = shop("").await;
    shop.products.behaviour.status.store(404, Ordering::SeqCst);
    let answer = get(&shop.gateway.url(&format!("/api/products/{}", id())), &[]).await;
    assert_eq!(answer.status, 404, "{}", answer.text);
}

/// Reviews come from the cache on the second read, stock never does.
async fn cached_reviews_and_live_stock(shop: &Shop) {
    let id = id();
    let url = shop.gateway.url(&format!("/api/products/{id}"));
    let before = get(&shop.gateway.url("/metrics"), &[]).await.text;
    *shop.products.behaviour.body.lock().unwrap() = Some(product(&id, 5));
    let first = get(&url, &[]).await;
    assert_eq!(first.body["stock"], 5, "{}", first.text);
    assert_eq!(first.body["review_count"], 1);

    *shop.products.behaviour.body.lock().unwrap() = Some(product(&id, 4));
    let reviews_served = shop.reviews.behaviour.served.load(Ordering::SeqCst);
    let second = get(&url, &[]).await;
    assert_eq!(
        second.body["stock"], 4,
        "stock is read live: {}",
        second.text
    );
    assert_eq!(second.body["review_count"], 1);
    assert_eq!(
        shop.reviews.behaviour.served.load(Ordering::SeqCst),
        reviews_served,
        "the reviews came from the cache"
    );
    let after = get(&shop.gateway.url("/metrics"), &[]).await.text;
    let count = |text: &str, result: &str| {
        metric(
            text,
            "shop_gateway_cache_requests_total",
            &[("cache", "reviews"), ("result", result)],
        )
    };
    assert!(
        count(&after, "hit") >= count(&before, "hit") + 1.0,
        "{after}"
    );
    assert!(
        count(&after, "miss") >= count(&before, "miss") + 1.0,
        "{after}"
    );

    // With products down, the catalogue fields come from the cache, without stock.
    shop.products.behaviour.status.store(503, Ordering::SeqCst);
    let fallback = get(&url, &[]).await;
    assert_eq!(fallback.status, 200, "{}", fallback.text);
    assert_eq!(fallback.body["name"], "Desk lamp");
    assert_eq!(fallback.body["stock"], Value::Null);
    assert_eq!(fallback.body["degraded"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_in_process_cache_keeps_reviews_but_not_stock() {
    let shop = shop("").await;
    cached_reviews_and_live_stock(&shop).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redis_cache_keeps_reviews_but_not_stock() {
    let url = std::env::var("SHOP_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let shop = shop(&format!("[cache]\nredis_url = {url:?}\nttl_ms = 30000\n")).await;
    cached_reviews_and_live_stock(&shop).await;
}

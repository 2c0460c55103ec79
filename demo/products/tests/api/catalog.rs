//! The seeded catalog, listing with pagination, and getting one product.

use axum::http::StatusCode;
use products::catalog::{CATALOG, seed_catalog};
use products::repository::ProductRepository;
use uuid::Uuid;

use crate::common::TestApp;

async fn seed_has_every_catalog_product_with_its_stable_id(app: &TestApp) {
    let page = app.get("/products?limit=100").await;
    assert_eq!(page.status, StatusCode::OK, "{page:?}");
    assert_eq!(page.json["total"], CATALOG.len());
    assert!(CATALOG.len() >= 20);
    let items = page.json["items"].as_array().expect("items");
    assert_eq!(items.len(), CATALOG.len());
    for entry in CATALOG {
        let item = items
            .iter()
            .find(|item| item["id"] == entry.id)
            .unwrap_or_else(|| panic!("{} is listed", entry.slug));
        assert_eq!(item["name"], entry.name);
        assert_eq!(item["price"], entry.price);
        assert_eq!(item["stock"], entry.stock);
        assert_eq!(item["currency"], "EUR");
    }

    let lantern = app
        .get("/products/1069084b-5b05-5b00-931c-bf6b5064c39c")
        .await;
    assert_eq!(lantern.status, StatusCode::OK, "{lantern:?}");
    assert_eq!(lantern.json["name"], "Harbour lantern");
    assert_eq!(lantern.json["price"], 4900);
    assert!(lantern.json["description"].is_string());
}

async fn seeding_again_adds_nothing_and_keeps_the_stock(app: &TestApp) {
    let product = CATALOG[0].product_id();
    let reserved = app.reserve(product, Uuid::new_v4(), 2).await;
    assert_eq!(reserved.status, StatusCode::CREATED, "{reserved:?}");

    let repository = ProductRepository::new(app.app.storage().clone());
    assert_eq!(seed_catalog(&repository).await.expect("seeding"), 0);
    assert_eq!(app.stock(product).await, CATALOG[0].stock - 2);
    let page = app.get("/products?limit=1").await;
    assert_eq!(page.json["total"], CATALOG.len());
}

async fn pages_are_bounded_ordered_and_disjoint(app: &TestApp) {
    let first = app.get("/products").await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.json["limit"], 20);
    assert_eq!(first.json["offset"], 0);
    assert_eq!(first.json["total"], CATALOG.len());
    assert_eq!(first.json["items"].as_array().map(Vec::len), Some(20));

    let rest = app.get("/products?offset=20&limit=20").await;
    assert_eq!(rest.status, StatusCode::OK);
    let rest_items = rest.json["items"].as_array().expect("items");
    assert_eq!(rest_items.len(), CATALOG.len() - 20);

    let names: Vec<&str> = first.json["items"]
        .as_array()
        .expect("items")
        .iter()
        .chain(rest_items)
        .map(|item| item["name"].as_str().expect("a name"))
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "ordered by name, no overlap between pages");
    sorted.dedup();
    assert_eq!(sorted.len(), CATALOG.len());

    let one = app.get("/products?limit=1&offset=3").await;
    assert_eq!(one.json["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(one.json["items"][0]["name"], names[3]);

    let largest = app.get("/products?limit=100").await;
    assert_eq!(largest.status, StatusCode::OK);

    let beyond = app.get("/products?offset=1000").await;
    assert_eq!(beyond.status, StatusCode::OK);
    assert_eq!(beyond.json["items"], serde_json::json!([]));
    assert_eq!(beyond.json["total"], CATALOG.len());

    let unknown_parameter = app.get("/products?sort=name").await;
    assert_eq!(unknown_parameter.status, StatusCode::OK);
}

async fn bad_page_parameters_are_400(app: &TestApp) {
    for query in [
        "limit=0",
        "limit=101",
        "limit=-1",
        "limit=abc",
        "limit=",
        "limit=1.5",
        "offset=-1",
        "offset=x",
        "offset=99999999999999999999",
        "offset=9223372036854775808",
    ] {
        let reply = app.get(&format!("/products?{query}")).await;
        reply.assert_problem(StatusCode::BAD_REQUEST);
        assert!(reply.json["detail"].is_string(), "{query}: {reply:?}");
    }
}

async fn unknown_product_is_404_and_bad_id_is_400(app: &TestApp) {
    let unknown = app.get(&format!("/products/{}", Uuid::new_v4())).await;
    unknown.assert_problem(StatusCode::NOT_FOUND);

    for bad in [
        "not-a-uuid",
        "42",
        "1069084b-5b05-5b00-931c-bf6b5064c39",
        "%FF",
    ] {
        let reply = app.get(&format!("/products/{bad}")).await;
        reply.assert_problem(StatusCode::BAD_REQUEST);
    }

    let nested_unknown = app
        .get("/products/1069084b-5b05-5b00-931c-bf6b5064c39c/colours")
        .await;
    nested_unknown.assert_problem(StatusCode::NOT_FOUND);
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    seed_has_every_catalog_product_with_its_stable_id,
    seeding_again_adds_nothing_and_keeps_the_stock,
    pages_are_bounded_ordered_and_disjoint,
    bad_page_parameters_are_400,
    unknown_product_is_404_and_bad_id_is_400,
);

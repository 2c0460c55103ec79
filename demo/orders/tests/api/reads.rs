//! `GET /orders/{id}`: a user reads only their own orders; and request validation.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use uuid::Uuid;

use crate::common::{Shop, lantern, send};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_reads_their_own_order_and_no_one_else_s() {
    let shop = Shop::start().await;
    let orders = shop.orders().await;
    let owner = Uuid::new_v4();
    let placed = orders.place(owner, lantern(), 1, None).await;
    let id = placed.json["id"].as_str().expect("an id");

    let own = orders.get(owner, id).await;
    assert_eq!(own.status, StatusCode::OK, "{own:?}");
    assert_eq!(own.json, placed.json);

    let other = orders.get(Uuid::new_v4(), id).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND, "{other:?}");
    let unknown = orders.get(owner, &Uuid::new_v4().to_string()).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(
        other.json["detail"].is_string(),
        unknown.json["detail"].is_string()
    );
    assert_eq!(
        orders.get(owner, "not-a-uuid").await.status,
        StatusCode::BAD_REQUEST
    );

    let anonymous = send(
        orders.app.router(),
        Request::get(format!("/orders/{id}"))
            .body(Body::empty())
            .expect("a request"),
    )
    .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_orders_are_refused_before_any_saga() {
    let shop = Shop::start().await;
    let orders = shop.orders().await;
    let user = Uuid::new_v4();

    assert_eq!(
        orders.place(user, lantern(), 0, None).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let unsigned = send(
        orders.app.router(),
        Request::post("/orders")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(format!(
                r#"{{"product_id":"{}","quantity":1}}"#,
                lantern()
            )))
            .expect("a request"),
    )
    .await;
    assert_eq!(unsigned.status, StatusCode::UNAUTHORIZED);
    assert_eq!(shop.stock(lantern()).await, 40);
}

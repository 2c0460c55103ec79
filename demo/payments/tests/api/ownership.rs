//! The reads answer only the user who pays: `GET /payments?order_id=` and
//! `GET /payments/{id}` are 401 without a token and 404 for someone else's payment, the
//! same 404 as for no payment at all.

use axum::http::StatusCode;
use shop_testing::get;
use uuid::Uuid;

use crate::common::{PaymentReply, TestApp, TestService};

async fn the_payer_reads_their_payment_by_order_and_by_id(app: &TestApp) {
    let (order, payer) = (Uuid::new_v4(), Uuid::new_v4());
    let charged = app.charge(order, payer, 1200).await;
    assert_eq!(charged.status, StatusCode::CREATED, "{charged:?}");

    let by_order = app.payment_of(payer, order).await;
    assert_eq!(by_order.status, StatusCode::OK, "{by_order:?}");
    assert_eq!(by_order.json, charged.json);

    let by_id = app
        .get_as(payer, &format!("/payments/{}", charged.payment_id()))
        .await;
    assert_eq!(by_id.status, StatusCode::OK, "{by_id:?}");
    assert_eq!(by_id.json, charged.json);
}

async fn someone_elses_payment_is_404_like_a_missing_one(app: &TestApp) {
    let (order, payer, other) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let charged = app.charge(order, payer, 700).await;
    assert_eq!(charged.status, StatusCode::CREATED, "{charged:?}");

    let by_order = app.payment_of(other, order).await;
    by_order.assert_problem(StatusCode::NOT_FOUND);
    let missing = app.payment_of(other, Uuid::new_v4()).await;
    missing.assert_problem(StatusCode::NOT_FOUND);
    assert_eq!(by_order.json["title"], missing.json["title"]);
    assert!(by_order.json.get("payment_id").is_none(), "{by_order:?}");
    assert!(by_order.json.get("user_id").is_none(), "{by_order:?}");

    let payment_id = charged.payment_id();
    let by_id = app.get_as(other, &format!("/payments/{payment_id}")).await;
    by_id.assert_problem(StatusCode::NOT_FOUND);
    let unknown_id = app
        .get_as(other, &format!("/payments/{}", Uuid::new_v4()))
        .await;
    unknown_id.assert_problem(StatusCode::NOT_FOUND);
    assert_eq!(by_id.json["title"], unknown_id.json["title"]);
}

async fn reads_without_a_valid_token_are_401(app: &TestApp) {
    let (order, payer) = (Uuid::new_v4(), Uuid::new_v4());
    let charged = app.charge(order, payer, 300).await;
    assert_eq!(charged.status, StatusCode::CREATED, "{charged:?}");
    let by_order = format!("/payments?order_id={order}");
    let by_id = format!("/payments/{}", charged.payment_id());
    for uri in [&by_order, &by_id] {
        for token in [None, Some("not-a-jwt")] {
            let reply = app.send(get(uri, token)).await;
            reply.assert_problem(StatusCode::UNAUTHORIZED);
            assert!(reply.headers.contains_key("www-authenticate"), "{reply:?}");
        }
    }
}

async fn a_malformed_payment_id_is_400(app: &TestApp) {
    let reply = app.get_as(Uuid::new_v4(), "/payments/not-a-uuid").await;
    reply.assert_problem(StatusCode::BAD_REQUEST);
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    the_payer_reads_their_payment_by_order_and_by_id,
    someone_elses_payment_is_404_like_a_missing_one,
    reads_without_a_valid_token_are_401,
    a_malformed_payment_id_is_400,
);

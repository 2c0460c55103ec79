//! `SHOP_CLIENT_RESILIENCE` reaches the client the saga calls products and payments with.

use axum::http::StatusCode;
use orders::saga::SagaSettings;
use shop_kit::client::ClientResilience;
use uuid::Uuid;

use crate::common::{Shop, lantern};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_configured_resilience_is_the_clients() {
    let shop = Shop::start().await;
    let default = shop.orders().await;
    assert_eq!(default.app.client().resilience(), ClientResilience::Seawall);

    for (value, expected) in [
        ("off", ClientResilience::Off),
        ("naive", ClientResilience::NaiveRetries),
    ] {
        let orders = shop
            .orders_configured(
                None,
                SagaSettings::default(),
                &[("SHOP_CLIENT_RESILIENCE", value)],
            )
            .await;
        assert_eq!(orders.app.client().resilience(), expected, "{value}");
        // The saga still runs through that client.
        let reply = orders.place(Uuid::new_v4(), lantern(), 1, None).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{value}: {reply:?}");
    }
}

//! The products API routes and their OpenAPI document, from one list.

use axum::Router;
use shop_kit::openapi::service_document;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::handlers;
use crate::repository::ProductRepository;

/// The products API, without the server stack or the health, metrics and admin routes
/// (see [`build`](crate::build) for the whole service). The gateway serves it under
/// `/api`.
///
/// | request | answer |
/// |---|---|
/// | `GET /products?limit=&offset=` | `200 {"items":[{"id","name","price","currency","stock"}],"limit","offset","total"}`, ordered by name; `limit` 1 to 100 (default 20), `offset` ≥ 0 (default 0), else `400` |
/// | `GET /products/{id}` | `200 {"id","name","description","price","currency","stock"}`; `400` for an id that is not a UUID, `404` for an unknown one |
/// | `POST /products/{id}/reservations` `{"order_id","quantity"}` | `201` the new reservation `{"order_id","product_id","quantity","status":"reserved"}`; `200` the same when the order reserves the same quantity again (the stock is taken once); `409` out of stock (`available` member), or when the order reserved another quantity or released its reservation; `404` unknown product; `422` quantity below 1, missing or mistyped fields; `400` malformed JSON; `415` not JSON |
/// | `DELETE /products/{id}/reservations/{order_id}` | `204`: the stock is given back the first time, nothing changes after; `404` when the order never reserved the product |
///
/// Every error is `application/problem+json`. Prices are minor units (cents). [`openapi`]
/// describes the same routes.
pub fn router(repository: ProductRepository) -> Router {
    api().split_for_parts().0.with_state(repository)
}

/// The OpenAPI 3.1 document of the products API, served at `GET /openapi.json`.
pub fn openapi() -> OpenApi {
    service_document("products", api().into_openapi())
}

/// The routes, each registered with its OpenAPI operation.
fn api() -> OpenApiRouter<ProductRepository> {
    OpenApiRouter::new()
        .routes(routes!(handlers::list_products))
        .routes(routes!(handlers::get_product))
        .routes(routes!(handlers::reserve_stock))
        .routes(routes!(handlers::release_stock))
}

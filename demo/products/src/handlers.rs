//! The HTTP handlers of the products API (with their OpenAPI descriptions); see [`router`](crate::router) for the routes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shop_kit::problem::{FieldError, Problem, ValidJson};

use crate::error::ProductsError;
use crate::model::{Page, Product, ProductPage, Reservation, ReservationStatus, ReserveStock};
use crate::repository::{ProductRepository, ReleaseOutcome, ReserveOutcome};
use crate::request::{ProductIdPath, ReservationPath};

/// `GET /products?limit=&offset=`: one page of the catalog.
#[utoipa::path(
    get,
    path = "/products",
    tag = "products",
    params(Page),
    responses(
        (status = 200, description = "One page of the catalog, ordered by name", body = ProductPage),
        (status = 400, description = "A bad limit or offset", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list_products(
    State(repository): State<ProductRepository>,
    page: Page,
) -> Result<Json<ProductPage>, ProductsError> {
    let (items, total) = repository.page(page).await?;
    Ok(Json(ProductPage {
        items,
        limit: page.limit,
        offset: page.offset,
        total,
    }))
}

/// `GET /products/{id}`: one product.
#[utoipa::path(
    get,
    path = "/products/{id}",
    tag = "products",
    params(("id" = uuid::Uuid, Path, description = "The product id")),
    responses(
        (status = 200, description = "The product", body = Product),
        (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn get_product(
    State(repository): State<ProductRepository>,
    ProductIdPath(id): ProductIdPath,
) -> Result<Json<Product>, ProductsError> {
    repository
        .product(id)
        .await?
        .map(Json)
        .ok_or(ProductsError::ProductNotFound(id))
}

/// `POST /products/{id}/reservations`: 201 for a new reservation, 200 for the order's
/// existing identical one, 409 for short stock or a conflicting earlier reservation.
#[utoipa::path(
    post,
    path = "/products/{id}/reservations",
    tag = "products",
    params(("id" = uuid::Uuid, Path, description = "The product id")),
    request_body = ReserveStock,
    responses(
        (status = 201, description = "Reserved now", body = Reservation),
        (status = 200, description = "The order reserved the same quantity before", body = Reservation),
        (status = 400, description = "Malformed JSON, or the id is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Out of stock, or the order reserved another quantity or released it", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the size limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Quantity below 1, missing or mistyped fields", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn reserve_stock(
    State(repository): State<ProductRepository>,
    ProductIdPath(product_id): ProductIdPath,
    ValidJson(request): ValidJson<ReserveStock>,
) -> Result<(StatusCode, Json<Reservation>), ProductsError> {
    if request.quantity < 1 {
        return Err(ProductsError::InvalidBody(vec![FieldError::new(
            "quantity",
            "must be at least 1",
        )]));
    }
    let outcome = repository
        .reserve(product_id, request.order_id, request.quantity)
        .await?;
    match outcome {
        ReserveOutcome::Created(reservation) => Ok((StatusCode::CREATED, Json(reservation))),
        ReserveOutcome::Existing(reservation) => existing_reservation(reservation, request),
        ReserveOutcome::OutOfStock { available } => Err(ProductsError::OutOfStock {
            requested: request.quantity,
            available,
        }),
        ReserveOutcome::UnknownProduct => Err(ProductsError::ProductNotFound(product_id)),
    }
}

/// The answer to a reservation the order already had: the same one again (200), or a
/// conflict when it was released or was for another quantity.
fn existing_reservation(
    reservation: Reservation,
    request: ReserveStock,
) -> Result<(StatusCode, Json<Reservation>), ProductsError> {
    if reservation.status == ReservationStatus::Released {
        return Err(ProductsError::ReservationConflict(format!(
            "the reservation of order {} was released; an order reserves a product once",
            reservation.order_id
        )));
    }
    if reservation.quantity != request.quantity {
        return Err(ProductsError::ReservationConflict(format!(
            "order {} already reserved {} units, not {}",
            reservation.order_id, reservation.quantity, request.quantity
        )));
    }
    Ok((StatusCode::OK, Json(reservation)))
}

/// `DELETE /products/{id}/reservations/{order_id}`: gives the stock back once; 204 then and
/// every time after, 404 when the order never reserved the product.
#[utoipa::path(
    delete,
    path = "/products/{id}/reservations/{order_id}",
    tag = "products",
    params(
        ("id" = uuid::Uuid, Path, description = "The product id"),
        ("order_id" = uuid::Uuid, Path, description = "The order that reserved it"),
    ),
    responses(
        (status = 204, description = "Released (now or before)"),
        (status = 400, description = "An id is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The order never reserved the product", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn release_stock(
    State(repository): State<ProductRepository>,
    ReservationPath {
        product_id,
        order_id,
    }: ReservationPath,
) -> Result<StatusCode, ProductsError> {
    match repository.release(product_id, order_id).await? {
        ReleaseOutcome::Released | ReleaseOutcome::AlreadyReleased => Ok(StatusCode::NO_CONTENT),
        ReleaseOutcome::NotFound => Err(ProductsError::ReservationNotFound {
            product_id,
            order_id,
        }),
    }
}

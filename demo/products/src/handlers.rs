//! The HTTP handlers of the products API; see [`router`](crate::router) for the routes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shop_kit::problem::{FieldError, ValidJson};

use crate::error::ProductsError;
use crate::model::{Page, Product, ProductPage, Reservation, ReservationStatus, ReserveStock};
use crate::repository::{ProductRepository, ReleaseOutcome, ReserveOutcome};
use crate::request::{ProductIdPath, ReservationPath};

/// `GET /products?limit=&offset=`: one page of the catalog.
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

//! The HTTP handlers of the orders API and their OpenAPI descriptions; see
//! [`router`](crate::router) for the routes.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use shop_kit::auth::AuthUser;
use shop_kit::problem::{FieldError, Problem, ValidJson};
use uuid::Uuid;

use crate::error::OrdersError;
use crate::model::{CreateOrder, Order, OrderStatus};
use crate::state::OrdersState;

/// The most units one order may ask for.
const MAX_QUANTITY: i64 = 1000;

/// `POST /orders`: runs the saga of a new order (or answers the first order of a repeated
/// `Idempotency-Key`); 201 with the completed order, or the problem of its failure.
#[utoipa::path(
    post,
    path = "/orders",
    tag = "orders",
    request_body = CreateOrder,
    params(("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters; a repeated key of the same user answers the first order's result")),
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "The saga completed: the order with its saga log", body = Order),
        (status = 400, description = "Malformed JSON or Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 402, description = "Payment declined; compensated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown product; compensated", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Out of stock (compensated), or the first order of this Idempotency-Key is still running", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the size limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Quantity not from 1 to 1000, missing, mistyped or unknown fields", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "A downstream answer the saga cannot act on; compensated", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "A service unavailable, the deadline passed, or the saga was interrupted", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn create_order(
    State(state): State<OrdersState>,
    AuthUser(user_id): AuthUser,
    headers: HeaderMap,
    ValidJson(request): ValidJson<CreateOrder>,
) -> Result<(StatusCode, Json<Order>), OrdersError> {
    let key = idempotency_key(&headers)?;
    if !(1..=MAX_QUANTITY).contains(&request.quantity) {
        return Err(OrdersError::InvalidBody(vec![FieldError::new(
            "quantity",
            format!("must be from 1 to {MAX_QUANTITY}"),
        )]));
    }
    let repository = state.saga.repository();
    let order_id = Uuid::now_v7();
    let order = if repository
        .insert_pending(order_id, user_id, &request, key)
        .await?
    {
        tracing::info!(%order_id, %user_id, "order placed");
        state.saga.spawn(order_id).await?
    } else {
        let first = match key {
            Some(key) => repository.by_idempotency_key(user_id, key).await?,
            None => None,
        };
        let first = first.ok_or(OrdersError::NotFound(order_id))?;
        if matches!(first.status, OrderStatus::Pending) {
            return Err(OrdersError::InProgress(Box::new(first)));
        }
        first
    };
    answer(order)
}

/// `GET /orders/{id}`: the caller's own order with its saga log; 404 for anyone else's.
#[utoipa::path(
    get,
    path = "/orders/{id}",
    tag = "orders",
    params(("id" = uuid::Uuid, Path, description = "The order id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The order with its saga steps", body = Order),
        (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order of the token's user", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn get_order(
    State(state): State<OrdersState>,
    AuthUser(user_id): AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Order>, OrdersError> {
    let id = Uuid::parse_str(&id).map_err(|_| OrdersError::InvalidOrderId)?;
    state
        .saga
        .repository()
        .order(id)
        .await?
        .filter(|order| order.user_id == user_id)
        .map(Json)
        .ok_or(OrdersError::NotFound(id))
}

/// 201 for a completed order, the problem of its failure otherwise.
fn answer(order: Order) -> Result<(StatusCode, Json<Order>), OrdersError> {
    match order.status {
        OrderStatus::Completed => Ok((StatusCode::CREATED, Json(order))),
        _ => Err(OrdersError::Failed(Box::new(order))),
    }
}

/// The `Idempotency-Key` header, if any: 1 to 255 visible ASCII characters.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<&str>, OrdersError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .map_err(|_| OrdersError::InvalidIdempotencyKey)?;
    let valid = (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic());
    if valid {
        Ok(Some(key))
    } else {
        Err(OrdersError::InvalidIdempotencyKey)
    }
}

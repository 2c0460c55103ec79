//! The JSON shapes of the products API.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A product as `GET /products/{id}` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Product {
    /// The product id.
    pub id: Uuid,
    /// The display name.
    pub name: String,
    /// One sentence about the product.
    pub description: String,
    /// The price in minor units of `currency` (cents).
    pub price: i64,
    /// The ISO 4217 code of the price, such as `EUR`.
    pub currency: String,
    /// Units in stock and not reserved.
    pub stock: i64,
}

/// A product as a list item of `GET /products`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProductSummary {
    /// The product id.
    pub id: Uuid,
    /// The display name.
    pub name: String,
    /// The price in minor units of `currency` (cents).
    pub price: i64,
    /// The ISO 4217 code of the price.
    pub currency: String,
    /// Units in stock and not reserved.
    pub stock: i64,
}

/// One page of `GET /products`, ordered by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProductPage {
    /// The products of this page.
    pub items: Vec<ProductSummary>,
    /// The page size asked for.
    pub limit: u32,
    /// How many products come before this page.
    pub offset: u64,
    /// How many products there are in all.
    pub total: u64,
}

/// Which page of the catalog to list: `?limit=` and `?offset=`, read and checked by the shared
/// [`shop_kit::paging`] extractor.
pub use shop_kit::paging::Page;

/// The body of `POST /products/{id}/reservations`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReserveStock {
    /// The order the stock is for; one reservation per order and product.
    pub order_id: Uuid,
    /// How many units, at least 1.
    pub quantity: i64,
}

/// Whether a reservation still holds its stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReservationStatus {
    /// The stock is held for the order.
    Reserved,
    /// The stock was given back.
    Released,
}

impl ReservationStatus {
    /// The value stored in the `status` column.
    pub const fn as_str(self) -> &'static str {
        match self {
            ReservationStatus::Reserved => "reserved",
            ReservationStatus::Released => "released",
        }
    }

    /// The status stored as `value`, if it is one.
    pub fn from_column(value: &str) -> Option<Self> {
        match value {
            "reserved" => Some(ReservationStatus::Reserved),
            "released" => Some(ReservationStatus::Released),
            _ => None,
        }
    }
}

/// Stock held for one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Reservation {
    /// The order.
    pub order_id: Uuid,
    /// The product.
    pub product_id: Uuid,
    /// How many units.
    pub quantity: i64,
    /// Whether the units are still held.
    pub status: ReservationStatus,
}

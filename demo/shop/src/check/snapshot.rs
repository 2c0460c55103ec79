//! [`Snapshot`]: the state of a running shop, as its services' admin listings report it.

use std::collections::BTreeMap;

use orders::model::{FailureReason, OrderStatus};
use payments::model::PaymentStatus;
use products::model::ReservationStatus;
use serde::Deserialize;
use uuid::Uuid;

/// A product's stock, from products' `GET /admin/stock`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StockRow {
    /// The product.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Units in stock now.
    pub stock: i64,
}

/// A reservation, from products' `GET /admin/reservations`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ReservationRow {
    /// The order it is for.
    pub order_id: Uuid,
    /// The product.
    pub product_id: Uuid,
    /// Units.
    pub quantity: i64,
    /// Whether it still holds its units.
    pub status: ReservationStatus,
}

/// A payment, from payments' `GET /admin/payments`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PaymentRow {
    /// The payment.
    pub id: Uuid,
    /// The order it pays for.
    pub order_id: Uuid,
    /// Minor units of `currency`.
    pub amount: i64,
    /// ISO 4217.
    pub currency: String,
    /// Where it stands.
    pub status: PaymentStatus,
}

/// An order, from orders' `GET /admin/orders`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OrderRow {
    /// The order.
    pub id: Uuid,
    /// Who placed it.
    pub user_id: Uuid,
    /// What it buys.
    pub product_id: Uuid,
    /// How many units.
    pub quantity: i64,
    /// Where it stands.
    pub status: OrderStatus,
    /// Why it was cancelled, if it was.
    pub failure_reason: Option<FailureReason>,
    /// The id of its `order.completed` event, when completed.
    pub completed_event_id: Option<Uuid>,
}

/// An event turned into a notification, from notifications' `GET /admin/notifications`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NotifiedRow {
    /// The event.
    pub event_id: Uuid,
    /// Its kind, e.g. `order.completed`.
    pub kind: String,
}

/// Everything the invariants are checked on, read from the services at one time (each
/// listing in turn: read a quiet shop, or expect in-flight work to show up as violations).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Every product's stock.
    pub stock: Vec<StockRow>,
    /// Every reservation, held or released.
    pub reservations: Vec<ReservationRow>,
    /// Every payment.
    pub payments: Vec<PaymentRow>,
    /// Every order.
    pub orders: Vec<OrderRow>,
    /// Every event notified.
    pub notified: Vec<NotifiedRow>,
}

/// The stock each product started with, to compare the end state against: taken from a
/// quiet shop before a run ([`Baseline::of`]), or, with no record of the start, assumed
/// to be what is in stock plus what every held reservation holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    /// Units per product at the start.
    pub initial_stock: BTreeMap<Uuid, i64>,
}

impl Baseline {
    /// The baseline of `snapshot`: per product, its stock plus the units its held
    /// reservations hold (which a quiet shop's completed orders own).
    pub fn of(snapshot: &Snapshot) -> Self {
        let mut initial_stock: BTreeMap<Uuid, i64> = snapshot
            .stock
            .iter()
            .map(|row| (row.id, row.stock))
            .collect();
        for reservation in &snapshot.reservations {
            if reservation.status == ReservationStatus::Reserved {
                *initial_stock.entry(reservation.product_id).or_default() += reservation.quantity;
            }
        }
        Baseline { initial_stock }
    }
}

//! The events the payments service publishes, through its outbox.

use serde::{Deserialize, Serialize};
use shop_kit::bus::{Event, EventKind};
use shop_kit::storage::StorageError;
use uuid::Uuid;

use crate::model::Payment;

/// The payload of `payment.completed` and `payment.refunded`.
///
/// ```json
/// {"payment_id":"0190…","order_id":"…","user_id":"…","amount":4900,"currency":"EUR",
///  "provider_ref":"ch_…","refund_ref":null}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentEvent {
    /// The payment.
    pub payment_id: Uuid,
    /// The order it pays for.
    pub order_id: Uuid,
    /// The user who paid.
    pub user_id: Uuid,
    /// The amount in minor units of `currency`.
    pub amount: i64,
    /// The ISO 4217 code of the amount.
    pub currency: String,
    /// The provider's reference of the charge.
    pub provider_ref: Option<String>,
    /// The provider's reference of the refund (`payment.refunded` only).
    pub refund_ref: Option<String>,
}

impl PaymentEvent {
    /// The event of `kind` about `payment`, with a fresh event id.
    pub fn event(kind: EventKind, payment: &Payment) -> Result<Event, StorageError> {
        let payload = PaymentEvent {
            payment_id: payment.id,
            order_id: payment.order_id,
            user_id: payment.user_id,
            amount: payment.amount,
            currency: payment.currency.clone(),
            provider_ref: payment.provider_ref.clone(),
            refund_ref: payment.refund_ref.clone(),
        };
        Event::with_payload(kind, &payload)
            .map_err(|error| StorageError::from(sqlx::Error::Encode(Box::new(error))))
    }
}

//! The JSON shapes of the payments API.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The body of `POST /payments`: charge `amount` minor units of `currency` to `user_id`
/// for `order_id`, at most once per order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChargeRequest {
    /// The order paid for; one payment per order.
    pub order_id: Uuid,
    /// The user who pays.
    pub user_id: Uuid,
    /// The amount in minor units of `currency` (cents), at least 1.
    pub amount: i64,
    /// The ISO 4217 code of the amount: three upper-case letters, such as `EUR`.
    pub currency: String,
}

/// Where a payment stands; see the [state machine](crate::processor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Recorded, not charged yet: a provider call is in flight, or the last one did not
    /// get through and a retry of the same order will try again. A refund of the order
    /// settles it (see the [state machine](crate::processor)).
    Pending,
    /// The provider approved the charge.
    Charged,
    /// Not charged, for good: the provider declined the charge, or the payment was voided
    /// when its order was given up before any charge call reached the provider. Final.
    Declined,
    /// The charge was given back. Final.
    Refunded,
}

impl PaymentStatus {
    /// The value stored in the `status` column.
    pub const fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "pending",
            PaymentStatus::Charged => "charged",
            PaymentStatus::Declined => "declined",
            PaymentStatus::Refunded => "refunded",
        }
    }

    /// The status stored as `value`, if it is one.
    pub fn from_column(value: &str) -> Option<Self> {
        match value {
            "pending" => Some(PaymentStatus::Pending),
            "charged" => Some(PaymentStatus::Charged),
            "declined" => Some(PaymentStatus::Declined),
            "refunded" => Some(PaymentStatus::Refunded),
            _ => None,
        }
    }
}

/// A payment as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Payment {
    /// The payment id (a UUIDv7).
    pub id: Uuid,
    /// The order paid for.
    pub order_id: Uuid,
    /// The user who pays.
    pub user_id: Uuid,
    /// The amount in minor units of `currency`.
    pub amount: i64,
    /// The ISO 4217 code of the amount.
    pub currency: String,
    /// Where the payment stands.
    pub status: PaymentStatus,
    /// The provider's reference of the charge, once charged.
    pub provider_ref: Option<String>,
    /// The provider's reference of the refund, once refunded.
    pub refund_ref: Option<String>,
}

impl Payment {
    /// Whether `request` asks for the same charge as this payment: the same user, amount
    /// and currency (the order is the same by construction).
    pub fn is_charged_by(&self, request: &ChargeRequest) -> bool {
        self.user_id == request.user_id
            && self.amount == request.amount
            && self.currency == request.currency
    }
}

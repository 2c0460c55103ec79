//! The JSON shapes of the orders API and the states of an order and its saga.

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The body of `POST /orders`: buy `quantity` units of `product_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrder {
    /// The product to buy.
    pub product_id: Uuid,
    /// How many units, at least 1.
    pub quantity: i64,
}

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// The saga is running.
    Pending,
    /// A step failed; the steps before it are being undone.
    Compensating,
    /// Stock reserved, payment charged, order confirmed. Final.
    Completed,
    /// Compensated: nothing reserved, nothing charged. Final.
    Cancelled,
}

impl OrderStatus {
    /// The column value.
    pub const fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Compensating => "compensating",
            OrderStatus::Completed => "completed",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    /// Whether the saga of an order in this status has not finished: `pending` or
    /// `compensating`.
    pub const fn is_unfinished(self) -> bool {
        matches!(self, OrderStatus::Pending | OrderStatus::Compensating)
    }

    /// Every status, in the order an order goes through them.
    pub const ALL: [OrderStatus; 4] = [
        OrderStatus::Pending,
        OrderStatus::Compensating,
        OrderStatus::Completed,
        OrderStatus::Cancelled,
    ];

    /// The status of a column value.
    pub fn from_column(value: &str) -> Option<Self> {
        OrderStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == value)
    }
}

/// Why an order was cancelled: the `failure_reason` column and the `reason` of
/// `order.cancelled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FailureReason {
    /// The products service has no such product: 404.
    ProductNotFound,
    /// Not enough stock: 409.
    OutOfStock,
    /// The payment was declined: 402.
    PaymentDeclined,
    /// A downstream service was unavailable, too slow, or its circuit open: 503.
    Unavailable,
    /// A downstream answer the saga cannot act on (such as another currency): 502.
    Rejected,
    /// The saga's deadline ran out before it finished: 503.
    DeadlineExceeded,
    /// The process stopped mid-saga; recovery compensated the order at start-up: 503.
    Interrupted,
}

impl FailureReason {
    /// Every reason, in the order of their declaration (and discriminants).
    pub const ALL: [FailureReason; 7] = [
        FailureReason::ProductNotFound,
        FailureReason::OutOfStock,
        FailureReason::PaymentDeclined,
        FailureReason::Unavailable,
        FailureReason::Rejected,
        FailureReason::DeadlineExceeded,
        FailureReason::Interrupted,
    ];

    /// The column value.
    pub const fn as_str(self) -> &'static str {
        match self {
            FailureReason::ProductNotFound => "product_not_found",
            FailureReason::OutOfStock => "out_of_stock",
            FailureReason::PaymentDeclined => "payment_declined",
            FailureReason::Unavailable => "unavailable",
            FailureReason::Rejected => "rejected",
            FailureReason::DeadlineExceeded => "deadline_exceeded",
            FailureReason::Interrupted => "interrupted",
        }
    }

    /// The reason of a column value.
    pub fn from_column(value: &str) -> Option<Self> {
        FailureReason::ALL
            .into_iter()
            .find(|reason| reason.as_str() == value)
    }

    /// The HTTP status an order cancelled for this reason is answered with.
    pub const fn http_status(self) -> StatusCode {
        match self {
            FailureReason::ProductNotFound => StatusCode::NOT_FOUND,
            FailureReason::OutOfStock => StatusCode::CONFLICT,
            FailureReason::PaymentDeclined => StatusCode::PAYMENT_REQUIRED,
            FailureReason::Rejected => StatusCode::BAD_GATEWAY,
            FailureReason::Unavailable
            | FailureReason::DeadlineExceeded
            | FailureReason::Interrupted => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// A step of the order saga, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepName {
    /// The caller's token proves the user; recorded as done.
    CheckUser,
    /// Reads the product's price and currency; the total is computed from it.
    ReadProduct,
    /// Reserves the stock (products, idempotent per order id). Undone by a release.
    ReserveStock,
    /// Charges the total (payments, idempotent per order id). Undone by a refund.
    Charge,
    /// Marks the order completed and enqueues `order.completed`, in one transaction.
    Confirm,
}

impl StepName {
    /// The column value.
    pub const fn as_str(self) -> &'static str {
        match self {
            StepName::CheckUser => "check_user",
            StepName::ReadProduct => "read_product",
            StepName::ReserveStock => "reserve_stock",
            StepName::Charge => "charge",
            StepName::Confirm => "confirm",
        }
    }

    /// The step of a column value.
    pub fn from_column(value: &str) -> Option<Self> {
        [
            StepName::CheckUser,
            StepName::ReadProduct,
            StepName::ReserveStock,
            StepName::Charge,
            StepName::Confirm,
        ]
        .into_iter()
        .find(|step| step.as_str() == value)
    }
}

/// What happened to a step, one row of the saga log per transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// About to call; its effect is unknown until `done` or `failed` follows.
    Started,
    /// Succeeded.
    Done,
    /// Failed (the detail says why), or a compensation attempt of it failed.
    Failed,
    /// Its effect was undone.
    Compensated,
}

impl StepStatus {
    /// The column value.
    pub const fn as_str(self) -> &'static str {
        match self {
            StepStatus::Started => "started",
            StepStatus::Done => "done",
            StepStatus::Failed => "failed",
            StepStatus::Compensated => "compensated",
        }
    }

    /// The status of a column value.
    pub fn from_column(value: &str) -> Option<Self> {
        [
            StepStatus::Started,
            StepStatus::Done,
            StepStatus::Failed,
            StepStatus::Compensated,
        ]
        .into_iter()
        .find(|status| status.as_str() == value)
    }
}

/// One row of the saga log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SagaStep {
    /// Its position in the order's log, from 1.
    pub seq: i64,
    /// The step.
    pub step: StepName,
    /// What happened.
    pub status: StepStatus,
    /// Details, such as a failure's cause.
    pub detail: Option<String>,
    /// When, in Unix milliseconds.
    pub at: i64,
}

/// An order as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Order {
    /// The order id.
    pub id: Uuid,
    /// The user who ordered.
    pub user_id: Uuid,
    /// Where the order stands.
    pub status: OrderStatus,
    /// The product ordered.
    pub product_id: Uuid,
    /// How many units.
    pub quantity: i64,
    /// The unit price in minor units of `currency`, once the product was read.
    pub unit_price: Option<i64>,
    /// `unit_price * quantity`, once the product was read.
    pub total: Option<i64>,
    /// The ISO 4217 code of the prices, once the product was read.
    pub currency: Option<String>,
    /// Why the order was cancelled, if it was.
    pub failure_reason: Option<FailureReason>,
    /// When it was placed, in Unix milliseconds.
    pub created_at: i64,
    /// When it last changed, in Unix milliseconds.
    pub updated_at: i64,
    /// The saga log, in order (empty where the log is not loaded).
    pub steps: Vec<SagaStep>,
}

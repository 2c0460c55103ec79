//! [`Report`]: what the invariant check found, printable and with a verdict.

use std::fmt;

use orders::model::OrderStatus;
use payments::model::PaymentStatus;
use uuid::Uuid;

/// A product's stock balance: `initial == stock + reserved_for_completed` when it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockBalance {
    /// The product.
    pub product_id: Uuid,
    /// Its name (empty for a product only the baseline knows).
    pub name: String,
    /// Units at the start.
    pub initial: i64,
    /// Units in stock now.
    pub stock: i64,
    /// Units held by reservations of completed orders.
    pub reserved_for_completed: i64,
}

impl StockBalance {
    /// Whether no unit was lost or made up: `initial == stock + reserved_for_completed`.
    pub fn holds(&self) -> bool {
        self.stock.checked_add(self.reserved_for_completed) == Some(self.initial)
    }
}

/// A payment that is charged although its order is not completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeWithoutOrder {
    /// The order paid for.
    pub order_id: Uuid,
    /// The payment.
    pub payment_id: Uuid,
    /// Where the order stands; `None` when orders does not know it.
    pub order_status: Option<OrderStatus>,
}

/// One broken rule, as found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// Units lost or made up for a product.
    Stock(StockBalance),
    /// An order charged more than once.
    DoubleCharge {
        /// The order.
        order_id: Uuid,
        /// How many of its payments are charged or refunded.
        charges: usize,
    },
    /// A charge that stays without a completed order and was not refunded.
    ChargeWithoutOrder(ChargeWithoutOrder),
    /// A completed order with no charged payment.
    CompletedWithoutCharge {
        /// The order.
        order_id: Uuid,
    },
    /// A completed order without the reservation of its units.
    CompletedWithoutReservation {
        /// The order.
        order_id: Uuid,
    },
    /// A completed order whose `order.completed` never became a notification.
    MissingNotification {
        /// The order.
        order_id: Uuid,
    },
    /// An order whose saga never finished.
    Unfinished {
        /// The order.
        order_id: Uuid,
        /// `pending` or `compensating`.
        status: OrderStatus,
    },
    /// A payment whose provider call never settled.
    UnsettledPayment {
        /// The order paid for.
        order_id: Uuid,
        /// The payment.
        payment_id: Uuid,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::Stock(balance) => write!(
                f,
                "stock of {} ({}): started with {}, now {} in stock + {} held for completed orders = {}",
                balance.product_id,
                balance.name,
                balance.initial,
                balance.stock,
                balance.reserved_for_completed,
                balance.stock.saturating_add(balance.reserved_for_completed),
            ),
            Violation::DoubleCharge { order_id, charges } => {
                write!(f, "order {order_id} was charged {charges} times")
            }
            Violation::ChargeWithoutOrder(charge) => {
                let status = charge.order_status.map_or("unknown", OrderStatus::as_str);
                write!(
                    f,
                    "payment {} charges order {} which is {status}, and was not refunded",
                    charge.payment_id, charge.order_id
                )
            }
            Violation::CompletedWithoutCharge { order_id } => {
                write!(f, "order {order_id} is completed but not charged")
            }
            Violation::CompletedWithoutReservation { order_id } => {
                write!(f, "order {order_id} is completed but holds no stock")
            }
            Violation::MissingNotification { order_id } => {
                write!(
                    f,
                    "order {order_id} is completed but its notification is missing"
                )
            }
            Violation::Unfinished { order_id, status } => {
                write!(f, "order {order_id} is still {}", status.as_str())
            }
            Violation::UnsettledPayment {
                order_id,
                payment_id,
            } => write!(
                f,
                "payment {payment_id} of order {order_id} is still pending at the provider"
            ),
        }
    }
}

/// How much the check looked at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Products whose stock was balanced.
    pub products: usize,
    /// Orders per status: pending, compensating, completed, cancelled.
    pub orders: [usize; 4],
    /// Payments per status: pending, charged, declined, refunded.
    pub payments: [usize; 4],
    /// Reservations read.
    pub reservations: usize,
    /// Events notified.
    pub notified: usize,
}

impl Totals {
    /// How many orders are in `status`.
    pub fn orders_in(&self, status: OrderStatus) -> usize {
        let index = OrderStatus::ALL
            .iter()
            .position(|known| *known == status)
            .unwrap_or_default();
        self.orders[index]
    }

    /// How many payments are in `status`.
    pub fn payments_in(&self, status: PaymentStatus) -> usize {
        self.payments[payment_index(status)]
    }
}

/// The position of `status` in [`Totals::payments`].
pub(super) fn payment_index(status: PaymentStatus) -> usize {
    match status {
        PaymentStatus::Pending => 0,
        PaymentStatus::Charged => 1,
        PaymentStatus::Declined => 2,
        PaymentStatus::Refunded => 3,
    }
}

/// What [`check`](super::Checker::check) found: every stock balance, every violation, and
/// what was looked at. [`Report::passed`] is the verdict; `Display` prints it for people.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Every product's stock balance, holding or not.
    pub stock: Vec<StockBalance>,
    /// Every broken rule found (the stock ones included).
    pub violations: Vec<Violation>,
    /// How much was looked at.
    pub totals: Totals,
}

impl Report {
    /// Whether every invariant holds.
    pub fn passed(&self) -> bool {
        self.violations.is_empty()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.passed() { "PASS" } else { "FAIL" };
        let totals = &self.totals;
        writeln!(
            f,
            "shop check: {verdict} ({} violation{})",
            self.violations.len(),
            if self.violations.len() == 1 { "" } else { "s" }
        )?;
        write!(f, "  orders:")?;
        for (status, count) in OrderStatus::ALL.iter().zip(totals.orders) {
            write!(f, " {} {count}", status.as_str())?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "  payments: pending {} charged {} declined {} refunded {}",
            totals.payments[0], totals.payments[1], totals.payments[2], totals.payments[3]
        )?;
        let balanced = self.stock.iter().filter(|balance| balance.holds()).count();
        writeln!(
            f,
            "  stock: {balanced} of {} products balance; {} reservations; {} events notified",
            self.stock.len(),
            totals.reservations,
            totals.notified
        )?;
        for violation in &self.violations {
            writeln!(f, "  - {violation}")?;
        }
        Ok(())
    }
}

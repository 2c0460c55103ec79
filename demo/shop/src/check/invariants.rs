//! [`evaluate`]: the shop's invariants over a [`Snapshot`], as a [`Report`].
//!
//! 1. **Stock**: per product, the units it started with equal its stock plus the units held
//!    by reservations of completed orders: a cancelled order gave its units back, a
//!    completed one holds them, nothing was lost or made up.
//! 2. **No double charge**: at most one charged (or refunded) payment per order.
//! 3. **No charge without an order**: a charged payment belongs to a completed order;
//!    anything else must have been refunded (or declined).
//! 4. **Completed means done**: a completed order is charged, holds its stock, and its
//!    `order.completed` event became a notification.
//! 5. **Quiet**: no saga is left `pending` or `compensating`, no payment `pending`.

use std::collections::{BTreeMap, HashMap, HashSet};

use orders::model::OrderStatus;
use payments::model::PaymentStatus;
use products::model::ReservationStatus;
use uuid::Uuid;

use super::report::{ChargeWithoutOrder, Report, StockBalance, Totals, Violation, payment_index};
use super::snapshot::{Baseline, OrderRow, Snapshot};

/// Checks every invariant of the [module docs](self) on `snapshot`, the stock against
/// `baseline`.
pub fn evaluate(snapshot: &Snapshot, baseline: &Baseline) -> Report {
    let orders: HashMap<Uuid, &OrderRow> = snapshot
        .orders
        .iter()
        .map(|order| (order.id, order))
        .collect();
    let completed = |order_id: &Uuid| {
        orders
            .get(order_id)
            .is_some_and(|order| order.status == OrderStatus::Completed)
    };
    let mut violations = Vec::new();

    let stock = stock_balances(snapshot, baseline, &completed);
    violations.extend(
        stock
            .iter()
            .filter(|balance| !balance.holds())
            .cloned()
            .map(Violation::Stock),
    );

    let mut charges: BTreeMap<Uuid, usize> = BTreeMap::new();
    let mut charged_orders = HashSet::new();
    for payment in &snapshot.payments {
        match payment.status {
            PaymentStatus::Charged => {
                *charges.entry(payment.order_id).or_default() += 1;
                charged_orders.insert(payment.order_id);
                if !completed(&payment.order_id) {
                    violations.push(Violation::ChargeWithoutOrder(ChargeWithoutOrder {
                        order_id: payment.order_id,
                        payment_id: payment.id,
                        order_status: orders.get(&payment.order_id).map(|order| order.status),
                    }));
                }
            }
            PaymentStatus::Refunded => *charges.entry(payment.order_id).or_default() += 1,
            PaymentStatus::Pending => violations.push(Violation::UnsettledPayment {
                order_id: payment.order_id,
                payment_id: payment.id,
            }),
            PaymentStatus::Declined => {}
        }
    }
    violations.extend(
        charges
            .into_iter()
            .filter(|&(_, charges)| charges > 1)
            .map(|(order_id, charges)| Violation::DoubleCharge { order_id, charges }),
    );

    let held: HashSet<(Uuid, Uuid, i64)> = snapshot
        .reservations
        .iter()
        .filter(|reservation| reservation.status == ReservationStatus::Reserved)
        .map(|reservation| {
            (
                reservation.order_id,
                reservation.product_id,
                reservation.quantity,
            )
        })
        .collect();
    let notified: HashSet<Uuid> = snapshot
        .notified
        .iter()
        .map(|event| event.event_id)
        .collect();
    for order in &snapshot.orders {
        match order.status {
            OrderStatus::Completed => {
                if !charged_orders.contains(&order.id) {
                    violations.push(Violation::CompletedWithoutCharge { order_id: order.id });
                }
                if !held.contains(&(order.id, order.product_id, order.quantity)) {
                    violations.push(Violation::CompletedWithoutReservation { order_id: order.id });
                }
                if !order
                    .completed_event_id
                    .is_some_and(|event_id| notified.contains(&event_id))
                {
                    violations.push(Violation::MissingNotification { order_id: order.id });
                }
            }
            OrderStatus::Pending | OrderStatus::Compensating => {
                violations.push(Violation::Unfinished {
                    order_id: order.id,
                    status: order.status,
                });
            }
            OrderStatus::Cancelled => {}
        }
    }

    Report {
        totals: totals(snapshot, stock.len()),
        stock,
        violations,
    }
}

/// Every product's balance: those of the baseline and those in stock now.
fn stock_balances(
    snapshot: &Snapshot,
    baseline: &Baseline,
    completed: &impl Fn(&Uuid) -> bool,
) -> Vec<StockBalance> {
    let mut reserved: HashMap<Uuid, i64> = HashMap::new();
    for reservation in &snapshot.reservations {
        if reservation.status == ReservationStatus::Reserved && completed(&reservation.order_id) {
            *reserved.entry(reservation.product_id).or_default() += reservation.quantity;
        }
    }
    let mut balances: BTreeMap<Uuid, StockBalance> = baseline
        .initial_stock
        .iter()
        .map(|(&product_id, &initial)| {
            let balance = StockBalance {
                product_id,
                name: String::new(),
                initial,
                stock: 0,
                reserved_for_completed: 0,
            };
            (product_id, balance)
        })
        .collect();
    for row in &snapshot.stock {
        let balance = balances.entry(row.id).or_insert_with(|| StockBalance {
            product_id: row.id,
            name: String::new(),
            initial: 0,
            stock: 0,
            reserved_for_completed: 0,
        });
        balance.name.clone_from(&row.name);
        balance.stock = row.stock;
    }
    for (product_id, units) in reserved {
        if let Some(balance) = balances.get_mut(&product_id) {
            balance.reserved_for_completed = units;
        }
    }
    balances.into_values().collect()
}

fn totals(snapshot: &Snapshot, products: usize) -> Totals {
    let mut totals = Totals {
        products,
        reservations: snapshot.reservations.len(),
        notified: snapshot.notified.len(),
        ..Totals::default()
    };
    for order in &snapshot.orders {
        if let Some(index) = OrderStatus::ALL
            .iter()
            .position(|status| *status == order.status)
        {
            totals.orders[index] += 1;
        }
    }
    for payment in &snapshot.payments {
        totals.payments[payment_index(payment.status)] += 1;
    }
    totals
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::snapshot::{NotifiedRow, PaymentRow, ReservationRow, StockRow};

    const LANTERN: Uuid = Uuid::from_u128(1);

    /// A quiet shop: one completed order of 2 lanterns (charged, notified), one cancelled
    /// order whose reservation was released and payment refunded; 10 lanterns at the start.
    fn consistent() -> (Snapshot, Baseline) {
        let completed = Uuid::from_u128(10);
        let cancelled = Uuid::from_u128(11);
        let event = Uuid::from_u128(100);
        let snapshot = Snapshot {
            stock: vec![StockRow {
                id: LANTERN,
                name: "lantern".to_owned(),
                stock: 8,
            }],
            reservations: vec![
                ReservationRow {
                    order_id: completed,
                    product_id: LANTERN,
                    quantity: 2,
                    status: ReservationStatus::Reserved,
                },
                ReservationRow {
                    order_id: cancelled,
                    product_id: LANTERN,
                    quantity: 3,
                    status: ReservationStatus::Released,
                },
            ],
            payments: vec![
                payment(20, completed, PaymentStatus::Charged),
                payment(21, cancelled, PaymentStatus::Refunded),
            ],
            orders: vec![
                order(completed, 2, OrderStatus::Completed, Some(event)),
                order(cancelled, 3, OrderStatus::Cancelled, None),
            ],
            notified: vec![NotifiedRow {
                event_id: event,
                kind: "order.completed".to_owned(),
            }],
        };
        let baseline = Baseline {
            initial_stock: BTreeMap::from([(LANTERN, 10)]),
        };
        (snapshot, baseline)
    }

    fn payment(id: u128, order_id: Uuid, status: PaymentStatus) -> PaymentRow {
        PaymentRow {
            id: Uuid::from_u128(id),
            order_id,
            amount: 100,
            currency: "EUR".to_owned(),
            status,
        }
    }

    fn order(id: Uuid, quantity: i64, status: OrderStatus, event: Option<Uuid>) -> OrderRow {
        OrderRow {
            id,
            user_id: Uuid::from_u128(7),
            product_id: LANTERN,
            quantity,
            status,
            failure_reason: None,
            completed_event_id: event,
        }
    }

    #[test]
    fn a_consistent_shop_passes() {
        let (snapshot, baseline) = consistent();
        let report = evaluate(&snapshot, &baseline);
        assert!(report.passed(), "{report}");
        assert_eq!(report.stock.len(), 1);
        assert_eq!(report.stock[0].reserved_for_completed, 2);
        assert_eq!(report.totals.orders_in(OrderStatus::Completed), 1);
        assert_eq!(report.totals.payments_in(PaymentStatus::Refunded), 1);
        assert!(
            report.to_string().starts_with("shop check: PASS"),
            "{report}"
        );
    }

    #[test]
    fn a_reservation_left_held_for_a_cancelled_order_loses_stock() {
        let (mut snapshot, baseline) = consistent();
        snapshot.reservations[1].status = ReservationStatus::Reserved;
        snapshot.stock[0].stock = 5;
        let report = evaluate(&snapshot, &baseline);
        assert!(!report.passed());
        assert!(
            matches!(&report.violations[..], [Violation::Stock(balance)] if balance.initial == 10 && balance.stock == 5),
            "{report}"
        );
        assert!(report.to_string().contains("FAIL"), "{report}");
    }

    #[test]
    fn a_charge_of_a_cancelled_order_must_be_refunded() {
        let (mut snapshot, baseline) = consistent();
        snapshot.payments[1].status = PaymentStatus::Charged;
        let report = evaluate(&snapshot, &baseline);
        assert_eq!(
            report.violations,
            vec![Violation::ChargeWithoutOrder(ChargeWithoutOrder {
                order_id: Uuid::from_u128(11),
                payment_id: Uuid::from_u128(21),
                order_status: Some(OrderStatus::Cancelled),
            })]
        );
    }

    #[test]
    fn a_second_charge_of_one_order_is_found() {
        let (mut snapshot, baseline) = consistent();
        snapshot
            .payments
            .push(payment(22, Uuid::from_u128(10), PaymentStatus::Refunded));
        let report = evaluate(&snapshot, &baseline);
        assert_eq!(
            report.violations,
            vec![Violation::DoubleCharge {
                order_id: Uuid::from_u128(10),
                charges: 2,
            }]
        );
    }

    #[test]
    fn a_completed_order_needs_its_charge_stock_and_notification() {
        let (mut snapshot, baseline) = consistent();
        snapshot.notified.clear();
        snapshot.payments[0].status = PaymentStatus::Declined;
        let report = evaluate(&snapshot, &baseline);
        let completed = Uuid::from_u128(10);
        assert!(report.violations.contains(&Violation::MissingNotification {
            order_id: completed
        }));
        assert!(
            report
                .violations
                .contains(&Violation::CompletedWithoutCharge {
                    order_id: completed
                })
        );

        let (mut snapshot, baseline) = consistent();
        snapshot.reservations[0].quantity = 1;
        snapshot.stock[0].stock = 9;
        let report = evaluate(&snapshot, &baseline);
        assert_eq!(
            report.violations,
            vec![Violation::CompletedWithoutReservation {
                order_id: completed
            }]
        );
    }

    #[test]
    fn unfinished_sagas_and_pending_payments_fail_a_quiet_check() {
        let (mut snapshot, baseline) = consistent();
        snapshot.orders[1].status = OrderStatus::Compensating;
        snapshot.payments[1].status = PaymentStatus::Pending;
        let report = evaluate(&snapshot, &baseline);
        assert_eq!(report.violations.len(), 2, "{report}");
        assert!(report.violations.contains(&Violation::Unfinished {
            order_id: Uuid::from_u128(11),
            status: OrderStatus::Compensating,
        }));
    }

    #[test]
    fn the_baseline_of_a_quiet_shop_counts_held_units() {
        let (snapshot, _) = consistent();
        assert_eq!(Baseline::of(&snapshot).initial_stock[&LANTERN], 10);
    }
}

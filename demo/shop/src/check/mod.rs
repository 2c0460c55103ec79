//! `shop check`'s engine: the shop's cross-service invariants, verified on a running shop
//! through its services' admin listings (DESIGN.md §5).
//!
//! [`Checker::snapshot`] reads, with the admin token, products' `GET /admin/stock` and
//! `GET /admin/reservations`, payments' `GET /admin/payments`, orders' `GET /admin/orders`
//! and notifications' `GET /admin/notifications`; [`evaluate`] checks the
//! [`invariants`] on that [`Snapshot`] and returns a [`Report`] with a verdict
//! ([`Report::passed`]) that prints itself for people.
//!
//! The stock is balanced against a [`Baseline`]: record one on the quiet shop before a run
//! ([`Checker::baseline`]), or let [`Checker::check`] assume that whatever is held now
//! belongs to completed orders (then only that is checked of the stock). Check a quiet shop:
//! a saga in flight shows as unfinished.
//!
//! ```no_run
//! # async fn example(admin_token: shop_kit::config::Secret) -> Result<(), shop::check::CheckError> {
//! use shop::check::{Checker, ShopUrls};
//!
//! let checker = Checker::new(ShopUrls::local(), admin_token)?;
//! let before = checker.baseline().await?;
//! // ... run orders against the shop, wait until it is quiet ...
//! let report = checker.check(Some(&before)).await?;
//! println!("{report}");
//! assert!(report.passed());
//! # Ok(()) }
//! ```

mod fetch;
pub mod invariants;
mod report;
mod snapshot;

use std::time::Duration;

use shop_kit::client::{ClientConfigError, ServiceClient};
use shop_kit::config::{Secret, ShopService};

pub use invariants::evaluate;
pub use report::{ChargeWithoutOrder, Report, StockBalance, Totals, Violation};
pub use snapshot::{
    Baseline, NotifiedRow, OrderRow, PaymentRow, ReservationRow, Snapshot, StockRow,
};

/// Why the shop's state could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The HTTP client could not be built.
    #[error("cannot build the checker's client: {0}")]
    Client(#[from] ClientConfigError),
    /// A listing could not be read: the service is down, refused the token, or answered
    /// something else than a listing.
    #[error("cannot read {url}: {reason}")]
    Read {
        /// What was asked for.
        url: String,
        /// What went wrong.
        reason: String,
    },
}

/// The base URLs of the services the check reads, such as `http://127.0.0.1:8082`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopUrls {
    /// The products service.
    pub products: String,
    /// The payments service.
    pub payments: String,
    /// The orders service.
    pub orders: String,
    /// The notifications service.
    pub notifications: String,
}

impl ShopUrls {
    /// Every service on its design port on `127.0.0.1`: what `shop up` runs.
    pub fn local() -> Self {
        let url = |service: ShopService| format!("http://127.0.0.1:{}", service.default_port());
        ShopUrls {
            products: url(ShopService::Products),
            payments: url(ShopService::Payments),
            orders: url(ShopService::Orders),
            notifications: url(ShopService::Notifications),
        }
    }
}

/// Reads a running shop's state and checks its invariants; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct Checker {
    client: ServiceClient,
    urls: ShopUrls,
    token: Secret,
}

impl Checker {
    /// A checker of the services at `urls`, presenting `admin_token`.
    pub fn new(urls: ShopUrls, admin_token: Secret) -> Result<Self, CheckError> {
        let client = ServiceClient::builder("shop-check")
            .total_timeout(Duration::from_secs(20))
            .attempt_timeout(Duration::from_secs(5))
            .build()?;
        Ok(Checker {
            client,
            urls: trimmed(urls),
            token: admin_token,
        })
    }

    /// Every listing the invariants need, read now.
    pub async fn snapshot(&self) -> Result<Snapshot, CheckError> {
        Ok(Snapshot {
            stock: self.read(&self.urls.products, "/admin/stock").await?,
            reservations: self
                .read(&self.urls.products, "/admin/reservations")
                .await?,
            payments: self.read(&self.urls.payments, "/admin/payments").await?,
            orders: self.read(&self.urls.orders, "/admin/orders").await?,
            notified: self
                .read(&self.urls.notifications, "/admin/notifications")
                .await?,
        })
    }

    /// The stock now, to balance a later check against: read it on a quiet shop.
    pub async fn baseline(&self) -> Result<Baseline, CheckError> {
        Ok(Baseline::of(&Snapshot {
            stock: self.read(&self.urls.products, "/admin/stock").await?,
            reservations: self
                .read(&self.urls.products, "/admin/reservations")
                .await?,
            ..Snapshot::default()
        }))
    }

    /// Reads a [`Snapshot`] and [`evaluate`]s it against `baseline`, or, without one, against
    /// the stock plus every held reservation of the snapshot itself.
    pub async fn check(&self, baseline: Option<&Baseline>) -> Result<Report, CheckError> {
        let snapshot = self.snapshot().await?;
        let assumed;
        let baseline = match baseline {
            Some(baseline) => baseline,
            None => {
                assumed = Baseline::of(&snapshot);
                &assumed
            }
        };
        Ok(evaluate(&snapshot, baseline))
    }
}

impl Checker {
    /// Every item of the admin listing at `base` `path`.
    async fn read<T: serde::de::DeserializeOwned>(
        &self,
        base: &str,
        path: &str,
    ) -> Result<Vec<T>, CheckError> {
        fetch::all(&self.client, &self.token, base, path).await
    }
}

fn trimmed(urls: ShopUrls) -> ShopUrls {
    let trim = |url: String| url.trim_end_matches('/').to_owned();
    ShopUrls {
        products: trim(urls.products),
        payments: trim(urls.payments),
        orders: trim(urls.orders),
        notifications: trim(urls.notifications),
    }
}

//! What the products service reports on `GET /admin/state`.

use async_trait::async_trait;
use shop_kit::problem::Problem;
use shop_kit::server::AdminState;

use crate::repository::ProductRepository;

/// Reports the [`StockTotals`](crate::repository::StockTotals): products, units in stock,
/// reservations held and released, units held.
#[derive(Debug, Clone)]
pub struct ProductsAdminState {
    repository: ProductRepository,
}

impl ProductsAdminState {
    /// Reports on `repository`.
    pub fn new(repository: ProductRepository) -> Self {
        ProductsAdminState { repository }
    }
}

#[async_trait]
impl AdminState for ProductsAdminState {
    async fn state(&self) -> Result<serde_json::Value, Problem> {
        let totals = self.repository.totals().await.map_err(Problem::from)?;
        serde_json::to_value(totals).map_err(|error| {
            tracing::error!(%error, "cannot serialise the stock totals");
            Problem::internal_server_error("cannot report the state")
        })
    }
}

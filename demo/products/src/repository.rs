//! [`ProductRepository`]: every SQL statement of the products service.
//!
//! Stock only changes inside a transaction through a conditional `UPDATE` (`stock >= $n`), never
//! by reading it and writing a computed value, so concurrent reservations cannot oversell.

use std::time::SystemTime;

use shop_kit::storage::{Storage, StorageError, read_uuid, unix_millis};
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::catalog::{CATALOG_CURRENCY, CatalogEntry};
use crate::model::{Page, Product, ProductSummary, Reservation, ReservationStatus};

/// What `reserve` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReserveOutcome {
    /// A new reservation; the stock was taken.
    Created(Reservation),
    /// The order already has a reservation for the product (in any status); nothing changed.
    Existing(Reservation),
    /// Not enough stock; nothing changed.
    OutOfStock {
        /// The stock there was when the reservation was refused.
        available: i64,
    },
    /// No such product.
    UnknownProduct,
}

/// What `release` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseOutcome {
    /// The reservation's stock was given back.
    Released,
    /// The reservation had been released before; nothing changed.
    AlreadyReleased,
    /// The order never reserved the product.
    NotFound,
}

/// Stock and reservation totals, for `GET /admin/state` and invariant checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct StockTotals {
    /// Products in the catalog.
    pub products: i64,
    /// Units in stock over all products.
    pub stock: i64,
    /// Reservations holding stock.
    pub reservations_reserved: i64,
    /// Units those reservations hold.
    pub quantity_reserved: i64,
    /// Reservations whose stock was given back.
    pub reservations_released: i64,
}

/// The products and reservations tables of one [`Storage`]. Cloning shares the pool.
#[derive(Debug, Clone)]
pub struct ProductRepository {
    storage: Storage,
}

impl ProductRepository {
    /// A repository on `storage`, migrated with [`MIGRATIONS`](crate::migrations::MIGRATIONS).
    pub fn new(storage: Storage) -> Self {
        ProductRepository { storage }
    }

    /// The storage underneath.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// Inserts the entries whose id is not in the table, in one transaction; returns how many.
    pub async fn insert_missing(&self, entries: &[CatalogEntry]) -> Result<u64, StorageError> {
        let mut transaction = self.storage.begin().await?;
        let mut inserted = 0;
        for entry in entries {
            inserted += sqlx::query(
                "INSERT INTO products (id, name, description, price, currency, stock)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(entry.product_id().to_string())
            .bind(entry.name)
            .bind(entry.description)
            .bind(entry.price)
            .bind(CATALOG_CURRENCY)
            .bind(entry.stock)
            .execute(&mut *transaction)
            .await?
            .rows_affected();
        }
        transaction.commit().await?;
        Ok(inserted)
    }

    /// One page of products ordered by name, and the number of products in all.
    pub async fn page(&self, page: Page) -> Result<(Vec<ProductSummary>, u64), StorageError> {
        let offset = i64::try_from(page.offset).unwrap_or(i64::MAX);
        let rows = sqlx::query(
            "SELECT id, name, price, currency, stock FROM products
             ORDER BY name, id LIMIT $1 OFFSET $2",
        )
        .bind(i64::from(page.limit))
        .bind(offset)
        .fetch_all(self.storage.pool())
        .await?;
        let items = rows
            .iter()
            .map(|row| {
                Ok(ProductSummary {
                    id: read_uuid(row, "id")?,
                    name: row.try_get("name")?,
                    price: row.try_get("price")?,
                    currency: row.try_get("currency")?,
                    stock: row.try_get("stock")?,
                })
            })
            .collect::<Result<Vec<_>, StorageError>>()?;
        let total: i64 = sqlx::query("SELECT COUNT(*) AS total FROM products")
            .fetch_one(self.storage.pool())
            .await?
            .try_get("total")?;
        Ok((items, u64::try_from(total).unwrap_or_default()))
    }

    /// The product `id`, if there is one.
    pub async fn product(&self, id: Uuid) -> Result<Option<Product>, StorageError> {
        let row = sqlx::query(
            "SELECT id, name, description, price, currency, stock FROM products WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(self.storage.pool())
        .await?;
        row.map(|row| {
            Ok(Product {
                id: read_uuid(&row, "id")?,
                name: row.try_get("name")?,
                description: row.try_get("description")?,
                price: row.try_get("price")?,
                currency: row.try_get("currency")?,
                stock: row.try_get("stock")?,
            })
        })
        .transpose()
    }

    /// Reserves `quantity` units of `product_id` for `order_id`, at most once per order.
    ///
    /// In one transaction: insert the reservation unless the order has one for the product
    /// (then return that one, changing nothing), then take the stock with
    /// `UPDATE … SET stock = stock - q WHERE id = … AND stock >= q`; when no row changes the
    /// stock is short and everything is rolled back.
    pub async fn reserve(
        &self,
        product_id: Uuid,
        order_id: Uuid,
        quantity: i64,
    ) -> Result<ReserveOutcome, StorageError> {
        let product = product_id.to_string();
        let order = order_id.to_string();
        let mut transaction = self.storage.begin().await?;
        let known = sqlx::query("SELECT 1 FROM products WHERE id = $1")
            .bind(&product)
            .fetch_optional(&mut *transaction)
            .await?
            .is_some();
        if !known {
            transaction.rollback().await?;
            return Ok(ReserveOutcome::UnknownProduct);
        }
        let inserted = sqlx::query(
            "INSERT INTO reservations (order_id, product_id, quantity, status, created_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (order_id, product_id) DO NOTHING",
        )
        .bind(&order)
        .bind(&product)
        .bind(quantity)
        .bind(ReservationStatus::Reserved.as_str())
        .bind(unix_millis(SystemTime::now()))
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        if inserted == 0 {
            let row = sqlx::query(
                "SELECT order_id, product_id, quantity, status FROM reservations
                 WHERE order_id = $1 AND product_id = $2",
            )
            .bind(&order)
            .bind(&product)
            .fetch_one(&mut *transaction)
            .await?;
            transaction.rollback().await?;
            return Ok(ReserveOutcome::Existing(reservation_from_row(&row)?));
        }
        let taken =
            sqlx::query("UPDATE products SET stock = stock - $1 WHERE id = $2 AND stock >= $1")
                .bind(quantity)
                .bind(&product)
                .execute(&mut *transaction)
                .await?
                .rows_affected();
        if taken == 0 {
            transaction.rollback().await?;
            let available = self.stock_of(&product).await?;
            return Ok(ReserveOutcome::OutOfStock { available });
        }
        transaction.commit().await?;
        Ok(ReserveOutcome::Created(Reservation {
            order_id,
            product_id,
            quantity,
            status: ReservationStatus::Reserved,
        }))
    }

    /// Gives back the stock `order_id` holds of `product_id`, at most once.
    ///
    /// In one transaction: mark the reservation released if it is still reserved, and only
    /// then add its quantity back to the stock.
    pub async fn release(
        &self,
        product_id: Uuid,
        order_id: Uuid,
    ) -> Result<ReleaseOutcome, StorageError> {
        let product = product_id.to_string();
        let order = order_id.to_string();
        let mut transaction = self.storage.begin().await?;
        let released = sqlx::query(
            "UPDATE reservations SET status = $1, released_at = $2
             WHERE order_id = $3 AND product_id = $4 AND status = $5",
        )
        .bind(ReservationStatus::Released.as_str())
        .bind(unix_millis(SystemTime::now()))
        .bind(&order)
        .bind(&product)
        .bind(ReservationStatus::Reserved.as_str())
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        if released == 0 {
            let exists =
                sqlx::query("SELECT 1 FROM reservations WHERE order_id = $1 AND product_id = $2")
                    .bind(&order)
                    .bind(&product)
                    .fetch_optional(&mut *transaction)
                    .await?
                    .is_some();
            transaction.rollback().await?;
            return Ok(if exists {
                ReleaseOutcome::AlreadyReleased
            } else {
                ReleaseOutcome::NotFound
            });
        }
        sqlx::query(
            "UPDATE products SET stock = stock + (
                 SELECT quantity FROM reservations WHERE order_id = $1 AND product_id = $2
             ) WHERE id = $2",
        )
        .bind(&order)
        .bind(&product)
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(ReleaseOutcome::Released)
    }

    /// One page of every reservation, held or released, ordered by order and product, and
    /// the number of reservations in all.
    pub async fn reservations(&self, page: Page) -> Result<(Vec<Reservation>, u64), StorageError> {
        let rows = sqlx::query(
            "SELECT order_id, product_id, quantity, status FROM reservations
             ORDER BY order_id, product_id LIMIT $1 OFFSET $2",
        )
        .bind(i64::from(page.limit))
        .bind(i64::try_from(page.offset).unwrap_or(i64::MAX))
        .fetch_all(self.storage.pool())
        .await?;
        let items = rows
            .iter()
            .map(reservation_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let total: i64 = sqlx::query("SELECT COUNT(*) AS total FROM reservations")
            .fetch_one(self.storage.pool())
            .await?
            .try_get("total")?;
        Ok((items, u64::try_from(total).unwrap_or_default()))
    }

    /// Totals over the catalog and the reservations.
    pub async fn totals(&self) -> Result<StockTotals, StorageError> {
        let row = sqlx::query(
            "SELECT
                 (SELECT COUNT(*) FROM products) AS products,
                 (SELECT CAST(COALESCE(SUM(stock), 0) AS BIGINT) FROM products) AS stock,
                 (SELECT COUNT(*) FROM reservations WHERE status = 'reserved') AS reservations_reserved,
                 (SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM reservations
                  WHERE status = 'reserved') AS quantity_reserved,
                 (SELECT COUNT(*) FROM reservations WHERE status = 'released') AS reservations_released",
        )
        .fetch_one(self.storage.pool())
        .await?;
        Ok(StockTotals {
            products: row.try_get("products")?,
            stock: row.try_get("stock")?,
            reservations_reserved: row.try_get("reservations_reserved")?,
            quantity_reserved: row.try_get("quantity_reserved")?,
            reservations_released: row.try_get("reservations_released")?,
        })
    }

    async fn stock_of(&self, product: &str) -> Result<i64, StorageError> {
        Ok(sqlx::query("SELECT stock FROM products WHERE id = $1")
            .bind(product)
            .fetch_one(self.storage.pool())
            .await?
            .try_get("stock")?)
    }
}

fn reservation_from_row(row: &AnyRow) -> Result<Reservation, StorageError> {
    let status: String = row.try_get("status")?;
    Ok(Reservation {
        order_id: read_uuid(row, "order_id")?,
        product_id: read_uuid(row, "product_id")?,
        quantity: row.try_get("quantity")?,
        status: ReservationStatus::from_column(&status).ok_or_else(|| StorageError::Decode {
            column: "status".to_owned(),
            reason: format!("not a reservation status: {status:?}"),
        })?,
    })
}

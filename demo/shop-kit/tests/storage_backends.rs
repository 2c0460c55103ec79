#![cfg(feature = "storage")]
//! The same storage scenarios on SQLite and PostgreSQL.
//!
//! PostgreSQL tests need the server of `TestDatabase::postgres` (127.0.0.1:5432/test by
//! default) and fail without it, unless `SHOP_TEST_POSTGRES=skip`.

use std::time::{Duration, SystemTime};

use axum::http::StatusCode;
use shop_kit::config::DatabaseUrl;
use shop_kit::problem::Problem;
use shop_kit::storage::{
    SqlMigration, Storage, StorageError, TestDatabase, from_unix_millis, migrator, read_uuid,
    unix_millis,
};
use sqlx::Row;
use uuid::Uuid;

static MIGRATIONS: &[SqlMigration] = &[
    SqlMigration {
        version: 1,
        description: "products",
        sql: "CREATE TABLE products (
                  id TEXT PRIMARY KEY,
                  name TEXT NOT NULL UNIQUE,
                  price BIGINT NOT NULL,
                  stock BIGINT NOT NULL CHECK (stock >= 0),
                  created_at BIGINT NOT NULL
              )",
    },
    SqlMigration {
        version: 2,
        description: "reservations",
        sql: "CREATE TABLE reservations (
                  order_id TEXT PRIMARY KEY,
                  product_id TEXT NOT NULL REFERENCES products (id),
                  quantity BIGINT NOT NULL
              );
              CREATE INDEX reservations_by_product ON reservations (product_id)",
    },
];

async fn open(database: &DatabaseUrl) -> Storage {
    Storage::open(database, &migrator(MIGRATIONS))
        .await
        .expect("storage opens and migrates")
}

async fn insert_product(storage: &Storage, name: &str, stock: i64) -> Result<Uuid, StorageError> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO products (id, name, price, stock, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id.to_string())
    .bind(name)
    .bind(1_999_i64)
    .bind(stock)
    .bind(unix_millis(SystemTime::now()))
    .execute(storage.pool())
    .await?;
    Ok(id)
}

/// The products service's reservation: succeeds only if enough stock is left.
async fn reserve(storage: &Storage, product: Uuid, quantity: i64) -> Result<bool, StorageError> {
    let affected =
        sqlx::query("UPDATE products SET stock = stock - $1 WHERE id = $2 AND stock >= $1")
            .bind(quantity)
            .bind(product.to_string())
            .execute(storage.pool())
            .await?
            .rows_affected();
    Ok(affected == 1)
}

async fn stock(storage: &Storage, product: Uuid) -> i64 {
    sqlx::query("SELECT stock FROM products WHERE id = $1")
        .bind(product.to_string())
        .fetch_one(storage.pool())
        .await
        .unwrap()
        .get("stock")
}

async fn migrations_are_applied(database: &DatabaseUrl) {
    let storage = open(database).await;
    let versions: Vec<i64> = sqlx::query("SELECT version FROM _sqlx_migrations ORDER BY version")
        .fetch_all(storage.pool())
        .await
        .unwrap()
        .iter()
        .map(|row| row.get("version"))
        .collect();
    assert_eq!(versions, [1, 2]);
    let reservations: i64 = sqlx::query("SELECT COUNT(*) AS n FROM reservations")
        .fetch_one(storage.pool())
        .await
        .unwrap()
        .get("n");
    assert_eq!(reservations, 0);
    storage.check().await.unwrap();
    storage.close().await;

    // Opening again finds everything applied and changes nothing.
    let again = open(database).await;
    let count: i64 = sqlx::query("SELECT COUNT(*) AS n FROM _sqlx_migrations")
        .fetch_one(again.pool())
        .await
        .unwrap()
        .get("n");
    assert_eq!(count, 2);
    again.close().await;
}

async fn round_trip_keeps_uuid_money_and_time(database: &DatabaseUrl) {
    let storage = open(database).await;
    let id = Uuid::new_v4();
    let price = 9_007_199_254_740_993_i64; // beyond f64 precision: must stay an integer
    let created = SystemTime::UNIX_EPOCH + Duration::from_millis(1_767_225_600_123);
    sqlx::query(
        "INSERT INTO products (id, name, price, stock, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id.to_string())
    .bind("Teapot ☕")
    .bind(price)
    .bind(7_i64)
    .bind(unix_millis(created))
    .execute(storage.pool())
    .await
    .unwrap();

    let row = sqlx::query("SELECT id, name, price, stock, created_at FROM products WHERE id = $1")
        .bind(id.to_string())
        .fetch_one(storage.pool())
        .await
        .unwrap();
    assert_eq!(read_uuid(&row, "id").unwrap(), id);
    assert_eq!(row.get::<String, _>("name"), "Teapot ☕");
    assert_eq!(row.get::<i64, _>("price"), price);
    assert_eq!(row.get::<i64, _>("stock"), 7);
    assert_eq!(from_unix_millis(row.get("created_at")), created);

    let missing = sqlx::query("SELECT id FROM products WHERE id = $1")
        .bind(Uuid::new_v4().to_string())
        .fetch_one(storage.pool())
        .await
        .map(|_| ())
        .map_err(StorageError::from);
    assert!(
        matches!(missing, Err(StorageError::NotFound)),
        "{missing:?}"
    );
    storage.close().await;
}

async fn conditional_update_reserves_only_available_stock(database: &DatabaseUrl) {
    let storage = open(database).await;
    let product = insert_product(&storage, "kettle", 5).await.unwrap();
    assert!(reserve(&storage, product, 3).await.unwrap());
    assert!(!reserve(&storage, product, 3).await.unwrap(), "only 2 left");
    assert_eq!(stock(&storage, product).await, 2);
    assert!(reserve(&storage, product, 2).await.unwrap());
    assert_eq!(stock(&storage, product).await, 0);

    // Concurrent buyers never oversell.
    let contested = insert_product(&storage, "limited edition", 10)
        .await
        .unwrap();
    let attempts = (0..25).map(|_| {
        let storage = storage.clone();
        tokio::spawn(async move { reserve(&storage, contested, 1).await })
    });
    let mut reserved = 0;
    for attempt in attempts.collect::<Vec<_>>() {
        if attempt.await.unwrap().unwrap() {
            reserved += 1;
        }
    }
    assert_eq!(reserved, 10);
    assert_eq!(stock(&storage, contested).await, 0);
    storage.close().await;
}

async fn unique_violation_is_a_conflict(database: &DatabaseUrl) {
    let storage = open(database).await;
    let first = insert_product(&storage, "mug", 1).await.unwrap();

    let same_name = insert_product(&storage, "mug", 1).await;
    assert!(
        matches!(same_name, Err(StorageError::Conflict { .. })),
        "{same_name:?}"
    );

    let same_id = sqlx::query(
        "INSERT INTO products (id, name, price, stock, created_at) VALUES ($1, 'other', 1, 1, 0)",
    )
    .bind(first.to_string())
    .execute(storage.pool())
    .await
    .map_err(StorageError::from);
    let Err(conflict) = same_id else {
        panic!("a duplicate primary key was accepted");
    };
    assert!(
        matches!(conflict, StorageError::Conflict { .. }),
        "{conflict:?}"
    );
    assert_eq!(Problem::from(conflict).status(), StatusCode::CONFLICT);
    storage.close().await;
}

async fn transactions_commit_or_roll_back(database: &DatabaseUrl) {
    let storage = open(database).await;
    let product = insert_product(&storage, "teapot", 4).await.unwrap();
    let order = Uuid::new_v4();

    // Reserve and record in one transaction, then abandon it: nothing happened.
    {
        let mut transaction = storage.begin().await.unwrap();
        let affected =
            sqlx::query("UPDATE products SET stock = stock - $1 WHERE id = $2 AND stock >= $1")
                .bind(3_i64)
                .bind(product.to_string())
                .execute(&mut *transaction)
                .await
                .unwrap()
                .rows_affected();
        assert_eq!(affected, 1);
        sqlx::query(
            "INSERT INTO reservations (order_id, product_id, quantity) VALUES ($1, $2, $3)",
        )
        .bind(order.to_string())
        .bind(product.to_string())
        .bind(3_i64)
        .execute(&mut *transaction)
        .await
        .unwrap();
        transaction.rollback().await.unwrap();
    }
    assert_eq!(stock(&storage, product).await, 4);

    let mut transaction = storage.begin().await.unwrap();
    sqlx::query("UPDATE products SET stock = stock - $1 WHERE id = $2 AND stock >= $1")
        .bind(3_i64)
        .bind(product.to_string())
        .execute(&mut *transaction)
        .await
        .unwrap();
    sqlx::query("INSERT INTO reservations (order_id, product_id, quantity) VALUES ($1, $2, $3)")
        .bind(order.to_string())
        .bind(product.to_string())
        .bind(3_i64)
        .execute(&mut *transaction)
        .await
        .unwrap();
    transaction.commit().await.unwrap();
    assert_eq!(stock(&storage, product).await, 1);

    // The same order cannot reserve twice: the reservation's key conflicts inside a transaction.
    let mut transaction = storage.begin().await.unwrap();
    let again = sqlx::query(
        "INSERT INTO reservations (order_id, product_id, quantity) VALUES ($1, $2, $3)",
    )
    .bind(order.to_string())
    .bind(product.to_string())
    .bind(1_i64)
    .execute(&mut *transaction)
    .await
    .map_err(StorageError::from);
    assert!(
        matches!(again, Err(StorageError::Conflict { .. })),
        "{again:?}"
    );
    drop(transaction);
    storage.close().await;
}

async fn foreign_keys_are_enforced(database: &DatabaseUrl) {
    let storage = open(database).await;
    let orphan =
        sqlx::query("INSERT INTO reservations (order_id, product_id, quantity) VALUES ($1, $2, 1)")
            .bind(Uuid::new_v4().to_string())
            .bind(Uuid::new_v4().to_string())
            .execute(storage.pool())
            .await
            .map_err(StorageError::from);
    assert!(
        matches!(orphan, Err(StorageError::Database(_))),
        "{orphan:?}"
    );
    storage.close().await;
}

/// Runs a scenario as two tests, `<scenario>::sqlite` and `<scenario>::postgres`.
macro_rules! on_both_backends {
    ($($scenario:ident),+ $(,)?) => {$(
        mod $scenario {
            use shop_kit::storage::TestDatabase;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let database = TestDatabase::sqlite().expect("a SQLite test database");
                super::$scenario(database.url()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(database) = TestDatabase::postgres()
                    .await
                    .unwrap_or_else(|error| panic!("{error}"))
                else {
                    return;
                };
                super::$scenario(database.url()).await;
            }
        }
    )+};
}

on_both_backends!(
    migrations_are_applied,
    round_trip_keeps_uuid_money_and_time,
    conditional_update_reserves_only_available_stock,
    unique_violation_is_a_conflict,
    transactions_commit_or_roll_back,
    foreign_keys_are_enforced,
);

#[tokio::test]
async fn postgres_test_schemas_are_dropped_afterwards() {
    let Some(database) = TestDatabase::postgres()
        .await
        .unwrap_or_else(|error| panic!("{error}"))
    else {
        return;
    };
    let DatabaseUrl::Postgres { url } = database.url() else {
        panic!("expected PostgreSQL");
    };
    let schema = url
        .expose()
        .rsplit_once("search_path%3D")
        .map(|(_, schema)| schema.to_owned())
        .unwrap();
    let storage = open(database.url()).await;
    let current: String = sqlx::query("SELECT current_schema()::TEXT AS s")
        .fetch_one(storage.pool())
        .await
        .unwrap()
        .get("s");
    assert_eq!(current, schema, "tables go to the test's own schema");
    storage.close().await;
    drop(database);

    let probe = TestDatabase::postgres().await.unwrap().unwrap();
    let storage = Storage::open(probe.url(), &migrator(&[])).await.unwrap();
    let left: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM information_schema.schemata WHERE schema_name = $1")
            .bind(&schema)
            .fetch_one(storage.pool())
            .await
            .unwrap()
            .get("n");
    assert_eq!(left, 0, "schema {schema} was dropped");
    storage.close().await;
}

#![cfg(feature = "storage")]
//! What only SQLite needs: the file and its directory, WAL, per-connection pragmas.

use shop_kit::config::DatabaseUrl;
use shop_kit::storage::{Backend, SqlMigration, Storage, TestDatabase, migrator};
use sqlx::Row;

static NO_MIGRATIONS: &[SqlMigration] = &[];

#[tokio::test]
async fn the_file_and_its_directories_are_created_in_wal_mode() {
    let scratch = TestDatabase::sqlite().unwrap();
    let DatabaseUrl::Sqlite { path } = scratch.url() else {
        panic!("expected SQLite");
    };
    let nested = path.with_file_name("data").join("more").join("products.db");
    let database = DatabaseUrl::Sqlite {
        path: nested.clone(),
    };

    let storage = Storage::open(&database, &migrator(NO_MIGRATIONS))
        .await
        .unwrap();
    assert_eq!(storage.backend(), Backend::Sqlite);
    assert!(nested.is_file());

    let journal_mode: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(storage.pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(journal_mode, "wal");
    storage.close().await;
}

#[tokio::test]
async fn every_pooled_connection_has_foreign_keys_and_a_busy_timeout() {
    let database = TestDatabase::sqlite().unwrap();
    let storage = Storage::open(database.url(), &migrator(NO_MIGRATIONS))
        .await
        .unwrap();

    // Hold several connections at once so the pool has to open new ones.
    let mut connections = Vec::new();
    for _ in 0..3 {
        connections.push(storage.pool().acquire().await.unwrap());
    }
    for connection in &mut connections {
        let foreign_keys: i64 = sqlx::query("PRAGMA foreign_keys")
            .fetch_one(&mut **connection)
            .await
            .unwrap()
            .get(0);
        assert_eq!(foreign_keys, 1);
        let busy_timeout: i64 = sqlx::query("PRAGMA busy_timeout")
            .fetch_one(&mut **connection)
            .await
            .unwrap()
            .get(0);
        assert_eq!(busy_timeout, 5000);
    }
    drop(connections);
    storage.close().await;
}

#[tokio::test]
async fn an_unwritable_data_dir_is_a_typed_error() {
    let scratch = TestDatabase::sqlite().unwrap();
    let DatabaseUrl::Sqlite { path } = scratch.url() else {
        panic!("expected SQLite");
    };
    // A regular file where a directory should be.
    let blocker = path.with_file_name("blocker");
    std::fs::write(&blocker, b"not a directory").unwrap();
    let database = DatabaseUrl::Sqlite {
        path: blocker.join("products.db"),
    };
    let error = Storage::open(&database, &migrator(NO_MIGRATIONS))
        .await
        .unwrap_err();
    assert!(
        matches!(error, shop_kit::storage::StorageError::DataDir { .. }),
        "{error:?}"
    );
}

//! Throw-away databases for tests: a SQLite file in a fresh directory, or a fresh PostgreSQL schema.

use std::path::PathBuf;

use sqlx::{AnyConnection, Connection, Executor};

use crate::config::{DatabaseUrl, SecretUrl};

/// The environment variable that chooses the PostgreSQL server for tests: unset for
/// [`DEFAULT_TEST_POSTGRES_URLS`], a `postgres://` URL for another server, or `skip`.
pub const TEST_POSTGRES_VARIABLE: &str = "SHOP_TEST_POSTGRES";

/// Where tests look for PostgreSQL: trust authentication, as `postgres`, then as the current user.
pub const DEFAULT_TEST_POSTGRES_URLS: [&str; 2] = [
    "postgres://postgres@127.0.0.1:5432/test",
    "postgres://127.0.0.1:5432/test",
];

/// PostgreSQL was wanted for a test but could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TestDatabaseError {
    /// No candidate server accepted a connection.
    #[error(
        "PostgreSQL for tests is unreachable ({tried}): {last_error}; \
         start it, point {TEST_POSTGRES_VARIABLE} at a postgres:// URL, \
         or set {TEST_POSTGRES_VARIABLE}=skip"
    )]
    Unreachable {
        /// The URLs tried, redacted.
        tried: String,
        /// The error of the last attempt.
        last_error: sqlx::Error,
    },
    /// The server was reached but the test schema could not be created.
    #[error("cannot create the test schema: {0}")]
    CreateSchema(#[source] sqlx::Error),
    /// The test directory for SQLite could not be created.
    #[error("cannot create the test directory {}: {source}", path.display())]
    CreateDirectory {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// A database that exists for one test and is removed when this value drops.
///
/// PostgreSQL tests fail when the server is unreachable, unless `SHOP_TEST_POSTGRES=skip`:
///
/// ```no_run
/// # async fn example() {
/// use shop_kit::storage::TestDatabase;
///
/// let Some(database) = TestDatabase::postgres()
///     .await
///     .unwrap_or_else(|error| panic!("{error}"))
/// else {
///     return; // SHOP_TEST_POSTGRES=skip; the reason was printed
/// };
/// // Storage::open(database.url(), &migrations) …
/// # }
/// ```
#[derive(Debug)]
pub struct TestDatabase {
    url: DatabaseUrl,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Directory(PathBuf),
    Schema { server: SecretUrl, schema: String },
}

impl TestDatabase {
    /// A SQLite file `test.db` in a new directory under the system's temporary directory.
    pub fn sqlite() -> Result<Self, TestDatabaseError> {
        let directory =
            std::env::temp_dir().join(format!("shop-kit-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&directory).map_err(|source| {
            TestDatabaseError::CreateDirectory {
                path: directory.clone(),
                source,
            }
        })?;
        Ok(TestDatabase {
            url: DatabaseUrl::Sqlite {
                path: directory.join("test.db"),
            },
            cleanup: Cleanup::Directory(directory),
        })
    }

    /// A new, empty schema on the test server, made the connection's `search_path`.
    ///
    /// `Ok(None)` (after printing why) when `SHOP_TEST_POSTGRES=skip`; an error when the
    /// server cannot be reached.
    pub async fn postgres() -> Result<Option<Self>, TestDatabaseError> {
        let candidates = match std::env::var(TEST_POSTGRES_VARIABLE) {
            Ok(value) if value == "skip" => {
                eprintln!("skipping a PostgreSQL test: {TEST_POSTGRES_VARIABLE}=skip is set");
                return Ok(None);
            }
            Ok(url) if !url.is_empty() => vec![SecretUrl::new(url)],
            _ => DEFAULT_TEST_POSTGRES_URLS.map(SecretUrl::new).to_vec(),
        };
        sqlx::any::install_default_drivers();
        let (server, mut connection) = connect_first(&candidates).await?;
        let schema = format!("shop_test_{}", uuid::Uuid::new_v4().simple());
        connection
            .execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .await
            .map_err(TestDatabaseError::CreateSchema)?;
        // Closing is a courtesy; the server drops the session either way.
        let _ = connection.close().await;
        let separator = if server.expose().contains('?') {
            '&'
        } else {
            '?'
        };
        let url = SecretUrl::new(format!(
            "{}{separator}options=-c%20search_path%3D{schema}",
            server.expose()
        ));
        Ok(Some(TestDatabase {
            url: DatabaseUrl::Postgres { url },
            cleanup: Cleanup::Schema { server, schema },
        }))
    }

    /// The database to pass to [`Storage::open`](super::Storage::open).
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }
}

async fn connect_first(
    candidates: &[SecretUrl],
) -> Result<(SecretUrl, AnyConnection), TestDatabaseError> {
    let mut last_error = None;
    for candidate in candidates {
        match AnyConnection::connect(candidate.expose()).await {
            Ok(connection) => return Ok((candidate.clone(), connection)),
            Err(error) => last_error = Some(error),
        }
    }
    let tried = candidates
        .iter()
        .map(SecretUrl::redacted)
        .collect::<Vec<_>>()
        .join(", ");
    Err(TestDatabaseError::Unreachable {
        tried,
        last_error: last_error
            .unwrap_or_else(|| sqlx::Error::Configuration("no PostgreSQL URL to try".into())),
    })
}

impl Drop for TestDatabase {
    /// Removes the directory or drops the schema. Errors are printed, never panicked on.
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Directory(directory) => {
                if let Err(error) = std::fs::remove_dir_all(directory) {
                    eprintln!("cannot remove {}: {error}", directory.display());
                }
            }
            Cleanup::Schema { server, schema } => {
                let server = server.clone();
                let schema = schema.clone();
                // Drop runs inside the test's runtime, which cannot be blocked on; a thread
                // with its own runtime drops the schema.
                let dropped = std::thread::spawn(move || drop_schema(&server, &schema)).join();
                if dropped.is_err() {
                    eprintln!("the thread dropping the test schema panicked");
                }
            }
        }
    }
}

fn drop_schema(server: &SecretUrl, schema: &str) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot drop test schema {schema}: no runtime: {error}");
            return;
        }
    };
    let result = runtime.block_on(async {
        let mut connection = AnyConnection::connect(server.expose()).await?;
        // A transaction left open by a failed test would block DROP forever.
        connection.execute("SET lock_timeout = '5s'").await?;
        connection
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE"
            )))
            .await?;
        connection.close().await
    });
    if let Err(error) = result {
        eprintln!("cannot drop test schema {schema}: {error}");
    }
}

//! The reviews API end to end, through the whole router, on SQLite and PostgreSQL.
//!
//! PostgreSQL tests need the server of `TestDatabase::postgres` (127.0.0.1:5432/test by
//! default) and fail without it, unless `SHOP_TEST_POSTGRES=skip`.

mod common;

mod bad_input;
mod listing;
mod openapi;
mod operations;
mod posting;

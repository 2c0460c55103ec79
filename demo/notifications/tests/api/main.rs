//! The notifications service end to end, on SQLite and PostgreSQL: events published on the
//! in-process bus, the inbox read through the whole router.
//!
//! PostgreSQL tests need the server of `TestDatabase::postgres` (127.0.0.1:5432/test by
//! default) and fail without it, unless `SHOP_TEST_POSTGRES=skip`.

mod common;

mod admin_reports;
mod bad_input;
mod consuming;
mod faults;
mod inbox;
mod openapi;

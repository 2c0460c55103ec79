//! The orders service end to end on SQLite: real products and payments services on
//! 127.0.0.1, one in-process bus, and the orders router.

mod common;

mod idempotency;
mod postgres;
mod reads;
mod recovery;
mod saga;

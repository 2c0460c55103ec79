//! The orders service end to end on SQLite: real products and payments services on
//! 127.0.0.1, one in-process bus, and the orders router.

mod common;

mod admin;
mod bad_input;
mod crash;
mod deadline;
mod idempotency;
mod metrics;
mod openapi;
mod postgres;
mod reads;
mod recovery;
mod resilience;
mod saga;
mod sweep;

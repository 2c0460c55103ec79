//! The `shop` command of the seawall demo shop (DESIGN.md §5).
//!
//! - `shop up` runs every available service in one process, on the design's ports on
//!   `127.0.0.1`, sharing one in-process event bus, with embedded defaults: SQLite files
//!   under a data directory and a JWT secret and admin token generated at start.
//! - `shop serve <service>` runs one service configured from the environment
//!   ([`ServiceConfig::load`](shop_kit::config::ServiceConfig::load)), for compose and
//!   Kubernetes.
//!
//! Both stop gracefully on Ctrl-C (and SIGTERM): requests in flight are answered and the
//! outboxes are flushed before the process exits.
//!
//! - `shop load`, `shop chaos` and `shop check` drive any running shop from outside (load,
//!   fault scenarios, the invariants); `shop demo` starts a shop and does all three, then
//!   writes a report with plots.
//!
//! - [`cli`]: the command line.
//! - [`drive`]: `shop load`, `shop chaos`, `shop check` and `shop demo`.
//! - [`check`]: the cross-service invariants.
//! - [`service`]: the services the command can run.
//! - [`assembly`]: building services and running them until a shutdown signal.
//! - [`settings`]: the embedded settings of `shop up`.
//! - [`banner`]: what `shop up` prints once its services are built.
//! - [`signal`]: the shutdown signal.

pub mod assembly;
pub mod banner;
pub mod check;
pub mod cli;
pub mod drive;
pub mod service;
pub mod settings;
pub mod signal;

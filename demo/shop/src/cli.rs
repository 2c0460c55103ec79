//! The command line: `shop up` and `shop serve <service>`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::service::Service;

/// Runs the seawall demo shop.
#[derive(Debug, Parser)]
#[command(name = "shop", version, about, long_about = None)]
pub struct Cli {
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs every service in one process on 127.0.0.1:8081-8086.
    ///
    /// Embedded defaults: SQLite files under the data directory, one in-process event bus,
    /// and a JWT secret and admin token generated at start unless SHOP_JWT_SECRET /
    /// SHOP_ADMIN_TOKEN are set. Ctrl-C stops every service gracefully.
    Up {
        /// Directory for the services' SQLite files (created if missing).
        #[arg(long, value_name = "DIR", default_value = "./.data")]
        data_dir: PathBuf,
    },
    /// Runs one service, configured from the environment (for compose and Kubernetes).
    ///
    /// Settings: SHOP_BIND, SHOP_DATA_DIR, SHOP_DATABASE_URL, SHOP_BUS_URL, SHOP_JWT_SECRET,
    /// SHOP_ADMIN_TOKEN, SHOP_CONFIG, or their per-service forms such as SHOP_REVIEWS_BIND.
    /// Ctrl-C or SIGTERM stops it gracefully.
    Serve {
        /// The service to run.
        service: Service,
    },
}

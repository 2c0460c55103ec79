//! The command line: `shop up`, `shop serve <service>`, and the commands that drive a shop:
//! `shop load`, `shop chaos`, `shop check`, `shop demo`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use shop_kit::resilience::ClientResilience;

use crate::drive::{ChaosArgs, CheckArgs, DemoArgs, LoadArgs};
use crate::service::Service;
use crate::settings::{InstancesError, UpSettings};

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
    /// Runs every service in one process: the gateway on 127.0.0.1:8080 (the shop's API
    /// under /api), the services on 8081-8086.
    ///
    /// Embedded defaults: SQLite files under the data directory, one in-process event bus,
    /// and a JWT secret and admin token generated at start unless SHOP_JWT_SECRET /
    /// SHOP_ADMIN_TOKEN are set. Ctrl-C stops every service gracefully.
    Up {
        /// Directory for the services' SQLite files (created if missing).
        #[arg(long, value_name = "DIR", default_value = "./.data")]
        data_dir: PathBuf,
        /// How many instances of each service.
        #[command(flatten)]
        instances: Instances,
        /// Runs a canary version of a service (on the design port + 1000), which the gateway
        /// sends requests with `x-canary: beta` to. Repeatable.
        #[arg(long, value_name = "SERVICE")]
        canary: Vec<Service>,
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
    /// Starts the shop, drives load through a fault scenario, checks the invariants, prints
    /// what happened and writes an HTML report with plots. Exits non-zero when an invariant
    /// is broken.
    ///
    /// The shop runs on the design ports (the gateway on 127.0.0.1:8080) with a fresh data
    /// directory, removed at the end.
    Demo {
        /// The demo's options.
        #[command(flatten)]
        args: DemoArgs,
        /// How many instances of each service (`--instances products=3` for the
        /// dead-instance scenario).
        #[command(flatten)]
        instances: Instances,
        /// The resilience of the services' clients and of the gateway's routes: `seawall`,
        /// `naive` (retries without budget or breaker) or `off` (plain clients, plain
        /// proxying), to compare runs.
        #[arg(long, default_value = "seawall", value_parser = parse_resilience)]
        resilience: ClientResilience,
    },
    /// Offers weighted user journeys to a running shop's gateway and prints, per step, the
    /// count, success %, p50, p90, p99 and max latency.
    Load(LoadArgs),
    /// Runs a named fault scenario (baseline, fault, recovery) against a running shop's
    /// services, through their /admin/faults APIs. Needs SHOP_ADMIN_TOKEN.
    Chaos(ChaosArgs),
    /// Checks a running shop's cross-service invariants (stock, charges, orders,
    /// notifications); exits non-zero when one is broken. Needs SHOP_ADMIN_TOKEN.
    Check(CheckArgs),
}

/// `--instances`, shared by `shop up` and `shop demo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub struct Instances {
    /// Runs several instances of a service behind the gateway, e.g. `products=3` (the
    /// extra ones on the design port + 100, + 200, ...). Repeatable.
    #[arg(long = "instances", value_name = "SERVICE=COUNT", value_parser = parse_instances)]
    pub counts: Vec<(Service, u16)>,
}

impl Instances {
    /// `settings` running these counts of instances.
    ///
    /// # Errors
    ///
    /// [`InstancesError`] for the gateway or a count of 0.
    pub fn apply(&self, settings: UpSettings) -> Result<UpSettings, InstancesError> {
        self.counts
            .iter()
            .try_fold(settings, |settings, &(service, count)| {
                settings.with_instances(service, count)
            })
    }
}

fn parse_resilience(text: &str) -> Result<ClientResilience, String> {
    text.parse().map_err(|error| format!("{error}"))
}

/// `products=3` as the service and the count.
fn parse_instances(text: &str) -> Result<(Service, u16), String> {
    let (name, count) = text
        .split_once('=')
        .ok_or_else(|| format!("expected SERVICE=COUNT, such as products=3, not {text:?}"))?;
    let service = Service::from_str(name, true)?;
    let count = count
        .parse::<u16>()
        .map_err(|error| format!("{count:?} is not a count: {error}"))?;
    Ok((service, count))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instances_and_canaries_parse() {
        let cli = Cli::try_parse_from([
            "shop",
            "up",
            "--instances",
            "products=3",
            "--instances",
            "reviews=2",
            "--canary",
            "products",
        ])
        .expect("valid");
        let Command::Up {
            instances, canary, ..
        } = cli.command
        else {
            panic!("up")
        };
        assert_eq!(
            instances.counts,
            [(Service::Products, 3), (Service::Reviews, 2)]
        );
        assert_eq!(canary, [Service::Products]);
        assert!(Cli::try_parse_from(["shop", "up", "--instances", "products"]).is_err());
        assert!(Cli::try_parse_from(["shop", "up", "--instances", "nothing=2"]).is_err());
        assert!(Cli::try_parse_from(["shop", "serve", "gateway"]).is_ok());
    }

    #[test]
    fn the_driving_commands_parse_and_refuse_bad_values() {
        let cli = Cli::try_parse_from([
            "shop",
            "demo",
            "--scenario",
            "flaky-payments",
            "--fault",
            "10s",
            "--rate",
            "40",
            "--resilience",
            "naive",
            "--instances",
            "products=3",
        ])
        .expect("valid");
        let Command::Demo {
            args,
            resilience,
            instances,
        } = cli.command
        else {
            panic!("demo")
        };
        assert_eq!(resilience, ClientResilience::NaiveRetries);
        assert_eq!(instances.counts, [(Service::Products, 3)]);
        assert_eq!(args.timing.fault, std::time::Duration::from_secs(10));
        assert_eq!(args.shape.rate, Some(40.0));
        assert!(Cli::try_parse_from(["shop", "demo", "--resilience", "maybe"]).is_err());
        assert!(Cli::try_parse_from(["shop", "load", "--duration", "soon"]).is_err());
        assert!(Cli::try_parse_from(["shop", "load", "--rate", "5", "--users", "2"]).is_err());
        assert!(Cli::try_parse_from(["shop", "load", "--mix", "browse"]).is_err());
        assert!(
            Cli::try_parse_from([
                "shop",
                "chaos",
                "payment-outage",
                "--service",
                "payments=http://h:1"
            ])
            .is_ok()
        );
        assert!(Cli::try_parse_from(["shop", "check", "--service", "nowhere=http://h:1"]).is_err());
    }
}

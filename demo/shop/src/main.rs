//! `shop`: runs the seawall demo shop. See the library docs for the commands.

use std::error::Error;
use std::process::ExitCode;

use clap::Parser;
use seawall_telemetry::{Telemetry, TelemetryConfig};
use shop::assembly::Assembly;
use shop::banner::banner;
use shop::cli::{Cli, Command, Instances};
use shop::drive::{self, DemoArgs};
use shop::service::{Downstream, Service};
use shop::settings::UpSettings;
use shop::signal::shutdown_signal;
use shop_kit::config::ServiceConfig;
use shop_kit::resilience::ClientResilience;

type AnyError = Box<dyn Error + Send + Sync>;

/// mimalloc rather than the system allocator: serving a request allocates dozens of small,
/// short-lived values (BENCHMARKS.md, "Gateway against a bare proxy and nginx").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let (service_name, quiet) = match &cli.command {
        Command::Up { .. } => ("shop", false),
        Command::Serve { service } => (service.name(), false),
        // The services' logs would drown the progress line and the report.
        Command::Demo { .. } | Command::Load(_) | Command::Chaos(_) | Command::Check(_) => {
            ("shop", true)
        }
    };
    let telemetry = match init_telemetry(service_name, quiet) {
        Ok(telemetry) => telemetry,
        Err(error) => return fail(error.as_ref()),
    };
    let outcome = match cli.command {
        Command::Up {
            data_dir,
            instances,
            canary,
        } => up(data_dir, &instances, &canary).await,
        Command::Serve { service } => serve(service).await,
        Command::Demo {
            args,
            resilience,
            instances,
        } => demo(&args, resilience, &instances).await,
        Command::Load(args) => drive::load(args).await,
        Command::Chaos(args) => drive::chaos(args).await,
        Command::Check(args) => passed(drive::check(args).await),
    };
    if let Err(error) = telemetry.shutdown().await {
        eprintln!("warning: telemetry did not flush: {error}");
    }
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(error.as_ref()),
    }
}

/// Telemetry from the environment; `quiet` logs only warnings unless `RUST_LOG` says
/// otherwise.
fn init_telemetry(service_name: &str, quiet: bool) -> Result<Telemetry, AnyError> {
    let mut config = TelemetryConfig::from_env()?.with_service_name(service_name);
    if quiet && std::env::var_os("RUST_LOG").is_none() {
        config = config.with_log_filter("warn");
    }
    Ok(seawall_telemetry::init(config)?)
}

/// An error when a check found a broken invariant (the report is already printed).
fn passed(outcome: Result<bool, AnyError>) -> Result<(), AnyError> {
    match outcome? {
        true => Ok(()),
        false => Err("an invariant is broken (see the report above)".into()),
    }
}

/// `shop demo`: a shop on the design ports with a fresh data directory and `instances`,
/// driven through a scenario with `resilience` clients and gateway routes.
async fn demo(
    args: &DemoArgs,
    resilience: ClientResilience,
    instances: &Instances,
) -> Result<(), AnyError> {
    let data_dir = tempfile::Builder::new().prefix("shop-demo-").tempdir()?;
    let settings = instances
        .apply(UpSettings::from_env(data_dir.path(), env_pairs())?)?
        .with_client_resilience(resilience);
    eprintln!("clients and gateway routes: {resilience}");
    passed(drive::start_and_drive(args, &settings).await)
}

/// The process environment, as UTF-8 pairs (others are skipped).
fn env_pairs() -> impl Iterator<Item = (String, String)> {
    std::env::vars_os()
        .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
}

/// `shop up`: every service in this process until Ctrl-C, with `instances` of some and
/// canaries of others.
async fn up(
    data_dir: std::path::PathBuf,
    instances: &Instances,
    canaries: &[Service],
) -> Result<(), AnyError> {
    let mut settings = instances.apply(UpSettings::from_env(data_dir, env_pairs())?)?;
    for &service in canaries {
        settings = settings.with_canary(service)?;
    }
    let assembly = Assembly::up(&settings).await?;
    print!(
        "{}",
        banner(
            &assembly.services(),
            settings.data_dir(),
            settings.admin_token(),
            settings.admin_token_source(),
        )
    );
    assembly.run(shutdown_signal()).await?;
    tracing::info!("every service stopped");
    Ok(())
}

/// `shop serve <service>`: one service configured from the environment, until Ctrl-C or
/// SIGTERM.
async fn serve(service: Service) -> Result<(), AnyError> {
    let config = ServiceConfig::load(service.shop_service())?;
    if config.uses_development_secrets() {
        tracing::warn!(
            %service,
            "using the built-in development secrets; set SHOP_JWT_SECRET and SHOP_ADMIN_TOKEN"
        );
    }
    tracing::info!(%config, "starting");
    Assembly::one(service, &config, &Downstream::from_env(std::env::vars())?)
        .await?
        .run(shutdown_signal())
        .await?;
    Ok(())
}

/// Prints `error` to stderr (the shop's errors already include their causes); the exit code
/// is a failure.
fn fail(error: &(dyn Error + 'static)) -> ExitCode {
    eprintln!("error: {error}");
    ExitCode::FAILURE
}

//! `shop`: runs the seawall demo shop. See the library docs for the commands.

use std::error::Error;
use std::process::ExitCode;

use clap::Parser;
use seawall_telemetry::{Telemetry, TelemetryConfig};
use shop::assembly::Assembly;
use shop::banner::banner;
use shop::cli::{Cli, Command};
use shop::service::{Downstream, Service};
use shop::settings::UpSettings;
use shop::signal::shutdown_signal;
use shop_kit::config::ServiceConfig;

type AnyError = Box<dyn Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let service_name = match &cli.command {
        Command::Up { .. } => "shop",
        Command::Serve { service } => service.name(),
    };
    let telemetry = match init_telemetry(service_name) {
        Ok(telemetry) => telemetry,
        Err(error) => return fail(error.as_ref()),
    };
    let outcome = match cli.command {
        Command::Up { data_dir } => up(data_dir).await,
        Command::Serve { service } => serve(service).await,
    };
    if let Err(error) = telemetry.shutdown().await {
        eprintln!("warning: telemetry did not flush: {error}");
    }
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(error.as_ref()),
    }
}

fn init_telemetry(service_name: &str) -> Result<Telemetry, AnyError> {
    let config = TelemetryConfig::from_env()?.with_service_name(service_name);
    Ok(seawall_telemetry::init(config)?)
}

/// `shop up`: every service in this process until Ctrl-C.
async fn up(data_dir: std::path::PathBuf) -> Result<(), AnyError> {
    let settings = UpSettings::from_env(
        data_dir,
        std::env::vars_os().filter_map(|(name, value)| {
            Some((name.into_string().ok()?, value.into_string().ok()?))
        }),
    )?;
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
    Assembly::one(service, &config, &Downstream::from_env(std::env::vars()))
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

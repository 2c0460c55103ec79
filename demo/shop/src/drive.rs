//! `shop load`, `shop chaos`, `shop check` and `shop demo`: driving a shop from outside.
//!
//! The first three act on any running shop (by default the one `shop up` runs on
//! 127.0.0.1); `shop demo` starts its own on the design ports with a fresh data directory,
//! drives load through a chaos scenario, checks the invariants, and writes a report.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use shop_drive::chaos::{self, DEAD_INSTANCE, Phase, Scenario, Targets, Timing};
use shop_drive::demo::{self, DemoPlan, Summary, report_page};
use shop_drive::load::{self, LoadConfig, Mix, Mode, Progress};
use shop_kit::config::{Secret, ShopService};
use tokio::sync::oneshot;

use crate::assembly::Assembly;
use crate::check::{Checker, Report, ShopUrls, Violation};
use crate::service::Service;
use crate::settings::{Instance, UpSettings};

/// Where the admin token comes from for the commands that need one.
const ADMIN_TOKEN_VARIABLE: &str = "SHOP_ADMIN_TOKEN";

type AnyError = Box<dyn std::error::Error + Send + Sync>;

/// `30s`, `500ms`, `2m`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|error| format!("{text:?}: {error} (try 30s or 500ms)"))
}

/// How load is offered: `--rate` or `--users` (20 journeys per second when neither).
#[derive(Debug, Clone, Args)]
pub struct LoadShape {
    /// Journeys started per second, whatever the shop's latency (an open model).
    #[arg(long, conflicts_with = "users")]
    pub rate: Option<f64>,
    /// Virtual users, each starting its next journey when the last one ends (a closed model).
    #[arg(long)]
    pub users: Option<usize>,
    /// The journey mix, e.g. `browse=5,product_detail=4,order=2` (default: all six journeys).
    #[arg(long)]
    pub mix: Option<Mix>,
    /// Seeds the journey choices.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

impl LoadShape {
    fn config(&self, url: &str, duration: Duration) -> Result<LoadConfig, AnyError> {
        let mode = match (self.rate, self.users) {
            (_, Some(users)) => Mode::Users(users),
            (Some(rate), None) => Mode::Rate(rate),
            (None, None) => Mode::Rate(20.0),
        };
        let config = LoadConfig::new(url, mode, duration)?.with_seed(self.seed);
        Ok(match &self.mix {
            Some(mix) => config.with_mix(mix.clone()),
            None => config,
        })
    }
}

/// `shop load`.
#[derive(Debug, Clone, Args)]
pub struct LoadArgs {
    /// The shop's gateway.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// How long to offer load.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub duration: Duration,
    /// How load is offered.
    #[command(flatten)]
    pub shape: LoadShape,
    /// Also writes the report as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

/// Phase lengths of a scenario.
#[derive(Debug, Clone, Args)]
pub struct TimingArgs {
    /// Length of the baseline before any fault.
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    pub baseline: Duration,
    /// Length of each fault phase.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub fault: Duration,
    /// Length of the recovery after the last fault.
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    pub recovery: Duration,
}

impl TimingArgs {
    fn timing(&self) -> Timing {
        Timing {
            baseline: self.baseline,
            fault: self.fault,
            recovery: self.recovery,
        }
    }
}

/// The services' addresses, for `shop chaos` and `shop check` against a running shop.
#[derive(Debug, Clone, Args)]
pub struct ServiceUrls {
    /// A service's base URL, e.g. `payments=http://10.0.0.5:8084` (repeatable; default: each
    /// on its design port on 127.0.0.1).
    #[arg(long = "service", value_name = "SERVICE=URL", value_parser = parse_service_url)]
    pub services: Vec<(ShopService, String)>,
}

fn parse_service_url(text: &str) -> Result<(ShopService, String), String> {
    let (name, url) = text.split_once('=').ok_or_else(|| {
        format!("expected SERVICE=URL, such as payments=http://127.0.0.1:8084, not {text:?}")
    })?;
    let service: ShopService = name.parse().map_err(|error| format!("{error}"))?;
    Ok((service, url.trim_end_matches('/').to_owned()))
}

impl ServiceUrls {
    fn url(&self, service: ShopService) -> String {
        self.services
            .iter()
            .rev()
            .find(|(named, _)| *named == service)
            .map_or_else(
                || format!("http://127.0.0.1:{}", service.default_port()),
                |(_, url)| url.clone(),
            )
    }

    /// Each service, and each of `instances` (name such as `products#2`, base URL) under its
    /// own name, for the faults that take one instance down.
    fn targets(&self, admin_token: &Secret, instances: &[(String, String)]) -> Targets {
        let services = ShopService::ALL
            .into_iter()
            .fold(Targets::new(admin_token.expose()), |targets, service| {
                targets.with_service(service.name(), &self.url(service))
            });
        instances.iter().fold(services, |targets, (name, url)| {
            targets.with_service(name, url)
        })
    }

    fn check_urls(&self) -> ShopUrls {
        ShopUrls {
            products: self.url(ShopService::Products),
            payments: self.url(ShopService::Payments),
            orders: self.url(ShopService::Orders),
            notifications: self.url(ShopService::Notifications),
        }
    }
}

/// `products#2=http://127.0.0.1:8182` as the instance's name and its base URL.
fn parse_instance_url(text: &str) -> Result<(String, String), String> {
    let (name, url) = text
        .split_once('=')
        .filter(|(name, _)| name.contains('#'))
        .ok_or_else(|| {
            format!(
                "expected SERVICE#N=URL, such as products#2=http://127.0.0.1:8182, not {text:?}"
            )
        })?;
    Ok((name.to_owned(), url.trim_end_matches('/').to_owned()))
}

/// Where `shop up --instances products=3` runs the instance `dead-instance` takes down.
fn default_dead_instance() -> (String, String) {
    let second = Instance {
        service: Service::Products,
        index: 1,
        canary: false,
    };
    (
        second.to_string(),
        format!("http://127.0.0.1:{}", second.default_port()),
    )
}

/// `shop chaos <scenario>`.
#[derive(Debug, Clone, Args)]
pub struct ChaosArgs {
    /// The scenario: payment-outage, slow-payments, flaky-payments, flaky-products,
    /// dead-instance, payment-declines, slow-users, event-bus-lag, notifications-down,
    /// orders-crash, game-day.
    pub scenario: String,
    /// Seeds the game day's draws.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Phase lengths.
    #[command(flatten)]
    pub timing: TimingArgs,
    /// Where the services are.
    #[command(flatten)]
    pub urls: ServiceUrls,
    /// One instance's base URL, for the faults that take one instance down, e.g.
    /// `products#2=http://10.0.0.6:8082` (repeatable; default: where `shop up --instances
    /// products=3` runs the second products instance).
    #[arg(long = "instance", value_name = "SERVICE#N=URL", value_parser = parse_instance_url)]
    pub instances: Vec<(String, String)>,
}

/// `shop check`.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// Where the services are.
    #[command(flatten)]
    pub urls: ServiceUrls,
}

/// The admin token of a running shop, from the environment: an admin credential never
/// comes from a default.
fn admin_token_from_env() -> Result<Secret, AnyError> {
    match std::env::var(ADMIN_TOKEN_VARIABLE) {
        Ok(token) if !token.is_empty() => Ok(Secret::new(token)),
        _ => Err(format!(
            "set {ADMIN_TOKEN_VARIABLE} to the shop's admin token (`shop up` prints it at start)"
        )
        .into()),
    }
}

/// `shop load`: offers load, prints the table per step, and writes JSON when asked.
pub async fn load(args: LoadArgs) -> Result<(), AnyError> {
    let config = args.shape.config(&args.url, args.duration)?;
    eprintln!(
        "offering load to {} for {} s (mix {})",
        config.base(),
        args.duration.as_secs(),
        config.mix()
    );
    let report = load::run(&config, Progress::Terminal).await?;
    println!("{report}");
    if let Some(path) = &args.json {
        write_json(path, &report)?;
    }
    Ok(())
}

/// `shop chaos`: runs a scenario against the services' admin APIs.
pub async fn chaos(args: ChaosArgs) -> Result<(), AnyError> {
    let scenario = Scenario::named(&args.scenario, args.timing.timing(), args.seed)?;
    let instances = if args.instances.is_empty() {
        vec![default_dead_instance()]
    } else {
        args.instances.clone()
    };
    let targets = args.urls.targets(&admin_token_from_env()?, &instances);
    targets.check(&scenario)?;
    print!("{scenario}");
    let report = chaos::run(&scenario, &targets, tokio::time::Instant::now(), announce).await?;
    println!(
        "scenario {} done: {} phases",
        report.scenario,
        report.phases.len()
    );
    Ok(())
}

/// `shop check`: checks the invariants of a running shop; `Ok(false)` when one is broken.
pub async fn check(args: CheckArgs) -> Result<bool, AnyError> {
    let checker = Checker::new(args.urls.check_urls(), admin_token_from_env()?)?;
    let report = checker.check(None).await?;
    println!("{report}");
    Ok(report.passed())
}

fn announce(phase: &Phase) {
    let faults: Vec<String> = phase
        .faults
        .iter()
        .map(|fault| format!("{} on {}", fault.name, fault.service))
        .collect();
    eprintln!(
        "phase {} for {} s: {}",
        phase.name,
        phase.duration.as_secs(),
        if faults.is_empty() {
            "no faults".to_owned()
        } else {
            faults.join(", ")
        }
    );
}

fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<(), AnyError> {
    let json = serde_json::to_vec_pretty(value)?;
    std::fs::write(path, json)
        .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// What `shop demo` ran against: the shop it started.
#[derive(Debug, Clone)]
pub struct DemoShop {
    /// The gateway's base URL.
    pub gateway: String,
    /// Each service's base URL.
    pub urls: ServiceUrls,
    /// Each extra instance (`products#2`, ...) and its base URL.
    pub instances: Vec<(String, String)>,
    /// The admin token.
    pub admin_token: Secret,
}

impl DemoShop {
    /// The shop whose instances run at `running` (as [`Assembly::services`] lists them):
    /// the first instance of each service, and the extra ones under their own names
    /// (`products#2`); `None` when the gateway is not among them.
    pub fn of(running: &[(Instance, SocketAddr)], admin_token: Secret) -> Option<DemoShop> {
        let url = |service: Service| {
            running
                .iter()
                .find(|(instance, _)| *instance == Instance::first(service))
                .map(|(_, address)| format!("http://{address}"))
        };
        Some(DemoShop {
            gateway: url(Service::Gateway)?,
            urls: ServiceUrls {
                services: Service::all()
                    .iter()
                    .filter_map(|&service| Some((service.shop_service(), url(service)?)))
                    .collect(),
            },
            instances: running
                .iter()
                .filter(|(instance, _)| instance.index > 0 && !instance.canary)
                .map(|(instance, address)| (instance.to_string(), format!("http://{address}")))
                .collect(),
            admin_token,
        })
    }
}

impl DemoShop {
    /// Where faults go: each service's admin API, and each extra instance's under its own
    /// name (`products#2`).
    pub fn targets(&self) -> Targets {
        self.urls.targets(&self.admin_token, &self.instances)
    }
}

/// `shop demo`'s own options (the shop it starts is [`crate::cli`]'s business).
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// The scenario to run (see `shop chaos`).
    #[arg(long, default_value = "payment-outage")]
    pub scenario: String,
    /// Phase lengths.
    #[command(flatten)]
    pub timing: TimingArgs,
    /// How load is offered.
    #[command(flatten)]
    pub shape: LoadShape,
    /// Where to write the HTML report.
    #[arg(long, value_name = "FILE", default_value = "shop-demo.html")]
    pub report: PathBuf,
    /// Also writes everything recorded (load, phases, metric samples, summary) as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

/// Drives the demo against `shop`: load through the scenario, then waits for the sagas to
/// settle and checks the invariants; prints the story and writes the report. `Ok(false)`
/// when an invariant is broken.
pub async fn demo(args: &DemoArgs, shop: &DemoShop) -> Result<bool, AnyError> {
    let scenario = Scenario::named(&args.scenario, args.timing.timing(), args.shape.seed)?;
    let targets = shop.targets();
    if let Err(error) = targets.check(&scenario) {
        return Err(match scenario.name.as_str() {
            "dead-instance" => format!(
                "{error}: the dead-instance scenario takes {DEAD_INSTANCE} down; run with --instances products=3"
            )
            .into(),
            _ => error.into(),
        });
    }
    let plan = DemoPlan {
        load: args.shape.config(&shop.gateway, scenario.duration())?,
        targets,
        metrics_base: shop.urls.url(ShopService::Orders),
        sample_every: Duration::from_millis(500),
        scenario,
    };
    print!("{}", plan.scenario);
    let record = demo::run(&plan, announce).await?;
    let summary = Summary::of(&record);
    println!("{}", record.load);
    println!("{summary}");
    let checker = Checker::new(shop.urls.check_urls(), shop.admin_token.clone())?;
    let report = settled(&checker).await?;
    println!("{report}");
    let page = report_page(&record, &summary)?;
    std::fs::write(&args.report, page)
        .map_err(|error| format!("cannot write {}: {error}", args.report.display()))?;
    eprintln!("wrote {}", args.report.display());
    if let Some(path) = &args.json {
        write_json(
            path,
            &serde_json::json!({"record": record, "summary": summary}),
        )?;
    }
    Ok(report.passed())
}

/// Checks until no saga is unfinished (at most 30 s: the sweep settles stuck ones), then
/// returns the last report.
async fn settled(checker: &Checker) -> Result<Report, AnyError> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let report = checker.check(None).await?;
        let unfinished = report.violations.iter().any(|violation| {
            matches!(
                violation,
                Violation::Unfinished { .. } | Violation::UnsettledPayment { .. }
            )
        });
        if !unfinished || tokio::time::Instant::now() >= deadline {
            return Ok(report);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Waits until every instance of `running` accepts connections (they bind in the task
/// that serves them, so right after [`Assembly::run`] is spawned some may not yet), at
/// most 10 s.
///
/// # Errors
///
/// The first instance that does not listen in time.
pub async fn listening(running: &[(Instance, SocketAddr)]) -> Result<(), AnyError> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    for (instance, address) in running {
        while tokio::net::TcpStream::connect(address).await.is_err() {
            if tokio::time::Instant::now() >= deadline {
                return Err(format!("{instance} does not listen on {address}").into());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    Ok(())
}

/// `shop demo`: starts every service with `settings` (the design ports, a fresh data
/// directory), drives the demo against it, and stops it gracefully. `Ok(false)` when an
/// invariant is broken.
pub async fn start_and_drive(args: &DemoArgs, settings: &UpSettings) -> Result<bool, AnyError> {
    let assembly = Assembly::up(settings).await?;
    let running = assembly.services();
    let shop = DemoShop::of(&running, settings.admin_token().clone())
        .ok_or("the gateway is not part of the assembly")?;
    eprintln!(
        "shop running: gateway {} (data in {})",
        shop.gateway,
        settings.data_dir().display()
    );
    let (stop, stopped) = oneshot::channel::<()>();
    let serving = tokio::spawn(assembly.run(async move {
        let _ = stopped.await;
    }));
    let outcome = match listening(&running).await {
        Ok(()) => demo(args, &shop).await,
        Err(error) => Err(error),
    };
    let _ = stop.send(());
    serving
        .await
        .map_err(|error| format!("the shop's task failed: {error}"))??;
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dead_instance_is_the_second_products_instance_of_shop_up() {
        assert_eq!(
            default_dead_instance(),
            (DEAD_INSTANCE.to_owned(), "http://127.0.0.1:8182".to_owned())
        );
        assert!(parse_instance_url("products#2=http://h:1/").is_ok());
        assert!(parse_instance_url("products=http://h:1").is_err());
    }
}

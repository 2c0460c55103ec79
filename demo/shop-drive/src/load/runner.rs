//! [`run`]: offers the configured load and returns the [`LoadReport`].

use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::Method;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::config::{LoadConfig, Mode};
use super::journey::{Context, Customer};
use super::report::LoadReport;
use super::stats::Recorder;
use crate::http::{Extras, NoAnswer, Shop};

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Nothing answered `GET {base}/api/products`.
    #[error("the shop at {base} does not answer (is it running? start it with `shop up`)")]
    Unreachable {
        /// The base URL.
        base: String,
    },
}

/// Where the progress line goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// A progress bar on standard error with the live rate, p99 and errors (drawn only when
    /// standard error is a terminal).
    Terminal,
    /// Nothing.
    Hidden,
}

/// Offers the load `config` describes to the shop and reports what happened.
///
/// Every request carries `baggage: synthetic_request=true`. Journeys still in flight when
/// the duration is over are awaited (each request is bounded by the request timeout).
///
/// # Errors
///
/// [`LoadError::Unreachable`] when the shop does not answer a first catalog read.
pub async fn run(config: &LoadConfig, progress: Progress) -> Result<LoadReport, LoadError> {
    let shop = connect(config).await?;
    let context = Context::new(shop, Recorder::new());
    let started = Instant::now();
    let bar = progress_bar(config.duration, progress);
    let ticker = tokio::spawn(show_progress(Arc::clone(&context), bar.clone(), started));
    match config.mode {
        Mode::Users(users) => closed_model(config, &context, users, started).await,
        Mode::Rate(rate) => open_model(config, &context, rate, started).await,
    }
    ticker.abort();
    bar.finish_and_clear();
    Ok(context.recorder.report(started.elapsed()))
}

/// Checks that the shop answers a catalog read, whatever the status.
///
/// # Errors
///
/// [`LoadError::Unreachable`] when it does not answer.
pub async fn check_reachable(config: &LoadConfig) -> Result<(), LoadError> {
    connect(config).await.map(drop)
}

/// The client, once the shop has answered a catalog read.
async fn connect(config: &LoadConfig) -> Result<Shop, LoadError> {
    let shop = Shop::new(&config.base, config.request_timeout);
    match shop
        .call(Method::GET, "/api/products?limit=1", Extras::default())
        .await
    {
        Err(NoAnswer::Transport | NoAnswer::Timeout) => Err(LoadError::Unreachable {
            base: config.base.clone(),
        }),
        Ok(_) => Ok(shop),
    }
}

/// `users` tasks, each running journeys back to back with its own customer.
async fn closed_model(config: &LoadConfig, context: &Arc<Context>, users: usize, started: Instant) {
    let deadline = started + config.duration;
    let mut tasks = JoinSet::new();
    for user in 0..users {
        let context = Arc::clone(context);
        let mix = config.mix.clone();
        let mut rng = fastrand::Rng::with_seed(config.seed.wrapping_add(user as u64));
        tasks.spawn(async move {
            let mut customer = None;
            while Instant::now() < deadline {
                let journey = mix.pick(rng.u32(..mix.total()));
                context.recorder.journey_started();
                context.run(journey, &mut customer, &mut rng).await;
            }
        });
    }
    while tasks.join_next().await.is_some() {}
}

/// Journeys started on a fixed schedule, `rate` per second, at most `max_in_flight` at
/// once; customers come from a pool of at most `customers`.
async fn open_model(config: &LoadConfig, context: &Arc<Context>, rate: f64, started: Instant) {
    let period = Duration::from_secs_f64(1.0 / rate);
    let slots = Arc::new(Semaphore::new(config.max_in_flight));
    let pool: Arc<Mutex<Vec<Customer>>> = Arc::new(Mutex::new(Vec::new()));
    let mut rng = fastrand::Rng::with_seed(config.seed);
    let mut tasks = JoinSet::new();
    let mut next = started;
    while next < started + config.duration {
        tokio::time::sleep_until(next).await;
        next += period;
        while tasks.try_join_next().is_some() {}
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            context.recorder.journey_dropped();
            continue;
        };
        let journey = config.mix.pick(rng.u32(..config.mix.total()));
        let mut journey_rng = fastrand::Rng::with_seed(rng.u64(..));
        let context = Arc::clone(context);
        let pool = Arc::clone(&pool);
        let customers = config.customers;
        context.recorder.journey_started();
        tasks.spawn(async move {
            let (index, mut customer) = pick_customer(&pool, &mut journey_rng);
            context.run(journey, &mut customer, &mut journey_rng).await;
            if let Some(customer) = customer {
                let mut pool = pool.lock().unwrap_or_else(|poison| poison.into_inner());
                match index {
                    // Keeps what the journey learnt (the customer's last order).
                    Some(index) if index < pool.len() => pool[index] = customer,
                    _ if pool.len() < customers => pool.push(customer),
                    _ => {}
                }
            }
            drop(slot);
        });
    }
    while tasks.join_next().await.is_some() {}
}

/// A copy of a random customer of the pool and its place, if the pool has any. Customers
/// are shared: several journeys may act for one at once, as a customer with two tabs would.
fn pick_customer(
    pool: &Mutex<Vec<Customer>>,
    rng: &mut fastrand::Rng,
) -> (Option<usize>, Option<Customer>) {
    let pool = pool.lock().unwrap_or_else(|poison| poison.into_inner());
    if pool.is_empty() {
        return (None, None);
    }
    let index = rng.usize(..pool.len());
    (Some(index), Some(pool[index].clone()))
}

fn progress_bar(duration: Duration, progress: Progress) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        Some(duration.as_secs().max(1)),
        match progress {
            Progress::Terminal => ProgressDrawTarget::stderr(),
            Progress::Hidden => ProgressDrawTarget::hidden(),
        },
    );
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} s  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

async fn show_progress(context: Arc<Context>, bar: ProgressBar, started: Instant) {
    let mut interval = tokio::time::interval(Duration::from_millis(250));
    loop {
        interval.tick().await;
        let live = context.recorder.live();
        bar.set_position(started.elapsed().as_secs());
        bar.set_message(format!(
            "{}/s  p99 {:.1} ms  {} requests  {} errors",
            live.rate, live.p99_ms, live.requests, live.errors
        ));
    }
}

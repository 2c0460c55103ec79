//! Timing services call by call, shared by the benchmark targets.
#![allow(dead_code)] // each target uses the part it needs

use criterion::Criterion;
use http::Request;
use std::{
    hint::black_box,
    time::{Duration, Instant},
};
use tower::{Service, ServiceExt};

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

/// Requests are built in batches of this many, outside the timed part.
pub const BATCH: u64 = 1024;

/// Times `iters` sequential calls of `service` on a current-thread runtime. Building the
/// requests is not timed; dropping the responses is.
pub fn time_calls<S, B>(
    rt: &tokio::runtime::Runtime,
    service: &mut S,
    iters: u64,
    make_request: impl Fn() -> Request<B>,
) -> Duration
where
    S: Service<Request<B>>,
    S::Error: std::fmt::Debug,
{
    rt.block_on(async {
        let mut elapsed = Duration::ZERO;
        let mut left = iters;
        let mut batch = Vec::with_capacity(BATCH as usize);
        while left > 0 {
            batch.extend((0..left.min(BATCH)).map(|_| make_request()));
            left -= batch.len() as u64;
            let start = Instant::now();
            for req in batch.drain(..) {
                let res = service.ready().await.unwrap().call(req).await.unwrap();
                black_box(res);
            }
            elapsed += start.elapsed();
        }
        elapsed
    })
}

pub fn bench_service<S, B>(
    c: &mut Criterion,
    name: &str,
    mut service: S,
    make_request: impl Fn() -> Request<B> + Copy,
) where
    S: Service<Request<B>>,
    S::Error: std::fmt::Debug,
{
    let rt = runtime();
    c.bench_function(name, |b| {
        b.iter_custom(|iters| time_calls(&rt, &mut service, iters, make_request))
    });
}

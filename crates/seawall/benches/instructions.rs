//! Instructions per call of each layer on the happy path, counted by valgrind's callgrind:
//! `cargo bench -p seawall --all-features --bench instructions`.
//!
//! Wall-clock benches on a shared machine move by ±10 % from run to run; instruction counts
//! do not, so this is the measure to compare two versions of a layer by. Run without
//! arguments, the binary runs itself once per case under
//! `valgrind --tool=callgrind --toggle-collect=*calls_under_measure*`, so that only the
//! calls are counted (not building the requests or the runtime), and prints the
//! instructions per call of each case, what it adds over its baseline, and the size of the
//! response future (copied each time it is moved). With `-- --keep DIR` it leaves the
//! callgrind profiles in `DIR` for `callgrind_annotate`.
//! Run as `instructions <case> <calls>` it makes the calls of one case, which is what the
//! parent runs under valgrind.
//!
//! Instruction counts are not times: a clock read is a handful of instructions, an atomic
//! read-modify-write one instruction of some 20 cycles, and a cache miss none. Use
//! criterion (`--bench layers`, `--bench observability`) for times.

mod harness;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Empty;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::{
    error::OTelSdkResult,
    propagation::TraceContextPropagator,
    trace::{Sampler, SdkTracerProvider, SpanData, SpanExporter},
};
use seawall::{
    breaker::CircuitBreakerLayer, chaos::ChaosLayer, deadline::DeadlineLayer, retry::RetryLayer,
    stack::ClientStack, trace::HttpTraceLayer,
};
use std::{
    convert::Infallible, future::Future, hint::black_box, path::PathBuf, process::Command,
    time::Duration,
};
use tower::{Layer, Service, ServiceExt, service_fn};
use tracing_subscriber::layer::SubscriberExt;

type Req = Request<Empty<Bytes>>;
type Res = Response<Empty<Bytes>>;

/// Calls each case makes under valgrind, after as many unmeasured warm-up calls.
const CALLS: u64 = 20_000;

/// Answers 200 at once, whatever the request body (the retry layer hands on a `ReplayBody`).
fn bare<B>() -> impl Service<
    Request<B>,
    Response = Res,
    Error = Infallible,
    Future = impl Future<Output = Result<Res, Infallible>>,
> + Clone {
    service_fn(|_req: Request<B>| async { Ok::<_, Infallible>(Response::new(Empty::new())) })
}

fn request() -> Req {
    Request::get("http://svc/items").body(Empty::new()).unwrap()
}

fn request_with_deadline() -> Req {
    let mut req = request();
    req.headers_mut()
        .insert(seawall::headers::TIMEOUT_MS, "5000".parse().unwrap());
    req
}

/// A request whose header map has room for more, as most real ones do: writing a header
/// then allocates only its value.
fn request_with_room() -> Req {
    let mut req = request();
    *req.headers_mut() = http::HeaderMap::with_capacity(8);
    req
}

/// A request with the deadline header after eight others, as a browser or client sends.
fn request_with_deadline_among_others() -> Req {
    use http::header;
    let mut req = request();
    let headers = req.headers_mut();
    for (name, value) in [
        (header::HOST, "svc"),
        (header::USER_AGENT, "bench/1.0"),
        (header::ACCEPT, "application/json"),
        (header::ACCEPT_ENCODING, "gzip, br"),
        (header::AUTHORIZATION, "Bearer abc.def.ghi"),
        (header::CONTENT_TYPE, "application/json"),
    ] {
        headers.insert(name, value.parse().unwrap());
    }
    headers.insert("x-request-id", "0b8f6c1e".parse().unwrap());
    headers.insert(
        "traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            .parse()
            .unwrap(),
    );
    headers.insert(seawall::headers::TIMEOUT_MS, "5000".parse().unwrap());
    req
}

fn request_with_traceparent(sampled: bool) -> Req {
    let flags = if sampled { "01" } else { "00" };
    let mut req = request();
    req.headers_mut().insert(
        "traceparent",
        format!("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-{flags}")
            .parse()
            .unwrap(),
    );
    req
}

/// Drops every span: the cost measured is making and ending spans, not shipping them.
#[derive(Debug)]
struct DiscardingExporter;

impl SpanExporter for DiscardingExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        drop(batch);
        Ok(())
    }
}

/// Installs the propagator and a subscriber with an OpenTelemetry layer that samples what
/// the caller sampled, as `seawall-telemetry` does by default.
fn install_opentelemetry() {
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let provider = SdkTracerProvider::builder()
        .with_sampler(Sampler::ParentBased(Box::new(Sampler::AlwaysOn)))
        .with_batch_exporter(DiscardingExporter)
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("bench")));
    tracing::subscriber::set_global_default(subscriber).unwrap();
}

/// One case: its name, the case whose count it is compared against, and what it measures.
struct Case {
    name: &'static str,
    baseline: Option<&'static str>,
    about: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "bare",
        baseline: None,
        about: "service_fn answering 200, GET without headers",
    },
    Case {
        name: "bare-deadline-header",
        baseline: None,
        about: "the same, request with x-seawall-timeout-ms",
    },
    Case {
        name: "bare-traceparent",
        baseline: None,
        about: "the same, request with an unsampled traceparent",
    },
    Case {
        name: "bare-room",
        baseline: None,
        about: "the same, GET whose header map has room",
    },
    Case {
        name: "bare-nine-headers",
        baseline: None,
        about: "the same, GET with eight headers and x-seawall-timeout-ms",
    },
    Case {
        name: "breaker",
        baseline: Some("bare"),
        about: "breaker, closed, count window 100",
    },
    Case {
        name: "retry",
        baseline: Some("bare"),
        about: "retry, GET, no retry taken",
    },
    Case {
        name: "deadline-server",
        baseline: Some("bare-deadline-header"),
        about: "deadline server: reads the header, 10 s cap",
    },
    Case {
        name: "deadline-client",
        baseline: Some("bare"),
        about: "deadline client: 10 s, writes the header",
    },
    Case {
        name: "deadline-server-nine",
        baseline: Some("bare-nine-headers"),
        about: "deadline server, the header among eight others",
    },
    Case {
        name: "deadline-client-room",
        baseline: Some("bare-room"),
        about: "deadline client, header map with room: only the value is new",
    },
    Case {
        name: "stack",
        baseline: Some("bare"),
        about: "ClientStack: deadline + retry + breaker + attempt deadline",
    },
    Case {
        name: "chaos-idle",
        baseline: Some("bare"),
        about: "chaos, no fault set",
    },
    Case {
        name: "trace-no-subscriber",
        baseline: Some("bare"),
        about: "trace server, no subscriber records the span",
    },
    Case {
        name: "trace-unsampled",
        baseline: Some("bare-traceparent"),
        about: "trace server, OpenTelemetry subscriber, caller did not sample",
    },
    Case {
        name: "trace-sampled",
        baseline: Some("bare-traceparent"),
        about: "trace server, OpenTelemetry subscriber, caller sampled (batch export)",
    },
];

/// Makes `calls` calls of one case, the measured ones inside [`calls_under_measure`].
fn run_case(name: &str, calls: u64) {
    match name {
        "bare" => run(bare(), request, calls),
        "bare-deadline-header" => run(bare(), request_with_deadline, calls),
        "bare-traceparent" => run(bare(), || request_with_traceparent(false), calls),
        "bare-room" => run(bare(), request_with_room, calls),
        "bare-nine-headers" => run(bare(), request_with_deadline_among_others, calls),
        "deadline-server-nine" => run(
            DeadlineLayer::server()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap()
                .layer(bare()),
            request_with_deadline_among_others,
            calls,
        ),
        "deadline-client-room" => run(
            DeadlineLayer::client()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap()
                .layer(bare()),
            request_with_room,
            calls,
        ),
        "breaker" => run(
            CircuitBreakerLayer::builder()
                .build()
                .unwrap()
                .layer(bare()),
            request,
            calls,
        ),
        "retry" => run(
            RetryLayer::builder().build().unwrap().layer(bare()),
            request,
            calls,
        ),
        "deadline-server" => run(
            DeadlineLayer::server()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap()
                .layer(bare()),
            request_with_deadline,
            calls,
        ),
        "deadline-client" => run(
            DeadlineLayer::client()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap()
                .layer(bare()),
            request,
            calls,
        ),
        "stack" => run(
            ClientStack::builder()
                .total_timeout(Duration::from_secs(10))
                .attempt_timeout(Duration::from_secs(2))
                .retry(RetryLayer::builder().build().unwrap())
                .breaker(CircuitBreakerLayer::builder().build().unwrap())
                .build()
                .unwrap()
                .layer(bare()),
            request,
            calls,
        ),
        "chaos-idle" => run(
            ChaosLayer::builder().seed(1).build().unwrap().layer(bare()),
            request,
            calls,
        ),
        "trace-no-subscriber" => run(
            HttpTraceLayer::server("bench").layer(bare()),
            request,
            calls,
        ),
        "trace-unsampled" => {
            install_opentelemetry();
            let service = HttpTraceLayer::server("bench").layer(bare());
            run(service, || request_with_traceparent(false), calls)
        }
        "trace-sampled" => {
            install_opentelemetry();
            let service = HttpTraceLayer::server("bench").layer(bare());
            run(service, || request_with_traceparent(true), calls)
        }
        other => panic!("unknown case {other:?}; the cases are listed in CASES"),
    }
}

fn run<S>(mut service: S, make_request: impl Fn() -> Req, calls: u64)
where
    S: Service<Req, Response = Res>,
    S::Error: std::fmt::Debug,
{
    // The parent prints the size of the response future: it is copied each time it moves.
    println!("future_bytes={}", std::mem::size_of::<S::Future>());
    let rt = harness::runtime();
    // Lazily initialised state (thread locals, callsite interest, the timer) settles first.
    let warm_up: Vec<Req> = (0..calls.min(2_000)).map(|_| make_request()).collect();
    call_all(&rt, &mut service, warm_up);
    let requests: Vec<Req> = (0..calls).map(|_| make_request()).collect();
    calls_under_measure(&rt, &mut service, requests);
}

/// The calls callgrind counts (`--toggle-collect=*calls_under_measure*`). `call_all` is
/// inlined into it and into the warm-up, so that the compiler cannot make the two one
/// function and have callgrind count the warm-up too.
#[inline(never)]
fn calls_under_measure<S>(rt: &tokio::runtime::Runtime, service: &mut S, requests: Vec<Req>)
where
    S: Service<Req, Response = Res>,
    S::Error: std::fmt::Debug,
{
    call_all(rt, service, requests);
}

#[inline(always)]
fn call_all<S>(rt: &tokio::runtime::Runtime, service: &mut S, requests: Vec<Req>)
where
    S: Service<Req, Response = Res>,
    S::Error: std::fmt::Debug,
{
    rt.block_on(async {
        for req in requests {
            let res = service.ready().await.unwrap().call(req).await.unwrap();
            assert_eq!(res.status(), 200);
            black_box(res);
        }
    });
}

/// Runs every case under callgrind and prints instructions per call.
fn measure_all(keep: Option<PathBuf>) {
    let exe = std::env::current_exe().expect("the path of this binary");
    let dir = keep.unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&dir).expect("a directory for the callgrind profiles");
    let mut counts: Vec<(&'static str, f64)> = Vec::new();
    println!(
        "{:<22} {:>12} {:>8} {:>8}  what",
        "case", "instr/call", "added", "future"
    );
    for case in CASES {
        let out = dir.join(format!("callgrind.out.{}", case.name));
        let output = Command::new("valgrind")
            .arg("--tool=callgrind")
            .arg("--toggle-collect=*calls_under_measure*")
            .arg(format!("--callgrind-out-file={}", out.display()))
            .arg(&exe)
            .arg(case.name)
            .arg(CALLS.to_string())
            .output();
        let output = match output {
            Ok(output) => output,
            Err(error) => {
                println!("valgrind could not be run ({error}); install it to count instructions");
                return;
            }
        };
        let stderr = String::from_utf8_lossy(&output.stderr);
        let Some(collected) = collected(&stderr) else {
            println!("{}: no count from valgrind:\n{stderr}", case.name);
            std::process::exit(1);
        };
        let per_call = collected as f64 / CALLS as f64;
        let added = case
            .baseline
            .and_then(|base| counts.iter().find(|(name, _)| *name == base))
            .map(|(_, base)| format!("{:+.0}", per_call - base))
            .unwrap_or_else(|| "-".to_owned());
        let stdout = String::from_utf8_lossy(&output.stdout);
        let future_bytes = stdout
            .lines()
            .find_map(|line| line.strip_prefix("future_bytes="))
            .unwrap_or("?");
        println!(
            "{:<22} {:>12.0} {:>8} {:>7}B  {}",
            case.name, per_call, added, future_bytes, case.about
        );
        counts.push((case.name, per_call));
        if dir == std::env::temp_dir() {
            let _ = std::fs::remove_file(&out);
        }
    }
}

/// The `Collected : N` line callgrind prints at exit.
fn collected(stderr: &str) -> Option<u64> {
    stderr.lines().find_map(|line| {
        let (_, rest) = line.split_once("Collected :")?;
        rest.trim().parse().ok()
    })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench` passes `--bench` (and a filter, if given); neither names a case.
    match args.as_slice() {
        [case, calls] if !case.starts_with("--") => {
            let calls = calls.parse().expect("the number of calls");
            run_case(case, calls);
        }
        [keep, dir, ..] if keep == "--keep" => measure_all(Some(PathBuf::from(dir))),
        _ => measure_all(None),
    }
}

//! The processes of the gateway benchmark (`bench/run.sh`, BENCHMARKS.md):
//!
//! - `bench_proxy upstream <addr>`: a tiny upstream answering `GET /things/{id}` with JSON
//!   and `GET /health/ready`;
//! - `bench_proxy bare <addr> <upstream addr>`: a bare hyper-util reverse proxy, the floor;
//! - `bench_proxy gateway <addr> <upstream addr>`: the gateway with its full stack (JWT auth
//!   required, a rate limit with a high ceiling, routing, deadline, retry, breaker, metrics,
//!   trace); prints a token to use on stdout. `BENCH_ROUTE` replaces the route's policy
//!   lines ([`FULL_STACK_ROUTE`]), to measure a feature by its absence.
//!
//! All three run on mimalloc, as the `shop` binary does, so the proxies compare on equal
//! terms.

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use gateway::config::GatewayConfig;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use shop_kit::auth::TokenIssuer;
use shop_kit::config::{Secret, ServiceConfig, ShopService};
use tokio::net::TcpListener;

/// The benchmarked route's policy lines: the full stack. `BENCH_ROUTE` replaces them, to
/// measure what one feature costs (e.g. `auth = "none"` plus the rate limit line, or the
/// two lines plus `resilience = "off"`).
const FULL_STACK_ROUTE: &str = r#"auth = "required"
rate_limit = { per_client_per_second = 10000000, per_user_per_second = 10000000 }"#;

const SECRET: &str = "a-benchmark-jwt-secret-of-at-least-32-bytes";

type Bare = (Client<HttpConnector, Body>, String);

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| {
        args.get(i)
            .cloned()
            .ok_or("usage: bench_proxy upstream|bare|gateway <addr> [upstream]")
    };
    let listen: SocketAddr = arg(1)?.parse()?;
    match arg(0)?.as_str() {
        "upstream" => {
            // `/health/ready` too: the gateway's health checks take an instance without one out.
            let app = Router::new()
                .route("/health/ready", get(|| async { "ready" }))
                .route(
                    "/things/{id}",
                    get(|| async {
                        axum::Json(serde_json::json!({"id": 1, "name": "thing", "stock": 3}))
                    }),
                );
            axum::serve(TcpListener::bind(listen).await?, app).await?;
        }
        "bare" => {
            let client = Client::builder(TokioExecutor::new()).build_http();
            let state: Bare = (client, arg(2)?);
            let app = Router::new().route("/{*path}", any(bare)).with_state(state);
            axum::serve(TcpListener::bind(listen).await?, app).await?;
        }
        "gateway" => {
            let toml = format!(
                r#"
[upstreams.things]
instances = ["http://{}"]
[[routes]]
prefix = "/api/things"
upstream = "things"
{}
"#,
                arg(2)?,
                std::env::var("BENCH_ROUTE").unwrap_or_else(|_| FULL_STACK_ROUTE.to_owned())
            );
            let routes = GatewayConfig::from_toml(&toml)?;
            let config = ServiceConfig::from_sources(
                ShopService::Gateway,
                [
                    ("SHOP_JWT_SECRET", SECRET),
                    ("SHOP_ADMIN_TOKEN", "a-benchmark-admin-token"),
                ],
                None,
            )?;
            let token = TokenIssuer::new(&Secret::new(SECRET)).issue(uuid::Uuid::new_v4())?;
            println!("{token}");
            let app = gateway::build(&config, &routes).await?;
            app.serve_on(TcpListener::bind(listen).await?, std::future::pending())
                .await?;
        }
        other => return Err(format!("unknown mode {other}").into()),
    }
    Ok(())
}

/// Forwards the request as it is to the upstream: no policy at all.
async fn bare(
    State((client, upstream)): State<Bare>,
    mut request: Request,
) -> Result<Response, Infallible> {
    let path = request
        .uri()
        .path_and_query()
        .map_or("/", |pq| pq.as_str())
        .to_owned();
    *request.uri_mut() = match format!("http://{upstream}{path}").parse() {
        Ok(uri) => uri,
        Err(_) => return Ok(http::StatusCode::BAD_REQUEST.into_response()),
    };
    Ok(match client.request(request).await {
        Ok(response) => response.map(Body::new),
        Err(_) => http::StatusCode::BAD_GATEWAY.into_response(),
    })
}

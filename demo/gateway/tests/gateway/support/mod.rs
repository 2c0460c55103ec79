//! What the gateway's tests share: stub upstreams on free ports that can be killed and
//! brought back, a gateway on a free port, a small HTTP client and tokens.

pub mod client;
pub mod stub;

use std::net::SocketAddr;
use std::sync::Arc;

use gateway::balance::discovery::{Resolve, SystemResolver};

use gateway::config::GatewayConfig;
use shop_kit::auth::TokenIssuer;
use shop_kit::config::{Secret, ServiceConfig, ShopService};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use uuid::Uuid;

pub const JWT_SECRET: &str = "a-test-jwt-secret-of-at-least-thirty-two-bytes";
pub const ADMIN_TOKEN: &str = "a-test-admin-token";

/// A running gateway; stops when dropped.
pub struct RunningGateway {
    pub address: SocketAddr,
    _stop: oneshot::Sender<()>,
}

impl RunningGateway {
    /// `http://<address><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }
}

/// Starts a gateway with `config` on a free port.
pub async fn start_gateway(config: &GatewayConfig) -> RunningGateway {
    start_gateway_with_resolver(config, Arc::new(SystemResolver)).await
}

/// Starts a gateway with `config` on a free port, resolving names with `resolver`.
pub async fn start_gateway_with_resolver(
    config: &GatewayConfig,
    resolver: Arc<dyn Resolve>,
) -> RunningGateway {
    let service = ServiceConfig::from_sources(
        ShopService::Gateway,
        [
            ("SHOP_BIND", "127.0.0.1:0"),
            ("SHOP_JWT_SECRET", JWT_SECRET),
            ("SHOP_ADMIN_TOKEN", ADMIN_TOKEN),
        ],
        None,
    )
    .expect("gateway settings");
    let app = gateway::build_with_resolver(&service, config, resolver)
        .await
        .expect("the gateway builds");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let address = listener.local_addr().expect("its address");
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.serve_on(listener, async move {
        let _ = stopped.await;
    }));
    RunningGateway {
        address,
        _stop: stop,
    }
}

/// A token for `user`, signed with the test secret.
pub fn token(user: Uuid) -> String {
    TokenIssuer::new(&Secret::new(JWT_SECRET))
        .issue(user)
        .expect("a token")
}

/// A configuration with `upstreams` (name, base URLs) and the TOML of `extra`: its top-level
/// keys first, its tables (routes) after the upstreams. Health checks every 100 ms.
pub fn config(upstreams: &[(&str, Vec<String>)], extra: &str) -> GatewayConfig {
    let split = extra.find("\n[").map_or(extra.len(), |at| at + 1);
    let (top, tables) = extra.split_at(split);
    let mut text = format!(
        "{top}\n[health]\ninterval_ms = 100\ntimeout_ms = 100\nunhealthy_after = 1\nhealthy_after = 1\n"
    );
    for (name, urls) in upstreams {
        let list: Vec<String> = urls.iter().map(|u| format!("{u:?}")).collect();
        text.push_str(&format!(
            "[upstreams.{name:?}]\ninstances = [{}]\n",
            list.join(", ")
        ));
    }
    text.push_str(tables);
    GatewayConfig::from_toml(&text).unwrap_or_else(|error| panic!("{error}\n{text}"))
}

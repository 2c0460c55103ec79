//! The gateway routes shipped for docker-compose and Kubernetes are the shop's default
//! routes (demo/gateway's `DEFAULT_CONFIG`) on those platforms' hostnames, with the product
//! cache in Redis: a change to the defaults that the deployments miss fails here.

use std::fs;
use std::path::Path;

use gateway::config::{DEFAULT_CONFIG, GatewayConfig};

use super::render::read_yaml;

/// Checks one deployed routes file: every setting but the upstreams' instances and the
/// cache is the default's; each upstream's one instance is `http://{host(name)}:{port}`.
fn check(origin: &str, text: &str, host: impl Fn(&str) -> String) {
    let deployed =
        GatewayConfig::from_toml(text).unwrap_or_else(|e| panic!("{origin}: refused: {e}"));
    let defaults = GatewayConfig::from_toml(DEFAULT_CONFIG).expect("the defaults parse");
    assert_eq!(deployed.routes, defaults.routes, "{origin}: routes differ");
    assert_eq!(deployed.product_detail, defaults.product_detail, "{origin}");
    assert_eq!(
        deployed.body_limit_bytes, defaults.body_limit_bytes,
        "{origin}"
    );
    assert_eq!(
        deployed.request_timeout_ms, defaults.request_timeout_ms,
        "{origin}"
    );
    assert_eq!(deployed.health, defaults.health, "{origin}");
    assert_eq!(
        deployed.cache.redis_url.as_deref(),
        Some("redis://redis:6379"),
        "{origin}: the product cache is not in Redis"
    );
    assert_eq!(
        deployed.upstreams.keys().collect::<Vec<_>>(),
        defaults.upstreams.keys().collect::<Vec<_>>(),
        "{origin}: upstreams differ"
    );
    for (name, upstream) in &defaults.upstreams {
        let [default] = upstream.instances.as_slice() else {
            panic!("the default {name} upstream has one instance");
        };
        let port = default.rsplit(':').next().expect("a port");
        assert_eq!(
            deployed.upstreams[name].instances,
            vec![format!("http://{}:{port}", host(name))],
            "{origin}: upstream {name}"
        );
    }
}

#[test]
fn compose_and_kubernetes_route_like_the_defaults() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let compose = root.join("deploy/compose/gateway.toml");
    check(
        "deploy/compose/gateway.toml",
        &fs::read_to_string(&compose).expect("read the compose routes"),
        str::to_owned,
    );
    let config_map = read_yaml(&root.join("deploy/k8s/gateway-routes.yaml"));
    check(
        "deploy/k8s/gateway-routes.yaml",
        config_map["data"]["gateway.toml"]
            .as_str()
            .expect("a gateway.toml key"),
        |name| format!("{name}-headless"),
    );
}

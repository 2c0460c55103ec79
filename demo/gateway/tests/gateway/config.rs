//! A bad configuration is refused at start with a message naming the key.

use gateway::config::{Discover, GatewayConfig, ShopUpstreams};

fn refused(text: &str) -> String {
    GatewayConfig::from_toml(text)
        .expect_err("refused")
        .to_string()
}

#[test]
fn the_defaults_route_the_shop() {
    let config = ShopUpstreams::new()
        .instances(
            "products",
            vec![
                "http://127.0.0.1:9082".into(),
                "http://127.0.0.1:9182".into(),
            ],
        )
        .canary("products", vec!["http://127.0.0.1:9092".into()])
        .config()
        .expect("valid");
    assert_eq!(config.upstreams["products"].instances.len(), 2);
    assert!(config.upstreams.contains_key("products-canary"));
    let products = config
        .routes
        .iter()
        .find(|r| r.prefix == "/api/products")
        .expect("a products route");
    assert_eq!(products.canary[0].upstream, "products-canary");
}

#[test]
fn bad_files_are_refused_by_key() {
    let upstream = "[upstreams.a]\ninstances = [\"http://127.0.0.1:1\"]\n";
    let message = refused(&format!(
        "{upstream}[[routes]]\nprefix = \"/api/x\"\nupstream = \"nope\"\n"
    ));
    assert!(
        message.contains("routes[0]") && message.contains("\"nope\" is not defined"),
        "{message}"
    );

    let message = refused(&format!(
        "{upstream}[[routes]]\nprefix = \"/api/x\"\nupstream = \"a\"\ntimeout_ms = 100\nattempt_timeout_ms = 100\n"
    ));
    assert!(
        message.contains("routes[0].attempt_timeout_ms"),
        "{message}"
    );

    let message = refused(
        "[upstreams.a]\ninstances = [\"ftp://x:1\"]\n[[routes]]\nprefix = \"/api/x\"\nupstream = \"a\"\n",
    );
    assert!(message.contains("upstreams.a.instances[0]"), "{message}");

    let message = refused(&format!(
        "{upstream}[[routes]]\nprefix = \"/api/x\"\nupstream = \"a\"\nmigration = {{ upstream = \"a\", percent = 150 }}\n"
    ));
    assert!(message.contains("routes[0].migration.percent"), "{message}");

    let message = refused(&format!(
        "{upstream}[[routes]]\nprefix = \"/api/x\"\nupstream = \"a\"\ncolour = \"blue\"\n"
    ));
    assert!(message.contains("colour"), "{message}");

    let message = refused(&format!(
        "{upstream}[[routes]]\nprefix = \"/api/x\"\nupstream = \"a\"\n[[routes]]\nprefix = \"/api/x\"\nupstream = \"a\"\n"
    ));
    assert!(message.contains("routed twice"), "{message}");
}

#[test]
fn the_compose_routes_file_is_valid_and_keeps_the_defaults_routes() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../deploy/compose/gateway.toml"
    );
    let compose = GatewayConfig::load(std::path::Path::new(path)).expect("a valid routes file");
    let defaults = ShopUpstreams::new().config().expect("valid defaults");
    assert_eq!(compose.routes, defaults.routes);
    assert_eq!(compose.product_detail, defaults.product_detail);
}

#[test]
fn dns_discovery_is_configured_per_upstream() {
    let route = "[[routes]]\nprefix = \"/api/x\"\nupstream = \"a\"\n";
    let config = GatewayConfig::from_toml(&format!(
        "[upstreams.a]\ninstances = [\"http://a-headless:8082\"]\ndiscover = \"dns\"\ndiscover_interval_ms = 2000\n{route}"
    ))
    .expect("valid");
    assert_eq!(config.upstreams["a"].discover, Discover::Dns);
    assert_eq!(config.upstreams["a"].discover_interval_ms, 2000);
    let plain = GatewayConfig::from_toml(&format!(
        "[upstreams.a]\ninstances = [\"http://a:8082\"]\n{route}"
    ))
    .expect("valid");
    assert_eq!(plain.upstreams["a"].discover, Discover::Static);
    assert_eq!(plain.upstreams["a"].discover_interval_ms, 5000);

    let message = refused(&format!(
        "[upstreams.a]\ninstances = [\"http://a:1\"]\ndiscover = \"dns\"\ndiscover_interval_ms = 0\n{route}"
    ));
    assert!(
        message.contains("upstreams.a.discover_interval_ms"),
        "{message}"
    );
    let message = refused(&format!(
        "[upstreams.a]\ninstances = [\"http://a:1\"]\ndiscover = \"consul\"\n{route}"
    ));
    assert!(message.contains("consul"), "{message}");
}

#[test]
fn a_route_reads_its_resilience_and_the_whole_file_can_be_switched() {
    use shop_kit::resilience::ClientResilience;

    let upstream = "[upstreams.a]\ninstances = [\"http://127.0.0.1:1\"]\n";
    let route = |extra: &str| {
        format!("{upstream}[[routes]]\nprefix = \"/api/x\"\nupstream = \"a\"\n{extra}")
    };
    let config = GatewayConfig::from_toml(&route("resilience = \"off\"\n")).expect("valid");
    assert_eq!(config.routes[0].resilience, ClientResilience::Off);
    let config = GatewayConfig::from_toml(&route("")).expect("valid");
    assert_eq!(config.routes[0].resilience, ClientResilience::Seawall);
    let naive = config.with_resilience(ClientResilience::NaiveRetries);
    assert_eq!(naive.routes[0].resilience, ClientResilience::NaiveRetries);

    let message = refused(&route("resilience = \"maybe\"\n"));
    assert!(message.contains("not a client resilience"), "{message}");
}

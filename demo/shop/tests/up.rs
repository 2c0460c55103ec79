//! `shop up`'s assembly on free ports in a temporary data directory: every service answers,
//! a token from users is accepted by reviews, `user.created` reaches notifications, and the
//! shutdown returns cleanly.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use shop::assembly::{Assembly, RunError};
use shop::service::Service;
use shop::settings::{Instance, UpSettings};
use shop_testing::net::free_address;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

/// A directory under the system's temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let path = std::env::temp_dir().join(format!("shop-up-test-{}", uuid_like()));
        std::fs::create_dir_all(&path).expect("create the temporary data directory");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    format!("{}-{nanos}", std::process::id())
}

/// Settings with every instance on a free port, so tests never touch the real 808x ports.
fn on_free_ports(settings: UpSettings) -> UpSettings {
    settings
        .instances()
        .into_iter()
        .fold(settings, |settings, instance| {
            settings.with_instance_bind(instance, free_address())
        })
}

fn test_settings(data_dir: &TempDir) -> UpSettings {
    on_free_ports(UpSettings::from_env::<&str, &str>(data_dir.0.clone(), []).expect("settings"))
}

/// Registers the user `{name}_tester` through the users API at `address` under `prefix`
/// (`""` on the service itself, `"/api"` through the gateway), logs in, and returns the
/// user and the token.
async fn register_and_log_in(address: SocketAddr, prefix: &str, name: &str) -> (Value, String) {
    let email = format!("{name}@example.com");
    let password = "a long enough password";
    let (status, user) = request(
        address,
        "POST",
        &format!("{prefix}/users"),
        None,
        Some(json!({"username": format!("{name}_tester"), "email": email, "password": password})),
    )
    .await;
    assert_eq!(status, 201, "{user}");
    let (status, login) = request(
        address,
        "POST",
        &format!("{prefix}/auth/login"),
        None,
        Some(json!({"email": email, "password": password})),
    )
    .await;
    assert_eq!(status, 200, "{login}");
    let token = login["token"].as_str().expect("a token").to_owned();
    (user, token)
}

/// One HTTP/1.1 request with `Connection: close`; the status and the JSON body (`Null` if
/// empty or not JSON).
async fn request(
    address: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let (status, _, body) = request_with(address, method, path, token, "", body).await;
    (status, body)
}

/// [`request`] with `extra` header lines (each ending in `\r\n`); also the response head.
async fn request_with(
    address: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    extra: &str,
    body: Option<Value>,
) -> (u16, String, Value) {
    try_request(address, method, path, token, extra, body)
        .await
        .expect("a status line")
}

/// [`request_with`], `None` when what came back is not an HTTP response: connecting to a
/// free port that nothing listens on yet can connect the socket to itself (a TCP
/// self-connect, when the kernel picks that very port as the client's), echoing the request.
async fn try_request(
    address: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    extra: &str,
    body: Option<Value>,
) -> Option<(u16, String, Value)> {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    let body = body.map(|body| body.to_string()).unwrap_or_default();
    let authorization = token
        .map(|token| format!("Authorization: Bearer {token}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n{authorization}{extra}\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream
        .write_all(format!("{head}{body}").as_bytes())
        .await
        .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("receive");
    if !response.starts_with("HTTP/") {
        return None;
    }
    let status = response.split(' ').nth(1)?.parse().ok()?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let body = serde_json::from_str(body).unwrap_or(Value::Null);
    Some((status, head.to_ascii_lowercase(), body))
}

/// Asks until `check` holds for the answer, for at most 10 seconds.
async fn eventually(
    address: SocketAddr,
    path: &str,
    token: Option<&str>,
    check: impl Fn(u16, &Value) -> bool,
) -> (u16, Value) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let answer = match TcpStream::connect(address).await {
            Ok(_) => try_request(address, "GET", path, token, "", None)
                .await
                .map(|(status, _, body)| (status, body)),
            Err(_) => None,
        };
        match answer {
            Some((status, body)) if check(status, &body) => return (status, body),
            last if tokio::time::Instant::now() >= deadline => {
                panic!("GET {address}{path} never passed the check; last answer {last:?}")
            }
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

fn address_of(services: &[(Instance, SocketAddr)], wanted: Service) -> SocketAddr {
    services
        .iter()
        .find(|(instance, _)| *instance == Instance::first(wanted))
        .map(|(_, address)| *address)
        .expect("the service runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_runs_every_service_together_and_stops_cleanly() {
    let data_dir = TempDir::new();
    let assembly = Assembly::up(&test_settings(&data_dir))
        .await
        .expect("built");
    let services = assembly.services();
    assert_eq!(services.len(), Service::all().len());
    let (stop, stopped) = oneshot::channel::<()>();
    let running = tokio::spawn(assembly.run(async move {
        let _ = stopped.await;
    }));

    for &(instance, address) in &services {
        eventually(address, "/health/live", None, |status, _| status == 200).await;
        let (status, body) = request(address, "GET", "/health/ready", None, None).await;
        assert_eq!(status, 200, "{instance} is not ready: {body}");
    }

    let users = address_of(&services, Service::Users);
    let (user, token) = register_and_log_in(users, "", "up").await;
    let token = token.as_str();

    let product_id = "0190c1f4-7a5e-7000-8000-000000000001";
    let (status, review) = request(
        address_of(&services, Service::Reviews),
        "POST",
        &format!("/products/{product_id}/reviews"),
        Some(token),
        Some(json!({"rating": 5, "text": "Works in one process."})),
    )
    .await;
    assert_eq!(status, 201, "reviews refused the users token: {review}");
    assert_eq!(review["user_id"], user["id"]);

    let (_, inbox) = eventually(
        address_of(&services, Service::Notifications),
        "/notifications",
        Some(token),
        |status, body| status == 200 && body["total"].as_u64() >= Some(1),
    )
    .await;
    assert_eq!(inbox["items"][0]["kind"], "user.created", "{inbox}");

    stop.send(()).expect("the assembly still runs");
    let outcome = tokio::time::timeout(Duration::from_secs(30), running)
        .await
        .expect("shut down in time")
        .expect("the task did not panic");
    assert!(outcome.is_ok(), "{outcome:?}");
}

/// Between `up` and `run` nothing else can take a service's port: the gateway's health
/// checks connect from ephemeral ports meanwhile, and one landing on a port that `up` had
/// only checked made that service fail to bind and the whole assembly stop.
#[tokio::test]
async fn every_address_is_held_from_up_until_served() {
    let data_dir = TempDir::new();
    let assembly = Assembly::up(&test_settings(&data_dir))
        .await
        .expect("built");
    for (instance, address) in assembly.services() {
        let error = TcpListener::bind(address).expect_err("the assembly holds the address");
        assert_eq!(
            error.kind(),
            std::io::ErrorKind::AddrInUse,
            "{instance} at {address}: {error}"
        );
    }
}

#[tokio::test]
async fn a_taken_port_is_named_with_its_service() {
    let data_dir = TempDir::new();
    let taken = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind an ephemeral port");
    let address = taken.local_addr().expect("local address");
    let settings = test_settings(&data_dir).with_bind(Service::Reviews, address);

    let error = Assembly::up(&settings)
        .await
        .expect_err("the port is taken");
    assert!(
        matches!(&error, RunError::Listen { service: Service::Reviews, address: a, .. } if *a == address),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("reviews") && message.contains(&address.port().to_string()),
        "{message}"
    );
}

/// The README's journey, through the gateway only: register, log in, list products, order,
/// read the order back, post a review and read the product with it; with three products
/// instances and a products canary reached by header.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_journey_goes_through_the_gateway() {
    let data_dir = TempDir::new();
    let settings = UpSettings::from_env::<&str, &str>(data_dir.0.clone(), [])
        .expect("settings")
        .with_instances(Service::Products, 3)
        .expect("three products")
        .with_canary(Service::Products)
        .expect("a canary");
    let assembly = Assembly::up(&on_free_ports(settings)).await.expect("built");
    let services = assembly.services();
    assert_eq!(services.len(), Service::all().len() + 3);
    let gateway = address_of(&services, Service::Gateway);
    let (stop, stopped) = oneshot::channel::<()>();
    let running = tokio::spawn(assembly.run(async move {
        let _ = stopped.await;
    }));
    for &(_, address) in &services {
        eventually(address, "/health/ready", None, |status, _| status == 200).await;
    }

    let (_user, token) = register_and_log_in(gateway, "/api", "gw").await;
    let token = token.as_str();

    let (status, products) = request(gateway, "GET", "/api/products", None, None).await;
    assert_eq!(status, 200, "{products}");
    let product = &products["items"][0];
    let product_id = product["id"].as_str().expect("a product id");
    let stock = product["stock"].as_i64().expect("stock");

    let (status, missing) = request(gateway, "POST", "/api/orders", None, Some(json!({}))).await;
    assert_eq!(status, 401, "{missing}");
    let (status, order) = request(
        gateway,
        "POST",
        "/api/orders",
        Some(token),
        Some(json!({"product_id": product_id, "quantity": 2})),
    )
    .await;
    assert_eq!(status, 201, "{order}");
    assert_eq!(order["status"], "completed", "{order}");
    let order_id = order["id"].as_str().expect("an order id");
    let (status, read) = request(
        gateway,
        "GET",
        &format!("/api/orders/{order_id}"),
        Some(token),
        None,
    )
    .await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["id"], order_id);

    let (status, review) = request(
        gateway,
        "POST",
        &format!("/api/products/{product_id}/reviews"),
        Some(token),
        Some(json!({"rating": 4, "text": "Arrived through the gateway."})),
    )
    .await;
    assert_eq!(status, 201, "{review}");
    let (status, detail) = request(
        gateway,
        "GET",
        &format!("/api/products/{product_id}"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(
        detail["stock"].as_i64(),
        Some(stock - 2),
        "live stock: {detail}"
    );
    assert_eq!(detail["reviews"][0]["rating"], 4, "{detail}");
    assert_eq!(detail["degraded"], false);

    let (status, head, _) = request_with(
        gateway,
        "GET",
        "/api/products",
        None,
        "x-canary: beta\r\n",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        head.contains("x-gateway-upstream: products-canary"),
        "{head}"
    );
    let (_, head, _) = request_with(gateway, "GET", "/api/products", None, "", None).await;
    assert!(head.contains("x-gateway-upstream: products\r\n"), "{head}");
    assert!(head.contains("x-request-id: "), "{head}");

    stop.send(()).expect("the assembly still runs");
    let outcome = tokio::time::timeout(Duration::from_secs(30), running)
        .await
        .expect("shut down in time")
        .expect("the task did not panic");
    assert!(outcome.is_ok(), "{outcome:?}");
}

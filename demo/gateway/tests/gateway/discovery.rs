//! `discover = "dns"`: a name's addresses become instances, and leave with the answer.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use gateway::balance::discovery::Resolve;

use crate::support::client::get;
use crate::support::stub::Stub;
use crate::support::{config, start_gateway_with_resolver};

/// Answers `things.test` with the addresses the test sets.
#[derive(Clone, Default)]
struct Answers(Arc<Mutex<Vec<SocketAddr>>>);

impl Resolve for Answers {
    fn resolve(&self, host: &str, _port: u16) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
        let answer = if host == "things.test" {
            Ok(self.0.lock().expect("not poisoned").clone())
        } else {
            Err(io::Error::other(format!("no such host {host}")))
        };
        Box::pin(async move { answer })
    }
}

/// Sends requests until `done` holds for the stubs' counts; panics after 10 s of trying.
async fn until(url: &str, stubs: [&Stub; 2], done: impl Fn([usize; 2]) -> bool) {
    let start = tokio::time::Instant::now();
    loop {
        let answer = get(url, &[]).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        let counts = stubs.map(|s| s.behaviour.served.load(Ordering::SeqCst));
        if done(counts) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "never reached; served {counts:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_follow_the_dns_answer() {
    let first = Stub::start("first").await;
    let second = Stub::start("second").await;
    let answers = Answers::default();
    *answers.0.lock().unwrap() = vec![first.address];
    let mut config = config(
        &[("things", vec!["http://things.test:8082".to_owned()])],
        "[[routes]]\nprefix = \"/api/things\"\nupstream = \"things\"\n",
    );
    let things = config.upstreams.get_mut("things").expect("the upstream");
    things.discover = gateway::config::Discover::Dns;
    things.discover_interval_ms = 20;
    let gateway = start_gateway_with_resolver(&config, Arc::new(answers.clone())).await;
    let url = gateway.url("/api/things");

    // Only the first is in the answer: every request lands there.
    until(&url, [&first, &second], |[a, _]| a >= 20).await;
    assert_eq!(second.behaviour.served.load(Ordering::SeqCst), 0);

    // Both: both take traffic.
    *answers.0.lock().unwrap() = vec![first.address, second.address];
    until(&url, [&first, &second], |[_, b]| b >= 5).await;

    // Only the second: once the answer is applied, the first gets nothing more. Twenty
    // requests in a row to the second (p2c would split them about evenly between two)
    // show it happened.
    *answers.0.lock().unwrap() = vec![second.address];
    let start = tokio::time::Instant::now();
    let (mut streak, mut first_seen) = (0, first.behaviour.served.load(Ordering::SeqCst));
    while streak < 20 {
        let answer = get(&url, &[]).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        let now = first.behaviour.served.load(Ordering::SeqCst);
        if now == first_seen {
            streak += 1;
        } else {
            (streak, first_seen) = (0, now);
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the first stayed in rotation"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

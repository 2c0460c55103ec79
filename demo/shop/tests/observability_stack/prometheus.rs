//! A real Prometheus process (Debian's package) and the parts of its HTTP API the test uses.

use std::fs::File;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::http::Http;

/// Where Debian's `prometheus` package puts the server.
const DEBIAN_BINARY: &str = "/usr/bin/prometheus";

/// The Prometheus server to run: `$PROMETHEUS`, else Debian's, else one on `PATH`.
pub fn find_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PROMETHEUS") {
        return Some(PathBuf::from(path));
    }
    if Path::new(DEBIAN_BINARY).is_file() {
        return Some(PathBuf::from(DEBIAN_BINARY));
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("prometheus"))
        .find(|path| path.is_file())
}

/// A running Prometheus, killed on drop.
pub struct Prometheus {
    child: Child,
    base: String,
    log: PathBuf,
    http: Http,
}

impl Prometheus {
    /// Starts `binary` with `config`, its storage under `dir`, listening on `address`.
    pub fn start(binary: &Path, config: &Path, dir: &Path, address: SocketAddr) -> Prometheus {
        let log = dir.join("prometheus.log");
        let output = File::create(&log).expect("create the log file");
        let child = Command::new(binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address={address}"))
            .arg("--log.level=warn")
            .stdin(Stdio::null())
            .stdout(output.try_clone().expect("share the log file"))
            .stderr(output)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        Prometheus {
            child,
            base: format!("http://{address}"),
            log,
            http: Http::new(),
        }
    }

    /// Waits until `/-/ready` answers 200, for at most `limit`.
    pub async fn wait_ready(&mut self, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("prometheus exited with {status}:\n{}", self.log_text());
            }
            let ready = self.http.try_get(&format!("{}/-/ready", self.base)).await;
            if ready.is_some_and(|answer| answer.status == 200) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "prometheus was not ready within {limit:?}:\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The result of an instant query: its series (empty when it has none).
    pub async fn query(&self, expr: &str) -> Result<Vec<Value>, String> {
        let answer = self
            .http
            .form(&format!("{}/api/v1/query", self.base), &[("query", expr)])
            .await;
        if answer.json["status"] != "success" {
            return Err(format!("HTTP {}: {}", answer.status, answer.text));
        }
        let data = &answer.json["data"];
        match data["resultType"].as_str() {
            Some("vector" | "matrix") => Ok(data["result"].as_array().cloned().unwrap_or_default()),
            // A scalar or string is one value.
            Some(_) => Ok(vec![data["result"].clone()]),
            None => Err(format!("no resultType: {}", answer.text)),
        }
    }

    /// The alerting rules Prometheus loaded: `(name, query)`.
    pub async fn alerting_rules(&self) -> Vec<(String, String)> {
        let answer = self
            .http
            .json(
                http::Method::GET,
                &format!("{}/api/v1/rules?type=alert", self.base),
                None,
                None,
            )
            .await;
        assert_eq!(answer.json["status"], "success", "{}", answer.text);
        answer.json["data"]["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|group| group["rules"].as_array().cloned().unwrap_or_default())
            .filter_map(|rule| {
                Some((
                    rule["name"].as_str()?.to_owned(),
                    rule["query"].as_str()?.to_owned(),
                ))
            })
            .collect()
    }

    /// The alerts now pending or firing.
    pub async fn alerts(&self) -> Vec<Value> {
        let answer = self
            .http
            .json(
                http::Method::GET,
                &format!("{}/api/v1/alerts", self.base),
                None,
                None,
            )
            .await;
        assert_eq!(answer.json["status"], "success", "{}", answer.text);
        answer.json["data"]["alerts"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The scrape targets and their health, for failure messages.
    pub async fn targets(&self) -> String {
        let answer = self
            .http
            .json(
                http::Method::GET,
                &format!("{}/api/v1/targets", self.base),
                None,
                None,
            )
            .await;
        answer.json["data"]["activeTargets"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|target| {
                format!(
                    "{} {} {}",
                    target["scrapeUrl"], target["health"], target["lastError"]
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

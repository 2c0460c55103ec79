//! Renders the project's `prometheus/prometheus.yml` for a test Prometheus.
//!
//! What changes, and nothing else:
//! - the global scrape and evaluation intervals become [`INTERVAL`], so a short test sees
//!   many samples;
//! - every rule file the config names is copied with each `for:` set to [`INTERVAL`], so an
//!   alert fires one evaluation after its condition holds instead of after minutes;
//! - the `shop` job scrapes the in-process services and the `prometheus` job the test
//!   server; the other jobs (RabbitMQ) have nothing to scrape in one process and are left
//!   out.
//!
//! YAML is a superset of JSON, so the rendered files are written as JSON.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// The scrape and evaluation interval, and every alert's `for:`, in the test.
pub const INTERVAL: &str = "1s";

/// The jobs of the project's config the test points at its own targets.
const SHOP_JOB: &str = "shop";
const SELF_JOB: &str = "prometheus";

/// The rendered config file, and the number of alerting rules its rule files hold.
pub struct Rendered {
    pub config: PathBuf,
    pub alerting_rules: usize,
}

/// Reads a YAML file of the project as JSON values.
pub fn read_yaml(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Writes the test config for `project` (the `prometheus/` directory) into `out`.
pub fn render(project: &Path, out: &Path, shop_targets: &[String], self_target: &str) -> Rendered {
    let mut config = read_yaml(&project.join("prometheus.yml"));

    let global = config["global"]
        .as_object_mut()
        .expect("prometheus.yml has a global section");
    for key in ["scrape_interval", "scrape_timeout", "evaluation_interval"] {
        global.insert(key.to_owned(), json!(INTERVAL));
    }

    let rules_out = out.join("rules");
    fs::create_dir_all(&rules_out).expect("create the rules directory");
    let mut alerting_rules = 0;
    let patterns = config["rule_files"]
        .as_array()
        .expect("prometheus.yml names its rule files")
        .clone();
    for pattern in patterns {
        let pattern = pattern.as_str().expect("a rule file pattern");
        let files = expand(project, pattern);
        assert!(
            !files.is_empty(),
            "rule_files pattern {pattern:?} matches no file"
        );
        for file in files {
            let mut rules = read_yaml(&file);
            alerting_rules += shorten_for(&mut rules);
            let name = file.file_name().expect("a file name");
            fs::write(rules_out.join(name), rules.to_string()).expect("write a rule file");
        }
    }
    config["rule_files"] = json!([rules_out.join("*").display().to_string()]);

    let jobs = config["scrape_configs"]
        .as_array_mut()
        .expect("prometheus.yml has scrape_configs");
    jobs.retain(|job| matches!(job["job_name"].as_str(), Some(SHOP_JOB | SELF_JOB)));
    for job in jobs.iter_mut() {
        let targets: Vec<String> = match job["job_name"].as_str() {
            Some(SHOP_JOB) => shop_targets.to_vec(),
            _ => vec![self_target.to_owned()],
        };
        job["static_configs"] = json!([{ "targets": targets }]);
    }
    assert_eq!(
        jobs.len(),
        2,
        "prometheus.yml must keep its {SHOP_JOB:?} and {SELF_JOB:?} jobs"
    );

    let path = out.join("prometheus.yml");
    fs::write(&path, config.to_string()).expect("write the config");
    Rendered {
        config: path,
        alerting_rules,
    }
}

/// Sets every rule's `for:` to [`INTERVAL`]; returns how many alerting rules there are.
fn shorten_for(rules: &mut Value) -> usize {
    let mut alerts = 0;
    let groups = rules["groups"]
        .as_array_mut()
        .expect("a rule file has groups");
    for group in groups {
        for rule in group["rules"].as_array_mut().expect("a group has rules") {
            let Some(rule) = rule.as_object_mut() else {
                continue;
            };
            if rule.contains_key("alert") {
                alerts += 1;
            }
            if rule.contains_key("for") {
                rule.insert("for".to_owned(), json!(INTERVAL));
            }
        }
    }
    alerts
}

/// The files of `pattern` (relative to `base`), where only the file name may hold one `*`,
/// as in the project's `rules/*.yml`.
fn expand(base: &Path, pattern: &str) -> Vec<PathBuf> {
    let path = base.join(pattern);
    let dir = path.parent().expect("a pattern with a directory");
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .expect("a file name pattern");
    let (prefix, suffix) = name.split_once('*').unwrap_or((name, ""));
    let exact = !name.contains('*');
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|file| {
            let Some(file_name) = file.file_name().and_then(|n| n.to_str()) else {
                return false;
            };
            if exact {
                file_name == name
            } else {
                file_name.len() >= prefix.len() + suffix.len()
                    && file_name.starts_with(prefix)
                    && file_name.ends_with(suffix)
            }
        })
        .collect();
    files.sort();
    files
}

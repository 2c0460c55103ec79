//! The queries the test asks Prometheus: every panel target and annotation query of
//! `grafana/dashboards/*.json` with its dashboard variables filled in, and every alert expression with its comparisons
//! made `bool`.

use std::fs;
use std::path::Path;

use serde_json::Value;

/// One query and where it came from, for the failure message.
#[derive(Debug, Clone)]
pub struct Query {
    /// `dashboard file / panel title / refId`, or `alert <name>`.
    pub origin: String,
    /// The PromQL to run.
    pub expr: String,
}

/// What Grafana puts in for its built-in variables, and for a dashboard variable with no
/// `allValue`: the test asks as a user would with the last few minutes on screen and every
/// service selected.
const BUILT_INS: [(&str, &str); 4] = [
    ("__rate_interval", "1m"),
    ("__interval", "15s"),
    ("__range", "5m"),
    ("__range_s", "300"),
];
const ALL: &str = ".+";

/// Every query of every panel and annotation of every dashboard in `dir`, variables filled
/// in.
pub fn dashboard_queries(dir: &Path) -> Vec<Query> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no dashboards in {}", dir.display());
    let mut queries = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).expect("read a dashboard");
        let dashboard: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: not JSON: {e}", file.display()));
        let name = file.file_name().expect("a name").to_string_lossy();
        let variables = variables(&dashboard);
        // Annotation queries (the firing alerts marked on every dashboard) run too.
        for annotation in dashboard["annotations"]["list"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let Some(expr) = annotation["expr"].as_str() else {
                continue;
            };
            let origin = format!(
                "{name} / annotation {}",
                annotation["name"].as_str().unwrap_or("?")
            );
            queries.push(Query {
                expr: substitute(expr, &variables)
                    .unwrap_or_else(|unknown| panic!("{origin}: unknown variable ${unknown}")),
                origin,
            });
        }
        let mut panels = Vec::new();
        collect_panels(&dashboard["panels"], &mut panels);
        for panel in panels {
            let title = panel["title"].as_str().unwrap_or("(untitled)");
            for target in panel["targets"].as_array().into_iter().flatten() {
                let Some(expr) = target["expr"].as_str() else {
                    continue;
                };
                let origin = format!(
                    "{name} / {title} / {}",
                    target["refId"].as_str().unwrap_or("?")
                );
                queries.push(Query {
                    expr: substitute(expr, &variables)
                        .unwrap_or_else(|unknown| panic!("{origin}: unknown variable ${unknown}")),
                    origin,
                });
            }
        }
    }
    queries
}

/// The dashboard's variables with the value "All" selects, then Grafana's built-ins.
fn variables(dashboard: &Value) -> Vec<(String, String)> {
    let mut variables: Vec<(String, String)> = dashboard["templating"]["list"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|variable| {
            let name = variable["name"].as_str()?;
            let all = variable["allValue"].as_str().unwrap_or(ALL);
            Some((name.to_owned(), all.to_owned()))
        })
        .collect();
    variables.extend(
        BUILT_INS
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned())),
    );
    variables
}

/// Panels, including those inside (collapsed) rows.
fn collect_panels<'a>(panels: &'a Value, out: &mut Vec<&'a Value>) {
    for panel in panels.as_array().into_iter().flatten() {
        out.push(panel);
        collect_panels(&panel["panels"], out);
    }
}

/// `expr` with `$name`, `${name}` and `[[name]]` replaced by the variables' values; the
/// name of a variable it does not know as the error.
pub fn substitute(expr: &str, variables: &[(String, String)]) -> Result<String, String> {
    let mut out = String::with_capacity(expr.len());
    let mut rest = expr;
    while let Some(start) = rest.find(['$', '[']) {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let (name, consumed) = if let Some(braced) = tail.strip_prefix("${") {
            let end = braced.find('}').ok_or_else(|| tail.to_owned())?;
            // `${name:format}`: the test always uses the raw value.
            let name = braced[..end].split(':').next().unwrap_or_default();
            (name, end + 3)
        } else if let Some(bracketed) = tail.strip_prefix("[[") {
            let end = bracketed.find("]]").ok_or_else(|| tail.to_owned())?;
            (&bracketed[..end], end + 4)
        } else if let Some(plain) = tail.strip_prefix('$') {
            let end = plain
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(plain.len());
            (&plain[..end], end + 1)
        } else {
            // A range selector's `[`, not a variable.
            out.push('[');
            rest = &tail[1..];
            continue;
        };
        let value = variables
            .iter()
            .find(|(known, _)| known == name)
            .map(|(_, value)| value)
            .ok_or_else(|| name.to_owned())?;
        out.push_str(value);
        rest = &tail[consumed..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `expr` with every comparison operator outside label matchers and strings turned into its
/// `bool` form (`x > 0.1` becomes `x > bool 0.1`).
///
/// An alert's expression returns series only while the alert holds; the `bool` form returns
/// a 0 or 1 for every series the expression measures, so "it returns data" checks the
/// metric names and labels the alert relies on whether or not it would fire now.
pub fn with_bool_comparisons(expr: &str) -> String {
    let chars: Vec<char> = expr.chars().collect();
    let mut out = String::with_capacity(expr.len() + 16);
    let mut braces = 0_usize;
    let mut quote: Option<char> = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        out.push(c);
        i += 1;
        if let Some(q) = quote {
            if c == '\\' && i < chars.len() {
                out.push(chars[i]);
                i += 1;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => quote = Some(c),
            '{' => braces += 1,
            '}' => braces = braces.saturating_sub(1),
            '=' | '!' | '>' | '<' if braces == 0 => {
                let next = chars.get(i).copied();
                let operator = match (c, next) {
                    ('=' | '!' | '>' | '<', Some('=')) => {
                        out.push('=');
                        i += 1;
                        true
                    }
                    ('>' | '<', _) => true,
                    _ => false,
                };
                if operator {
                    let after: String = chars[i..].iter().collect();
                    if !after.trim_start().starts_with("bool") {
                        out.push_str(" bool");
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn comparisons_become_bool_outside_matchers_and_strings() {
    assert_eq!(
        with_bool_comparisons(r#"sum(rate(x{a!="b",c=~"d|e"}[5m])) > 0.1"#),
        r#"sum(rate(x{a!="b",c=~"d|e"}[5m])) > bool 0.1"#
    );
    assert_eq!(
        with_bool_comparisons("a >= 1 and b == 2 or c != 3 and d <= 4 and e < 5"),
        "a >= bool 1 and b == bool 2 or c != bool 3 and d <= bool 4 and e < bool 5"
    );
    assert_eq!(with_bool_comparisons("a > bool 1"), "a > bool 1");
    assert_eq!(
        with_bool_comparisons(r#"label_replace(x, "y", "a>b", "z", "(.*)")"#),
        r#"label_replace(x, "y", "a>b", "z", "(.*)")"#
    );
}

#[test]
fn variables_are_filled_in_and_unknown_ones_named() {
    let variables = vec![
        ("service".to_owned(), ".+".to_owned()),
        ("__rate_interval".to_owned(), "1m".to_owned()),
    ];
    assert_eq!(
        substitute(
            r#"rate(x{service_name=~"$service"}[$__rate_interval]) or y{s="${service}"}[[service]]"#,
            &variables
        ),
        Ok(r#"rate(x{service_name=~".+"}[1m]) or y{s=".+"}.+"#.to_owned())
    );
    assert_eq!(
        substitute("rate(x[$nope])", &variables),
        Err("nope".to_owned())
    );
}

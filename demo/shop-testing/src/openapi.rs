//! Checks that a service's OpenAPI document and its router agree, so the document cannot
//! drift from the code.

use std::collections::BTreeSet;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::Value;

use crate::{Reply, send};

/// The methods probed on every documented path.
const PROBED: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
];

/// `GET /openapi.json` through `router`: asserts a 200 JSON OpenAPI 3.1 document and
/// returns it.
pub async fn fetch_document(router: Router) -> Value {
    let reply = send(router, crate::get("/openapi.json", None)).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.content_type(), Some("application/json"), "{reply:?}");
    let version = reply.json["openapi"].as_str().unwrap_or_default();
    assert!(
        version.starts_with("3.1"),
        "an OpenAPI 3.1 document: {reply:?}"
    );
    reply.json
}

/// Every `(METHOD, path)` operation of `document`, such as `("GET", "/products/{id}")`.
pub fn documented_routes(document: &Value) -> BTreeSet<(String, String)> {
    let paths = document["paths"].as_object().expect("a paths object");
    paths
        .iter()
        .flat_map(|(path, item)| {
            let methods = item.as_object().expect("a path item");
            methods
                .keys()
                .filter(|key| {
                    PROBED
                        .iter()
                        .any(|method| method.as_str().eq_ignore_ascii_case(key))
                })
                .map(|method| (method.to_ascii_uppercase(), path.clone()))
        })
        .collect()
}

/// Asserts that `document` lists exactly the `expected` operations, and that `router`
/// serves exactly them: every documented operation reaches a handler (whatever it answers,
/// it is not the router's own 404 or 405), and every other method on a documented path is
/// a 405. Path parameters are filled with a nil UUID.
pub async fn assert_serves_exactly(router: Router, document: &Value, expected: &[(&str, &str)]) {
    let expected: BTreeSet<(String, String)> = expected
        .iter()
        .map(|(method, path)| ((*method).to_owned(), (*path).to_owned()))
        .collect();
    let documented = documented_routes(document);
    assert_eq!(documented, expected, "the documented operations");
    let paths: BTreeSet<&String> = documented.iter().map(|(_, path)| path).collect();
    for path in paths {
        let concrete = fill_parameters(path);
        for method in PROBED {
            let is_documented = documented.contains(&(method.to_string(), path.clone()));
            let request = Request::builder()
                .method(method.clone())
                .uri(&concrete)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .expect("a request");
            let reply = send(router.clone(), request).await;
            if is_documented {
                assert!(
                    !is_router_refusal(&reply, &concrete),
                    "{method} {path} is documented but not served: {reply:?}"
                );
            } else {
                assert_eq!(
                    reply.status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path} is served but not documented: {reply:?}"
                );
            }
        }
    }
}

/// Whether `reply` is the router's own answer for no route (the shop-kit fallback 404,
/// "no resource at <path>") or no method (405), rather than a handler's.
fn is_router_refusal(reply: &Reply, path: &str) -> bool {
    let no_path = reply.status == StatusCode::NOT_FOUND
        && reply.json["detail"].as_str() == Some(&format!("no resource at {path}"));
    no_path || reply.status == StatusCode::METHOD_NOT_ALLOWED
}

/// `path` with every `{parameter}` replaced by the nil UUID.
fn fill_parameters(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') && segment.ends_with('}') {
                "00000000-0000-0000-0000-000000000000"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The schema `name` among `document`'s components, following one `$ref`.
pub fn schema<'a>(document: &'a Value, name: &str) -> &'a Value {
    let schema = &document["components"]["schemas"][name];
    assert!(schema.is_object(), "no schema {name} in the document");
    schema
}

/// Asserts that the schema `name` has every property of `fields` and requires `required`.
#[track_caller]
pub fn assert_schema_fields(document: &Value, name: &str, fields: &[&str], required: &[&str]) {
    let schema = schema(document, name);
    let properties = schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("{name} has no properties: {schema}"));
    for field in fields {
        assert!(
            properties.contains_key(*field),
            "{name} lacks {field}: {schema}"
        );
    }
    let listed: Vec<&str> = schema["required"]
        .as_array()
        .map(|required| required.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for field in required {
        assert!(
            listed.contains(field),
            "{name} does not require {field}: {schema}"
        );
    }
}

/// The `$ref`'d schema name of the JSON body of `method path`'s `status` answer (`None`
/// when it has no referenced JSON body), such as `Some("Payment")`.
pub fn response_schema<'a>(
    document: &'a Value,
    method: &str,
    path: &str,
    status: u16,
) -> Option<&'a str> {
    let operation = &document["paths"][path][method.to_ascii_lowercase()];
    let response = &operation["responses"][status.to_string()];
    let content = response["content"].as_object()?;
    let (_, media) = content.iter().next()?;
    media["schema"]["$ref"].as_str()?.rsplit('/').next()
}

/// Asserts that every 4xx and 5xx answer `document` declares is `application/problem+json`
/// with the `Problem` schema, and that the operations of `secured` require the bearer
/// scheme (and the others none).
#[track_caller]
pub fn assert_problems_and_security(document: &Value, secured: &[(&str, &str)]) {
    assert!(
        document["components"]["securitySchemes"]["bearer_auth"]["scheme"] == "bearer",
        "the bearer scheme is declared"
    );
    for (method, path) in documented_routes(document) {
        let operation = &document["paths"][&path][method.to_ascii_lowercase()];
        let responses = operation["responses"].as_object().expect("responses");
        for (status, response) in responses {
            if status.starts_with('4') || status.starts_with('5') {
                let schema = &response["content"]["application/problem+json"]["schema"]["$ref"];
                assert_eq!(
                    schema, "#/components/schemas/Problem",
                    "{method} {path} {status} is a problem"
                );
            }
        }
        let is_secured = secured
            .iter()
            .any(|(m, p)| m.eq_ignore_ascii_case(&method) && *p == path);
        let requires_bearer = operation["security"]
            .as_array()
            .is_some_and(|all| all.iter().any(|one| one.get("bearer_auth").is_some()));
        assert_eq!(requires_bearer, is_secured, "{method} {path} security");
    }
}

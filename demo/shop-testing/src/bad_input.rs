//! The shapes of the bad-input tests: a table of bad bodies and the problem each gets
//! ([`assert_bad_bodies`]), and bodies over the limit, declared or not
//! ([`assert_over_the_limit`]).

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::{json_post, send};

/// One bad body: what it is, the body, the status of the problem it gets, and the field
/// its `errors` must name (if any).
pub type BadBody<'a, B> = (&'a str, B, StatusCode, Option<&'a str>);

/// Sends each case's body as `request(body)` through `router`, and asserts a problem of
/// its status whose `errors` name its field (when it has one).
pub async fn assert_bad_bodies<'a, B>(
    router: &Router,
    request: impl Fn(B) -> Request<Body>,
    cases: impl IntoIterator<Item = BadBody<'a, B>>,
) {
    for (case, body, status, field) in cases {
        let reply = send(router.clone(), request(body)).await;
        reply.assert_problem(status);
        if let Some(field) = field {
            let errors = reply.json["errors"]
                .as_array()
                .unwrap_or_else(|| panic!("{case}: {reply:?}"));
            assert!(
                errors.iter().any(|error| error["field"] == field),
                "{case}: {reply:?}"
            );
        }
    }
}

/// `POST`s `body` (over the body limit) to `uri` as JSON through `router`, once with its
/// `Content-Length` declared and once streamed, and asserts a 413 problem each time.
pub async fn assert_over_the_limit(router: &Router, uri: &str, body: &str) {
    let declared = send(
        router.clone(),
        Request::post(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::CONTENT_LENGTH, body.len())
            .body(Body::from(body.to_owned()))
            .expect("a request"),
    )
    .await;
    declared.assert_problem(StatusCode::PAYLOAD_TOO_LARGE);

    let streamed = send(router.clone(), json_post(uri, body.to_owned())).await;
    streamed.assert_problem(StatusCode::PAYLOAD_TOO_LARGE);
}

/// A `POST` of `body` with no `Content-Type`.
pub fn untyped_post(uri: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(uri).body(body.into()).expect("a request")
}

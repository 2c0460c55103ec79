//! The bearer-token guard in front of `/admin/*`.
//!
//! `401` (with `WWW-Authenticate: Bearer`) when the request carries no bearer token, `403`
//! when it carries the wrong one; both `application/problem+json`. The token is compared in
//! constant time and never logged.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::config::Secret;
use crate::problem::Problem;

/// The admin token a request must present, shared by every clone of the admin router.
#[derive(Clone)]
pub(super) struct AdminToken(Arc<Secret>);

impl AdminToken {
    pub(super) fn new(token: Secret) -> Self {
        AdminToken(Arc::new(token))
    }

    fn matches(&self, presented: &str) -> bool {
        // Lengths may differ in time; the bytes are compared without early exit.
        bool::from(presented.as_bytes().ct_eq(self.0.expose().as_bytes()))
    }
}

/// Lets a request through only with `Authorization: Bearer <admin token>`.
pub(super) async fn require_admin_token(
    State(token): State<AdminToken>,
    request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| crate::credentials::bearer(value.as_bytes()));
    match presented {
        None => {
            let mut response =
                Problem::unauthorized("the admin API needs `Authorization: Bearer <admin token>`")
                    .into_response();
            response.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Bearer realm="admin""#),
            );
            response
        }
        Some(presented) if token.matches(presented) => next.run(request).await,
        Some(_) => {
            tracing::warn!(path = %request.uri().path(), "admin request with a wrong token refused");
            Problem::forbidden("the admin token is not valid").into_response()
        }
    }
}

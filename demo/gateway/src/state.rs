//! [`Gateway`]: what the handlers share: routes, token verifier, admin credential, cache.

use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use http::HeaderMap;
use shop_kit::auth::TokenVerifier;

use crate::cache::Cache;
use crate::detail::Detail;
use crate::headers::AdminCredential;
use crate::proxy::Caller;
use crate::route::Route;
use crate::routing::RouteTable;

/// The gateway's shared state.
#[derive(Debug)]
pub struct Gateway {
    routes: RouteTable<Arc<Route>>,
    verifier: TokenVerifier,
    admin: AdminCredential,
    cache: Cache,
    detail: Option<Detail>,
    body_limit: usize,
}

impl Gateway {
    /// The state from its parts.
    pub fn new(
        routes: RouteTable<Arc<Route>>,
        verifier: TokenVerifier,
        admin: AdminCredential,
        cache: Cache,
        detail: Option<Detail>,
        body_limit: usize,
    ) -> Self {
        Gateway {
            routes,
            verifier,
            admin,
            cache,
            detail,
            body_limit,
        }
    }

    /// The routes.
    pub fn routes(&self) -> &RouteTable<Arc<Route>> {
        &self.routes
    }

    /// The token verifier.
    pub fn verifier(&self) -> &TokenVerifier {
        &self.verifier
    }

    /// The admin credential that lets control headers through.
    pub fn admin(&self) -> &AdminCredential {
        &self.admin
    }

    /// The product detail, when configured.
    pub fn detail(&self) -> Option<&Detail> {
        self.detail.as_ref()
    }

    /// The largest request body forwarded.
    pub fn body_limit(&self) -> usize {
        self.body_limit
    }

    /// The product detail's answer for product `id`.
    pub async fn detail_answer(
        &self,
        id: &str,
        headers: &HeaderMap,
        query: Option<&str>,
        caller: Caller,
    ) -> Response {
        match &self.detail {
            Some(detail) => detail.answer(&self.cache, id, headers, query, caller).await,
            None => shop_kit::problem::Problem::not_found("no product detail is configured")
                .into_response(),
        }
    }
}

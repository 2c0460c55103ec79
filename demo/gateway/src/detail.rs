//! `GET /api/products/{id}`: the product with its reviews, degrading gracefully.
//!
//! The product and its reviews are asked for at once, each through its own route (so
//! balancing, breakers and canary rules apply). The reviews have
//! [`reviews_timeout_ms`](crate::config::DetailConfig::reviews_timeout_ms): when they fail,
//! time out or their breaker is open, the product comes back anyway with `"reviews": []`
//! and `"degraded": true`. Reviews are cached; the product's catalogue fields are cached
//! too, without the stock, and answer (with `"stock": null`, degraded) only when the
//! products service itself fails. Stock is never served from the cache.

use std::sync::Arc;
use std::time::Duration;

use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, Method};
use seawall::Rejection;
use seawall::metrics::RouteTemplate;
use serde_json::{Map, Value, json};
use tower::BoxError;

use crate::body::read_limited;
use crate::cache::Cache;
use crate::errors;
use crate::headers::UPSTREAM;
use crate::pipeline::UpstreamBody;
use crate::proxy::{Caller, call};
use crate::route::Route;
use crate::routing::rewrite;
use crate::telemetry;

/// The most of an upstream's answer the detail reads.
const MAX_PART_BYTES: usize = 1024 * 1024;

/// The product detail: the products route, the reviews route and the reviews' time limit.
#[derive(Debug)]
pub struct Detail {
    prefix: String,
    template: RouteTemplate,
    products: Arc<Route>,
    reviews: Arc<Route>,
    reviews_timeout: Duration,
}

impl Detail {
    /// The detail of `{prefix}/{id}`, from `products` and `reviews`.
    pub fn new(
        prefix: &str,
        products: Arc<Route>,
        reviews: Arc<Route>,
        reviews_timeout: Duration,
    ) -> Self {
        Detail {
            prefix: prefix.to_owned(),
            template: RouteTemplate::new(format!("{prefix}/{{id}}")),
            products,
            reviews,
            reviews_timeout,
        }
    }

    /// The route template of the detail, for metrics: `{prefix}/{id}`.
    pub fn template(&self) -> &RouteTemplate {
        &self.template
    }

    /// The product id when the request is a `GET {prefix}/{id}`.
    pub fn product_id<'a>(&self, method: &Method, path: &'a str) -> Option<&'a str> {
        if method != Method::GET {
            return None;
        }
        let id = path.strip_prefix(&self.prefix)?.strip_prefix('/')?;
        (!id.is_empty() && !id.contains('/')).then_some(id)
    }

    /// The answer for product `id`.
    pub async fn answer(
        &self,
        cache: &Cache,
        id: &str,
        headers: &HeaderMap,
        query: Option<&str>,
        caller: Caller,
    ) -> Response {
        let query = query.map(|q| format!("?{q}")).unwrap_or_default();
        let product_path = rewrite(
            &format!("{}/{id}{query}", self.prefix),
            self.products.strip_prefix(),
        );
        let product = call(
            &self.products,
            Method::GET,
            product_path,
            headers.clone(),
            Bytes::new(),
            caller,
        );
        let reviews = self.reviews(cache, id, headers, caller);
        let ((upstream, product), reviews) = tokio::join!(product, reviews);
        let static_key = format!("product:{id}");
        let mut answer = match read_product(upstream.name(), product).await {
            Ok(mut product) => {
                let mut catalogue = product.clone();
                catalogue.remove("stock");
                if let Ok(bytes) = serde_json::to_vec(&catalogue) {
                    cache.put(&static_key, Bytes::from(bytes)).await;
                }
                product.insert("degraded".to_owned(), Value::Bool(false));
                product
            }
            Err(Failure::Answer(response)) => return response,
            Err(Failure::Unavailable(response)) => {
                let Some(mut product) = cache
                    .get("product", &static_key)
                    .await
                    .and_then(|bytes| serde_json::from_slice::<Map<String, Value>>(&bytes).ok())
                else {
                    return response;
                };
                tracing::warn!(
                    product_id = id,
                    "products failed; answering its catalogue fields from the cache, without stock"
                );
                telemetry::degraded(self.template.as_str(), "stock");
                product.insert("stock".to_owned(), Value::Null);
                product.insert("degraded".to_owned(), Value::Bool(true));
                product
            }
        };
        match reviews {
            Some(page) => {
                answer.insert(
                    "reviews".to_owned(),
                    page.get("items").cloned().unwrap_or(json!([])),
                );
                answer.insert(
                    "review_count".to_owned(),
                    page.get("total").cloned().unwrap_or(Value::Null),
                );
                answer.insert(
                    "average_rating".to_owned(),
                    page.get("average_rating").cloned().unwrap_or(Value::Null),
                );
            }
            None => {
                telemetry::degraded(self.template.as_str(), "reviews");
                answer.insert("reviews".to_owned(), json!([]));
                answer.insert("review_count".to_owned(), Value::Null);
                answer.insert("average_rating".to_owned(), Value::Null);
                answer.insert("degraded".to_owned(), Value::Bool(true));
            }
        }
        let mut response = axum::Json(Value::Object(answer)).into_response();
        if let Some(name) = upstream.header() {
            response.headers_mut().insert(UPSTREAM, name.clone());
        }
        response
    }

    /// The first page of the product's reviews, from the cache or the reviews route within
    /// the time limit; `None` when they cannot be had.
    async fn reviews(
        &self,
        cache: &Cache,
        id: &str,
        headers: &HeaderMap,
        caller: Caller,
    ) -> Option<Map<String, Value>> {
        let key = format!("reviews:{id}");
        if let Some(page) = cache
            .get("reviews", &key)
            .await
            .and_then(|bytes| parse_object(&bytes))
        {
            return Some(page);
        }
        let path = rewrite(
            &format!("{}/{id}/reviews", self.prefix),
            self.reviews.strip_prefix(),
        );
        let fetched = tokio::time::timeout(self.reviews_timeout, async {
            let (_, result) = call(
                &self.reviews,
                Method::GET,
                path,
                headers.clone(),
                Bytes::new(),
                caller,
            )
            .await;
            let response = result
                .ok()
                .filter(|r| r.status().is_success() && Rejection::of(r).is_none())?;
            read_body(response.into_body()).await
        })
        .await;
        match fetched {
            Ok(Some(bytes)) => {
                let page = parse_object(&bytes)?;
                cache.put(&key, bytes).await;
                Some(page)
            }
            Ok(None) => {
                tracing::warn!(
                    product_id = id,
                    "reviews failed; answering the product without them"
                );
                None
            }
            Err(_elapsed) => {
                tracing::warn!(
                    product_id = id,
                    timeout_ms = self.reviews_timeout.as_millis(),
                    "reviews too slow; answering the product without them"
                );
                None
            }
        }
    }
}

/// Why the product part gave no product.
enum Failure {
    /// The upstream's own answer (a 404, a 400): passed on as it is.
    Answer(Response),
    /// The products service failed (transport, 5xx, timeout, open circuit): this answer,
    /// unless the cache can stand in.
    Unavailable(Response),
}

async fn read_product(
    upstream: &str,
    result: Result<http::Response<UpstreamBody>, BoxError>,
) -> Result<Map<String, Value>, Failure> {
    match result {
        Ok(response) if response.status().is_success() && Rejection::of(&response).is_none() => {
            let bytes = read_body(response.into_body()).await;
            bytes.as_deref().and_then(parse_object).ok_or_else(|| {
                Failure::Unavailable(errors::transport_failure(&not_an_object(), upstream))
            })
        }
        Ok(response)
            if response.status().is_client_error() && Rejection::of(&response).is_none() =>
        {
            Err(Failure::Answer(errors::answer(Ok(response), upstream)))
        }
        other => Err(Failure::Unavailable(errors::answer(other, upstream))),
    }
}

/// The error for a product answer that is not a JSON object (a plain function: building a
/// `BoxError` from a literal inside an `async fn` trips Send inference).
fn not_an_object() -> BoxError {
    BoxError::from("the product answer is not a JSON object")
}

async fn read_body(body: UpstreamBody) -> Option<Bytes> {
    read_limited(body, MAX_PART_BYTES).await.ok()
}

fn parse_object(bytes: &[u8]) -> Option<Map<String, Value>> {
    match serde_json::from_slice(bytes) {
        Ok(Value::Object(object)) => Some(object),
        _ => None,
    }
}

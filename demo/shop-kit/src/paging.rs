//! `?limit=&offset=` paging shared by every listing endpoint, and its axum extractor.
//!
//! [`Page`] is both the value handlers pass to repositories and a request extractor: it reads
//! `?limit=` (1 to [`Page::MAX_LIMIT`], default [`Page::DEFAULT_LIMIT`]) and `?offset=`
//! (default 0, at most [`i64::MAX`] so that it binds as a SQL `BIGINT`). Other query
//! parameters are ignored. A bad value is refused with a 400 [`Problem`] whose `parameter`
//! extension names it (`limit`, `offset`, or `query` when the query string is not decodable).
//!
//! # Example
//!
//! ```
//! use axum::{Json, Router, routing::get};
//! use shop_kit::paging::Page;
//!
//! async fn list(page: Page) -> Json<serde_json::Value> {
//!     Json(serde_json::json!({ "limit": page.limit, "offset": page.offset }))
//! }
//!
//! let app: Router = Router::new().route("/items", get(list));
//! ```

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;

use crate::problem::Problem;

/// Which page of a listing to answer: `?limit=` and `?offset=`. See the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::IntoParams),
    into_params(parameter_in = Query)
)]
pub struct Page {
    /// The page size, 1 to [`Page::MAX_LIMIT`] (100); 20 when not given.
    #[cfg_attr(
        feature = "openapi",
        param(required = false, minimum = 1, maximum = 100, default = 20)
    )]
    pub limit: u32,
    /// How many items to skip; 0 when not given.
    #[cfg_attr(feature = "openapi", param(required = false, default = 0))]
    pub offset: u64,
}

impl Page {
    /// The page size when `limit` is not given.
    pub const DEFAULT_LIMIT: u32 = 20;
    /// The largest page size.
    pub const MAX_LIMIT: u32 = 100;

    /// Reads the page from `(name, value)` query pairs; a later pair overrides an earlier one
    /// and unknown names are ignored.
    ///
    /// ```
    /// use shop_kit::paging::Page;
    ///
    /// let page = Page::from_pairs([("limit", "5"), ("sort", "name")]).unwrap();
    /// assert_eq!(page, Page { limit: 5, offset: 0 });
    /// let refused = Page::from_pairs([("offset", "-1")]).unwrap_err();
    /// assert_eq!(refused.status(), 400);
    /// assert_eq!(refused.extension("parameter"), Some(&serde_json::json!("offset")));
    /// ```
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, Problem> {
        let mut page = Page::default();
        for (name, value) in pairs {
            match name {
                "limit" => page.limit = parse_limit(value)?,
                "offset" => page.offset = parse_offset(value)?,
                _ => {}
            }
        }
        Ok(page)
    }
}

impl Default for Page {
    fn default() -> Self {
        Page {
            limit: Page::DEFAULT_LIMIT,
            offset: 0,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Page {
    type Rejection = Problem;

    /// Reads `?limit=` and `?offset=`; other parameters are ignored.
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(parameters) = Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| invalid("query", &rejection.body_text()))?;
        Page::from_pairs(
            parameters
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str())),
        )
    }
}

/// The 400 answered for a bad query parameter.
fn invalid(parameter: &'static str, reason: &str) -> Problem {
    Problem::bad_request(format!("query parameter `{parameter}` {reason}"))
        .with_extension("parameter", parameter)
}

fn parse_limit(value: &str) -> Result<u32, Problem> {
    value
        .parse::<u32>()
        .ok()
        .filter(|limit| (1..=Page::MAX_LIMIT).contains(limit))
        .ok_or_else(|| {
            invalid(
                "limit",
                &format!("must be an integer from 1 to {}", Page::MAX_LIMIT),
            )
        })
}

fn parse_offset(value: &str) -> Result<u64, Problem> {
    value
        .parse::<u64>()
        .ok()
        .filter(|offset| i64::try_from(*offset).is_ok())
        .ok_or_else(|| invalid("offset", "must be a non-negative integer"))
}

#[cfg(test)]
mod tests {
    use axum::http::{Request, StatusCode};

    use super::*;

    async fn extract(uri: &str) -> Result<Page, Problem> {
        let (mut parts, ()) = Request::get(uri).body(()).unwrap().into_parts();
        Page::from_request_parts(&mut parts, &()).await
    }

    fn refused_parameter(problem: &Problem) -> &str {
        assert_eq!(problem.status(), StatusCode::BAD_REQUEST, "{problem}");
        assert!(problem.detail().is_some(), "{problem}");
        problem
            .extension("parameter")
            .and_then(|parameter| parameter.as_str())
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn defaults_and_bounds() {
        assert_eq!(extract("/items").await.unwrap(), Page::default());
        assert_eq!(Page::default().limit, 20);
        assert_eq!(
            extract("/items?limit=100&offset=9223372036854775807&sort=name")
                .await
                .unwrap(),
            Page {
                limit: 100,
                offset: 9_223_372_036_854_775_807,
            }
        );
        assert_eq!(
            extract("/items?limit=1&offset=0").await.unwrap(),
            Page {
                limit: 1,
                offset: 0
            }
        );
    }

    #[tokio::test]
    async fn bad_values_are_400_naming_the_parameter() {
        for (query, parameter) in [
            ("limit=0", "limit"),
            ("limit=101", "limit"),
            ("limit=-1", "limit"),
            ("limit=", "limit"),
            ("limit=1.5", "limit"),
            ("limit=ten", "limit"),
            ("offset=-1", "offset"),
            ("offset=x", "offset"),
            ("offset=1.5", "offset"),
            ("offset=9223372036854775808", "offset"),
            ("offset=99999999999999999999", "offset"),
        ] {
            let problem = extract(&format!("/items?{query}")).await.unwrap_err();
            assert_eq!(refused_parameter(&problem), parameter, "{query}");
        }
    }

    #[tokio::test]
    async fn problem_is_problem_json() {
        use axum::response::IntoResponse;

        let response = extract("/items?limit=0").await.unwrap_err().into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            response.headers()[axum::http::header::CONTENT_TYPE],
            crate::problem::PROBLEM_JSON
        );
    }
}

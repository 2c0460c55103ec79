//! OpenAPI 3.1 documents for the shop's services, generated from their code with utoipa
//! (`openapi` feature).
//!
//! Each service derives `utoipa::ToSchema` on its request and response models, annotates
//! its handlers with `#[utoipa::path]`, and registers its routes once, through
//! `utoipa_axum`'s `OpenApiRouter`, so the router it serves and the document it publishes
//! come from the same list. What every document shares lives here, once:
//!
//! - [`Problem`](crate::problem::Problem) is a schema (`Problem`, with its
//!   [`FieldError`](crate::problem::FieldError)s), for the `application/problem+json`
//!   answers each path declares (content type [`PROBLEM_JSON`](crate::problem::PROBLEM_JSON));
//! - [`BEARER_AUTH`]: the name of the JWT bearer security scheme that
//!   [`service_document`] declares and that paths needing a token list under `security`;
//! - [`service_document`]: titles a service's document and adds the scheme and the problem
//!   schemas;
//! - [`openapi_router`]: `GET /openapi.json`, which
//!   [`ServiceScaffold::openapi`](crate::server::ServiceScaffold::openapi) mounts next to the
//!   health routes (with the `server` feature).
//!
//! ```
//! use shop_kit::openapi::{BEARER_AUTH, service_document};
//! use utoipa::openapi::OpenApi;
//!
//! let document = service_document("reviews", OpenApi::default());
//! assert_eq!(document.info.title, "seawall shop: reviews");
//! let components = document.components.expect("components");
//! assert!(components.security_schemes.contains_key(BEARER_AUTH));
//! assert!(components.schemas.contains_key("Problem"));
//! ```

mod document;
mod problem_schema;
mod route;

pub use document::{BEARER_AUTH, service_document};
pub use route::openapi_router;

//! [`service_document`]: what every service's OpenAPI document shares.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ComponentsBuilder, InfoBuilder, OpenApi};
use utoipa::{PartialSchema, ToSchema};

use crate::problem::{FieldError, Problem};

/// The name of the security scheme of the shop's JWTs (`Authorization: Bearer <token>`),
/// for `security((BEARER_AUTH = []))`-style requirements; a literal `"bearer_auth"` in
/// `#[utoipa::path(security(("bearer_auth" = [])))]`, which takes no constants.
pub const BEARER_AUTH: &str = "bearer_auth";

/// The OpenAPI document of the service `service_name`, made from `api` (its paths and the
/// schemas they use): titled `seawall shop: <service>`, versioned as this crate, with the
/// [`BEARER_AUTH`] scheme (HTTP bearer, JWT) and the `Problem` and `FieldError` schemas
/// among its components.
pub fn service_document(service_name: &str, api: OpenApi) -> OpenApi {
    let mut document = api;
    document.info = InfoBuilder::new()
        .title(format!("seawall shop: {service_name}"))
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(format!(
            "The {service_name} service of the seawall demo shop. Errors are \
             application/problem+json; money is integer minor units; ids are UUIDs."
        )))
        .build();
    let bearer = SecurityScheme::Http(
        HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .description(Some("A token from the users service's POST /auth/login"))
            .build(),
    );
    let shared = ComponentsBuilder::new()
        .security_scheme(BEARER_AUTH, bearer)
        .schema(Problem::name(), Problem::schema())
        .schema(FieldError::name(), FieldError::schema())
        .build();
    match document.components.as_mut() {
        Some(components) => {
            components.security_schemes.extend(shared.security_schemes);
            components.schemas.extend(shared.schemas);
        }
        None => document.components = Some(shared),
    }
    document
}

//! The users API routes and their OpenAPI document, from one list.

use axum::Router;
use shop_kit::openapi::service_document;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::handlers;
use crate::state::UsersState;

/// The users API, without the server stack or the health, metrics and admin routes (see
/// [`build`](crate::build) for the whole service). The gateway serves it under `/api`.
///
/// | request | answer |
/// |---|---|
/// | `POST /users` `{"username","email","password"}` | `201 {"id","username","email"}` (username and email lower-case) and a `user.created` event; `409` when the username or email is taken (in any case; `field` member); `422` with `errors:[{field,message}]` for a username not 3 to 32 of `a-z 0-9 _ . -`, an invalid email or one over 254 characters, a password not 8 to 128 characters, missing, mistyped or unknown fields; `400` malformed JSON; `413` body over [`BODY_LIMIT`](crate::BODY_LIMIT); `415` not JSON |
/// | `POST /auth/login` `{"email","password"}` | `200 {"token","user_id"}`: a JWT (see [`shop_kit::auth`]); `401` for an unknown email or a wrong password, the same answer for both; `400`/`413`/`415`/`422` as above |
/// | `GET /users/{id}` with `Authorization: Bearer <token>` | `200 {"id","username","email"}` for the token's own user; `401` (with `WWW-Authenticate`) without a valid token; `403` for another user's id; `400` for an id that is not a UUID; `404` when the token's user no longer exists |
///
/// Every error is `application/problem+json`. [`openapi`] describes the same routes.
pub fn router(state: UsersState) -> Router {
    api().split_for_parts().0.with_state(state)
}

/// The OpenAPI 3.1 document of the users API, served at `GET /openapi.json`.
pub fn openapi() -> OpenApi {
    service_document("users", api().into_openapi())
}

/// The routes, each registered with its OpenAPI operation.
fn api() -> OpenApiRouter<UsersState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::register))
        .routes(routes!(handlers::get_user))
        .routes(routes!(handlers::login))
}

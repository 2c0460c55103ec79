//! The HTTP handlers of the users API and their OpenAPI descriptions; see [`router`](crate::router) for the routes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shop_kit::auth::AuthUser;
use shop_kit::problem::{Problem, ValidJson};

use crate::error::UsersError;
use crate::model::{Login, LoginToken, RegisterUser, User};
use crate::repository::RegisterOutcome;
use crate::request::UserIdPath;
use crate::state::UsersState;
use crate::validation::{normalise_email, validate_registration};

/// `POST /users`: validates, hashes the password, stores the user and its `user.created`
/// event in one transaction; 201 with the user, 409 when the username or email is taken.
#[utoipa::path(
    post,
    path = "/users",
    tag = "users",
    request_body = RegisterUser,
    responses(
        (status = 201, description = "Registered", body = User),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the size limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The username or email is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing, mistyped, unknown or invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn register(
    State(state): State<UsersState>,
    ValidJson(registration): ValidJson<RegisterUser>,
) -> Result<(StatusCode, Json<User>), UsersError> {
    let new_user = validate_registration(registration).map_err(UsersError::InvalidBody)?;
    let password_hash = state.passwords.hash(new_user.password.clone()).await?;
    match state.repository.register(&new_user, &password_hash).await? {
        RegisterOutcome::Created(user) => {
            tracing::info!(user_id = %user.id, "user registered");
            Ok((StatusCode::CREATED, Json(user)))
        }
        RegisterOutcome::Taken(field) => Err(UsersError::Taken(field)),
    }
}

/// `POST /auth/login`: a token for the account with this email and password; the same 401,
/// after the same argon2 work, for an unknown email and for a wrong password.
#[utoipa::path(
    post,
    path = "/auth/login",
    tag = "users",
    request_body = Login,
    responses(
        (status = 200, description = "A token for the account", body = LoginToken),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the size limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Unknown email or wrong password (the same answer)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing, mistyped or unknown fields", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn login(
    State(state): State<UsersState>,
    ValidJson(login): ValidJson<Login>,
) -> Result<Json<LoginToken>, UsersError> {
    let credentials = state
        .repository
        .credentials(&normalise_email(&login.email))
        .await?;
    let (user_id, stored_hash) = match credentials {
        Some(credentials) => (Some(credentials.user_id), Some(credentials.password_hash)),
        None => (None, None),
    };
    let matches = state.passwords.verify(login.password, stored_hash).await?;
    let Some(user_id) = user_id.filter(|_| matches) else {
        return Err(UsersError::InvalidCredentials);
    };
    let token = state.issuer.issue(user_id)?;
    Ok(Json(LoginToken { token, user_id }))
}

/// `GET /users/{id}`: the caller's own profile; 403 for anyone else's.
#[utoipa::path(
    get,
    path = "/users/{id}",
    tag = "users",
    params(("id" = uuid::Uuid, Path, description = "The user id: the token's own")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The token's own user", body = User),
        (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another user's id", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The token's user no longer exists", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn get_user(
    State(state): State<UsersState>,
    AuthUser(caller): AuthUser,
    UserIdPath(id): UserIdPath,
) -> Result<Json<User>, UsersError> {
    if caller != id {
        return Err(UsersError::NotYourself);
    }
    state
        .repository
        .user(id)
        .await?
        .map(Json)
        .ok_or(UsersError::UserNotFound(id))
}

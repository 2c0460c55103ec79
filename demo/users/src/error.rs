//! [`UsersError`]: every way a users request can fail, and its problem+json answer.

use axum::response::{IntoResponse, Response};
use shop_kit::auth::IssueError;
use shop_kit::problem::{FieldError, Problem};
use shop_kit::storage::StorageError;
use uuid::Uuid;

use crate::password::PasswordError;
use crate::repository::UniqueField;

/// The `type` of the 409 answered when the username or email is taken.
pub const USER_EXISTS_PROBLEM: &str = "urn:shop:problem:user-exists";

/// The `type` of the 401 answered for a wrong email or password.
pub const INVALID_CREDENTIALS_PROBLEM: &str = "urn:shop:problem:invalid-credentials";

/// A users request that cannot be answered with what was asked.
#[derive(Debug, thiserror::Error)]
pub enum UsersError {
    /// The `{id}` of the path is not a UUID: 400.
    #[error("the user id is not a UUID")]
    InvalidId,
    /// The body is JSON of the right shape whose values break the rules: 422.
    #[error("invalid request: {0:?}")]
    InvalidBody(Vec<FieldError>),
    /// The username or email belongs to another user: 409 of type [`USER_EXISTS_PROBLEM`],
    /// with a `field` member when the field is known.
    #[error("the {} is taken", .0.map_or("username or email", UniqueField::as_str))]
    Taken(Option<UniqueField>),
    /// Unknown email or wrong password, the same answer for both: 401 of type
    /// [`INVALID_CREDENTIALS_PROBLEM`].
    #[error("wrong email or password")]
    InvalidCredentials,
    /// The caller asked for another user's data: 403.
    #[error("a user may only see their own profile")]
    NotYourself,
    /// No such user: 404.
    #[error("no user {0}")]
    UserNotFound(Uuid),
    /// Hashing or verifying a password failed: 500.
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// A token could not be signed: 500.
    #[error(transparent)]
    Token(#[from] IssueError),
    /// The database failed: 409, 503 or 500, see `Problem::from(StorageError)`.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<UsersError> for Problem {
    fn from(error: UsersError) -> Self {
        match error {
            UsersError::InvalidId => Problem::bad_request("the user id in the path is not a UUID"),
            UsersError::InvalidBody(errors) => {
                Problem::unprocessable_entity("the request is not valid").with_field_errors(errors)
            }
            UsersError::Taken(field) => {
                let problem = Problem::conflict(match field {
                    Some(field) => format!("a user with this {} already exists", field.as_str()),
                    None => "a user with this username or email already exists".to_owned(),
                })
                .with_type(USER_EXISTS_PROBLEM)
                .with_title("User exists");
                match field {
                    Some(field) => problem.with_extension("field", field.as_str()),
                    None => problem,
                }
            }
            UsersError::InvalidCredentials => Problem::unauthorized("wrong email or password")
                .with_type(INVALID_CREDENTIALS_PROBLEM)
                .with_title("Invalid credentials"),
            error @ UsersError::NotYourself => Problem::forbidden(error.to_string()),
            UsersError::UserNotFound(id) => Problem::not_found(format!("no user {id}")),
            error @ (UsersError::Password(_) | UsersError::Token(_)) => {
                tracing::error!(%error, "cannot serve a users request");
                Problem::internal_server_error("an internal error occurred")
            }
            UsersError::Storage(error) => Problem::from(error),
        }
    }
}

impl IntoResponse for UsersError {
    fn into_response(self) -> Response {
        Problem::from(self).into_response()
    }
}

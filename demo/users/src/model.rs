//! The JSON shapes of the users API, and the payload of its event.

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The body of `POST /users`. `Debug` hides the password.
#[derive(Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterUser {
    /// 3 to 32 characters of `a-z`, `0-9`, `_`, `.`, `-`, in any case (stored lower-case).
    pub username: String,
    /// An email address of at most 254 characters (stored lower-case).
    pub email: String,
    /// 8 to 128 characters.
    #[schema(format = Password, min_length = 8, max_length = 128)]
    pub password: String,
}

impl fmt::Debug for RegisterUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegisterUser")
            .field("username", &self.username)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// The body of `POST /auth/login`. `Debug` hides the password.
#[derive(Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// The email the account was registered with, in any case.
    pub email: String,
    /// The account's password.
    #[schema(format = Password)]
    pub password: String,
}

impl fmt::Debug for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Login")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// A user as the API shows it: the answer of `POST /users` and `GET /users/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct User {
    /// The user id.
    pub id: Uuid,
    /// The username, lower-case.
    pub username: String,
    /// The email address, lower-case.
    pub email: String,
}

/// The answer of a successful `POST /auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LoginToken {
    /// A signed JWT for `Authorization: Bearer <token>`; see [`shop_kit::auth`].
    pub token: String,
    /// The id of the user it was issued to.
    pub user_id: Uuid,
}

/// The payload of the `user.created` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserCreated {
    /// The new user's id.
    pub user_id: Uuid,
    /// Their username, lower-case.
    pub username: String,
    /// Their email address, lower-case.
    pub email: String,
}

//! Signed JSON Web Tokens for the shop: the users service issues them at login, every other
//! service (and the gateway) verifies them.
//!
//! - [`TokenIssuer`] signs a token for a user id: HS256 with the shared
//!   [`jwt_secret`](crate::config::ServiceConfig::jwt_secret), claims `sub` (the user id),
//!   `aud` ([`TOKEN_AUDIENCE`]), `iss` ([`TOKEN_ISSUER`]), `iat` and `exp`
//!   ([`DEFAULT_TOKEN_LIFETIME`] after `iat` unless changed).
//! - [`TokenVerifier`] checks a token: the HS256 signature with the same secret, the expiry
//!   (with [`DEFAULT_LEEWAY`] for clock skew), the audience and the issuer, and returns its
//!   [`Claims`] or an [`AuthError`].
//! - [`AuthUser`] is an axum extractor: it reads `Authorization: Bearer <token>`, verifies it
//!   and gives the handler the user id. Without a valid token the request is answered
//!   `401 application/problem+json` with a `WWW-Authenticate: Bearer …` challenge.
//!
//! # How the verifier reaches handlers
//!
//! Through the **router state**: [`AuthUser`] extracts from any state `S` for which
//! `TokenVerifier: FromRef<S>`. A router whose state *is* a [`TokenVerifier`] works as it
//! is (axum's blanket `FromRef<T> for T`); a service with its own state struct implements
//! `FromRef<ItsState> for TokenVerifier` (or derives it with `#[derive(FromRef)]`). A route
//! that forgets it does not compile, unlike a missing `Extension`, which fails per request.
//!
//! # Example
//!
//! ```
//! use axum::{Router, routing::get};
//! use shop_kit::auth::{AuthUser, TokenIssuer, TokenVerifier};
//! use shop_kit::config::{ServiceConfig, ShopService};
//!
//! let config = ServiceConfig::from_sources(ShopService::Orders, [("SHOP_BIND", "127.0.0.1:0")], None)?;
//! let issuer = TokenIssuer::new(&config.jwt_secret);
//! let verifier = TokenVerifier::new(&config.jwt_secret);
//!
//! let user_id = uuid::Uuid::new_v4();
//! let token = issuer.issue(user_id)?;
//! assert_eq!(verifier.verify(&token)?.sub, user_id);
//!
//! async fn my_orders(AuthUser(user_id): AuthUser) -> String {
//!     format!("the orders of {user_id}")
//! }
//! let api: Router = Router::new()
//!     .route("/orders", get(my_orders))
//!     .with_state(verifier);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod claims;
mod error;
mod extractor;
mod issuer;
mod verifier;

use std::time::Duration;

pub use claims::Claims;
pub use error::AuthError;
pub use extractor::{AuthUser, bearer_token};
pub use issuer::{IssueError, TokenIssuer};
pub use verifier::{TokenVerifier, VERIFIED_CAPACITY, VERIFIED_FOR};

/// The `aud` claim of every shop token: the shop's services are its audience.
pub const TOKEN_AUDIENCE: &str = "seawall-shop";

/// The `iss` claim of every shop token: the users service issues them.
pub const TOKEN_ISSUER: &str = "seawall-shop-users";

/// How long a token is valid after it is issued, unless the issuer is configured otherwise.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// How far past `exp` a token is still accepted, for clocks that differ between hosts.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);

//! [`NotificationsState`]: what the handlers of the notifications API share.

use axum::extract::FromRef;
use shop_kit::auth::TokenVerifier;

use crate::repository::NotificationRepository;

/// The router state of the notifications API: the repository and the token verifier (what
/// [`AuthUser`](shop_kit::auth::AuthUser) reads, through `FromRef`). Cloning is cheap.
#[derive(Debug, Clone)]
pub struct NotificationsState {
    pub(crate) repository: NotificationRepository,
    pub(crate) verifier: TokenVerifier,
}

impl NotificationsState {
    /// The state of a notifications API on `repository`, checking tokens with `verifier`
    /// (made with the shared `jwt_secret`).
    pub fn new(repository: NotificationRepository, verifier: TokenVerifier) -> Self {
        NotificationsState {
            repository,
            verifier,
        }
    }
}

impl FromRef<NotificationsState> for TokenVerifier {
    fn from_ref(state: &NotificationsState) -> Self {
        state.verifier.clone()
    }
}

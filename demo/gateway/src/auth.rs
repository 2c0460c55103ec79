//! Token checking per route ([`AuthMode`]), with shop-kit's verifier: the HS256 signature,
//! the expiry, the audience and the issuer.

use http::HeaderMap;
use shop_kit::auth::{AuthError, TokenVerifier, bearer_token};
use uuid::Uuid;

use crate::config::AuthMode;

/// The verified user of a request, if any, as `mode` asks: `None` mode never looks;
/// `Optional` verifies a token when one is sent; `Required` also refuses a request without
/// one. A token that is sent must be valid in both.
///
/// # Errors
///
/// The [`AuthError`] to answer with (401 problem+json with a `WWW-Authenticate`
/// challenge).
pub fn authenticate(
    mode: AuthMode,
    verifier: &TokenVerifier,
    headers: &HeaderMap,
) -> Result<Option<Uuid>, AuthError> {
    if mode == AuthMode::None {
        return Ok(None);
    }
    match bearer_token(headers) {
        Ok(token) => verifier.verify_subject(token).map(Some),
        Err(AuthError::MissingToken) if mode == AuthMode::Optional => Ok(None),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use shop_kit::auth::TokenIssuer;
    use shop_kit::config::Secret;

    fn with_token(token: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::AUTHORIZATION,
            HeaderValue::try_from(format!("Bearer {token}")).unwrap(),
        );
        headers
    }

    #[test]
    fn each_mode_treats_a_missing_a_good_and_a_bad_token_its_way() {
        let secret = Secret::new("a-secret-of-at-least-thirty-two-bytes!!");
        let verifier = TokenVerifier::new(&secret);
        let user = Uuid::new_v4();
        let good = TokenIssuer::new(&secret).issue(user).unwrap();
        let other = TokenIssuer::new(&Secret::new("another-secret-of-thirty-two-bytes!!!"))
            .issue(user)
            .unwrap();
        let none = HeaderMap::new();

        assert_eq!(authenticate(AuthMode::Optional, &verifier, &none), Ok(None));
        assert_eq!(
            authenticate(AuthMode::Required, &verifier, &none),
            Err(AuthError::MissingToken)
        );
        assert_eq!(
            authenticate(AuthMode::Required, &verifier, &with_token(&good)),
            Ok(Some(user))
        );
        assert_eq!(
            authenticate(AuthMode::Optional, &verifier, &with_token(&other)),
            Err(AuthError::BadSignature)
        );
        assert_eq!(
            authenticate(AuthMode::None, &verifier, &with_token(&other)),
            Ok(None)
        );
    }
}

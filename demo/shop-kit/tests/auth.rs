#![cfg(feature = "auth")]
//! Shop tokens: issued and verified with the shared secret; refused when expired, for
//! another audience or issuer, tampered with, signed with another key or algorithm; and the
//! `AuthUser` extractor answering 401 problem+json through a real axum route.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use shop_kit::auth::{
    AuthError, AuthUser, Claims, DEFAULT_TOKEN_LIFETIME, TOKEN_AUDIENCE, TOKEN_ISSUER, TokenIssuer,
    TokenVerifier, bearer_token,
};
use shop_kit::config::{Secret, ServiceConfig, ShopService};
use tower::ServiceExt;
use uuid::Uuid;

const SECRET: &str = "a-test-secret-that-is-long-enough-for-hs256";

fn secret() -> Secret {
    Secret::new(SECRET)
}

fn now_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after the epoch")
        .as_secs()
}

/// A token with hand-made claims, signed with `key` and `algorithm`.
fn forged(claims: &serde_json::Value, algorithm: Algorithm, key: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(algorithm),
        claims,
        &EncodingKey::from_secret(key),
    )
    .expect("a token")
}

fn valid_claims(user_id: Uuid) -> serde_json::Value {
    let now = now_seconds();
    serde_json::json!({
        "sub": user_id,
        "aud": TOKEN_AUDIENCE,
        "iss": TOKEN_ISSUER,
        "iat": now,
        "exp": now + 600,
    })
}

#[test]
fn a_token_round_trips_with_its_claims() {
    let user_id = Uuid::new_v4();
    let token = TokenIssuer::new(&secret()).issue(user_id).expect("a token");
    let claims: Claims = TokenVerifier::new(&secret()).verify(&token).expect("valid");
    assert_eq!(claims.sub, user_id);
    assert_eq!(claims.aud, "seawall-shop");
    assert_eq!(claims.iss, TOKEN_ISSUER);
    assert_eq!(claims.exp - claims.iat, DEFAULT_TOKEN_LIFETIME.as_secs());
    assert!(claims.iat.abs_diff(now_seconds()) <= 5);
}

#[test]
fn the_secret_from_the_config_signs_and_verifies() {
    let config =
        ServiceConfig::from_sources(ShopService::Users, [("SHOP_JWT_SECRET", SECRET)], None)
            .expect("settings");
    let user_id = Uuid::new_v4();
    let token = TokenIssuer::new(&config.jwt_secret)
        .issue(user_id)
        .expect("a token");
    assert_eq!(
        TokenVerifier::new(&secret()).verify(&token).map(|c| c.sub),
        Ok(user_id)
    );
}

#[test]
fn an_expired_token_is_refused_and_the_leeway_is_small() {
    let issuer = TokenIssuer::new(&secret()).with_lifetime(Duration::from_secs(60));
    let verifier = TokenVerifier::new(&secret());
    let user_id = Uuid::new_v4();

    let long_ago = SystemTime::now() - Duration::from_secs(2 * 3600);
    let expired = issuer.issue_at(user_id, long_ago).expect("a token");
    assert_eq!(verifier.verify(&expired), Err(AuthError::Expired));

    // Expired 10 s ago: within the default leeway of 30 s.
    let just = issuer
        .issue_at(user_id, SystemTime::now() - Duration::from_secs(70))
        .expect("a token");
    assert_eq!(verifier.verify(&just).map(|c| c.sub), Ok(user_id));

    // Expired 2 minutes ago: beyond it.
    let beyond = issuer
        .issue_at(user_id, SystemTime::now() - Duration::from_secs(180))
        .expect("a token");
    assert_eq!(verifier.verify(&beyond), Err(AuthError::Expired));

    let strict = TokenVerifier::with_leeway(&secret(), Duration::ZERO);
    assert_eq!(strict.verify(&just), Err(AuthError::Expired));
}

#[test]
fn a_remembered_token_is_still_refused_once_it_expires() {
    // Issued so that it expires one second from now; no leeway.
    let issuer = TokenIssuer::new(&secret()).with_lifetime(Duration::from_secs(60));
    let verifier = TokenVerifier::with_leeway(&secret(), Duration::ZERO);
    let user_id = Uuid::new_v4();
    let token = issuer
        .issue_at(user_id, SystemTime::now() - Duration::from_secs(59))
        .expect("a token");
    // Verified and remembered, twice.
    assert_eq!(verifier.verify_subject(&token), Ok(user_id));
    assert_eq!(verifier.verify_subject(&token), Ok(user_id));
    // Past its `exp` (by whole seconds, as `exp` is), the remembered token is refused too.
    std::thread::sleep(Duration::from_millis(2_100));
    assert_eq!(verifier.verify_subject(&token), Err(AuthError::Expired));
    assert_eq!(verifier.verify(&token), Err(AuthError::Expired));
}

#[test]
fn remembering_a_token_lets_no_altered_token_through() {
    let issuer = TokenIssuer::new(&secret());
    let verifier = TokenVerifier::new(&secret());
    let user_id = Uuid::new_v4();
    let token = issuer.issue(user_id).expect("a token");
    assert_eq!(verifier.verify_subject(&token), Ok(user_id));

    let (signed, signature) = token.rsplit_once('.').expect("three parts");
    let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
    let tampered = format!("{signed}.{flipped}{}", &signature[1..]);
    assert_eq!(
        verifier.verify_subject(&tampered),
        Err(AuthError::BadSignature)
    );
    // A prefix of the remembered token, and the token with something appended.
    assert_eq!(
        verifier.verify_subject(signed),
        Err(AuthError::MalformedToken)
    );
    assert!(verifier.verify_subject(&format!("{token}x")).is_err());
    // Its clone shares what was remembered, and the claims come back whole.
    let claims = verifier.clone().verify(&token).expect("valid");
    assert_eq!((claims.sub, claims.aud.as_str()), (user_id, TOKEN_AUDIENCE));
}

#[test]
fn a_token_for_another_audience_or_issuer_is_refused() {
    let verifier = TokenVerifier::new(&secret());
    let mut claims = valid_claims(Uuid::new_v4());
    assert!(
        verifier
            .verify(&forged(&claims, Algorithm::HS256, SECRET.as_bytes()))
            .is_ok()
    );

    claims["aud"] = "another-shop".into();
    let other_audience = forged(&claims, Algorithm::HS256, SECRET.as_bytes());
    assert_eq!(
        verifier.verify(&other_audience),
        Err(AuthError::WrongAudience)
    );

    let mut claims = valid_claims(Uuid::new_v4());
    claims["iss"] = "someone-else".into();
    let other_issuer = forged(&claims, Algorithm::HS256, SECRET.as_bytes());
    assert_eq!(verifier.verify(&other_issuer), Err(AuthError::WrongIssuer));
}

#[test]
fn a_tampered_token_is_refused() {
    let issuer = TokenIssuer::new(&secret());
    let verifier = TokenVerifier::new(&secret());
    let token = issuer.issue(Uuid::new_v4()).expect("a token");

    // A changed signature.
    let (signed, signature) = token.rsplit_once('.').expect("three parts");
    let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
    let tampered = format!("{signed}.{flipped}{}", &signature[1..]);
    assert_eq!(verifier.verify(&tampered), Err(AuthError::BadSignature));

    // Another user's claims under this token's signature.
    let other = issuer.issue(Uuid::new_v4()).expect("a token");
    let other_payload = other.split('.').nth(1).expect("a payload");
    let parts: Vec<&str> = token.split('.').collect();
    let swapped = format!("{}.{other_payload}.{}", parts[0], parts[2]);
    assert_eq!(verifier.verify(&swapped), Err(AuthError::BadSignature));
}

#[test]
fn a_token_signed_with_another_secret_or_algorithm_is_refused() {
    let verifier = TokenVerifier::new(&secret());
    let user_id = Uuid::new_v4();
    let other_secret = Secret::new("another-secret-that-is-long-enough-too");
    let token = TokenIssuer::new(&other_secret)
        .issue(user_id)
        .expect("a token");
    assert_eq!(verifier.verify(&token), Err(AuthError::BadSignature));

    let hs512 = forged(&valid_claims(user_id), Algorithm::HS512, SECRET.as_bytes());
    assert_eq!(verifier.verify(&hs512), Err(AuthError::BadSignature));

    // `alg: none`, unsigned.
    let header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"; // {"alg":"none","typ":"JWT"}
    let payload = hs512.split('.').nth(1).expect("a payload");
    let unsigned = format!("{header}.{payload}.");
    assert!(verifier.verify(&unsigned).is_err());
}

#[test]
fn garbage_and_incomplete_claims_are_malformed() {
    let verifier = TokenVerifier::new(&secret());
    for garbage in ["", "abc", "a.b.c", "not a token at all"] {
        assert_eq!(
            verifier.verify(garbage),
            Err(AuthError::MalformedToken),
            "{garbage:?}"
        );
    }
    let mut not_a_uuid = valid_claims(Uuid::new_v4());
    not_a_uuid["sub"] = "alice".into();
    let token = forged(&not_a_uuid, Algorithm::HS256, SECRET.as_bytes());
    assert_eq!(verifier.verify(&token), Err(AuthError::MalformedToken));

    let mut no_expiry = valid_claims(Uuid::new_v4());
    no_expiry.as_object_mut().expect("an object").remove("exp");
    let token = forged(&no_expiry, Algorithm::HS256, SECRET.as_bytes());
    assert!(verifier.verify(&token).is_err());
}

#[test]
fn debug_output_never_shows_the_key() {
    let issuer = TokenIssuer::new(&secret());
    let verifier = TokenVerifier::new(&secret());
    assert!(!format!("{issuer:?}").contains(SECRET));
    assert!(!format!("{verifier:?}").contains(SECRET));
}

#[test]
fn bearer_tokens_are_read_from_the_authorization_header() {
    let mut headers = axum::http::HeaderMap::new();
    assert_eq!(bearer_token(&headers), Err(AuthError::MissingToken));
    for (value, expected) in [
        ("Bearer abc.def.ghi", Ok("abc.def.ghi")),
        ("bearer abc", Ok("abc")),
        ("BEARER   abc", Ok("abc")),
        ("Basic dXNlcjpwYXNz", Err(AuthError::MalformedHeader)),
        ("Bearer", Err(AuthError::MalformedHeader)),
        ("Bearer ", Err(AuthError::MalformedHeader)),
        ("Bearer a b", Err(AuthError::MalformedHeader)),
        ("abc.def.ghi", Err(AuthError::MalformedHeader)),
        ("Bearer abc\tdef", Err(AuthError::MalformedHeader)),
        ("  Bearer abc  ", Ok("abc")),
    ] {
        headers.insert(
            header::AUTHORIZATION,
            value.parse().expect("a header value"),
        );
        assert_eq!(bearer_token(&headers), expected, "{value:?}");
    }
    // A byte outside ASCII (obs-text) can arrive in a header; it is no token character.
    headers.insert(
        header::AUTHORIZATION,
        axum::http::HeaderValue::from_bytes(b"Bearer ab\xe9cd").expect("obs-text is allowed"),
    );
    assert_eq!(bearer_token(&headers), Err(AuthError::MalformedHeader));
}

/// A route that answers the id of the authenticated user.
fn whoami_router() -> Router {
    async fn whoami(AuthUser(user_id): AuthUser) -> String {
        user_id.to_string()
    }
    Router::new()
        .route("/whoami", get(whoami))
        .with_state(TokenVerifier::new(&secret()))
}

async fn call(authorization: Option<&str>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut request = Request::get("/whoami");
    if let Some(value) = authorization {
        request = request.header(header::AUTHORIZATION, value);
    }
    let response = whoami_router()
        .oneshot(request.body(Body::empty()).expect("a request"))
        .await
        .expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .expect("the body");
    (status, headers, body.to_vec())
}

#[tokio::test]
async fn the_extractor_gives_the_user_id_of_a_valid_token() {
    let user_id = Uuid::new_v4();
    let token = TokenIssuer::new(&secret()).issue(user_id).expect("a token");
    let (status, _, body) = call(Some(&format!("Bearer {token}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(String::from_utf8(body).expect("UTF-8"), user_id.to_string());
}

#[tokio::test]
async fn the_extractor_answers_401_problems_with_a_bearer_challenge() {
    let user_id = Uuid::new_v4();
    let expired = TokenIssuer::new(&secret())
        .issue_at(user_id, SystemTime::now() - Duration::from_secs(3 * 3600))
        .expect("a token");
    let mut claims = valid_claims(user_id);
    claims["aud"] = "elsewhere".into();
    let other_audience = forged(&claims, Algorithm::HS256, SECRET.as_bytes());
    let wrong_secret = TokenIssuer::new(&Secret::new("not-the-shop-secret-but-long-enough"))
        .issue(user_id)
        .expect("a token");

    let cases: [(&str, Option<String>, &str); 7] = [
        ("missing header", None, r#"Bearer realm="seawall-shop""#),
        (
            "not bearer",
            Some("Basic dXNlcjpwYXNz".to_owned()),
            r#"Bearer realm="seawall-shop", error="invalid_request""#,
        ),
        (
            "empty bearer",
            Some("Bearer ".to_owned()),
            r#"Bearer realm="seawall-shop", error="invalid_request""#,
        ),
        (
            "garbage token",
            Some("Bearer not-a-jwt".to_owned()),
            r#"Bearer realm="seawall-shop", error="invalid_token""#,
        ),
        (
            "expired",
            Some(format!("Bearer {expired}")),
            r#"Bearer realm="seawall-shop", error="invalid_token""#,
        ),
        (
            "wrong audience",
            Some(format!("Bearer {other_audience}")),
            r#"Bearer realm="seawall-shop", error="invalid_token""#,
        ),
        (
            "wrong secret",
            Some(format!("Bearer {wrong_secret}")),
            r#"Bearer realm="seawall-shop", error="invalid_token""#,
        ),
    ];
    for (case, authorization, challenge) in cases {
        let (status, headers, body) = call(authorization.as_deref()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}");
        assert_eq!(
            headers[header::CONTENT_TYPE],
            "application/problem+json",
            "{case}"
        );
        assert_eq!(headers[header::WWW_AUTHENTICATE], challenge, "{case}");
        let problem: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(problem["status"], 401, "{case}");
        assert_eq!(problem["title"], "Unauthorized", "{case}");
        assert!(problem["detail"].is_string(), "{case}");
        if let Some(authorization) = &authorization {
            let token = authorization.trim_start_matches("Bearer ").trim();
            if token.len() > 10 {
                assert!(
                    !String::from_utf8_lossy(&body).contains(token),
                    "{case}: the token is not echoed"
                );
            }
        }
    }
}

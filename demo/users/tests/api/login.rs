//! Logging in: a token signed with the shared secret for the right password; the same 401
//! for a wrong password and for an unknown email.

use axum::http::{StatusCode, header};
use shop_kit::auth::{TOKEN_AUDIENCE, TokenVerifier};
use users::INVALID_CREDENTIALS_PROBLEM;

use crate::common::{TestApp, jwt_secret};

async fn login_answers_a_token_for_the_user(app: &TestApp) {
    let registered = app
        .register("hopper", "hopper@example.com", "nanosecond wire")
        .await;
    assert_eq!(registered.status, StatusCode::CREATED, "{registered:?}");
    let user_id = registered.id();

    for email in ["hopper@example.com", "Hopper@EXAMPLE.com"] {
        let reply = app.login(email, "nanosecond wire").await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        assert_eq!(reply.json["user_id"], user_id.to_string());
        let token = reply.json["token"].as_str().expect("a token");
        let claims = TokenVerifier::new(&jwt_secret())
            .verify(token)
            .expect("signed with the shared secret");
        assert_eq!(claims.sub, user_id);
        assert_eq!(claims.aud, TOKEN_AUDIENCE);
        assert!(claims.exp > claims.iat);
    }
}

async fn wrong_password_and_unknown_email_get_the_same_401(app: &TestApp) {
    let registered = app
        .register("lovelace", "lovelace@example.com", "bernoulli numbers")
        .await;
    assert_eq!(registered.status, StatusCode::CREATED, "{registered:?}");

    let wrong_password = app.login("lovelace@example.com", "bernoulli number").await;
    let unknown_email = app.login("nobody@example.com", "bernoulli numbers").await;
    let empty_password = app.login("lovelace@example.com", "").await;
    for reply in [&wrong_password, &unknown_email, &empty_password] {
        reply.assert_problem(StatusCode::UNAUTHORIZED);
        assert_eq!(reply.json["type"], INVALID_CREDENTIALS_PROBLEM);
        assert!(reply.json.get("token").is_none());
    }
    assert_eq!(wrong_password.json, unknown_email.json);
    assert_eq!(wrong_password.json, empty_password.json);
    let headers = |reply: &crate::common::Reply| {
        let mut names: Vec<String> = reply
            .headers
            .iter()
            .filter(|(name, _)| *name != header::DATE)
            .map(|(name, value)| format!("{name}: {value:?}"))
            .collect();
        names.sort();
        names
    };
    assert_eq!(headers(&wrong_password), headers(&unknown_email));
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    login_answers_a_token_for_the_user,
    wrong_password_and_unknown_email_get_the_same_401,
);

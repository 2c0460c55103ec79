//! The profile: only for its own user, with a valid token.

use std::time::{Duration, SystemTime};

use axum::http::{StatusCode, header};
use shop_kit::auth::TokenIssuer;
use shop_kit::config::Secret;
use uuid::Uuid;

use crate::common::{TestApp, jwt_secret};

async fn a_user_sees_their_own_profile(app: &TestApp) {
    let (user_id, token) = app.signed_up("knuth").await;
    let reply = app.get(&format!("/users/{user_id}"), Some(&token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(
        reply.json,
        serde_json::json!({
            "id": user_id,
            "username": "knuth",
            "email": "knuth@example.com",
        })
    );
}

async fn another_users_profile_is_403(app: &TestApp) {
    let (_, alice_token) = app.signed_up("alice").await;
    let (bob_id, _) = app.signed_up("bob").await;
    let reply = app
        .get(&format!("/users/{bob_id}"), Some(&alice_token))
        .await;
    reply.assert_problem(StatusCode::FORBIDDEN);
    assert!(reply.json.get("email").is_none());

    let unknown = app
        .get(&format!("/users/{}", Uuid::new_v4()), Some(&alice_token))
        .await;
    unknown.assert_problem(StatusCode::FORBIDDEN);
}

async fn without_a_valid_token_the_profile_is_401(app: &TestApp) {
    let (user_id, token) = app.signed_up("dijkstra").await;
    let uri = format!("/users/{user_id}");

    let expired = TokenIssuer::new(&jwt_secret())
        .issue_at(user_id, SystemTime::now() - Duration::from_secs(2 * 3600))
        .expect("a token");
    let foreign = TokenIssuer::new(&Secret::new("a-secret-that-is-not-the-shop-secret"))
        .issue(user_id)
        .expect("a token");
    let (head, rest) = token.split_at(token.len() - 3);
    let tampered = format!("{head}{}", if rest == "AAA" { "BBB" } else { "AAA" });

    for token in [
        None,
        Some(expired.as_str()),
        Some(&foreign),
        Some(&tampered),
    ] {
        let reply = app.get(&uri, token).await;
        reply.assert_problem(StatusCode::UNAUTHORIZED);
        assert!(
            reply.headers[header::WWW_AUTHENTICATE]
                .to_str()
                .expect("ASCII")
                .starts_with("Bearer"),
            "{reply:?}"
        );
    }
}

async fn a_bad_id_is_400_and_a_vanished_user_404(app: &TestApp) {
    let (_, token) = app.signed_up("hoare").await;
    for bad in ["not-a-uuid", "42", "%FF"] {
        let reply = app.get(&format!("/users/{bad}"), Some(&token)).await;
        reply.assert_problem(StatusCode::BAD_REQUEST);
    }

    let ghost = Uuid::new_v4();
    let ghost_token = TokenIssuer::new(&jwt_secret())
        .issue(ghost)
        .expect("a token");
    let reply = app
        .get(&format!("/users/{ghost}"), Some(&ghost_token))
        .await;
    reply.assert_problem(StatusCode::NOT_FOUND);
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    a_user_sees_their_own_profile,
    another_users_profile_is_403,
    without_a_valid_token_the_profile_is_401,
    a_bad_id_is_400_and_a_vanished_user_404,
);

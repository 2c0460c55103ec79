//! Registering: 201 with the user, one `user.created` event through the outbox, uniqueness
//! by the database in any case, and argon2id hashes.

use std::time::Duration;

use axum::http::StatusCode;
use shop_kit::bus::EventKind;
use users::USER_EXISTS_PROBLEM;
use users::model::UserCreated;

use crate::common::{PATIENCE, TestApp, TestService};

async fn registering_answers_201_and_publishes_user_created_once(app: &TestApp) {
    let (subscription, mut events) = app.subscribe_user_created().await;

    let reply = app
        .register("Ada.Lovelace", "Ada@Example.COM", "analytical engine")
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    let id = reply.id();
    assert_eq!(reply.json["username"], "ada.lovelace");
    assert_eq!(reply.json["email"], "ada@example.com");
    let members: Vec<&String> = reply.json.as_object().expect("an object").keys().collect();
    assert_eq!(members, ["email", "id", "username"], "no password, no hash");

    let event = tokio::time::timeout(PATIENCE, events.recv())
        .await
        .expect("the event arrives")
        .expect("the subscription is open");
    assert_eq!(event.kind, EventKind::UserCreated);
    let payload: UserCreated = event.payload_as().expect("a user.created payload");
    assert_eq!(
        payload,
        UserCreated {
            user_id: id,
            username: "ada.lovelace".to_owned(),
            email: "ada@example.com".to_owned(),
        }
    );
    assert!(!event.payload.to_string().contains("analytical engine"));

    // Once: the relay marked it published, and nothing else arrives.
    let published = tokio::time::timeout(PATIENCE, async {
        while app.outbox_rows().await != [("user.created".to_owned(), "published".to_owned())] {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(published.is_ok(), "{:?}", app.outbox_rows().await);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(events.try_recv().is_err(), "a second delivery");
    subscription.shutdown().await;
}

async fn a_taken_email_is_409_in_any_case(app: &TestApp) {
    let (subscription, mut events) = app.subscribe_user_created().await;
    let first = app
        .register("grace", "grace@example.com", "compiler one")
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");

    for (username, email) in [
        ("grace2", "grace@example.com"),
        ("grace3", "GRACE@Example.Com"),
    ] {
        let again = app.register(username, email, "compiler two").await;
        again.assert_problem(StatusCode::CONFLICT);
        assert_eq!(again.json["type"], USER_EXISTS_PROBLEM);
        assert_eq!(again.json["field"], "email", "{again:?}");
    }

    let same_name = app
        .register("GRACE", "hopper@example.com", "compiler three")
        .await;
    same_name.assert_problem(StatusCode::CONFLICT);
    assert_eq!(same_name.json["field"], "username", "{same_name:?}");

    assert_eq!(app.user_count().await, 1);
    assert_eq!(app.outbox_rows().await.len(), 1, "no event for a conflict");
    assert!(
        tokio::time::timeout(PATIENCE, events.recv()).await.is_ok(),
        "the first registration's event"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(events.try_recv().is_err(), "no event for a conflict");
    subscription.shutdown().await;

    let still = app.login("grace@example.com", "compiler one").await;
    assert_eq!(still.status, StatusCode::OK, "the first account is intact");
}

async fn concurrent_registrations_of_one_email_create_one_user(app: &TestApp) {
    let attempts = (0..4).map(|n| {
        let router = app.router();
        async move {
            crate::common::send(
                router,
                crate::common::json_post(
                    "/users",
                    serde_json::json!({
                        "username": format!("racer{n}"),
                        "email": "race@example.com",
                        "password": "the same race",
                    })
                    .to_string(),
                ),
            )
            .await
        }
    });
    let replies = futures_join_all(attempts).await;
    let created = replies
        .iter()
        .filter(|reply| reply.status == StatusCode::CREATED)
        .count();
    let conflicts = replies
        .iter()
        .filter(|reply| reply.status == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, conflicts), (1, 3), "{replies:?}");
    assert_eq!(app.user_count().await, 1);
}

/// Runs the futures concurrently on the runtime and collects their outputs in order.
async fn futures_join_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut outputs = Vec::with_capacity(handles.len());
    for handle in handles {
        outputs.push(handle.await.expect("the task"));
    }
    outputs
}

async fn the_stored_hash_is_argon2id_and_not_the_password(app: &TestApp) {
    let password = "a secret phrase";
    let first = app.register("turing", "turing@example.com", password).await;
    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");
    let second = app.register("church", "church@example.com", password).await;
    assert_eq!(second.status, StatusCode::CREATED, "{second:?}");

    let hash = app.column("turing@example.com", "password_hash").await;
    assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
    assert!(!hash.contains(password));
    let other = app.column("church@example.com", "password_hash").await;
    assert_ne!(hash, other, "a salt per user");
    assert_eq!(app.column("turing@example.com", "username").await, "turing");
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    registering_answers_201_and_publishes_user_created_once,
    a_taken_email_is_409_in_any_case,
    concurrent_registrations_of_one_email_create_one_user,
    the_stored_hash_is_argon2id_and_not_the_password,
);

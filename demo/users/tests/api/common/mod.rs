//! Running the users service against a throw-away database, and talking to it.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use serde_json::json;
use shop_kit::bus::{Event, EventKind, HandlerError, Subscription};
use shop_kit::config::{Secret, ShopService};
pub use shop_testing::TestService;
use shop_testing::{OnEachBackend, TestDatabase, test_config};
use tokio::sync::mpsc;
use users::App;
use uuid::Uuid;

pub use shop_testing::{Reply, json_post, send};

/// The admin token of the test services.
pub const ADMIN_TOKEN: &str = "users-test-admin-token";

/// The JWT secret of the test services, shared with the verifier of the tests.
pub const JWT_SECRET: &str = "users-test-jwt-secret-of-at-least-32-bytes";

/// How long to wait for something asynchronous (an event) before failing.
pub const PATIENCE: Duration = Duration::from_secs(20);

pub fn jwt_secret() -> Secret {
    Secret::new(JWT_SECRET)
}

/// The service on its own database; the database goes when this drops.
pub struct TestApp {
    pub app: App,
    // Dropped after `app`, which holds its pool.
    _database: TestDatabase,
}

impl OnEachBackend for TestApp {
    async fn on(database: TestDatabase) -> TestApp {
        let config = test_config(ShopService::Users, ADMIN_TOKEN, Some(JWT_SECRET), &database);
        let app = users::build(&config).await.expect("the service builds");
        TestApp {
            app,
            _database: database,
        }
    }
}

impl TestService for TestApp {
    fn router(&self) -> Router {
        self.app.router()
    }
}

impl TestApp {
    pub async fn get(&self, uri: &str, token: Option<&str>) -> Reply {
        self.send(shop_testing::get(uri, token)).await
    }

    pub async fn register(&self, username: &str, email: &str, password: &str) -> Reply {
        self.send(json_post(
            "/users",
            json!({ "username": username, "email": email, "password": password }).to_string(),
        ))
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.send(json_post(
            "/auth/login",
            json!({ "email": email, "password": password }).to_string(),
        ))
        .await
    }

    /// Registers a user and logs in: `(user id, token)`.
    pub async fn signed_up(&self, username: &str) -> (Uuid, String) {
        let email = format!("{username}@example.com");
        let registered = self.register(username, &email, "a good password").await;
        assert_eq!(registered.status, StatusCode::CREATED, "{registered:?}");
        let logged_in = self.login(&email, "a good password").await;
        assert_eq!(logged_in.status, StatusCode::OK, "{logged_in:?}");
        let token = logged_in.json["token"]
            .as_str()
            .expect("a token")
            .to_owned();
        (registered.id(), token)
    }

    /// Subscribes a consumer to `user.created` on the service's bus.
    pub async fn subscribe_user_created(&self) -> (Subscription, mpsc::UnboundedReceiver<Event>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        let subscription = self
            .app
            .bus()
            .expect("users keeps its bus")
            .subscribe(
                "users-test",
                &[EventKind::UserCreated],
                Arc::new(move |event: Event| {
                    let sender = sender.clone();
                    async move { sender.send(event).map_err(HandlerError::new) }
                }),
            )
            .await
            .expect("a subscription");
        (subscription, receiver)
    }

    /// One column of the user row with `email`, read directly.
    pub async fn column(&self, email: &str, column: &str) -> String {
        use sqlx::Row;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {column} FROM users WHERE email = $1"
        )))
        .bind(email)
        .fetch_one(self.app.storage().pool())
        .await
        .expect("the user row")
        .get(column)
    }

    /// How many users are stored.
    pub async fn user_count(&self) -> i64 {
        use sqlx::Row;
        sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(self.app.storage().pool())
            .await
            .expect("a count")
            .get("n")
    }

    /// The outbox rows as `(kind, state)`.
    pub async fn outbox_rows(&self) -> Vec<(String, String)> {
        use sqlx::Row;
        sqlx::query("SELECT kind, state FROM outbox ORDER BY position")
            .fetch_all(self.app.storage().pool())
            .await
            .expect("the outbox")
            .iter()
            .map(|row| (row.get("kind"), row.get("state")))
            .collect()
    }
}

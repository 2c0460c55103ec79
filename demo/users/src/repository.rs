//! [`UserRepository`]: every SQL statement of the users service.
//!
//! Uniqueness of usernames and emails is left to the table's unique constraints: a
//! registration inserts, and a conflicting insert is what reports the name as taken, so two
//! concurrent registrations of one email cannot both succeed.

use std::time::SystemTime;

use shop_kit::bus::{Event, EventKind};
use shop_kit::outbox::Outbox;
use shop_kit::storage::{Storage, StorageError, read_uuid, unix_millis};
use sqlx::Row;
use sqlx::error::DatabaseError;
use uuid::Uuid;

use crate::model::{User, UserCreated};
use crate::validation::NewUser;

/// A field that must be unique among users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueField {
    /// The username.
    Username,
    /// The email address.
    Email,
}

impl UniqueField {
    /// The field's name in the API.
    pub const fn as_str(self) -> &'static str {
        match self {
            UniqueField::Username => "username",
            UniqueField::Email => "email",
        }
    }
}

/// What `register` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterOutcome {
    /// The user was stored and its `user.created` event enqueued, in one transaction.
    Created(User),
    /// A user with the same username or email exists; nothing changed. The field is the one
    /// the database named (`None` if it named neither).
    Taken(Option<UniqueField>),
}

/// The stored login of one account.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user id.
    pub user_id: Uuid,
    /// The argon2id PHC string of the password.
    pub password_hash: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

/// The `users` table (and the outbox) of one [`Storage`]. Cloning shares the pool.
#[derive(Debug, Clone)]
pub struct UserRepository {
    storage: Storage,
    outbox: Outbox,
}

impl UserRepository {
    /// A repository on `storage`, migrated with [`MIGRATIONS`](crate::migrations::MIGRATIONS),
    /// whose events go through `outbox` (the one of the storage's relay).
    pub fn new(storage: Storage, outbox: Outbox) -> Self {
        UserRepository { storage, outbox }
    }

    /// The storage underneath.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// Stores `user` with `password_hash` under a new UUIDv7 and enqueues its `user.created`
    /// event (`{user_id, username, email}`) in the same transaction; the relay is woken on
    /// commit. A unique-constraint violation rolls everything back and is reported as
    /// [`RegisterOutcome::Taken`].
    pub async fn register(
        &self,
        user: &NewUser,
        password_hash: &str,
    ) -> Result<RegisterOutcome, StorageError> {
        let id = Uuid::now_v7();
        let mut transaction = self.storage.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO users (id, username, email, password_hash, created_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.to_string())
        .bind(&user.username)
        .bind(&user.email)
        .bind(password_hash)
        .bind(unix_millis(SystemTime::now()))
        .execute(&mut *transaction)
        .await;
        match inserted {
            Ok(_) => {}
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
                let field = taken_field(error.as_ref());
                transaction.rollback().await?;
                return Ok(RegisterOutcome::Taken(field));
            }
            Err(error) => return Err(error.into()),
        }
        let created = UserCreated {
            user_id: id,
            username: user.username.clone(),
            email: user.email.clone(),
        };
        let event = Event::with_payload(EventKind::UserCreated, &created)
            .map_err(|error| StorageError::from(sqlx::Error::Encode(Box::new(error))))?;
        Outbox::enqueue(&mut transaction, &event).await?;
        self.outbox.commit(transaction).await?;
        Ok(RegisterOutcome::Created(User {
            id,
            username: created.username,
            email: created.email,
        }))
    }

    /// The login of the account with `email` (already lower-case), if there is one.
    pub async fn credentials(&self, email: &str) -> Result<Option<Credentials>, StorageError> {
        let row = sqlx::query("SELECT id, password_hash FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(self.storage.pool())
            .await?;
        row.map(|row| {
            Ok(Credentials {
                user_id: read_uuid(&row, "id")?,
                password_hash: row.try_get("password_hash")?,
            })
        })
        .transpose()
    }

    /// The user `id`, if there is one.
    pub async fn user(&self, id: Uuid) -> Result<Option<User>, StorageError> {
        let row = sqlx::query("SELECT id, username, email FROM users WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(self.storage.pool())
            .await?;
        row.map(|row| {
            Ok(User {
                id: read_uuid(&row, "id")?,
                username: row.try_get("username")?,
                email: row.try_get("email")?,
            })
        })
        .transpose()
    }

    /// How many users there are.
    pub async fn count(&self) -> Result<i64, StorageError> {
        Ok(sqlx::query("SELECT COUNT(*) AS users FROM users")
            .fetch_one(self.storage.pool())
            .await?
            .try_get("users")?)
    }
}

/// The unique field a violation is about, from the constraint name (PostgreSQL:
/// `users_email_unique`) or the message (SQLite: `UNIQUE constraint failed: users.email`).
fn taken_field(error: &dyn DatabaseError) -> Option<UniqueField> {
    let names = [error.constraint().unwrap_or_default(), error.message()];
    if names.iter().any(|name| name.contains("email")) {
        Some(UniqueField::Email)
    } else if names.iter().any(|name| name.contains("username")) {
        Some(UniqueField::Username)
    } else {
        None
    }
}

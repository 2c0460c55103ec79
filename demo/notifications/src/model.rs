//! The values the notifications API answers with and takes.

use serde::Serialize;
use uuid::Uuid;

/// One notification of a user's inbox, as `GET /notifications` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    /// The notification's id (UUIDv7).
    pub id: Uuid,
    /// The kind of the event it was made from, e.g. `order.completed`.
    pub kind: String,
    /// A one-line summary.
    pub title: String,
    /// The text of the notification.
    pub body: String,
    /// When it was made, in Unix milliseconds.
    pub created_at: i64,
    /// Whether the user has marked it read.
    pub read: bool,
}

/// One page of a user's inbox, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotificationPage {
    /// The notifications of this page.
    pub items: Vec<Notification>,
    /// The page size asked for.
    pub limit: u32,
    /// How many notifications come before this page.
    pub offset: u64,
    /// How many notifications the user has in all.
    pub total: u64,
}

/// Which page of the inbox to list: `?limit=` (1 to [`Page::MAX_LIMIT`], default
/// [`Page::DEFAULT_LIMIT`]) and `?offset=` (default 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// The page size.
    pub limit: u32,
    /// How many notifications to skip.
    pub offset: u64,
}

impl Page {
    /// The page size when `limit` is not given.
    pub const DEFAULT_LIMIT: u32 = 20;
    /// The largest page size.
    pub const MAX_LIMIT: u32 = 100;
}

impl Default for Page {
    fn default() -> Self {
        Page {
            limit: Page::DEFAULT_LIMIT,
            offset: 0,
        }
    }
}

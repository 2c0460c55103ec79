//! The values the notifications API answers with and takes.

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// One notification of a user's inbox, as `GET /notifications` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
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

/// Which page of the inbox to list: `?limit=` and `?offset=`, read and checked by the shared
/// [`shop_kit::paging`] extractor.
pub use shop_kit::paging::Page;

/// An event the consumer turned into a notification, as `GET /admin/notifications` lists
/// it: what `shop check` matches against the events the other services published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotifiedEvent {
    /// The event's id, as its publisher gave it.
    pub event_id: Uuid,
    /// The event's kind, e.g. `order.completed`.
    pub kind: String,
    /// The user whose inbox the notification went to.
    pub user_id: Uuid,
    /// When the notification was made, in Unix milliseconds.
    pub created_at: i64,
}

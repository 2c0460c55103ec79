//! The headers the gateway owns: what it strips from outside requests, what it adds.
//!
//! Outside callers cannot be trusted with the headers that steer the shop from inside:
//!
//! - [`USER_ID`] is set by the gateway from a verified token, and removed from every
//!   request that arrives with it, whoever sent it;
//! - the control headers ([`CONTROL_HEADERS`]: seawall's request-scoped fault, deadline
//!   and no-retry headers) are removed unless the request carries the admin credential in
//!   [`ADMIN_TOKEN`]; the credential itself is never forwarded.
//!
//! Hop-by-hop headers (RFC 9110 §7.6.1) are removed in both directions, as any proxy must.

use std::sync::Arc;

use http::HeaderMap;
use http::header::{CONNECTION, HeaderName, HeaderValue};
use shop_kit::config::Secret;
use subtle::ConstantTimeEq;

/// The verified user id the gateway passes to the services.
pub const USER_ID: HeaderName = HeaderName::from_static("x-shop-user-id");

/// Where a caller presents the admin token to keep the control headers.
pub const ADMIN_TOKEN: HeaderName = HeaderName::from_static("x-shop-admin-token");

/// The request id: passed on when the caller sent a sane one, generated otherwise, and
/// returned on the response.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The upstream that answered (`products`, `products-canary`), on every proxied response.
pub const UPSTREAM: HeaderName = HeaderName::from_static("x-gateway-upstream");

/// The control headers only an admin may send through the gateway.
pub const CONTROL_HEADERS: [HeaderName; 3] = [
    seawall::chaos::FAULT_HEADER,
    seawall::headers::TIMEOUT_MS,
    seawall::headers::NO_RETRY,
];

/// The hop-by-hop headers (RFC 9110 §7.6.1), which a proxy never passes on.
static HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// The admin token, compared in constant time.
#[derive(Clone)]
pub struct AdminCredential(Arc<Secret>);

impl std::fmt::Debug for AdminCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminCredential([redacted])")
    }
}

impl AdminCredential {
    /// The credential that lets control headers through.
    pub fn new(token: Secret) -> Self {
        AdminCredential(Arc::new(token))
    }

    fn matches(&self, presented: &HeaderValue) -> bool {
        bool::from(presented.as_bytes().ct_eq(self.0.expose().as_bytes()))
    }

    /// Whether `presented` is the token, compared in constant time.
    pub(crate) fn matches_str(&self, presented: &str) -> bool {
        bool::from(presented.as_bytes().ct_eq(self.0.expose().as_bytes()))
    }

    /// `Bearer <token>` for the services' admin APIs, marked sensitive so that it is never
    /// logged; `None` if the token is not a valid header value.
    pub(crate) fn bearer(&self) -> Option<HeaderValue> {
        let mut value = HeaderValue::try_from(format!("Bearer {}", self.0.expose())).ok()?;
        value.set_sensitive(true);
        Some(value)
    }
}

/// Removes [`USER_ID`] and [`ADMIN_TOKEN`] always, and the [`CONTROL_HEADERS`] unless the
/// admin credential was presented. Returns whether it was.
pub fn strip_inbound(headers: &mut HeaderMap, admin: &AdminCredential) -> bool {
    let steering = |name: &HeaderName| {
        *name == USER_ID || *name == ADMIN_TOKEN || CONTROL_HEADERS.contains(name)
    };
    if !carries_any(headers, steering) {
        return false;
    }
    headers.remove(USER_ID);
    let is_admin = headers
        .remove(ADMIN_TOKEN)
        .is_some_and(|presented| admin.matches(&presented));
    if !is_admin {
        for name in &CONTROL_HEADERS {
            headers.remove(name);
        }
    }
    is_admin
}

/// Removes the hop-by-hop headers, and those the `Connection` header names.
pub fn remove_hop_by_hop(headers: &mut HeaderMap) {
    if !carries_any(headers, is_hop_by_hop) {
        return;
    }
    let named: Vec<HeaderName> = headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|name| HeaderName::try_from(name.trim()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
}

/// Whether `name` is one of [`HOP_BY_HOP`], compared as text: this runs for every header
/// of every request and response, and eight `HeaderName` comparisons cost several times
/// more.
fn is_hop_by_hop(name: &HeaderName) -> bool {
    HOP_BY_HOP.contains(&name.as_str())
}

/// Whether any header's name is `wanted`. Nearly every request and response carries none
/// of the headers the gateway strips; one pass over a dozen names finds that faster than a
/// `HeaderMap::remove` per name, which hashes each name it is given.
fn carries_any(headers: &HeaderMap, wanted: impl Fn(&HeaderName) -> bool) -> bool {
    headers.keys().any(wanted)
}

/// The caller's request id when it is 1 to 128 visible ASCII characters, else a new
/// (version 4) UUID.
pub fn request_id(headers: &HeaderMap) -> HeaderValue {
    headers
        .get(REQUEST_ID)
        .filter(|value| {
            let bytes = value.as_bytes();
            !bytes.is_empty() && bytes.len() <= 128 && bytes.iter().all(u8::is_ascii_graphic)
        })
        .cloned()
        .unwrap_or_else(|| {
            // A v4 UUID from fastrand's thread-local generator: a request id needs to be
            // unique, not unpredictable, and `Uuid::new_v4` costs a getrandom syscall.
            // Written into a buffer on the stack rather than through `Display` into a String.
            let id = uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes()).into_uuid();
            uuid_value(id)
        })
}

/// A UUID in its hyphenated lower-case form, as a [`text_value`].
pub fn uuid_value(id: uuid::Uuid) -> HeaderValue {
    let mut text = Text::default();
    text.len = id.hyphenated().encode_lower(&mut text.bytes).len();
    text_value(text).unwrap_or_else(|| HeaderValue::from_static("invalid"))
}

/// A number as a header value: a digit from a static table (what `RateLimit-Reset` nearly
/// always is), anything longer as a [`text_value`], which costs less than
/// `HeaderValue::from`'s growable buffer.
pub fn number_value(number: u64) -> HeaderValue {
    const DIGITS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    if let Some(digit) = usize::try_from(number).ok().and_then(|i| DIGITS.get(i)) {
        return HeaderValue::from_static(digit);
    }
    let mut text = Text::default();
    text.push(itoa::Buffer::new().format(number).as_bytes())
        .expect("20 digits at most");
    text_value(text).expect("digits are a valid header value")
}

/// Up to 45 bytes of text the gateway writes into a header: an id or an address.
#[derive(Debug, Clone, Copy)]
pub struct Text {
    bytes: [u8; 45],
    /// How much of `bytes` is the text.
    len: usize,
}

impl Text {
    /// Appends `bytes`; `Err` when they do not fit.
    pub fn push(&mut self, bytes: &[u8]) -> std::fmt::Result {
        let end = self.len + bytes.len();
        let room = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        room.copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }
}

impl std::fmt::Write for Text {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.push(text.as_bytes())
    }
}

impl Default for Text {
    fn default() -> Self {
        Text {
            bytes: [0; 45],
            len: 0,
        }
    }
}

impl AsRef<[u8]> for Text {
    fn as_ref(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// `text` as a header value (`None` if it has a byte a header value cannot hold) whose
/// clones share one buffer. A value copied from a slice is copied again, an allocation,
/// the first time it is cloned, and the values the gateway writes are cloned on every
/// request: the request id onto the response, the others into the copy of the request
/// head that the retry layer keeps.
pub fn text_value(text: Text) -> Option<HeaderValue> {
    HeaderValue::from_maybe_shared(bytes::Bytes::from_owner(text)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_values_hold_their_text() {
        let id = uuid::Uuid::new_v4();
        assert_eq!(uuid_value(id).to_str().unwrap(), id.to_string());
        let mut text = Text::default();
        text.push(b"a b").unwrap();
        let value = text_value(text).unwrap();
        assert_eq!(value.clone().as_bytes(), b"a b");
        for number in [0, 7, 10, 4_294_967_295, u64::MAX] {
            assert_eq!(number_value(number).to_str().unwrap(), number.to_string());
        }
        text.push(b"\n").unwrap();
        assert!(
            text_value(text).is_none(),
            "a newline cannot be in a header value"
        );
        assert!(text.push(&[b'x'; 42]).is_err(), "45 bytes at most");
        assert_eq!(
            text.as_ref(),
            b"a b\n",
            "a push that does not fit writes nothing"
        );
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                (
                    HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                )
            })
            .collect()
    }

    #[test]
    fn outsiders_lose_the_user_and_control_headers() {
        let admin = AdminCredential::new(Secret::new("the-admin-token"));
        let mut sent = headers(&[
            ("x-shop-user-id", "someone-else"),
            ("x-seawall-fault", "{}"),
            ("x-seawall-timeout-ms", "1"),
            ("x-shop-admin-token", "a-wrong-token"),
            ("accept", "application/json"),
        ]);
        assert!(!strip_inbound(&mut sent, &admin));
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert!(sent.contains_key("accept"));
    }

    #[test]
    fn an_admin_keeps_the_control_headers_but_not_the_credential() {
        let admin = AdminCredential::new(Secret::new("the-admin-token"));
        let mut sent = headers(&[
            ("x-shop-user-id", "someone-else"),
            ("x-seawall-fault", "{}"),
            ("x-shop-admin-token", "the-admin-token"),
        ]);
        assert!(strip_inbound(&mut sent, &admin));
        assert!(sent.contains_key("x-seawall-fault"));
        assert!(!sent.contains_key("x-shop-user-id"));
        assert!(!sent.contains_key("x-shop-admin-token"));
    }

    #[test]
    fn headers_with_nothing_to_strip_are_left_as_they_are() {
        let admin = AdminCredential::new(Secret::new("the-admin-token"));
        let sent = headers(&[("accept", "*/*"), ("x-request-id", "abc")]);
        let mut kept = sent.clone();
        assert!(!strip_inbound(&mut kept, &admin));
        remove_hop_by_hop(&mut kept);
        assert_eq!(kept, sent);
    }

    #[test]
    fn hop_by_hop_headers_go_and_so_do_those_connection_names() {
        let mut sent = headers(&[
            ("connection", "close, x-private"),
            ("x-private", "1"),
            ("keep-alive", "timeout=5"),
            ("accept", "*/*"),
        ]);
        remove_hop_by_hop(&mut sent);
        assert_eq!(sent.len(), 1, "{sent:?}");
    }

    #[test]
    fn a_sane_request_id_is_kept_and_a_bad_one_replaced() {
        let kept = request_id(&headers(&[("x-request-id", "abc-123")]));
        assert_eq!(kept, "abc-123");
        let replaced = request_id(&headers(&[("x-request-id", "has space")]));
        assert_eq!(replaced.len(), 36);
        assert_eq!(request_id(&HeaderMap::new()).len(), 36);
        let (a, b) = (request_id(&HeaderMap::new()), request_id(&HeaderMap::new()));
        assert_ne!(a, b);
        let parsed = uuid::Uuid::parse_str(a.to_str().unwrap()).unwrap();
        assert_eq!(parsed.get_version_num(), 4);
    }
}

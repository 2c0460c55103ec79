use crate::Rejection;
use http::{Method, Response};

/// The methods the conventions name; any other is `_OTHER`, so that a client sending
/// made-up methods cannot create series at will.
pub(crate) const METHODS: [&str; 10] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "_OTHER",
];

pub(crate) fn method_index(method: &Method) -> u8 {
    match *method {
        Method::GET => 0,
        Method::HEAD => 1,
        Method::POST => 2,
        Method::PUT => 3,
        Method::DELETE => 4,
        Method::CONNECT => 5,
        Method::OPTIONS => 6,
        Method::TRACE => 7,
        Method::PATCH => 8,
        _ => 9,
    }
}

/// Why a call failed, for the `error_type` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ErrorKind {
    /// It did not.
    None,
    /// A seawall layer answered; its `error_type()`.
    Rejection(&'static str),
    /// The status says so; the label is the status code.
    Status,
    /// The inner client returned an error.
    Transport,
}

impl ErrorKind {
    pub(crate) fn of_response<B>(response: &Response<B>, client: bool) -> Self {
        if let Some(rejection) = Rejection::of(response) {
            return ErrorKind::Rejection(rejection.error_type());
        }
        let status = response.status();
        if status.is_server_error() || (client && status.is_client_error()) {
            ErrorKind::Status
        } else {
            ErrorKind::None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_methods_share_one_label() {
        let custom = Method::from_bytes(b"PURGE").unwrap();
        assert_eq!(METHODS[method_index(&custom) as usize], "_OTHER");
        assert_eq!(METHODS[method_index(&Method::PATCH) as usize], "PATCH");
    }

    #[test]
    fn error_kind_prefers_the_rejection_then_the_status() {
        let rejected: Response<()> = Rejection::Timeout.into_response();
        assert_eq!(
            ErrorKind::of_response(&rejected, false),
            ErrorKind::Rejection("timeout")
        );
        let mut not_found = Response::new(());
        *not_found.status_mut() = http::StatusCode::NOT_FOUND;
        assert_eq!(ErrorKind::of_response(&not_found, false), ErrorKind::None);
        assert_eq!(ErrorKind::of_response(&not_found, true), ErrorKind::Status);
    }
}

use http::{HeaderMap, header::RETRY_AFTER};
use std::time::{Duration, SystemTime};

/// Reads `Retry-After` in either of its forms (RFC 9110 §10.2.3): delay seconds
/// (`Retry-After: 120`) or an HTTP date (`Retry-After: Fri, 31 Dec 1999 23:59:59 GMT`).
///
/// A date is turned into the delay from now; a date in the past gives zero. A value that is
/// neither form is ignored (`None`), as the RFC asks of a recipient.
///
/// ```
/// use http::{HeaderMap, header::RETRY_AFTER};
/// use std::time::Duration;
///
/// let mut headers = HeaderMap::new();
/// headers.insert(RETRY_AFTER, "120".parse().unwrap());
/// assert_eq!(seawall::classify::parse_retry_after(&headers), Some(Duration::from_secs(120)));
/// ```
pub fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(
        date.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, value.parse().unwrap());
        headers
    }

    #[test]
    fn seconds_form() {
        assert_eq!(
            parse_retry_after(&headers("3")),
            Some(Duration::from_secs(3))
        );
    }

    #[test]
    fn date_form_is_the_delay_from_now() {
        let at = SystemTime::now() + Duration::from_secs(90);
        let parsed = parse_retry_after(&headers(&httpdate::fmt_http_date(at))).unwrap();
        // The date has whole-second precision.
        assert!(parsed <= Duration::from_secs(90), "{parsed:?}");
        assert!(parsed >= Duration::from_secs(88), "{parsed:?}");
    }

    #[test]
    fn past_date_is_zero() {
        assert_eq!(
            parse_retry_after(&headers("Fri, 31 Dec 1999 23:59:59 GMT")),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn garbage_and_negative_are_ignored() {
        assert_eq!(parse_retry_after(&headers("soon")), None);
        assert_eq!(parse_retry_after(&headers("-5")), None);
        assert_eq!(parse_retry_after(&HeaderMap::new()), None);
    }
}

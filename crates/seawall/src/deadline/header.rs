//! Reading and writing the value of the [`TIMEOUT_MS`](crate::headers::TIMEOUT_MS) header,
//! which every request through a deadline layer pays for, so both are kept cheap.

use crate::headers::TIMEOUT_MS;
use bytes::Bytes;
use http::{HeaderName, HeaderValue};
use std::cell::RefCell;

/// [`TIMEOUT_MS`] in a `static`, so that lookups take a `&'static HeaderName`: naming the
/// `const` makes a temporary copy that must be dropped after every use.
pub(crate) static NAME: HeaderName = TIMEOUT_MS;

/// The whole number of milliseconds in a header value: ASCII digits, optionally after a `+`
/// and surrounded by spaces or tabs; `None` for anything else, or more than `u64` holds.
///
/// Scans the bytes once, instead of checking UTF-8 and then parsing a `str`.
#[inline]
pub(crate) fn parse_millis(value: &HeaderValue) -> Option<u64> {
    let bytes = value.as_bytes().trim_ascii();
    let digits = bytes.strip_prefix(b"+").unwrap_or(bytes);
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0_u64, |millis, &byte| {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        millis.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

// The value this thread wrote last. A client layer with its own timeout writes the same
// number on every call (the timeout less the margin), and calls under an inherited deadline
// within the same millisecond do too, so most calls reuse the value: a reference-count
// increment instead of an allocation. `HeaderValue` is not `Copy`, hence the `RefCell`.
thread_local! {
    static LAST_WRITTEN: RefCell<Option<(u64, HeaderValue)>> = const { RefCell::new(None) };
}

/// The header value for `millis`, shared with the previous call on this thread when that
/// wrote the same number.
#[inline]
pub(crate) fn millis_value(millis: u64) -> HeaderValue {
    LAST_WRITTEN.with(|last| {
        // `try_borrow_mut` rather than `borrow_mut`: a value made while the cell is borrowed
        // (it cannot be, short of a panic while formatting) is still correct, just not cached.
        let Ok(mut last) = last.try_borrow_mut() else {
            return format_millis(millis);
        };
        match &*last {
            Some((cached, value)) if *cached == millis => value.clone(),
            _ => {
                let value = format_millis(millis);
                *last = Some((millis, value.clone()));
                value
            }
        }
    })
}

/// The decimal digits of a `u64`, kept inline: the owner of a header value's bytes.
struct Digits {
    buf: [u8; 20],
    len: u8,
}

impl AsRef<[u8]> for Digits {
    fn as_ref(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }
}

/// A header value for `millis` in one allocation, whose clones share it. (A value copied
/// from a `str` is one allocation too, but its first clone makes a second.)
fn format_millis(millis: u64) -> HeaderValue {
    let mut formatted = itoa::Buffer::new();
    let text = formatted.format(millis).as_bytes();
    let mut digits = Digits {
        buf: [0; 20],
        len: u8::try_from(text.len()).expect("a u64 has at most 20 digits"),
    };
    digits.buf[..text.len()].copy_from_slice(text);
    HeaderValue::from_maybe_shared(Bytes::from_owner(digits))
        .expect("decimal digits are a valid header value")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_whole_milliseconds_only() {
        let parse = |text: &'static str| parse_millis(&HeaderValue::from_static(text));
        assert_eq!(parse("850"), Some(850));
        assert_eq!(parse(" 850\t"), Some(850));
        assert_eq!(parse("+850"), Some(850));
        assert_eq!(parse("0"), Some(0));
        assert_eq!(parse("18446744073709551615"), Some(u64::MAX));
        for bad in [
            "",
            " ",
            "+",
            "-3",
            "1.5",
            "1.5s",
            "85 0",
            "0x10",
            "18446744073709551616",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn repeated_values_are_shared_and_new_ones_are_written() {
        let first = millis_value(9_995);
        let again = millis_value(9_995);
        assert_eq!(first, "9995");
        assert_eq!(again, "9995");
        // The same bytes, not a copy.
        assert_eq!(first.as_bytes().as_ptr(), again.as_bytes().as_ptr());
        assert_eq!(millis_value(9_994), "9994");
        assert_eq!(millis_value(0), "0");
        assert_eq!(millis_value(u64::MAX), "18446744073709551615");
    }
}

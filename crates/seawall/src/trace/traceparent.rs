//! The W3C `traceparent` header, parsed in one pass.
//!
//! [Trace Context, "traceparent Header"](https://www.w3.org/TR/trace-context/#traceparent-header):
//! `{version}-{trace-id}-{parent-id}-{trace-flags}`, all lower-case hex, 2, 32, 16 and 2
//! digits. Version `00` is exactly those 55 characters; a later version may append fields
//! after a `-`, and is read by the version-00 rules for the first 55. Version `ff` is
//! invalid, and so are an all-zero trace id or parent id.

use opentelemetry::trace::{SpanId, TraceFlags, TraceId};

/// The length of a version-00 `traceparent`: `00-{32 hex}-{16 hex}-{2 hex}`.
pub(crate) const LEN: usize = 55;

/// What a valid `traceparent` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TraceParent {
    pub(crate) trace_id: TraceId,
    pub(crate) span_id: SpanId,
    /// The flags with every bit but `sampled` cleared: the others are not defined by the
    /// version-00 format, and the spec asks that unknown ones not be passed on.
    pub(crate) flags: TraceFlags,
}

/// Parses `value` as the spec says; `None` when it is not a valid `traceparent`.
///
/// Inlined into the unsampled path's one caller: a call of its own cost some 15
/// instructions of register saves and result copying per request, a tenth of the parse.
#[inline]
pub(crate) fn parse(value: &[u8]) -> Option<TraceParent> {
    let header: &[u8; LEN] = value.get(..LEN)?.try_into().ok()?;
    let version = hex_byte(header[0], header[1])?;
    match version {
        0 if value.len() != LEN => return None,
        0xff => return None,
        // A later version: what follows the flags, if anything, is a new field, in the
        // visible ASCII that `HeaderValue::to_str` (and so the propagators) accept.
        _ if value.len() > LEN => {
            let rest = &value[LEN..];
            if rest[0] != b'-'
                || !rest
                    .iter()
                    .all(|&b| b == b'\t' || (b' '..=b'~').contains(&b))
            {
                return None;
            }
        }
        _ => {}
    }
    if header[2] != b'-' || header[35] != b'-' || header[52] != b'-' {
        return None;
    }
    let trace_id = hex_u128(&header[3..35])?;
    let span_id = hex_u64(&header[36..52])?;
    let flags = hex_byte(header[53], header[54])?;
    if trace_id == 0 || span_id == 0 {
        return None;
    }
    Some(TraceParent {
        trace_id: TraceId::from(trace_id),
        span_id: SpanId::from(span_id),
        flags: TraceFlags::new(flags) & TraceFlags::SAMPLED,
    })
}

/// Reads two lower-case hex digits.
#[inline(always)]
fn hex_byte(high: u8, low: u8) -> Option<u8> {
    Some(hex_digit(high)? << 4 | hex_digit(low)?)
}

#[inline(always)]
fn hex_digit(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        _ => None,
    }
}

/// Reads 8 lower-case hex digits at once, the first the most significant, as the bytes of
/// one `u64`, without a branch per digit or a table. Each byte is taken for the digit it
/// would be, and the digits written back as lower-case hex: only a byte that is one already
/// comes back the same (upper case is not hex here, as the spec's `HEXDIGLC` says).
#[inline(always)]
fn hex8(digits: &[u8; 8]) -> Option<u32> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const TOPS: u64 = ONES * 0x80;
    let x = u64::from_le_bytes(*digits);
    // '0'..='9' end in 0..=9, 'a'..='f' in 1..=6 and have bit 6 set: add 9 for bit 6. Any
    // byte gives 0..=24 here, so nothing carries into the next byte, here or below.
    let nibbles = (x & (ONES * 0x0f)) + ((x >> 6) & ONES) * 9;
    let above_9 = ((nibbles + ONES * (0x80 - 10)) & TOPS) >> 7;
    let above_15 = (nibbles + ONES * (0x80 - 16)) & TOPS;
    let written = nibbles + ONES * u64::from(b'0') + above_9 * u64::from(b'a' - b'0' - 10);
    if (written ^ x) | above_15 != 0 {
        return None;
    }
    // Byte i holds digit i. Each multiplication adds every lane, shifted up by half a lane
    // and scaled, to itself: the upper half then holds the lane's first half times 16 (then
    // 256, then 65536) plus its second, which the shift brings down. What spills into the
    // next lane stays in its lower half, which the mask drops.
    let bytes = (nibbles.wrapping_mul(16 << 8 | 1) >> 8) & 0x00ff_00ff_00ff_00ff;
    let pairs = (bytes.wrapping_mul(256 << 16 | 1) >> 16) & 0x0000_ffff_0000_ffff;
    Some((pairs.wrapping_mul(65536 << 32 | 1) >> 32) as u32)
}

#[inline(always)]
fn hex_u64(digits: &[u8]) -> Option<u64> {
    let (high, low) = digits.split_first_chunk::<8>()?;
    let high = hex8(high)?;
    let low = hex8(low.try_into().ok()?)?;
    Some(u64::from(high) << 32 | u64::from(low))
}

#[inline(always)]
fn hex_u128(digits: &[u8]) -> Option<u128> {
    let (high, low) = digits.split_first_chunk::<16>()?;
    Some(u128::from(hex_u64(high)?) << 64 | u128::from(hex_u64(low)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
    const SPAN: &str = "00f067aa0ba902b7";

    fn parsed(value: &str) -> Option<TraceParent> {
        parse(value.as_bytes())
    }

    #[test]
    fn reads_a_valid_header() {
        let parent = parsed(&format!("00-{TRACE}-{SPAN}-01")).unwrap();
        assert_eq!(parent.trace_id, TraceId::from_hex(TRACE).unwrap());
        assert_eq!(parent.span_id, SpanId::from_hex(SPAN).unwrap());
        assert_eq!(parent.flags, TraceFlags::SAMPLED);
        let parent = parsed(&format!("00-{TRACE}-{SPAN}-00")).unwrap();
        assert_eq!(parent.flags, TraceFlags::NOT_SAMPLED);
        // Every hex digit, at every place of both ids.
        let parent = parsed("00-0123456789abcdeffedcba9876543210-0123456789abcdef-00").unwrap();
        assert_eq!(
            parent.trace_id,
            TraceId::from(0x0123_4567_89ab_cdef_fedc_ba98_7654_3210)
        );
        assert_eq!(parent.span_id, SpanId::from(0x0123_4567_89ab_cdef));
    }

    #[test]
    fn keeps_only_the_sampled_flag() {
        for (flags, sampled) in [("02", false), ("03", true), ("fe", false), ("ff", true)] {
            let parent = parsed(&format!("00-{TRACE}-{SPAN}-{flags}")).unwrap();
            let expected = if sampled {
                TraceFlags::SAMPLED
            } else {
                TraceFlags::NOT_SAMPLED
            };
            assert_eq!(parent.flags, expected, "{flags}");
        }
    }

    #[test]
    fn rejects_upper_case_hex() {
        for value in [
            format!("00-{}-{SPAN}-01", TRACE.to_uppercase()),
            format!("00-4BF92f3577b34da6a3ce929d0e0e4736-{SPAN}-01"),
            format!("00-{TRACE}-00F067aa0ba902b7-01"),
            format!("00-{TRACE}-{SPAN}-0A"),
            format!("0A-{TRACE}-{SPAN}-01"),
        ] {
            assert_eq!(parsed(&value), None, "{value}");
        }
    }

    #[test]
    fn rejects_wrong_lengths_and_separators() {
        for value in [
            String::new(),
            format!("00-{TRACE}-{SPAN}"),
            format!("00-{TRACE}-{SPAN}-"),
            format!("00-{TRACE}-{SPAN}-0"),
            format!("00-{TRACE}-{SPAN}-010"),
            // Version 00 has no fields after the flags, not even an empty one.
            format!("00-{TRACE}-{SPAN}-01-"),
            format!("00-{TRACE}-{SPAN}-01-extra"),
            format!("000-{TRACE}-{SPAN}-01"),
            format!("00-{TRACE}0-{SPAN}-01"),
            format!("00-{}-{SPAN}-01", &TRACE[1..]),
            format!("00-{TRACE}-{SPAN}0-01"),
            format!("00-{TRACE}-{}-01", &SPAN[1..]),
            format!("00_{TRACE}-{SPAN}-01"),
            format!("00-{TRACE}_{SPAN}-01"),
            format!("00-{TRACE}-{SPAN}_01"),
            format!(" 00-{TRACE}-{SPAN}-01"),
            format!("00-{TRACE}-{SPAN}-01 "),
        ] {
            assert_eq!(parsed(&value), None, "{value:?}");
        }
    }

    #[test]
    fn rejects_bad_hex() {
        for value in [
            format!("0g-{TRACE}-{SPAN}-01"),
            format!("00-4bf92f3577b34da6a3ce929d0e0e473g-{SPAN}-01"),
            format!("00-{TRACE}-00f067aa0ba902bz-01"),
            format!("00-{TRACE}-{SPAN}-0x"),
            format!("00-+bf92f3577b34da6a3ce929d0e0e4736-{SPAN}-01"),
            format!("00-{TRACE}-+0f067aa0ba902b7-01"),
            format!("00-{TRACE}-{SPAN}-+1"),
            format!("00-{TRACE}-{SPAN}-\u{e9}"),
        ] {
            assert_eq!(parsed(&value), None, "{value:?}");
        }
    }

    #[test]
    fn rejects_zero_ids_and_version_ff() {
        let zero_trace = "00000000000000000000000000000000";
        let zero_span = "0000000000000000";
        assert_eq!(parsed(&format!("00-{zero_trace}-{SPAN}-01")), None);
        assert_eq!(parsed(&format!("00-{TRACE}-{zero_span}-01")), None);
        assert_eq!(parsed(&format!("00-{zero_trace}-{zero_span}-01")), None);
        assert_eq!(parsed(&format!("ff-{TRACE}-{SPAN}-01")), None);
        assert_eq!(parsed(&format!("ff-{TRACE}-{SPAN}-01-extra")), None);
    }

    #[test]
    fn reads_later_versions_by_the_version_00_rules() {
        let expected = parsed(&format!("00-{TRACE}-{SPAN}-01")).unwrap();
        for value in [
            format!("01-{TRACE}-{SPAN}-01"),
            format!("01-{TRACE}-{SPAN}-01-"),
            format!("02-{TRACE}-{SPAN}-01-what-comes-next"),
            format!("fe-{TRACE}-{SPAN}-01-xyz"),
        ] {
            assert_eq!(parsed(&value), Some(expected), "{value}");
        }
        // A later version still needs a `-` after the flags if anything follows them.
        assert_eq!(parsed(&format!("01-{TRACE}-{SPAN}-01x")), None);
        assert_eq!(parsed(&format!("01-{TRACE}-{SPAN}-012")), None);
    }

    /// The spec's rules written the slow way, for the properties below to compare with.
    fn reference(value: &[u8]) -> Option<TraceParent> {
        let text = std::str::from_utf8(value.get(..LEN)?).ok()?;
        let rest = &value[LEN..];
        let lower_hex = |field: &str, digits: usize| {
            field.len() == digits
                && field
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        };
        let fields: Vec<&str> = text.split('-').collect();
        let [version, trace, span, flags] = fields[..] else {
            return None;
        };
        let valid = lower_hex(version, 2)
            && lower_hex(trace, 32)
            && lower_hex(span, 16)
            && lower_hex(flags, 2)
            && version != "ff"
            && (rest.is_empty() || (version != "00" && rest.starts_with(b"-")))
            && rest
                .iter()
                .all(|b| b.is_ascii_graphic() || *b == b' ' || *b == b'\t');
        if !valid {
            return None;
        }
        let trace_id = u128::from_str_radix(trace, 16).ok()?;
        let span_id = u64::from_str_radix(span, 16).ok()?;
        if trace_id == 0 || span_id == 0 {
            return None;
        }
        Some(TraceParent {
            trace_id: TraceId::from(trace_id),
            span_id: SpanId::from(span_id),
            flags: TraceFlags::new(u8::from_str_radix(flags, 16).ok()?) & TraceFlags::SAMPLED,
        })
    }

    /// Mostly hex digits, some of every other kind of byte.
    fn hexish() -> impl Strategy<Value = u8> {
        prop_oneof![
            8 => prop::sample::select(b"0123456789abcdef".to_vec()),
            1 => prop::sample::select(b"ABCDEFGgzo-/:`@ ".to_vec()),
            1 => any::<u8>(),
        ]
    }

    /// `count` lower-case hex digits.
    fn digits(count: usize) -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(prop::sample::select(b"0123456789abcdef".to_vec()), count)
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 2_000,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn reads_8_digits_as_from_str_radix_does(digits in prop::array::uniform8(hexish())) {
            let expected = std::str::from_utf8(&digits)
                .ok()
                .filter(|text| text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
                .map(|text| u32::from_str_radix(text, 16).unwrap());
            prop_assert_eq!(hex8(&digits), expected);
        }

        #[test]
        fn reads_any_byte_as_a_digit_only_if_it_is_one(byte: u8, at in 0usize..8) {
            let mut digits = *b"0123abcd";
            digits[at] = byte;
            let valid = matches!(byte, b'0'..=b'9' | b'a'..=b'f');
            prop_assert_eq!(hex8(&digits).is_some(), valid);
        }

        #[test]
        fn parses_as_the_spec_says(
            version in prop_oneof![Just(b"00".to_vec()), Just(b"01".to_vec()), Just(b"ff".to_vec()), digits(2)],
            trace in prop_oneof![4 => digits(32), 1 => Just(vec![b'0'; 32])],
            span in prop_oneof![4 => digits(16), 1 => Just(vec![b'0'; 16])],
            flags in digits(2),
            rest in prop_oneof![Just(Vec::new()), Just(b"-".to_vec()), Just(b"-x-y".to_vec()), prop::collection::vec(hexish(), 0..4)],
            // Up to two bytes anywhere replaced by any byte, hex or not.
            changes in prop::collection::vec((any::<prop::sample::Index>(), hexish()), 0..=2),
        ) {
            let mut value = [version, trace, span, flags].join(&b'-');
            value.extend(rest);
            for (at, byte) in changes {
                let at = at.index(value.len());
                value[at] = byte;
            }
            prop_assert_eq!(parse(&value), reference(&value), "{}", String::from_utf8_lossy(&value));
        }
    }
}

//! The bearer credential of an `Authorization` header, read the same way for user tokens
//! (`auth::bearer_token`) and for the admin token.

/// The token of an `Authorization: Bearer <token>` value, the scheme in any case (RFC 9110
/// §11.1) and surrounding spaces ignored; `None` when it is not one bearer token of visible
/// ASCII characters.
pub(crate) fn bearer(value: &[u8]) -> Option<&str> {
    let value = value.trim_ascii();
    let space = value.iter().position(|&byte| byte == b' ')?;
    let (scheme, token) = value.split_at(space);
    let token = token.trim_ascii_start();
    // One branch-free pass over the token (a few hundred bytes on every request), which the
    // compiler vectorises; `HeaderValue::to_str` and a search for a space were two.
    let visible = token
        .iter()
        .fold(true, |visible, &byte| visible & byte.is_ascii_graphic());
    if !scheme.eq_ignore_ascii_case(b"bearer") || token.is_empty() || !visible {
        return None;
    }
    std::str::from_utf8(token).ok()
}

#[cfg(test)]
mod tests {
    use super::bearer;

    #[test]
    fn reads_one_bearer_token_of_visible_ascii() {
        assert_eq!(bearer(b"Bearer abc.def"), Some("abc.def"));
        assert_eq!(bearer(b"bearer  abc "), Some("abc"));
        assert_eq!(bearer(b" BEARER abc"), Some("abc"));
        for refused in [
            &b"Bearer"[..],
            b"Bearer ",
            b"Basic abc",
            b"Bearer a b",
            b"Bearer a\tb",
            b"Bearer caf\xc3\xa9",
            b"abc",
        ] {
            assert_eq!(bearer(refused), None, "{refused:?}");
        }
    }
}

//! The rules of a registration, and [`NewUser`]: a registration that follows them.

use std::fmt;
use std::ops::RangeInclusive;

use email_address::{EmailAddress, Options};
use shop_kit::problem::FieldError;

use crate::model::RegisterUser;

/// How many characters a username has.
pub const USERNAME_LENGTH: RangeInclusive<usize> = 3..=32;
/// The most characters an email address has (RFC 5321's path limit less the brackets).
pub const EMAIL_MAX_LENGTH: usize = 254;
/// How many characters a password has.
pub const PASSWORD_LENGTH: RangeInclusive<usize> = 8..=128;

/// A registration whose fields follow the rules, normalised: username and email lower-case.
/// `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct NewUser {
    /// The username, lower-case.
    pub username: String,
    /// The email address, lower-case.
    pub email: String,
    /// The password, as given.
    pub password: String,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// Checks every field of `registration` and normalises it, or lists every field that breaks
/// a rule:
///
/// - `username`: 3 to 32 characters of `a-z`, `0-9`, `_`, `.` and `-`, in any case;
/// - `email`: at most 254 characters, `local@domain` with a dotted domain name (no display
///   name, no IP literal), per RFC 5322's address syntax;
/// - `password`: 8 to 128 characters (Unicode scalar values).
pub fn validate_registration(registration: RegisterUser) -> Result<NewUser, Vec<FieldError>> {
    let errors: Vec<FieldError> = [
        username_error(&registration.username).map(|message| FieldError::new("username", message)),
        email_error(&registration.email).map(|message| FieldError::new("email", message)),
        password_error(&registration.password).map(|message| FieldError::new("password", message)),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(NewUser {
        username: registration.username.to_ascii_lowercase(),
        email: normalise_email(&registration.email),
        password: registration.password,
    })
}

/// An email address as it is stored and looked up: lower-case.
pub fn normalise_email(email: &str) -> String {
    email.to_lowercase()
}

fn username_error(username: &str) -> Option<String> {
    let length = username.chars().count();
    if !USERNAME_LENGTH.contains(&length) {
        return Some(format!(
            "must be {} to {} characters long",
            USERNAME_LENGTH.start(),
            USERNAME_LENGTH.end()
        ));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    if !username.chars().all(allowed) {
        return Some("may only contain letters a-z, digits, `_`, `.` and `-`".to_owned());
    }
    None
}

fn email_error(email: &str) -> Option<String> {
    if email.chars().count() > EMAIL_MAX_LENGTH {
        return Some(format!(
            "must be at most {EMAIL_MAX_LENGTH} characters long"
        ));
    }
    let options = Options::default()
        .with_required_tld()
        .without_display_text()
        .without_domain_literal();
    match EmailAddress::parse_with_options(email, options) {
        Ok(_) => None,
        Err(_) => Some("is not a valid email address".to_owned()),
    }
}

fn password_error(password: &str) -> Option<String> {
    let length = password.chars().count();
    if PASSWORD_LENGTH.contains(&length) {
        None
    } else {
        Some(format!(
            "must be {} to {} characters long",
            PASSWORD_LENGTH.start(),
            PASSWORD_LENGTH.end()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registration(username: &str, email: &str, password: &str) -> RegisterUser {
        RegisterUser {
            username: username.to_owned(),
            email: email.to_owned(),
            password: password.to_owned(),
        }
    }

    fn fields(result: Result<NewUser, Vec<FieldError>>) -> Vec<String> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|error| error.field)
            .collect()
    }

    #[test]
    fn a_valid_registration_is_normalised() {
        let user = validate_registration(registration(
            "Ada.Lovelace_1-x",
            "Ada@Example.ORG",
            "correct horse",
        ))
        .expect("valid");
        assert_eq!(user.username, "ada.lovelace_1-x");
        assert_eq!(user.email, "ada@example.org");
        assert_eq!(user.password, "correct horse");
        assert!(!format!("{user:?}").contains("correct horse"));
    }

    #[test]
    fn usernames_follow_the_rules() {
        for ok in ["abc", "a_b", "a.b-c", &"x".repeat(32), "ABC"] {
            assert!(username_error(ok).is_none(), "{ok}");
        }
        for bad in [
            "ab",
            "",
            &"x".repeat(33),
            "a b",
            "ädä",
            "a@b",
            "a/b",
            "abc!",
        ] {
            assert!(username_error(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn emails_follow_the_rules() {
        for ok in [
            "a@example.com",
            "first.last+tag@sub.example.co.uk",
            "A@B.CD",
        ] {
            assert!(email_error(ok).is_none(), "{ok}");
        }
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@localhost",
            "a b@example.com",
            "Ada <ada@example.com>",
            "a@[127.0.0.1]",
            "a@@example.com",
        ] {
            assert!(email_error(bad).is_some(), "{bad}");
        }
        let longest = format!(
            "{}@{}.{}.{}.com",
            "a".repeat(64),
            "x".repeat(63),
            "x".repeat(60),
            "x".repeat(60)
        );
        assert_eq!(longest.len(), EMAIL_MAX_LENGTH);
        assert!(email_error(&longest).is_none());
        let too_long = format!(
            "{}@{}.{}.{}.com",
            "a".repeat(64),
            "x".repeat(63),
            "x".repeat(61),
            "x".repeat(60)
        );
        assert_eq!(too_long.len(), EMAIL_MAX_LENGTH + 1);
        assert!(email_error(&too_long).is_some());
    }

    #[test]
    fn passwords_follow_the_rules() {
        assert!(password_error(&"p".repeat(8)).is_none());
        assert!(password_error(&"p".repeat(128)).is_none());
        assert!(
            password_error(&"é".repeat(128)).is_none(),
            "characters, not bytes"
        );
        assert!(password_error(&"p".repeat(7)).is_some());
        assert!(password_error(&"p".repeat(129)).is_some());
    }

    #[test]
    fn every_broken_rule_is_listed() {
        assert_eq!(
            fields(validate_registration(registration("x", "nope", "short"))),
            ["username", "email", "password"]
        );
    }
}

//! The rules of a review body, checked before anything is stored.

use shop_kit::problem::FieldError;

use crate::model::PostReview;

/// The lowest rating.
pub const MIN_RATING: i64 = 1;
/// The highest rating.
pub const MAX_RATING: i64 = 5;
/// The longest review text, in characters once trimmed.
pub const MAX_TEXT_CHARS: usize = 2000;

/// A review that passed [`validate_review`]: its rating is in range, its text trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReview {
    /// The rating, [`MIN_RATING`] to [`MAX_RATING`].
    pub rating: i64,
    /// The trimmed text, 1 to [`MAX_TEXT_CHARS`] characters.
    pub text: String,
}

/// Checks `review`: a rating from [`MIN_RATING`] to [`MAX_RATING`] and a text of 1 to
/// [`MAX_TEXT_CHARS`] characters once trimmed. Every broken rule is reported, by field.
pub fn validate_review(review: PostReview) -> Result<NewReview, Vec<FieldError>> {
    let mut errors = Vec::new();
    if !(MIN_RATING..=MAX_RATING).contains(&review.rating) {
        errors.push(FieldError::new(
            "rating",
            format!("must be an integer from {MIN_RATING} to {MAX_RATING}"),
        ));
    }
    let text = review.text.trim();
    let length = text.chars().count();
    if length == 0 || length > MAX_TEXT_CHARS {
        errors.push(FieldError::new(
            "text",
            format!("must be 1 to {MAX_TEXT_CHARS} characters, not counting surrounding spaces"),
        ));
    }
    if errors.is_empty() {
        Ok(NewReview {
            rating: review.rating,
            text: text.to_owned(),
        })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(rating: i64, text: &str) -> PostReview {
        PostReview {
            rating,
            text: text.to_owned(),
        }
    }

    fn fields(result: Result<NewReview, Vec<FieldError>>) -> Vec<String> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|error| error.field)
            .collect()
    }

    #[test]
    fn accepts_the_bounds_and_trims() {
        let low = validate_review(review(1, "  fine  ")).expect("valid");
        assert_eq!(low.text, "fine");
        let long = "é".repeat(MAX_TEXT_CHARS);
        assert_eq!(validate_review(review(5, &long)).expect("valid").text, long);
    }

    #[test]
    fn names_each_broken_field() {
        assert_eq!(fields(validate_review(review(0, "ok"))), ["rating"]);
        assert_eq!(fields(validate_review(review(6, "ok"))), ["rating"]);
        assert_eq!(fields(validate_review(review(3, "   "))), ["text"]);
        let too_long = "x".repeat(MAX_TEXT_CHARS + 1);
        assert_eq!(fields(validate_review(review(3, &too_long))), ["text"]);
        assert_eq!(fields(validate_review(review(-1, ""))), ["rating", "text"]);
    }
}

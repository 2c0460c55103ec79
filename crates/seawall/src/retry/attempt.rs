use http::Request;

/// The number of the attempt a request belongs to, as seen by the layers below
/// [`Retry`](super::Retry): 1 for the first attempt, 2 for the first retry, and so on.
///
/// The retry layer inserts it into the request extensions **only on retries**: the first
/// attempt goes out untouched, because inserting into empty extensions allocates and the
/// happy path allocates nothing. Read it with [`Attempt::of`], which answers 1 when the
/// extension is absent.
///
/// ```
/// use http::Request;
/// use seawall::retry::Attempt;
///
/// let first = Request::new(());
/// assert_eq!(Attempt::of(&first), 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Attempt(pub(crate) u32);

impl Attempt {
    /// The attempt number, 1-based.
    pub fn number(self) -> u32 {
        self.0
    }

    /// The attempt number of `request`: its [`Attempt`] extension, or 1 without one.
    pub fn of<B>(request: &Request<B>) -> u32 {
        request
            .extensions()
            .get::<Attempt>()
            .map_or(1, |attempt| attempt.0)
    }
}

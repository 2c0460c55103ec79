//! Reading a body up to a size limit.
//!
//! A hand-written loop rather than `http_body_util::Limited`: `Limited` converts the body's
//! error with a generic `Into`, which makes the futures of axum handlers that await it fail
//! rustc's `Send` inference (a known higher-ranked lifetime limitation).

use bytes::{Bytes, BytesMut};
use http_body::Body;
use http_body_util::BodyExt;

/// Why a body could not be read whole.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// It is longer than the limit.
    #[error("the body is over {0} bytes")]
    TooLarge(usize),
    /// The stream failed.
    #[error("the body could not be read: {0}")]
    Failed(String),
}

/// The whole of `body`, if it is at most `limit` bytes.
///
/// # Errors
///
/// [`ReadError::TooLarge`] past the limit, [`ReadError::Failed`] when the stream fails.
pub async fn read_limited<B>(mut body: B, limit: usize) -> Result<Bytes, ReadError>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    let mut collected = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| ReadError::Failed(error.to_string()))?;
        if let Ok(data) = frame.into_data() {
            if collected.len() + data.len() > limit {
                return Err(ReadError::TooLarge(limit));
            }
            collected.extend_from_slice(&data);
        }
    }
    Ok(collected.freeze())
}

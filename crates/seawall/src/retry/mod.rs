//! Retries.

//! The route template of a request, for span names and metric labels.

use std::sync::Arc;

/// The route template of a request (`/users/{id}`), for the `http_route` metric label and
/// the `{METHOD} {route}` span name.
///
/// Insert it in a client request's extensions, or on servers whose router does not provide
/// axum's `MatchedPath`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RouteTemplate(Arc<str>);

impl RouteTemplate {
    /// A route template.
    pub fn new(template: impl Into<Arc<str>>) -> Self {
        RouteTemplate(template.into())
    }

    /// The template.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The route of a request, kept without copying the string.
#[cfg(feature = "metrics")]
#[derive(Debug, Clone)]
pub(crate) enum RouteLabel {
    Template(RouteTemplate),
    #[cfg(feature = "axum")]
    Matched(axum::extract::MatchedPath),
}

#[cfg(feature = "metrics")]
impl RouteLabel {
    pub(crate) fn of<B>(req: &http::Request<B>) -> Option<Self> {
        if let Some(template) = req.extensions().get::<RouteTemplate>() {
            return Some(RouteLabel::Template(template.clone()));
        }
        #[cfg(feature = "axum")]
        if let Some(matched) = req.extensions().get::<axum::extract::MatchedPath>() {
            return Some(RouteLabel::Matched(matched.clone()));
        }
        None
    }

    pub(crate) fn as_str(&self) -> &str {
        match self {
            RouteLabel::Template(template) => template.as_str(),
            #[cfg(feature = "axum")]
            RouteLabel::Matched(matched) => matched.as_str(),
        }
    }
}

#[cfg(any(feature = "trace", feature = "chaos"))]
/// The route template a request carries, borrowed: a [`RouteTemplate`] extension first,
/// then axum's `MatchedPath`.
pub(crate) fn template(extensions: &http::Extensions) -> Option<&str> {
    if let Some(template) = extensions.get::<RouteTemplate>() {
        return Some(template.as_str());
    }
    #[cfg(feature = "axum")]
    if let Some(matched) = extensions.get::<axum::extract::MatchedPath>() {
        return Some(matched.as_str());
    }
    None
}

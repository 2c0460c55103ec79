use super::{FaultError, MatchSpec};
use http::{Extensions, HeaderMap, HeaderName, HeaderValue, Method, Request, Uri};

/// What a fault matcher and an [entity extractor](super::ChaosBuilder::entity) see of a
/// request: everything but the body, which the layer never touches.
#[derive(Debug, Clone, Copy)]
pub struct RequestHead<'a> {
    method: &'a Method,
    uri: &'a Uri,
    headers: &'a HeaderMap,
    extensions: &'a Extensions,
}

impl<'a> RequestHead<'a> {
    pub(crate) fn of<B>(req: &'a Request<B>) -> Self {
        RequestHead {
            method: req.method(),
            uri: req.uri(),
            headers: req.headers(),
            extensions: req.extensions(),
        }
    }

    /// The request method.
    pub fn method(&self) -> &'a Method {
        self.method
    }

    /// The request URI.
    pub fn uri(&self) -> &'a Uri {
        self.uri
    }

    /// The request headers.
    pub fn headers(&self) -> &'a HeaderMap {
        self.headers
    }

    /// The request extensions.
    pub fn extensions(&self) -> &'a Extensions {
        self.extensions
    }

    /// The route faults match on: the route template (`/products/{id}`) from a
    /// [`RouteTemplate`](crate::route::RouteTemplate) extension or, with the `axum` feature,
    /// axum's `MatchedPath`; else the URI path.
    pub fn route(&self) -> &'a str {
        crate::route::template(self.extensions).unwrap_or_else(|| self.uri.path())
    }
}

/// The user function that finds the entity (a product id, a user id) a request is about.
pub(crate) type EntityFn = dyn Fn(&RequestHead<'_>) -> Option<String> + Send + Sync;

/// The entity of one request, looked up at most once and only when a fault needs it, since
/// the extractor allocates.
pub(crate) struct EntityLookup<'a> {
    extractor: Option<&'a EntityFn>,
    found: Option<Option<String>>,
}

impl<'a> EntityLookup<'a> {
    pub(crate) fn new(extractor: Option<&'a EntityFn>) -> Self {
        EntityLookup {
            extractor,
            found: None,
        }
    }

    fn value(&mut self, head: &RequestHead<'_>) -> Option<&str> {
        let extractor = self.extractor;
        self.found
            .get_or_insert_with(|| extractor.and_then(|extract| extract(head)))
            .as_deref()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum RoutePattern {
    Exact(String),
    Prefix(String),
}

impl RoutePattern {
    fn parse(route: &str) -> Result<Self, FaultError> {
        let invalid = || FaultError::InvalidRoute(route.to_owned());
        if !route.starts_with('/') {
            return Err(invalid());
        }
        match route.strip_suffix('*') {
            Some(prefix) if prefix.contains('*') => Err(invalid()),
            Some(prefix) => Ok(RoutePattern::Prefix(prefix.to_owned())),
            None if route.contains('*') => Err(invalid()),
            None => Ok(RoutePattern::Exact(route.to_owned())),
        }
    }

    fn matches(&self, route: &str) -> bool {
        match self {
            RoutePattern::Exact(exact) => route == exact,
            RoutePattern::Prefix(prefix) => route.starts_with(prefix.as_str()),
        }
    }
}

/// A checked [`MatchSpec`], ready to test requests against.
#[derive(Debug, Clone)]
pub(crate) struct Matcher {
    route: Option<RoutePattern>,
    method: Option<Method>,
    header: Option<(HeaderName, HeaderValue)>,
    entity: Option<String>,
}

impl Matcher {
    pub(crate) fn new(spec: &MatchSpec, has_entity_extractor: bool) -> Result<Self, FaultError> {
        let route = spec.route.as_deref().map(RoutePattern::parse).transpose()?;
        let method = spec
            .method
            .as_deref()
            .map(|method| {
                Method::from_bytes(method.to_ascii_uppercase().as_bytes())
                    .map_err(|_| FaultError::InvalidMethod(method.to_owned()))
            })
            .transpose()?;
        let header = spec
            .header
            .as_ref()
            .map(|header| {
                let name = HeaderName::from_bytes(header.name.as_bytes())
                    .map_err(|_| FaultError::InvalidHeaderName(header.name.clone()))?;
                let value = HeaderValue::from_str(&header.value)
                    .map_err(|_| FaultError::InvalidHeaderValue(header.name.clone()))?;
                Ok((name, value))
            })
            .transpose()?;
        let entity = match &spec.entity {
            Some(entity) if entity.is_empty() => return Err(FaultError::EmptyEntity),
            Some(_) if !has_entity_extractor => return Err(FaultError::NoEntityExtractor),
            entity => entity.clone(),
        };
        Ok(Matcher {
            route,
            method,
            header,
            entity,
        })
    }

    /// Whether every criterion holds; the entity, the only costly one, is looked up last.
    pub(crate) fn matches(&self, head: &RequestHead<'_>, entity: &mut EntityLookup<'_>) -> bool {
        self.method.as_ref().is_none_or(|m| m == head.method())
            && self.route.as_ref().is_none_or(|r| r.matches(head.route()))
            && self
                .header
                .as_ref()
                .is_none_or(|(name, value)| head.headers().get(name) == Some(value))
            && self
                .entity
                .as_deref()
                .is_none_or(|wanted| entity.value(head) == Some(wanted))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn routes_must_start_with_a_slash_and_star_only_at_the_end() {
        for bad in ["charge", "/a*/b", "/*/x*", "*"] {
            assert_eq!(
                RoutePattern::parse(bad),
                Err(FaultError::InvalidRoute(bad.to_owned()))
            );
        }
        assert_eq!(
            RoutePattern::parse("/api/*"),
            Ok(RoutePattern::Prefix("/api/".into()))
        );
    }

    #[test]
    fn prefix_routes_match_what_starts_with_them_and_exact_routes_only_themselves() {
        let prefix = RoutePattern::parse("/api/*").unwrap();
        assert!(prefix.matches("/api/orders"));
        assert!(!prefix.matches("/apiary"));
        let exact = RoutePattern::parse("/charge").unwrap();
        assert!(exact.matches("/charge"));
        assert!(!exact.matches("/charge/1"));
    }

    #[test]
    fn method_is_read_in_any_case() {
        let matcher = Matcher::new(&MatchSpec::new().with_method("post"), false).unwrap();
        let req = Request::post("/").body(()).unwrap();
        assert!(matcher.matches(&RequestHead::of(&req), &mut EntityLookup::new(None)));
    }

    #[test]
    fn entity_is_looked_up_once_for_many_faults() {
        static CALLS: AtomicUsize = AtomicUsize::new(0);
        let extract = |_: &RequestHead<'_>| {
            CALLS.fetch_add(1, Ordering::Relaxed);
            Some("42".to_owned())
        };
        let matcher = Matcher::new(&MatchSpec::new().with_entity("42"), true).unwrap();
        let req = Request::get("/").body(()).unwrap();
        let head = RequestHead::of(&req);
        let mut lookup = EntityLookup::new(Some(&extract));
        assert!(matcher.matches(&head, &mut lookup));
        assert!(matcher.matches(&head, &mut lookup));
        assert_eq!(CALLS.load(Ordering::Relaxed), 1);
    }
}

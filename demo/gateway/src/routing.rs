//! Prefix routing: which route a path belongs to, and the path the upstream sees.
//!
//! A prefix is matched segment by segment, `{name}` standing for any one segment, so
//! `/api/products/{id}/reviews` takes `/api/products/42/reviews` and
//! `/api/products/42/reviews?page=2`, and `/api/products` takes `/api/products` and
//! `/api/products/42` but not `/api/productsX`. When several prefixes match, the longest
//! wins, and among equally long ones the one with more literal segments.

/// One segment of a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Any,
}

/// A parsed prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    segments: Vec<Segment>,
}

impl Pattern {
    fn parse(prefix: &str) -> Self {
        let segments = prefix
            .split('/')
            .skip(1)
            .filter(|segment| !segment.is_empty())
            .map(|segment| {
                if segment.starts_with('{') && segment.ends_with('}') {
                    Segment::Any
                } else {
                    Segment::Literal(segment.to_owned())
                }
            })
            .collect();
        Pattern { segments }
    }

    /// Whether the path's first segments are these. Walks the path once, comparing a
    /// literal in place (`str::split` searched every segment through its generic pattern
    /// machinery, twice per request).
    fn matches(&self, path: &str) -> bool {
        let mut rest = path.as_bytes();
        self.segments.iter().all(|segment| {
            let Some((b'/', after)) = rest.split_first() else {
                return false;
            };
            let len = match segment {
                Segment::Literal(literal) => {
                    let literal = literal.as_bytes();
                    if !after.starts_with(literal)
                        || after.get(literal.len()).is_some_and(|&b| b != b'/')
                    {
                        return false;
                    }
                    literal.len()
                }
                Segment::Any => after.iter().position(|&b| b == b'/').unwrap_or(after.len()),
            };
            rest = &after[len..];
            len > 0
        })
    }

    /// Longer first, then more literal segments.
    fn specificity(&self) -> (usize, usize) {
        let literals = self
            .segments
            .iter()
            .filter(|s| matches!(s, Segment::Literal(_)))
            .count();
        (self.segments.len(), literals)
    }
}

/// Routes by prefix; see the [module docs](self).
#[derive(Debug)]
pub struct RouteTable<T> {
    routes: Vec<(Pattern, T)>,
}

impl<T> RouteTable<T> {
    /// A table of `(prefix, route)` pairs.
    pub fn new(routes: impl IntoIterator<Item = (String, T)>) -> Self {
        let mut routes: Vec<(Pattern, T)> = routes
            .into_iter()
            .map(|(prefix, route)| (Pattern::parse(&prefix), route))
            .collect();
        routes.sort_by_key(|(pattern, _)| std::cmp::Reverse(pattern.specificity()));
        RouteTable { routes }
    }

    /// The route of `path` (without the query), if any.
    pub fn find(&self, path: &str) -> Option<&T> {
        self.routes
            .iter()
            .find(|(pattern, _)| pattern.matches(path))
            .map(|(_, route)| route)
    }

    /// Every route, most specific first.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.routes.iter().map(|(_, route)| route)
    }
}

/// The path and query the upstream sees: `path_and_query` without `strip` in front
/// (`/api/products/42?x=1` with `/api` gives `/products/42?x=1`), and `/` rather than
/// nothing.
pub fn rewrite(path_and_query: &str, strip: &str) -> String {
    let rest = path_and_query.strip_prefix(strip).unwrap_or(path_and_query);
    if rest.is_empty() || rest.starts_with('?') {
        format!("/{rest}")
    } else {
        rest.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> RouteTable<&'static str> {
        RouteTable::new([
            ("/api/products".to_owned(), "products"),
            ("/api/products/{id}/reviews".to_owned(), "reviews"),
            ("/api/users".to_owned(), "users"),
        ])
    }

    #[test]
    fn the_most_specific_prefix_wins() {
        let table = table();
        assert_eq!(table.find("/api/products"), Some(&"products"));
        assert_eq!(table.find("/api/products/42"), Some(&"products"));
        assert_eq!(table.find("/api/products/42/reviews"), Some(&"reviews"));
        assert_eq!(table.find("/api/products/42/reviews/7"), Some(&"reviews"));
        assert_eq!(table.find("/api/users/1"), Some(&"users"));
    }

    #[test]
    fn a_prefix_matches_whole_segments_only() {
        let table = table();
        assert_eq!(table.find("/api/productsX"), None);
        assert_eq!(table.find("/api"), None);
        assert_eq!(table.find("/api/products//reviews"), Some(&"products"));
        assert_eq!(table.find("/api//products"), None);
        assert_eq!(table.find("/api/products/42/reviewsX"), Some(&"products"));
        assert_eq!(table.find("/api/products/"), Some(&"products"));
        assert_eq!(table.find("api/products"), None);
        assert_eq!(table.find("/other"), None);
    }

    #[test]
    fn the_strip_prefix_is_cut_and_the_query_kept() {
        assert_eq!(
            rewrite("/api/products/42?page=2", "/api"),
            "/products/42?page=2"
        );
        assert_eq!(rewrite("/api", "/api"), "/");
        assert_eq!(rewrite("/api?x=1", "/api"), "/?x=1");
        assert_eq!(rewrite("/keep/this", ""), "/keep/this");
    }
}

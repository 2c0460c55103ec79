//! Power of two choices (Mitzenmacher): draw two available instances at random and take
//! the one with fewer requests in flight. Nearly as good as least-requests over all
//! instances, without scanning them all or herding onto one.

use std::sync::Arc;

use super::Endpoint;

/// The instance to send to among `endpoints`, considering those for which `available`
/// holds; `None` when none is.
pub fn pick<'a>(
    endpoints: &'a [Arc<Endpoint>],
    available: impl Fn(&Endpoint) -> bool,
    rng: &mut fastrand::Rng,
) -> Option<&'a Arc<Endpoint>> {
    // Small lists (a handful of instances): a stack buffer would do, but a Vec of
    // indices only when there is a choice to make keeps the one-instance case free.
    if let [only] = endpoints {
        return available(only).then_some(only);
    }
    let candidates: Vec<&Arc<Endpoint>> = endpoints.iter().filter(|e| available(e)).collect();
    match candidates.len() {
        0 => None,
        1 => Some(candidates[0]),
        n => {
            let first = rng.usize(..n);
            let mut second = rng.usize(..n - 1);
            if second >= first {
                second += 1;
            }
            let (a, b) = (candidates[first], candidates[second]);
            Some(if b.in_flight() < a.in_flight() { b } else { a })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::uri::Authority;

    fn endpoints(n: u16) -> Vec<Arc<Endpoint>> {
        (0..n)
            .map(|i| {
                let authority = Authority::try_from(format!("127.0.0.1:{}", 9000 + i)).unwrap();
                Arc::new(Endpoint::new("up", authority))
            })
            .collect()
    }

    #[test]
    fn the_less_loaded_of_two_wins_and_the_busiest_is_never_picked() {
        let endpoints = endpoints(3);
        let _busy: Vec<_> = (0..5).map(|_| endpoints[0].start()).collect();
        let _some = endpoints[1].start();
        let mut rng = fastrand::Rng::with_seed(7);
        let mut counts = [0; 3];
        for _ in 0..300 {
            let picked = pick(&endpoints, |_| true, &mut rng).unwrap();
            let index = endpoints
                .iter()
                .position(|e| Arc::ptr_eq(e, picked))
                .unwrap();
            counts[index] += 1;
        }
        assert_eq!(counts[0], 0, "{counts:?}");
        assert!(counts[2] > counts[1], "{counts:?}");
    }

    #[test]
    fn unavailable_instances_are_skipped() {
        let endpoints = endpoints(3);
        let mut rng = fastrand::Rng::with_seed(1);
        let skip = endpoints[0].authority().clone();
        for _ in 0..50 {
            let picked = pick(&endpoints, |e| e.authority() != &skip, &mut rng).unwrap();
            assert_ne!(picked.authority(), &skip);
        }
        assert!(pick(&endpoints, |_| false, &mut rng).is_none());
        assert!(pick(&endpoints[..1], |_| false, &mut rng).is_none());
    }
}

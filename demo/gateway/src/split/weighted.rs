//! [`Weighted`]: upstreams picked at random in proportion to their weights.

use std::sync::Arc;

use crate::balance::Upstream;

/// Upstreams with weights.
#[derive(Debug)]
pub struct Weighted {
    /// Each upstream with the running total of weights up to and including it.
    cumulative: Vec<(Arc<Upstream>, u64)>,
    total: u64,
    /// Where traffic goes when every weight is 0.
    fallback: Arc<Upstream>,
}

impl Weighted {
    /// Upstreams with their weights; `fallback` takes the traffic if they sum to 0.
    pub fn new(fallback: Arc<Upstream>, weights: Vec<(Arc<Upstream>, u32)>) -> Self {
        let mut total = 0_u64;
        let cumulative = weights
            .into_iter()
            .map(|(upstream, weight)| {
                total += u64::from(weight);
                (upstream, total)
            })
            .collect();
        Weighted {
            cumulative,
            total,
            fallback,
        }
    }

    /// Every upstream it may pick: the weighted ones and the fallback.
    pub fn upstreams(&self) -> impl Iterator<Item = &Arc<Upstream>> {
        self.cumulative
            .iter()
            .map(|(upstream, _)| upstream)
            .chain(std::iter::once(&self.fallback))
    }

    /// One upstream, each with the probability weight / total.
    pub fn pick(&self, rng: &mut fastrand::Rng) -> &Arc<Upstream> {
        if self.total == 0 {
            return &self.fallback;
        }
        let draw = rng.u64(..self.total);
        self.cumulative
            .iter()
            .find(|(_, upto)| draw < *upto)
            .map_or(&self.fallback, |(upstream, _)| upstream)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_follow_the_weights() {
        let a = Arc::new(Upstream::new("a", vec![]));
        let b = Arc::new(Upstream::new("b", vec![]));
        let zero = Arc::new(Upstream::new("zero", vec![]));
        let weighted = Weighted::new(Arc::clone(&zero), vec![(a, 90), (zero, 0), (b, 10)]);
        let mut rng = fastrand::Rng::with_seed(3);
        let mut to_b = 0;
        for _ in 0..10_000 {
            match weighted.pick(&mut rng).name() {
                "b" => to_b += 1,
                "a" => {}
                other => panic!("picked {other}"),
            }
        }
        assert!((800..1200).contains(&to_b), "{to_b}");
    }
}

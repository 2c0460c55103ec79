//! Whether the installed sampler drops the spans of requests whose caller did not sample
//! its trace: what lets a server trace layer skip making them
//! ([`HttpTraceLayer::skip_unsampled`](super::HttpTraceLayer::skip_unsampled)).

use std::sync::atomic::{AtomicBool, Ordering};

/// True until told otherwise: OpenTelemetry's default sampler is parent-based.
static DROPS_UNSAMPLED_CHILDREN: AtomicBool = AtomicBool::new(true);

/// Tells every server trace layer of the process whether the installed sampler drops the
/// span of a request whose caller did not sample its trace (`true` for the parent-based
/// samplers, OpenTelemetry's default, and `always_off`; `false` for `always_on` and
/// `traceidratio`, which may record it). With `false`, servers make those spans even where
/// [`skip_unsampled`](super::HttpTraceLayer::skip_unsampled) is on, so that the sampler can
/// decide. `seawall-telemetry` calls it with its configured sampler; call it yourself when
/// you install your own.
///
/// ```
/// // An `always_on` sampler records every span, whatever the caller decided.
/// seawall::trace::set_sampler_drops_unsampled_children(false);
/// # seawall::trace::set_sampler_drops_unsampled_children(true);
/// ```
pub fn set_sampler_drops_unsampled_children(drops: bool) {
    DROPS_UNSAMPLED_CHILDREN.store(drops, Ordering::Relaxed);
}

/// See [`set_sampler_drops_unsampled_children`].
#[inline]
pub(crate) fn sampler_drops_unsampled_children() -> bool {
    DROPS_UNSAMPLED_CHILDREN.load(Ordering::Relaxed)
}

//! `/admin/faults[/{name}]` on the gateway: seawall's fault API fanned out to every
//! instance of every upstream, and to the gateway's own faults (DESIGN §6).
//!
//! | request | what happens |
//! |---|---|
//! | `GET /admin/faults` | every instance's list |
//! | `GET /admin/faults/{name}` | every instance's fault `name` |
//! | `PUT /admin/faults/{name}` with a fault spec | the fault put on every instance |
//! | `DELETE /admin/faults[/{name}]` | the fault (or all) removed from every instance |
//!
//! `?service=payments`, or a `"service": "payments"` member in a `PUT` body (removed before
//! the spec is forwarded), limits the request to that upstream's instances; `gateway` names
//! the gateway's own fault layer (instance `self`). Every request needs the admin token the
//! services take, `Authorization: Bearer <admin token>` (401 problem+json without one, 403
//! with a wrong one); it is forwarded to the instances.
//!
//! The answer keys each instance's answer by service and instance:
//!
//! ```json
//! {"results": {"payments": {"127.0.0.1:8084": {"status": 201, "body": {"name": "paymentFailure", ...}}},
//!              "gateway": {"self": {"status": 201, "body": {...}}}}}
//! ```
//!
//! `200` with that body when every instance accepted. When any refused (an error status, no
//! answer within [`FORWARD_TIMEOUT`], no connection: `{"error": "..."}` in place of the
//! status), the answer is a `502` problem+json whose `detail` names the refusing instances
//! and whose `results` member holds every instance's answer, so an operator sees which
//! instances carry the fault. A `404` to `GET` or `DELETE` of one named fault means that
//! instance does not have it, not a refusal; when no instance has it the answer is `404`.

mod fanout;

pub use fanout::{FORWARD_TIMEOUT, FaultFanOut, is_fault_api};

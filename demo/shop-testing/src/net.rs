//! Addresses for tests that start servers by configuration rather than on a listener they
//! hold.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};

/// A port free right now on 127.0.0.1. Nothing holds it once this returns, so the server
/// given it must bind it soon (`shop up`'s assembly binds every address before it builds
/// anything); a test that can hand a server a bound listener should do that instead.
pub fn free_address() -> SocketAddr {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind an ephemeral port");
    listener.local_addr().expect("local address")
}

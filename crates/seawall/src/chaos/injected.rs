use super::FaultKind;
use std::{error::Error, fmt, io, sync::Arc};

/// The error a [client layer](super::ClientChaosLayer) fails a call with for a
/// `transport_error` or `connection_reset` fault.
///
/// It looks like the real thing to code that inspects errors: its
/// [`source`](Error::source) is an [`io::Error`] of kind
/// [`ConnectionRefused`](io::ErrorKind::ConnectionRefused) (transport error: the request
/// never left) or [`ConnectionReset`](io::ErrorKind::ConnectionReset), and it converts into
/// an `io::Error` of that kind. The client's error type must be `From<InjectedFault>`, as
/// tower's `BoxError` and `io::Error` are.
///
/// ```
/// use seawall::chaos::InjectedFault;
/// use std::io;
///
/// # fn check(error: &(dyn std::error::Error + 'static)) {
/// // Somewhere up the client stack:
/// if let Some(fault) = error.downcast_ref::<InjectedFault>() {
///     assert_eq!(fault.io_kind(), io::ErrorKind::ConnectionReset);
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct InjectedFault {
    name: Arc<str>,
    kind: FaultKind,
    io: io::Error,
}

impl InjectedFault {
    /// Only for the transport kinds; the layer never makes one of another kind.
    pub(crate) fn new(name: Arc<str>, kind: FaultKind) -> Self {
        let io_kind = match kind {
            FaultKind::ConnectionReset => io::ErrorKind::ConnectionReset,
            FaultKind::TransportError | FaultKind::Latency | FaultKind::Abort => {
                io::ErrorKind::ConnectionRefused
            }
        };
        InjectedFault {
            name,
            kind,
            io: io::Error::new(io_kind, kind.as_str()),
        }
    }

    /// The name of the fault that was injected.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The kind of the fault: [`TransportError`](FaultKind::TransportError) or
    /// [`ConnectionReset`](FaultKind::ConnectionReset).
    pub fn kind(&self) -> FaultKind {
        self.kind
    }

    /// The kind of I/O error the fault imitates.
    pub fn io_kind(&self) -> io::ErrorKind {
        self.io.kind()
    }
}

impl fmt::Display for InjectedFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "injected fault {:?}: {}", self.name, self.kind)
    }
}

impl Error for InjectedFault {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.io)
    }
}

impl From<InjectedFault> for io::Error {
    fn from(fault: InjectedFault) -> Self {
        io::Error::new(fault.io_kind(), fault)
    }
}

//! [`banner`]: what `shop up` prints once its services are built.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;

use shop_kit::config::Secret;

use crate::settings::{Instance, SecretSource};

/// The text `shop up` prints to the terminal: each service instance and its URL (the
/// gateway, the shop's entry point, first), the data directory,
/// the admin token when it was generated (a local development credential, printed here once
/// and never logged), and how to stop.
pub fn banner(
    services: &[(Instance, SocketAddr)],
    data_dir: &Path,
    admin_token: &Secret,
    admin_token_source: SecretSource,
) -> String {
    let mut text = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(
        text,
        "seawall demo shop: {} services in one process\n",
        services.len()
    );
    let _ = writeln!(text, "  {:<17}URL", "SERVICE");
    for (instance, address) in services {
        let _ = writeln!(text, "  {:<17}http://{address}", instance.to_string());
    }
    if let Some((_, gateway)) = services
        .iter()
        .find(|(instance, _)| instance.service == crate::service::Service::Gateway)
    {
        let _ = writeln!(
            text,
            "\nthe shop's API: http://{gateway}/api/... (canaries: add the header x-canary: beta)"
        );
    }
    let _ = writeln!(text, "\ndata:         {}", data_dir.display());
    match admin_token_source {
        SecretSource::Generated => {
            let _ = writeln!(
                text,
                "admin token:  {} (for /admin/*, valid until this process stops)",
                admin_token.expose()
            );
        }
        SecretSource::Environment => {
            let _ = writeln!(text, "admin token:  the value of SHOP_ADMIN_TOKEN");
        }
    }
    let _ = writeln!(text, "\npress Ctrl-C to stop");
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::Service;

    #[test]
    fn names_every_service_the_token_and_how_to_stop() {
        let services = [
            (
                Instance::first(Service::Gateway),
                "127.0.0.1:8080".parse().expect("address"),
            ),
            (
                Instance::first(Service::Users),
                "127.0.0.1:8081".parse().expect("address"),
            ),
            (
                Instance::first(Service::Reviews),
                "127.0.0.1:8086".parse().expect("address"),
            ),
            (
                Instance {
                    service: Service::Reviews,
                    index: 0,
                    canary: true,
                },
                "127.0.0.1:9086".parse().expect("address"),
            ),
        ];
        let token = Secret::new("generated-admin-token");
        let text = banner(
            &services,
            Path::new(".data"),
            &token,
            SecretSource::Generated,
        );
        assert!(
            text.contains("users            http://127.0.0.1:8081"),
            "{text}"
        );
        assert!(
            text.contains("reviews-canary   http://127.0.0.1:9086"),
            "{text}"
        );
        assert!(text.contains("http://127.0.0.1:8080/api/"), "{text}");
        assert!(text.contains("generated-admin-token"), "{text}");
        assert!(text.contains("press Ctrl-C to stop"), "{text}");

        let text = banner(
            &services,
            Path::new(".data"),
            &token,
            SecretSource::Environment,
        );
        assert!(!text.contains("generated-admin-token"), "{text}");
    }
}

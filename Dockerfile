# syntax=docker/dockerfile:1
# One image for every service of the demo shop: `shop serve <service>` (docker-compose.yml
# and deploy/k8s/ pass the service as the command).
#
#   docker build -t seawall/shop .
#   docker run --rm -e SHOP_JWT_SECRET=... -e SHOP_ADMIN_TOKEN=... seawall/shop serve products

# ---- build: the release binary, with the registry and target dir cached between builds
FROM rust:1.95-slim-trixie AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked -p shop \
 && install -D -m 0755 target/release/shop /out/shop

# ---- runtime: glibc and CA roots only (no OpenSSL: the shop links no TLS library), and
# busybox for the health checks' wget; a fixed non-root user.
FROM debian:trixie-slim AS runtime
# Debian's security updates replace package versions, so pinning them would break the
# build instead of patching it; the base image's release pins what matters.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates busybox \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 shop \
 && useradd --system --uid 10001 --gid shop --home-dir /var/lib/shop --create-home --shell /usr/sbin/nologin shop
COPY --from=build /out/shop /usr/local/bin/shop
USER 10001:10001
WORKDIR /var/lib/shop
# Listen on every interface inside the container; SQLite files (when no database URL is
# given) go to the home directory. Development secrets are refused on a non-loopback
# address, so SHOP_JWT_SECRET and SHOP_ADMIN_TOKEN must be set at run time.
ENV SHOP_DATA_DIR=/var/lib/shop \
    SEAWALL_LOG_FORMAT=json \
    RUST_LOG=info
EXPOSE 8080 8081 8082 8083 8084 8085 8086
ENTRYPOINT ["/usr/local/bin/shop"]
CMD ["--help"]

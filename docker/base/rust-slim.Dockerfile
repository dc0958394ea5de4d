# `rust:<RUST_VERSION>-slim-bookworm` made the way the official image is made
# (docker-library/rust: Debian slim + gcc/libc6-dev + rustup's minimal profile), from a
# `debian:bookworm-slim` that scripts/docker-base.sh made from the Debian mirror. Only for a
# machine that cannot pull from Docker Hub; docker/Dockerfile does not change.
FROM debian:bookworm-slim
ARG RUST_VERSION
ENV RUSTUP_HOME=/usr/local/rustup \
    CARGO_HOME=/usr/local/cargo \
    PATH=/usr/local/cargo/bin:$PATH \
    RUST_VERSION=${RUST_VERSION}
RUN set -eu; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates gcc libc6-dev wget; \
    base=https://static.rust-lang.org/rustup/dist/x86_64-unknown-linux-gnu; \
    wget -q "$base/rustup-init" "$base/rustup-init.sha256"; \
    echo "$(cut -d' ' -f1 rustup-init.sha256)  rustup-init" | sha256sum -c -; \
    chmod +x rustup-init; \
    ./rustup-init -y --no-modify-path --profile minimal --default-toolchain "$RUST_VERSION"; \
    rm rustup-init rustup-init.sha256; \
    chmod -R a+w "$RUSTUP_HOME" "$CARGO_HOME"; \
    rustc --version; \
    apt-get remove -y --auto-remove wget; \
    rm -rf /var/lib/apt/lists/*

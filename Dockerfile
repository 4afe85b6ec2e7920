# Sandcastle controller image: `docker build -t sandcastle .`
# Stage 1 builds a release binary with the Swift standard library linked statically.
ARG SWIFT_VERSION=6.3.1
FROM swift:${SWIFT_VERSION}-bookworm AS build
WORKDIR /src
# The manifest names every target, so all target folders are needed to resolve and build.
COPY Package.swift ./
COPY Sources Sources
COPY Tests Tests
COPY benchmarks benchmarks
RUN swift build -c release --product sandcastle --static-swift-stdlib \
    && install -D "$(swift build -c release --show-bin-path)/sandcastle" /out/sandcastle

# kubectl for Kustomize bundles (`kubectl kustomize`), from the official image.
FROM registry.k8s.io/kubectl:v1.32.0 AS kubectl

# Stage 2: a small Debian with what the controller runs: git (checkouts of PR heads), tar,
# CA certificates (GitHub, the API server). No compiler, no shell tools beyond Debian's base.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates git tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 65532 sandcastle \
    && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin sandcastle
COPY --from=kubectl /bin/kubectl /usr/local/bin/kubectl
COPY --from=build /out/sandcastle /usr/local/bin/sandcastle
USER 65532:65532
ENV HOME=/tmp
# Fewer glibc malloc arenas: memory freed after a burst of webhook bodies goes back to the system.
ENV MALLOC_ARENA_MAX=2
# 8080: webhooks and probes (controller.listen); 9090: dashboard, API, metrics (controller.adminListen).
EXPOSE 8080 9090
ENTRYPOINT ["/usr/local/bin/sandcastle"]
CMD ["run", "-c", "/etc/sandcastle/sandcastle.yaml"]

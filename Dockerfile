# syntax=docker/dockerfile:1

# Base image: node:24-bookworm-slim.
# - Node 24 is an LTS line (supported until 2028-04-30) and satisfies `engines.node >= 20`.
#   Node 26 became the Active LTS line on 2026-10-28; to move to it, build with
#   `--build-arg NODE_IMAGE=node:26-<variant>` once the tests have run on 26.
# - Debian slim (glibc) rather than Alpine (musl): glibc Linux is a Tier 1 platform for Node.js,
#   musl builds are only "experimental", and CI runs on Debian bookworm, so the image runs on the
#   same libc as the tests. The dependencies are pure JavaScript, so slim stays small.
# - Slim has neither curl nor wget: the HEALTHCHECK below is the exporter's own `healthcheck`
#   subcommand, which reads the same configuration (PORT, HOST, WEB_CONFIG_FILE) and so speaks
#   HTTPS when TLS is on.
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: compile TypeScript to dist/ ----------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies and dist/ only -----------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG BUILD_REVISION=unknown
LABEL org.opencontainers.image.title="exotel-heartbeat-exporter" \
      org.opencontainers.image.description="Prometheus exporter for Exotel ExoPhone heartbeats" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.revision="${BUILD_REVISION}"
# MALLOC_MMAP_THRESHOLD_, as `npm start` sets it: glibc otherwise raises its mmap threshold after
# the first large buffer is freed (up to 32 MiB), so the per-SID text of a large heartbeat is
# allocated from heaps it never returns; pinned at 128 KiB the peak RSS of a 10 MB heartbeat was
# about 35 MB lower and the steady RSS about 70 MB lower (README "Performance").
ENV NODE_ENV=production \
    MALLOC_MMAP_THRESHOLD_=131072 \
    BUILD_REVISION=${BUILD_REVISION} \
    PORT=8747 \
    STATE_FILE=/var/lib/exotel-exporter/state.json
WORKDIR /app
# package.json is needed at run time too: dist/main.js reads the version from ../package.json.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The runbook, served at /runbook: the exporter reads it from ../docs/runbook.md next to dist/.
COPY docs/runbook.md ./docs/runbook.md
# The state directory must exist and belong to the unprivileged user before VOLUME, so a fresh
# named volume is initialised with that ownership. The user is numeric (the image's `node` user,
# 1000:1000): Kubernetes refuses `runAsNonRoot` with a user name it cannot verify is not root.
RUN mkdir -p /var/lib/exotel-exporter && chown 1000:1000 /var/lib/exotel-exporter
USER 1000:1000
VOLUME ["/var/lib/exotel-exporter"]
EXPOSE 8747
# Liveness only (/-/healthy answers while the process serves HTTP). Readiness (`healthcheck
# --ready`, /-/ready) is for orchestrators that gate traffic; see docker-compose.yml. Works with
# WEB_CONFIG_FILE's TLS and basic auth on (the probes are exempt from basic auth).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "dist/main.js", "healthcheck"]
# Not `npm start`: its prestart hook would try to rebuild (no TypeScript in this image), and npm
# as PID 1 does not forward SIGTERM, which the exporter needs to save state on shutdown.
# No V8 flags, as in `npm start`: `--max-semi-space-size=64` acknowledged a 10 MB heartbeat about
# a quarter faster in our benchmark but added some 100 MB of RSS (README "Performance"); set it
# with NODE_OPTIONS where acknowledgement time matters more than memory.
# The program is the entrypoint, so `docker run <image> --log.level=debug` passes flags and
# `docker run <image> send --url … --status critical` runs the sender (README "Rehearse an alert").
ENTRYPOINT ["node", "dist/main.js"]
CMD []

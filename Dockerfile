# One image for every keywarden process:
#   docker run IMAGE                 -> keywarden serve   (webhooks, /healthz, /metrics)
#   docker run IMAGE worker          -> keywarden worker  (scan + rotate queues)
#   docker run IMAGE keyservice      -> keywarden keyservice
# Settings come from the environment (APP_ID, PRIVATE_KEY / PRIVATE_KEY_PATH, WEBHOOK_SECRET,
# REDIS_URL, GHE_HOST, ...): see the README, "GitHub App". The key service's embedded database
# lives in /data, a volume: docker run -v keywarden-data:/data IMAGE keyservice

# --- build: all dependencies, compile TypeScript, then drop dev dependencies -------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
# re2 is a native module, compiled from source here: DOWNLOAD_FORCE_BUILD stops its installer
# from fetching a prebuilt binary, and npm_config_nodedir points node-gyp at the Node headers
# this image ships in /usr/local/include/node instead of downloading them. So nothing is
# downloaded but npm packages and Debian packages.
ENV npm_config_nodedir=/usr/local
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Scripts are skipped here (prepare would compile before the sources are copied); native
# modules are rebuilt explicitly below.
RUN npm ci --ignore-scripts && DOWNLOAD_FORCE_BUILD=1 npm rebuild re2
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY bin ./bin
COPY src ./src
COPY rules ./rules
COPY app.yml ./
# `npm run build` is tsc, the CLI bundle (scripts/bundleHook.mjs, esbuild, a dev dependency:
# bin/keywarden.js runs dist/cli/main.bundle.cjs when it is there, else it loads the compiled
# modules one by one) and the parsed built-in rules (dist/rules-cache.json, which the runtime
# user could not write into the image) with their keyword automaton (dist/keyword-automaton.bin). Then, with production dependencies only, one scan: it
# proves the bundled CLI runs without dev dependencies.
RUN npm run build && npm prune --omit=dev \
    && echo 'nothing to find here' | node bin/keywarden.js scan - \
    && test -s dist/cli/main.bundle.cjs && test -s dist/rules-cache.json && test -s dist/keyword-automaton.bin

# --- runtime: production dependencies and compiled code only, as a non-root user ---------
FROM node:20-bookworm-slim AS runtime
# git: the scan worker fetches the commits it scans.
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/*
# HOST: serve and keyservice listen on every interface (keyservice also reads it).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    KEYSERVICE_DATA_DIR=/data
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/bin ./bin
COPY --from=build --chown=root:root /app/rules ./rules
COPY --from=build --chown=root:root /app/app.yml ./
# bin/keywarden.js takes the bundle only if it is not older than dist/cli/main.js; COPY keeps
# the build stage's times (at worst truncated to the second, which keeps their order), but a
# builder that reset them could silently demote the image to the unbundled entry: refuse that.
RUN ln -s /app/bin/keywarden.js /usr/local/bin/keywarden && chmod 0755 /app/bin/keywarden.js \
    && node -e 'const { statSync } = require("node:fs"); \
      if (statSync("dist/cli/main.bundle.cjs").mtimeMs < statSync("dist/cli/main.js").mtimeMs) { \
        console.error("dist/cli/main.bundle.cjs is older than dist/cli/main.js: keywarden would not use it"); process.exit(1); }'
# The image's files belong to root and are read-only to the app; scans use $TMPDIR. The key
# service's embedded database (PGlite, when DATABASE_URL is unset) and its generated pepper go
# to /data, which the non-root user owns; a volume keeps them across containers. Docker copies
# the directory's ownership into a new named volume.
RUN mkdir -p /data && chown node:node /data && chmod 0700 /data
VOLUME /data
USER node
EXPOSE 3000 8787
# One check for every process the image runs (`keywarden healthcheck`): serve and keyservice
# by their /healthz on $PORT (serve answers 503 while Redis is unreachable), the worker, which
# has no port, by the heartbeat file it rewrites every 10 s after pinging Redis. The start
# period covers loading the rules and the first Redis connection.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["keywarden", "healthcheck"]
ENTRYPOINT ["keywarden"]
CMD ["serve"]

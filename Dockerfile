# One image for every keywarden process:
#   docker run IMAGE                 -> keywarden serve   (webhooks, /healthz, /metrics)
#   docker run IMAGE worker          -> keywarden worker  (scan + rotate queues)
#   docker run IMAGE keyservice      -> keywarden keyservice
# Settings come from the environment (APP_ID, PRIVATE_KEY / PRIVATE_KEY_PATH, WEBHOOK_SECRET,
# REDIS_URL, GHE_HOST, ...): see the README, "GitHub App".

# --- build: all dependencies, compile TypeScript, then drop dev dependencies -------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
# re2 is a native module: prebuilt binaries are downloaded when available, else compiled.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Scripts are skipped here (prepare would compile before the sources are copied); native
# modules are rebuilt explicitly below.
RUN npm ci --ignore-scripts && npm rebuild re2
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY rules ./rules
COPY app.yml ./
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev

# --- runtime: production dependencies and compiled code only, as a non-root user ---------
FROM node:20-bookworm-slim AS runtime
# git: the scan worker fetches the commits it scans.
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/bin ./bin
COPY --from=build --chown=root:root /app/rules ./rules
COPY --from=build --chown=root:root /app/app.yml ./
RUN ln -s /app/bin/keywarden.js /usr/local/bin/keywarden && chmod 0755 /app/bin/keywarden.js
# The image's files belong to root and are read-only to the app; scans use $TMPDIR.
USER node
EXPOSE 3000
ENTRYPOINT ["keywarden"]
CMD ["serve"]

# graphchat relay (packages/server). See docs/deploy.md.
#
#   docker build -t graphchat-relay .
#   docker run -d --name graphchat-relay -p 5223:5223 -v graphchat-data:/data \
#     -e HOST=relay.example.com graphchat-relay
#   docker logs graphchat-relay 2>/dev/null    # the relay address (stdout)

FROM node:20-bookworm-slim AS build
# better-sqlite3 is a native module: it is compiled from source when no
# prebuilt binary can be downloaded for this platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app

# Manifests first, so the dependency layer (with the native build) is reused
# until a package.json or the lockfile changes.
COPY package.json package-lock.json ./
COPY packages/core/package.json packages/core/
COPY packages/client/package.json packages/client/
COPY packages/server/package.json packages/server/
# --ignore-scripts skips the root `prepare` script (a full build; the sources
# are not here yet); the native module's install script is then run by itself.
RUN npm ci --ignore-scripts \
 && npm rebuild better-sqlite3

COPY tsconfig.base.json ./
COPY packages/core packages/core
COPY packages/server packages/server
# Only the relay and the library it imports (core): no client, tests or bench.
# The prune must not run `prepare` either: TypeScript is a dev dependency.
RUN ./node_modules/.bin/tsc -b packages/server \
 && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
WORKDIR /app
# node_modules holds relative symlinks to the workspaces (node_modules/@graphchat/core
# -> ../../packages/core); COPY keeps them, and the targets are copied below.
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/packages/core/package.json packages/core/
COPY --from=build /app/packages/core/dist packages/core/dist
COPY --from=build /app/packages/client/package.json packages/client/
COPY --from=build /app/packages/server/package.json packages/server/
COPY --from=build /app/packages/server/dist packages/server/dist

# The identity key and the message store. A named volume starts with this
# directory's owner and mode (0700: the relay refuses a directory others can
# write); a bind-mounted host directory must be writable by uid 1000.
RUN mkdir -p -m 0700 /data && chown node:node /data
ENV DATA_DIR=/data \
    PORT=5223
USER node
VOLUME /data
EXPOSE 5223
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 5223) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The relay handles SIGTERM itself (closes connections and the store), so it can run as PID 1.
CMD ["node", "packages/server/dist/bin.js"]

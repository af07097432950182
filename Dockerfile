# syntax=docker/dockerfile:1
# Emerald: one image for the API and the worker (EMERALD_PROCESSES picks the role), on
# Node.js 24 LTS, running as the unprivileged `node` user.

# ── build: install everything, generate the Prisma client and typed documents, build the monitor
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY prisma.config.ts codegen.ts schema.graphql tsconfig.json tsconfig.base.json ./
COPY scripts ./scripts
COPY server ./server
COPY workers ./workers
COPY simulators ./simulators
COPY client ./client
# postinstall runs `npm run generate` and builds client/dist
RUN npm ci && npm prune --omit=dev

# ── runtime: production dependencies and built artefacts only
FROM node:24-bookworm-slim AS runtime
# Production never runs the demo (it would load a simulated ISP and demo sign-ins).
ENV NODE_ENV=production EMERALD_DEMO=off HOST=0.0.0.0 PORT=4000 LOG_FORMAT=json
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/server ./server
COPY --from=build /app/workers ./workers
COPY --from=build /app/simulators ./simulators
COPY --from=build /app/scripts ./scripts
COPY --from=build /app/client/dist ./client/dist
USER node
EXPOSE 4000
# API: /readyz (database, migrations, a live worker); worker: its own recent heartbeat.
HEALTHCHECK --interval=15s --timeout=6s --start-period=90s --retries=3 \
  CMD ["node", "--import", "tsx", "scripts/healthcheck.ts"]
CMD ["node", "--import", "tsx", "server/src/main.ts"]

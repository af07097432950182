# syntax=docker/dockerfile:1
# Emerald: one image for the API and the worker (EMERALD_PROCESSES picks the role).

# ── build: install everything, generate the Prisma client and typed documents, build the monitor
FROM node:20-bookworm-slim AS build
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
FROM node:20-bookworm-slim AS runtime
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
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--import", "tsx", "server/src/main.ts"]

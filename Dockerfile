# The hub image used by docker-compose.yml. Two stages: the build stage has the dev tools and runs `npm run build`
# (compiled server in dist/, dashboard in web/dist); the runtime stage has production dependencies, the compiled
# code and the dashboard only, and runs as the unprivileged `node` user with no TypeScript loader.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are copied; the build runs below.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm run build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` builds, which needs the dev tools this stage leaves out; the build is copied in.
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY --from=build /app/bin/runtime-hub.js ./bin/runtime-hub.js
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
ENV HOST=0.0.0.0 PORT=3000
# The embedded database (DATA_DIR, ./data) must be writable by the user the hub runs as.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD node -e "fetch('http://127.0.0.1:3000/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "bin/runtime-hub.js", "serve"]

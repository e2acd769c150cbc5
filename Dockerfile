# One small image for both roles:
#   docker run IMAGE                 → the API   (npm run start:api)
#   docker run IMAGE worker          → the workers (npm run start:worker)
# It seeds no site: config/demo-sites.json (whose secret is public) is not copied in. To
# seed sites, mount a seed file and name it in SITES_SEED_FILE (see README, Operations).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY config ./config
COPY src ./src
COPY workers ./workers
COPY bench ./bench
COPY widget ./widget
COPY scripts/build-widget.js scripts/clean-dist.js ./scripts/
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=8080
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
COPY --chown=node:node docker/entrypoint.sh ./docker/entrypoint.sh
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
ENTRYPOINT ["sh", "docker/entrypoint.sh"]
CMD ["api"]

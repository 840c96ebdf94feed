# syntax=docker/dockerfile:1
# Orb Watch Party: the bot, with its stream workers as child processes. Node 24 runs the TypeScript
# sources directly (type stripping), so there is no TypeScript compile stage: one stage resolves
# production dependencies and builds the native media sender, the runtime stage adds Debian's ffmpeg
# and runs as the unprivileged `node` user.

FROM node:24-bookworm-slim AS deps
# A C compiler for the stream worker's native media sender (native/media-send.c); it stays in this
# stage, only the built module goes on.
RUN apt-get update \
  && apt-get install -y --no-install-recommends gcc libc6-dev \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: better-sqlite3 and @snazzah/davey ship prebuilt binaries, and ffmpeg-static's
# download is not wanted (Debian's ffmpeg is installed below). Our own install script (the native
# build) runs explicitly next, and must succeed.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY scripts/build-native.ts ./scripts/
COPY native/media-send.c ./native/
RUN node scripts/build-native.ts --required
# The dashboard's page: bundled here once, served by the bot, nothing fetched at run time.
COPY scripts/build-dashboard.ts ./scripts/
COPY web ./web
RUN node scripts/build-dashboard.ts

FROM node:24-bookworm-slim AS runtime
# fonts-dejavu-core: the faces libass draws burned-in subtitles with (Latin, Greek, Cyrillic); add
# fonts-noto-cjk for Chinese, Japanese or Korean subtitles through EXTRA_PACKAGES.
# VAAPI encoding (VIDEO_ENCODER=vaapi) also needs the GPU's VA driver, which only a host with that GPU
# wants: docker build --build-arg EXTRA_PACKAGES="intel-media-va-driver" (Intel) or "mesa-va-drivers"
# (AMD). NVENC's driver comes from the NVIDIA Container Toolkit at run time instead.
ARG EXTRA_PACKAGES=""
RUN apt-get update \
  && apt-get install -y --no-install-recommends ffmpeg fonts-dejavu-core ca-certificates tini ${EXTRA_PACKAGES} \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    DATABASE_PATH=/data/orb.sqlite \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8787 \
    FFMPEG_PATH=/usr/bin/ffmpeg
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/native/build ./native/build
COPY --from=deps /app/web/dist ./web/dist
COPY package.json ./
COPY src ./src
COPY migrations ./migrations
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8787
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.HTTP_PORT}/api/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# tini reaps the worker and ffmpeg children and forwards SIGTERM so `docker stop` shuts down cleanly.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "src/main.ts", "start"]

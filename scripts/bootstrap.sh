# Sourced by ./orb and .ci/run: makes sure this machine has what the project needs, installing what
# is missing. Node >= 22.19 or 24.5 (Node 24 from the npm registry when the machine's node is older),
# Debian's ffmpeg, Debian's Chromium (for the dashboard's browser tests), a C compiler for the native
# media sender, and the npm packages of package-lock.json.

orb_step() { printf '\n==> %s\n' "$*" >&2; }

# The bot runs on Node >= 22.12; the test suite also needs tls.setDefaultCACertificates (22.19, 24.5),
# which the conformance run uses to make @discordjs/voice trust the simulator's certificate.
orb_node_is_recent() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit((a > 22 || (a === 22 && b >= 12)) && typeof require("node:tls").setDefaultCACertificates === "function" ? 0 : 1)'
}

orb_ensure_node() {
  orb_node_is_recent && return 0
  local node_dir="${XDG_CACHE_HOME:-$HOME/.cache}/orb-watch-party/node24"
  if [ ! -x "$node_dir/node_modules/.bin/node" ]; then
    orb_step "Installing Node 24 from the npm registry into $node_dir (found: $(node --version 2>/dev/null || echo none))"
    mkdir -p "$node_dir"
    npm install --prefix "$node_dir" --no-audit --no-fund --loglevel=error node@24 >&2
  fi
  export PATH="$node_dir/node_modules/.bin:$PATH"
  orb_node_is_recent || { echo "Could not get Node >= 22.19 (or >= 24.5) (have $(node --version))" >&2; return 1; }
}

orb_ensure_ffmpeg() {
  command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 && return 0
  [ -n "${FFMPEG_PATH:-}" ] && [ -x "${FFMPEG_PATH}" ] && return 0
  orb_step "Installing ffmpeg from Debian"
  orb_apt_install ffmpeg || {
    echo "ffmpeg is missing and this is not a Debian-like system: install ffmpeg, or set FFMPEG_PATH." >&2
    return 1
  }
}

# The dashboard's browser tests drive Debian's Chromium through playwright-core (whose own browser
# download cannot run everywhere); CHROMIUM_PATH points them at another build.
orb_ensure_chromium() {
  [ -n "${CHROMIUM_PATH:-}" ] && [ -x "${CHROMIUM_PATH}" ] && return 0
  command -v chromium >/dev/null 2>&1 && return 0
  orb_step "Installing Chromium from Debian (for the dashboard's browser tests)"
  orb_apt_install chromium || {
    echo "Chromium is missing and this is not a Debian-like system: install it, or set CHROMIUM_PATH." >&2
    return 1
  }
}

orb_apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >&2
}

# The stream worker's native media sender (native/media-send.c) is compiled on `npm ci`. Without a
# compiler the worker still streams, through Node's crypto and dgram at about twice the CPU, so a
# machine that cannot get one only loses speed; CI sets ORB_REQUIRE_NATIVE=1 to insist.
orb_ensure_cc() {
  command -v "${CC:-cc}" >/dev/null 2>&1 && return 0
  orb_step "Installing a C compiler from Debian (for the native media sender)"
  orb_apt_install gcc libc6-dev && return 0
  echo "No C compiler: the stream worker will use its slower JavaScript send path." >&2
  [ "${ORB_REQUIRE_NATIVE:-}" != "1" ]
}

# Installs node_modules when missing or older than package-lock.json (npm ci also builds the native
# media sender and the dashboard's page), and rebuilds either when its source is newer than the build.
orb_ensure_packages() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    orb_step "npm ci"
    npm ci --no-audit --no-fund >&2
  elif [ ! -f native/build/media-send.node ] || [ native/media-send.c -nt native/build/media-send.node ]; then
    orb_step "npm run build:native"
    npm run --silent build:native >&2
  fi
  if [ ! -f web/dist/app.js ] || [ -n "$(find web/src -newer web/dist/app.js -print -quit)" ]; then
    orb_step "npm run build:dashboard"
    npm run --silent build:dashboard >&2
  fi
}

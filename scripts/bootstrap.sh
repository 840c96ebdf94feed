# Sourced by ./orb and .ci/run: makes sure this machine has what the project needs, installing what
# is missing. Node >= 22.12 (Node 24 from the npm registry when the machine's node is older),
# Debian's ffmpeg, and the npm packages of package-lock.json.

orb_step() { printf '\n==> %s\n' "$*" >&2; }

orb_node_is_recent() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 12) ? 0 : 1)'
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
  orb_node_is_recent || { echo "Could not get Node >= 22.12 (have $(node --version))" >&2; return 1; }
}

orb_ensure_ffmpeg() {
  command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 && return 0
  [ -n "${FFMPEG_PATH:-}" ] && [ -x "${FFMPEG_PATH}" ] && return 0
  orb_step "Installing ffmpeg from Debian"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "ffmpeg is missing and this is not a Debian-like system: install ffmpeg, or set FFMPEG_PATH." >&2
    return 1
  fi
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends ffmpeg >&2
}

# Installs node_modules when missing or older than package-lock.json.
orb_ensure_packages() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    orb_step "npm ci"
    npm ci --no-audit --no-fund >&2
  fi
}

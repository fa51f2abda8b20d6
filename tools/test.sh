#!/usr/bin/env bash
# The test command: go vet, gofmt, go mod tidy, the SPIR-V freshness check, then the Go
# tests: packages that need no device once, packages that use Vulkan once per
# software driver (lavapipe and SwiftShader), each with the Khronos
# validation layer and its synchronization validation on, and with the
# device's reported limits clamped to the strictest real GPU's
# (MAEVK_LIMITS=strict, see vk.StrictLimits), so that every op is checked
# within the limits a real GPU imposes. A validation warning or error fails
# the test that caused it (vk/vktest).
set -euo pipefail
cd "$(dirname "$0")/.."

ICD_DIR=/usr/share/vulkan/icd.d
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
export MAEVK_PIPELINE_CACHE=-

echo "== go vet"
go vet ./...

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi

echo "== go mod tidy"
if ! tidy_diff=$(go mod tidy -diff 2>&1); then
  echo "go mod tidy would change go.mod/go.sum (run go mod tidy and commit):" >&2
  echo "$tidy_diff" >&2
  exit 1
fi

echo "== SPIR-V freshness"
go run ./tools/shaderbuild -check

# Packages whose tests reach a Vulkan device, directly or through imports.
# The viewer's end-to-end tests (a window under Xvfb) run once, on lavapipe,
# after the others.
view_pkg=github.com/mae-vk/mae-vk/cmd/mae-vk-view
device_pkgs=()
host_pkgs=()
for p in $(go list ./...); do
  if [ "$p" = "$view_pkg" ]; then continue; fi
  deps=$(go list -test -deps -f '{{.ImportPath}}' "$p")
  if grep -qx 'github.com/mae-vk/mae-vk/vk' <<<"$deps"; then
    device_pkgs+=("$p")
  else
    host_pkgs+=("$p")
  fi
done

echo "== go test (no device): ${#host_pkgs[@]} packages"
go test -count=1 "${host_pkgs[@]}"

# The MPI tests (cmd/mae-vk/dist_test.go: mpirun -np 2 against one
# process, a killed rank, mismatched flags) run on lavapipe only.
run_driver() {
  local name=$1 icd=$2 select=$3 mpi=$4
  if [ ! -f "$icd" ]; then
    echo "missing Vulkan driver $name ($icd): run make setup" >&2
    exit 1
  fi
  echo "== go test on $name, validation on, strict limits: ${#device_pkgs[@]} packages"
  VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd MAEVK_DEVICE=$select MAEVK_VALIDATE=sync MAEVK_LIMITS=strict MAEVK_MPI_TESTS=$mpi \
    go test -count=1 -timeout 30m "${device_pkgs[@]}"
}

lvp_icd=$(ls "$ICD_DIR"/lvp_icd.*.json 2>/dev/null | head -n1 || true)
if ! command -v mpirun >/dev/null; then
  echo "mpirun is missing (the MPI tests need OpenMPI): run make setup" >&2
  exit 1
fi
run_driver lavapipe "${lvp_icd:-$ICD_DIR/lvp_icd.x86_64.json}" llvmpipe 1
run_driver SwiftShader "$ICD_DIR/swiftshader_icd.json" swiftshader 0

# mae-vk-view in a virtual X server (each test starts its own Xvfb), on
# lavapipe with validation, driven by xdotool and captured with xwd.
lvp=${lvp_icd:-$ICD_DIR/lvp_icd.x86_64.json}
echo "== go test $view_pkg under Xvfb on lavapipe, validation on"
env -u DISPLAY -u WAYLAND_DISPLAY VK_DRIVER_FILES=$lvp VK_ICD_FILENAMES=$lvp MAEVK_DEVICE=llvmpipe MAEVK_VALIDATE=sync \
  go test -count=1 -timeout 15m "$view_pkg"
echo "== all tests passed on lavapipe and SwiftShader"

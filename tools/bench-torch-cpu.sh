#!/usr/bin/env bash
# PyTorch CPU baseline for mae-vk: times the same MAE training step
# (tools/torch_mae.py bench) on this machine's CPU and prints the JSON result.
#
#   tools/bench-torch-cpu.sh                          # tiny, batch 256, 2 threads
#   tools/bench-torch-cpu.sh --preset micro --steps 5 # any torch_mae.py bench flags
#   THREADS=4 tools/bench-torch-cpu.sh
#
# Fair settings for Debian's python3-torch (measured on the 2-core dev machine):
# OpenBLAS built with pthreads (libopenblas0-pthread), OPENBLAS_NUM_THREADS and
# OMP_NUM_THREADS equal to the core count, and OMP_WAIT_POLICY=PASSIVE: with
# the default active spin-waiting, OpenMP and OpenBLAS threads fight over the
# two cores and a step got about 8x slower.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian's python3-torch lives in /usr/bin/python3's dist-packages; a python3
# earlier on PATH (pyenv, a venv) may not see it. $PYTHON overrides the search.
py=
for cand in ${PYTHON:-} python3 /usr/bin/python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import torch' 2>/dev/null; then
    py=$cand
    break
  fi
done
if [ -z "$py" ]; then
  echo "bench-torch-cpu: PyTorch is not installed (no python3 can import torch)." >&2
  echo "  On Debian, as root: apt-get install python3-torch libopenblas0-pthread" >&2
  exit 1
fi

threads=${THREADS:-$(nproc)}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-$threads}
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-$threads}
export MKL_NUM_THREADS=${MKL_NUM_THREADS:-$threads}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}

if command -v update-alternatives >/dev/null 2>&1; then
  blas=$(update-alternatives --query "libblas.so.3-$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)" 2>/dev/null \
    | awk '/^Value:/ {print $2}')
  case "$blas" in
    *openblas-pthread*|"") ;;
    *) echo "bench-torch-cpu: note: libblas.so.3 is $blas, not OpenBLAS-pthread (apt-get install libopenblas0-pthread)" >&2 ;;
  esac
fi

# Defaults first; later flags given by the caller override them (argparse keeps the last).
exec "$py" tools/torch_mae.py bench --device cpu --preset tiny --batch 256 \
  --steps 10 --warmup 2 --threads "$threads" --json "$@"

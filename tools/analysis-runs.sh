#!/usr/bin/env bash
# Makes the runs that `mae-vk analyze --compare` needs for docs/analysis.md
# and analyzes them: the micro model (encoder 64×2, decoder 32 wide) on
# Fashion-MNIST, patch sizes 2, 4, 7 (decoder depth 2) and decoder depths
# 1, 2, 4 (patch 4). Each run is short (STEPS steps of BATCH images, one
# epoch's schedule) so that all of them finish in well under an hour on
# lavapipe with 2 CPU cores. Runs already trained are reused.
#
#   tools/analysis-runs.sh [OUT]          # OUT defaults to runs/analysis
#   STEPS=400 BATCH=128 tools/analysis-runs.sh
#   ONLY=train tools/analysis-runs.sh     # train, do not analyze
#   ONLY=analyze tools/analysis-runs.sh   # analyze existing runs
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/analysis}
STEPS=${STEPS:-400}
BATCH=${BATCH:-128}
BLR=${BLR:-1e-3}
IMAGES=${IMAGES:-64}
PROBE_TRAIN=${PROBE_TRAIN:-5000}
PROBE_TEST=${PROBE_TEST:-2000}
mkdir -p "$OUT"
go build -o "$OUT/mae-vk" ./cmd/mae-vk
bin=$OUT/mae-vk

train() { # name, extra flags…
	local name=$1
	shift
	if [ -e "$OUT/$name/checkpoints/latest" ]; then
		echo "== $name: already trained"
		return
	fi
	rm -rf "${OUT:?}/$name"
	echo "== $name: training ($*)"
	"$bin" train --preset micro --data fashion-mnist --epochs 1 --warmup-epochs 0.1 \
		--batch "$BATCH" --steps "$STEPS" --blr "$BLR" --recon-every 0 --quiet \
		--out "$OUT/$name" "$@"
}

if [ "${ONLY:-}" != analyze ]; then
	train p4-d2 --patch 4 --dec-depth 2
	train p7-d2 --patch 7 --dec-depth 2
	train p2-d2 --patch 2 --dec-depth 2
	train p4-d1 --patch 4 --dec-depth 1
	train p4-d4 --patch 4 --dec-depth 4
fi
if [ "${ONLY:-}" != train ]; then
	"$bin" analyze --weights "$OUT/p4-d2" \
		--compare "$OUT/p2-d2" --compare "$OUT/p7-d2" --compare "$OUT/p4-d1" --compare "$OUT/p4-d4" \
		--images "$IMAGES" --probe-train "$PROBE_TRAIN" --probe-test "$PROBE_TEST" \
		--out "$OUT/report"
fi

#!/usr/bin/env bash
# Makes the runs behind docs/analysis.md and analyzes them, on Fashion-MNIST
# with the micro model (encoder 64 wide × 2 blocks, decoder 32 wide):
#   main        patch 4, decoder depth 2, MAIN_STEPS steps of MAIN_BATCH images:
#               the run whose five questions the report answers;
#   cmp-p4-d2   patch 4, decoder depth 2 (the reference of the comparisons),
#   cmp-p7-d2, cmp-p2-d2       patch sizes 7 and 2,
#   cmp-p4-d1, cmp-p4-d4       decoder depths 1 and 4,
#               each CMP_STEPS steps of CMP_BATCH images.
# The sizes are chosen so that everything finishes in well under an hour
# on lavapipe with 2 CPU cores shared with other work. Runs already trained
# are reused.
#
#   tools/analysis-runs.sh [OUT]          # OUT defaults to runs/analysis
#   ONLY=train tools/analysis-runs.sh     # train, do not analyze
#   ONLY=analyze tools/analysis-runs.sh   # analyze existing runs
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/analysis}
MAIN_STEPS=${MAIN_STEPS:-150}
MAIN_BATCH=${MAIN_BATCH:-128}
CMP_STEPS=${CMP_STEPS:-80}
CMP_BATCH=${CMP_BATCH:-64}
BLR=${BLR:-1e-3}
IMAGES=${IMAGES:-64}
PROBE_TRAIN=${PROBE_TRAIN:-2000}
PROBE_TEST=${PROBE_TEST:-1000}
mkdir -p "$OUT"
go build -o "$OUT/mae-vk" ./cmd/mae-vk
bin=$OUT/mae-vk

train() { # name, steps, batch, extra flags…
	local name=$1 steps=$2 batch=$3
	shift 3
	if [ -e "$OUT/$name/checkpoints/latest" ]; then
		echo "== $name: already trained"
		return
	fi
	rm -rf "${OUT:?}/$name"
	echo "== $name: training $steps steps of $batch ($*) $(date -u +%FT%TZ)"
	"$bin" train --preset micro --data fashion-mnist --epochs 1 --warmup-epochs 0.1 \
		--batch "$batch" --steps "$steps" --blr "$BLR" --recon-every 0 --quiet \
		--out "$OUT/$name" "$@"
}

if [ "${ONLY:-}" != analyze ]; then
	train main "$MAIN_STEPS" "$MAIN_BATCH" --patch 4 --dec-depth 2
	train cmp-p4-d2 "$CMP_STEPS" "$CMP_BATCH" --patch 4 --dec-depth 2
	train cmp-p7-d2 "$CMP_STEPS" "$CMP_BATCH" --patch 7 --dec-depth 2
	train cmp-p4-d1 "$CMP_STEPS" "$CMP_BATCH" --patch 4 --dec-depth 1
	train cmp-p4-d4 "$CMP_STEPS" "$CMP_BATCH" --patch 4 --dec-depth 4
	train cmp-p2-d2 "$CMP_STEPS" "$CMP_BATCH" --patch 2 --dec-depth 2 # the slowest: 196 patches
fi
if [ "${ONLY:-}" != train ]; then
	echo "== analyze $(date -u +%FT%TZ)"
	"$bin" analyze --weights "$OUT/main" \
		--compare "$OUT/cmp-p4-d2" --compare "$OUT/cmp-p7-d2" --compare "$OUT/cmp-p2-d2" \
		--compare "$OUT/cmp-p4-d1" --compare "$OUT/cmp-p4-d4" \
		--images "$IMAGES" --probe-train "$PROBE_TRAIN" --probe-test "$PROBE_TEST" \
		--out "$OUT/report"
	echo "== done $(date -u +%FT%TZ)"
fi

#!/usr/bin/env bash
# Trains the tiny preset for one epoch at each precision (fp32, fp16, bf16)
# from one seed, evaluates each run's weights on the test split in fp32
# (checkpoints are fp32 whatever the run's precision), and prints a markdown
# table: test loss, its difference to fp32's (the issue asks for ±2%), the
# last 50 steps' mean training loss, images/s and skipped steps (fp16).
#
#   tools/precision-epoch.sh                  # lavapipe by default
#   MAEVK_DEVICE=nvidia tools/precision-epoch.sh --batch 256
#
# Extra arguments go to every mae-vk train. Runs go to ${OUT:-/tmp/precision-epoch}.
# KEEP=1 keeps a precision's finished run (its eval.json exists) instead of
# training it again, so runs made by different builds can be tabled together
# (the table then says which run came from which commit).
# Needs ./mae-vk (go build -o mae-vk ./cmd/mae-vk) and Fashion-MNIST (make setup).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/precision-epoch}
export MAEVK_DEVICE=${MAEVK_DEVICE:-llvmpipe}
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
mkdir -p "$OUT"
[ -x ./mae-vk ] || go build -o mae-vk ./cmd/mae-vk

for p in fp32 fp16 bf16; do
  run=$OUT/$p
  if [ "${KEEP:-0}" = 1 ] && [ -s "$run/eval.json" ]; then
    echo "== keeping $run (finished)" >&2
    continue
  fi
  rm -rf "$run"
  echo "== $(date -u +%FT%TZ) train --precision $p" >&2
  ./mae-vk train --preset tiny --epochs 1 --seed 0 --precision "$p" --quiet --out "$run" "$@" >&2
  git rev-parse --short HEAD >"$run/commit" 2>/dev/null || true
  ./mae-vk eval --weights "$run" --split test --precision fp32 --json >"$run/eval.json"
done

python3 - "$OUT" "$*" <<'PYEOF'
import json, os, sys
out, extra = sys.argv[1], sys.argv[2]
rows, base = [], None
for p in ("fp32", "fp16", "bf16"):
    run = os.path.join(out, p)
    ev = json.load(open(os.path.join(run, "eval.json")))
    recs = [json.loads(l) for l in open(os.path.join(run, "metrics.jsonl")) if l.strip()]
    train = [r for r in recs if not r.get("eval")]
    tail = [r["loss"] for r in train[-50:] if isinstance(r.get("loss"), (int, float))]
    ips = [r["img_per_s"] for r in train[1:] if isinstance(r.get("img_per_s"), (int, float))]
    ips.sort()
    loss = ev["loss"]
    base = base if base is not None else loss
    rows.append((p, loss, 100 * (loss / base - 1), sum(tail) / max(len(tail), 1),
                 ips[len(ips) // 2] if ips else float("nan"), sum(1 for r in train if r.get("skipped")), ev.get("device", ""),
                 open(os.path.join(run, "commit")).read().strip() if os.path.exists(os.path.join(run, "commit")) else "?"))
print("tiny, 1 epoch, seed 0%s; test loss evaluated in fp32 (mae-vk eval --split test)" % (", " + extra if extra else ""))
print()
print("| precision | test loss | vs fp32 | train loss, last 50 steps | img/s (median) | skipped steps | commit |")
print("|---|---|---|---|---|---|---|")
for p, loss, rel, tl, ips, sk, dev, commit in rows:
    print("| %s | %.4f | %+.2f%% | %.4f | %.0f | %s | %s |" % (p, loss, rel, tl, ips, sk, commit))
print()
print("device: %s" % rows[0][6])
bad = [p for p, _, rel, *_ in rows if abs(rel) > 2]
if bad:
    print("OUTSIDE ±2%% of fp32: %s" % ", ".join(bad))
    sys.exit(1)
PYEOF

#!/usr/bin/env bash
# One prepared benchmark run on a machine with an NVIDIA H100/H200: mae-vk on
# the real Vulkan driver next to PyTorch (CUDA) on the same card, ending in one
# markdown table. Everything goes to ${OUT:-/tmp/gpu-bench}; the whole run
# stays under GPU_BENCH_TOTAL_S seconds (default 450, i.e. under 8 minutes).
#
# Expects, at the repo root (this script's ..), as tools/gpu-prep.sh builds them:
#   mae-vk                 go build -o mae-vk ./cmd/mae-vk
#   ops.test mae.test vk.test   optional: go test -c -o ops.test ./ops (etc.)
#   .gl/lib/libvulkan.so.1 optional: a Vulkan loader, used when the machine lacks one
#   .gl/*.deb              optional: the loader (libvulkan1 …) as .debs, unpacked
# and PyTorch with CUDA for some python3 on the machine ($PYTHON to pick one).
#
# Steps (each under its own timeout; a failing one is recorded and the run
# goes on), in this order so that an overrun starves the least important:
# setup; (a) devices and the cooperative-matrix self-check of every variant;
# (c) GEMM tuning (cooperative-matrix candidates included); (e) mae-vk bench train in fp16, bf16
# and fp32 (--precision); (f) the same
# step in PyTorch, fp32 without TF32 and bf16 autocast; (c) GEMMs (fp32, and
# fp16 and bf16 on the cooperative matrices) and (d) fused attention fwd+bwd at MAE
# shapes in mae-vk, then in PyTorch (fp32, bf16, and fp16 for GEMMs); (b) the
# Go test binaries on the real driver; (g) the table.
#
# Files in $OUT: gpu-bench.log (everything), steps.tsv (step, status, rc,
# seconds), env.txt, devices-table.txt, <step>.json|.txt with <step>.err, workloads.tsv,
# table.md, cache/mae-vk/gemm-*.json (the tuned GEMM shape for this device,
# with its cooperative-matrix choice) and coopmat-*.json (self-check verdicts).
set -u
cd "$(dirname "$0")/.." || exit 1
REPO=$(pwd)
OUT=${OUT:-/tmp/gpu-bench}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
TOTAL_S=${GPU_BENCH_TOTAL_S:-450}
RESERVE_S=15 # kept back for the table
T0=$(date +%s)

main() {
export MAEVK_DEVICE=${MAEVK_DEVICE:-nvidia} # never time a software driver by mistake
export XDG_CACHE_HOME=$OUT/cache              # GEMM tuning + pipeline cache, brought back
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
export PYTHONDONTWRITEBYTECODE=1 # no tools/__pycache__ in the tree
mkdir -p "$XDG_CACHE_HOME"

log() { printf '[%4ds] %s\n' "$(($(date +%s) - T0))" "$*"; }

printf 'step\tstatus\trc\tseconds\n' >"$OUT/steps.tsv"

# step FILE TIMEOUT CMD...: stdout to $OUT/FILE, stderr to $OUT/FILE-minus-ext.err,
# a line in steps.tsv. The timeout shrinks to what the total budget leaves.
step() {
  local file=$1 limit=$2
  shift 2
  local name=${file%.*} left status rc start
  left=$((T0 + TOTAL_S - RESERVE_S - $(date +%s)))
  if [ "$left" -lt 5 ]; then
    log "-- $name: skipped (time budget spent)"
    printf '%s\tskipped\t-\t0\n' "$name" >>"$OUT/steps.tsv"
    return 0
  fi
  [ "$limit" -gt "$left" ] && limit=$left
  log "== $name (timeout ${limit}s): $*"
  start=$(date +%s)
  timeout -k 5 "$limit" "$@" >"$OUT/$file" 2>"$OUT/$name.err"
  rc=$?
  case $rc in
    0) status=ok ;;
    124 | 137) status=timeout ;;
    *) status=failed ;;
  esac
  printf '%s\t%s\t%s\t%s\n' "$name" "$status" "$rc" "$(($(date +%s) - start))" >>"$OUT/steps.tsv"
  log "   $name: $status (rc $rc, $(($(date +%s) - start))s)"
  if [ "$status" != ok ]; then
    tail -n 8 "$OUT/$name.err" | sed 's/^/   | /'
  fi
  return 0
}

# ---------------------------------------------------------------- setup
log "gpu-bench in $REPO, output in $OUT, budget ${TOTAL_S}s"
if [ -d .gl ] && ls .gl/*.deb >/dev/null 2>&1; then
  log "unpacking the Vulkan loader from .gl/*.deb"
  for f in .gl/*.deb; do dpkg -x "$f" / || log "dpkg -x $f failed"; done
  ldconfig || log "ldconfig failed"
fi
# The loader tools/gpu-prep.sh copied, only where the machine has none.
if [ -f .gl/lib/libvulkan.so.1 ] && ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 '; then
  log "no Vulkan loader on this machine: using .gl/lib/libvulkan.so.1"
  export LD_LIBRARY_PATH="$REPO/.gl/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
  [ -d "$d" ] && case ":${LD_LIBRARY_PATH:-}:" in *":$d:"*) ;; *) export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ;; esac
done

# Pick the python3 that has torch with CUDA.
PY=
for cand in ${PYTHON:-} python3 /usr/bin/python3 /opt/conda/bin/python3 /usr/local/bin/python3; do
  if command -v "$cand" >/dev/null 2>&1 &&
    "$cand" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    PY=$cand
    break
  fi
done
# Any python3 for reading JSON (the table), torch or not.
JPY=${PY:-$(command -v python3 || echo /usr/bin/python3)}

{
  echo "## date"; date -u
  echo "## uname"; uname -a
  echo "## nvidia-smi"; timeout 20 nvidia-smi 2>&1 || echo "nvidia-smi unavailable"
  echo "## Vulkan loader and NVIDIA ICD libraries"
  ldconfig -p 2>/dev/null | grep -E 'libvulkan|GLX_nvidia|nvidia-glvkspirv' || echo "none in ldconfig"
  ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d 2>&1
  echo "## mae-vk"; ls -la mae-vk *.test 2>&1
  echo "## python for torch: ${PY:-none with CUDA}"
  [ -n "$PY" ] && "$PY" -c 'import torch; print(torch.__version__, torch.version.cuda, torch.cuda.get_device_name(0))' 2>&1
  echo "## env"; env | grep -E '^(VK_|MAEVK_|LD_LIBRARY_PATH|NVIDIA_|CUDA_)' | sort
} >"$OUT/env.txt" 2>&1

have_nvidia() {
  timeout 30 ./mae-vk devices --json 2>/dev/null | "$JPY" -c '
import json, sys
try:
    d = json.load(sys.stdin)
except Exception:
    sys.exit(1)
sys.exit(0 if any("nvidia" in (x.get("name", "") + " " + x.get("driver", "")).lower() for x in d) else 1)'
}
if [ ! -x ./mae-vk ]; then
  log "no ./mae-vk binary (go build -o mae-vk ./cmd/mae-vk): the mae-vk steps will fail"
elif have_nvidia; then
  log "Vulkan sees the NVIDIA GPU"
else
  icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  [ -f "$icd" ] || icd=$(find /usr/local/nvidia /usr/share/vulkan /etc/vulkan -name 'nvidia_icd*.json' 2>/dev/null | head -n1)
  if [ -n "$icd" ] && [ -f "$icd" ]; then
    export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd
    log "no NVIDIA Vulkan device found; trying VK_DRIVER_FILES=$icd"
    cat "$icd"
    have_nvidia && log "Vulkan sees the NVIDIA GPU now" || log "still no NVIDIA Vulkan device: mae-vk steps will fail"
  else
    log "no NVIDIA Vulkan device and no nvidia_icd.json found: mae-vk steps will fail"
  fi
fi

# ---------------------------------------------------------------- workloads
# key | kind | label | arguments (mae-vk bench <kind> and torch_mae.py alike)
cat >"$OUT/workloads.tsv" <<'EOF'
gemm-tiny-qkv	gemm	GEMM 3328×384×128 NT (tiny b256 qkv)	--m 3328 --n 384 --k 128 --trans-b
gemm-tiny-fc2	gemm	GEMM 3328×128×512 NT (tiny b256 fc2)	--m 3328 --n 128 --k 512 --trans-b
gemm-b16-qkv	gemm	GEMM 12800×2304×768 NT (vit-b16 b256 qkv)	--m 12800 --n 2304 --k 768 --trans-b
gemm-b16-fc1	gemm	GEMM 12800×3072×768 NT (vit-b16 b256 fc1)	--m 12800 --n 3072 --k 768 --trans-b
gemm-b16-fc2	gemm	GEMM 12800×768×3072 NT (vit-b16 b256 fc2)	--m 12800 --n 768 --k 3072 --trans-b
gemm-b16-dec	gemm	GEMM 50432×512×512 NT (vit-b16 b256 decoder proj)	--m 50432 --n 512 --k 512 --trans-b
gemm-b16-fc2-dx	gemm	GEMM 12800×3072×768 NN (vit-b16 b256 fc2 dX)	--m 12800 --n 3072 --k 768
gemm-b16-qkv-dw	gemm	GEMM 2304×768×12800 TN (vit-b16 b256 qkv dW)	--m 2304 --n 768 --k 12800 --trans-a
attn-b16-enc	attention	attention B256 H12 L50 d64 (vit-b16 encoder)	--batch 256 --heads 12 --len 50 --head-dim 64 --backward
attn-b16-dec	attention	attention B256 H16 L197 d32 (vit-b16 decoder)	--batch 256 --heads 16 --len 197 --head-dim 32 --backward
train-tiny-b256	train	train step tiny, batch 256	--preset tiny --batch 256
train-b16-b64	train	train step vit-b16, batch 64	--preset vit-b16 --batch 64
EOF

# ---------------------------------------------------------------- (a) devices
step devices-table.txt 30 ./mae-vk devices
step devices.json 30 ./mae-vk devices --json
# Every cooperative-matrix variant against the CPU reference on this driver
# (fails when one does; none to check on a device without the extension).
step vk-coopmat-check.json 60 ./mae-vk bench gemm --check-coopmat --json

# Order: the whole-step comparison first (it is the headline), then the ops,
# then the tests, so that a slow step starves the least important ones.
# each_workload KIND FN: FN KEY ARGS for every workload of that kind.
each_workload() {
  local want=$1 fn=$2 key kind label args
  while IFS=$'\t' read -r key kind label args <&3; do
    [ "$kind" = "$want" ] && "$fn" "$key" "$args"
  done 3<"$OUT/workloads.tsv"
}
# shellcheck disable=SC2086 # $2 holds flags, split on purpose
vk_gemm() {
  step "vk-$1.json" 30 ./mae-vk bench gemm $2 --time 1s --json
  # fp16 A and B on the cooperative matrices (tensor cores), as tuned.
  step "vkcm-$1.json" 30 ./mae-vk bench gemm $2 --coopmat --time 1s --json
  # bf16 A and B on them, where the device lists bf16 shapes (an error,
  # recorded, elsewhere).
  step "vkcmbf-$1.json" 30 ./mae-vk bench gemm $2 --coopmat --precision bf16 --time 1s --json
}
# shellcheck disable=SC2086
vk_attention() { step "vk-$1.json" 40 ./mae-vk bench attention $2 --json; }
# shellcheck disable=SC2086
vk_train() {
  # fp16 first: the default where the device has fp16 cooperative matrices
  # (forward and backward GEMMs and the attention on tensor cores), the
  # number to set beside PyTorch's bf16 autocast. The 16-bit precisions
  # (fp32 master weights, 16-bit GEMM inputs) time fewer steps, so that
  # the three fit where one did.
  step "vkfp16-$1.json" 60 ./mae-vk bench train $2 --precision fp16 --steps 5 --json
  step "vkbf16-$1.json" 60 ./mae-vk bench train $2 --precision bf16 --steps 5 --json
  step "vk-$1.json" 120 ./mae-vk bench train $2 --precision fp32 --json
}
# shellcheck disable=SC2086
pt_train() {
  step "pt32-$1.json" 90 "$PY" tools/torch_mae.py bench $2 --device cuda --steps 20 --warmup 5 --json
  step "ptamp-$1.json" 90 "$PY" tools/torch_mae.py bench $2 --device cuda --steps 20 --warmup 5 --amp --json
}

# ---------------------------------------------------------------- (c) GEMM tuning (bench train uses it)
# At vit-b16's fc1 shape (the headline model's commonest large product):
# ~29 fp32 configurations and ~14 cooperative-matrix blockings, 0.5 s each.
step vk-gemm-tune.json 120 ./mae-vk bench gemm --tune --m 12800 --n 3072 --k 768 --trans-b --time 500ms --json

# ---------------------------------------------------------------- (e) mae-vk training step
each_workload train vk_train

# ---------------------------------------------------------------- (f) PyTorch training step
if [ -z "$PY" ]; then
  log "no python3 with torch and CUDA: the PyTorch steps are skipped"
  printf 'pytorch\tno-cuda-torch\t-\t0\n' >>"$OUT/steps.tsv"
else
  each_workload train pt_train
fi
# fp16 on the ordinary kernels (MAEVK_COOPMAT=off): what the cooperative
# matrices buy in the whole step.
# shellcheck disable=SC2086
vk_train_nocoop() { MAEVK_COOPMAT=off step "vkfp16off-$1.json" 60 ./mae-vk bench train $2 --precision fp16 --steps 5 --json; }
each_workload train vk_train_nocoop

# ---------------------------------------------------------------- (c), (d) mae-vk GEMM and attention
each_workload gemm vk_gemm
each_workload attention vk_attention

# ---------------------------------------------------------------- (f) PyTorch GEMM and attention
if [ -n "$PY" ]; then
  # Every GEMM and attention shape, fp32 (no TF32) and bf16, in one process
  # (one CUDA start-up); each result to pt32-KEY.json / ptamp-KEY.json.
  step pt-ops.txt 150 "$PY" - "$OUT" <<'PYEOF'
import contextlib, io, os, shlex, sys, traceback
sys.path.insert(0, "tools")
import torch_mae
out = sys.argv[1]
for line in open(os.path.join(out, "workloads.tsv")):
    key, kind, label, args = line.rstrip("\n").split("\t")
    if kind not in ("gemm", "attention"):
        continue
    tags = [("pt32", []), ("ptamp", ["--amp"])]
    if kind == "gemm":  # cuBLAS fp16 beside the cooperative-matrix GEMM
        tags.append(("ptfp16", ["--amp", "--amp-dtype", "fp16"]))
    for tag, extra in tags:
        argv = ["op", kind] + shlex.split(args) + ["--device", "cuda", "--time", "0.5", "--json"] + extra
        buf = io.StringIO()
        try:
            with contextlib.redirect_stdout(buf):
                torch_mae.main(argv)
            with open(os.path.join(out, "%s-%s.json" % (tag, key)), "w") as f:
                f.write(buf.getvalue())
            print("ok", tag, key)
        except BaseException:
            print("FAILED", tag, key, file=sys.stderr)
            traceback.print_exc()
PYEOF
fi

# ---------------------------------------------------------------- (d') mae-vk cooperative-matrix attention
# fp16 and bf16 tensor cores (bench attention --variant coopmat: planned only
# where the device lists a shape for the precision, after its self-check);
# beside PyTorch's bf16 scaled_dot_product_attention (ptamp-KEY) in the table.
# shellcheck disable=SC2086
vk_attention_coopmat() {
  step "vkcm-$1.json" 30 ./mae-vk bench attention $2 --variant coopmat --time 1s --json
  step "vkcmbf-$1.json" 30 ./mae-vk bench attention $2 --variant coopmat --precision bf16 --time 1s --json
}
each_workload attention vk_attention_coopmat

# ---------------------------------------------------------------- (b) Go tests on the real driver
for pkg in ${GPU_BENCH_TESTS:-ops mae vk}; do
  bin=$REPO/$pkg.test
  if [ ! -x "$bin" ]; then
    log "-- test-$pkg: no $pkg.test (go test -c -o $pkg.test ./$pkg), skipped"
    printf 'test-%s\tabsent\t-\t0\n' "$pkg" >>"$OUT/steps.tsv"
    continue
  fi
  # Run in the package folder, as go test does (testdata/ is relative).
  step "test-$pkg.txt" 100 bash -c 'cd "$1" && exec "$2" -test.v=false -test.timeout 90s' _ "$REPO/$pkg" "$bin"
  [ -f "$OUT/test-$pkg.txt" ] && grep -E '^(--- FAIL|FAIL|PASS|ok|panic:)' "$OUT/test-$pkg.txt" | head -n 20 | sed 's/^/   | /'
done

# ---------------------------------------------------------------- (g) the table
# Keep only the GEMM tuning in the cache folder (the pipeline cache is large).
find "$XDG_CACHE_HOME" -type f ! -name 'gemm-*.json' ! -name 'coopmat-*.json' -delete 2>/dev/null
find "$XDG_CACHE_HOME" -depth -mindepth 1 -type d -empty -delete 2>/dev/null

log "== table"
"$JPY" - "$OUT" <<'PYEOF' | tee "$OUT/table.md"
import json, os, sys

out = sys.argv[1]
status = {}
for line in open(os.path.join(out, "steps.tsv")).read().splitlines()[1:]:
    f = line.split("\t")
    status[f[0]] = f[1]


def load(name):
    """The parsed JSON of step `name`, or the step's status as a string."""
    path = os.path.join(out, name + ".json")
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        if name in status:
            return status[name]
        if name.startswith("pt") and "pytorch" in status:
            return "no CUDA torch"
        if name.startswith("pt") and "pt-ops" in status:  # written by the pt-ops step
            return "failed" if status["pt-ops"] == "ok" else status["pt-ops"]
        return "not run"
    except ValueError:
        return "failed" if status.get(name, "ok") == "ok" else status[name]


def pick(doc, op):
    """The result for op from a single result, a list, or {"results": [...]}."""
    if isinstance(doc, dict) and isinstance(doc.get("results"), list):
        doc = doc["results"]
    if isinstance(doc, list):
        for r in doc:
            if isinstance(r, dict) and r.get("op") == op:
                return r
        return doc[0] if len(doc) == 1 and isinstance(doc[0], dict) and op in ("gemm", "") else None
    return doc if isinstance(doc, dict) else None


def value(name, op, metric):
    doc = load(name)
    if isinstance(doc, str):
        return None, doc
    r = pick(doc, op)
    if not r or not isinstance(r.get(metric), (int, float)):
        return None, "failed"
    return float(r[metric]), r


def cell(v, r, metric):
    if v is None:
        return r
    if metric == "gflops":
        ms = r.get("median_ms")
        g = ("%.0f" if v >= 100 else "%.1f") % v
        return "%s GFLOP/s (%.3f ms)" % (g, ms) if isinstance(ms, (int, float)) else "%s GFLOP/s" % g
    ms = r.get("median_step_ms", r.get("median_ms"))
    mem = r.get("device_bytes")  # mae-vk bench train: what the run holds on the device
    extra = ", %.2f GiB" % (mem / 2**30) if isinstance(mem, (int, float)) and mem > 0 else ""
    return "%.1f img/s (%.1f ms%s)" % (v, ms, extra) if isinstance(ms, (int, float)) else "%.1f img/s" % v


def ratio(v, a, fa, b, fb):
    """v ÷ a formatted by fa, then v ÷ b by fb when there is b; "—" without v or a."""
    if v is None or not a:
        return "—"
    return fa % (v / a) + (fb % (v / b) if b else "")


rows = []
for line in open(os.path.join(out, "workloads.tsv")).read().splitlines():
    key, kind, label, _ = line.split("\t")
    metric = "images_per_second" if kind == "train" else "gflops"
    ops = ["attention", "attention_bwd"] if kind == "attention" else [kind]
    for op in ops:
        lab = label + (" backward" if op == "attention_bwd" else "")
        vk, vkr = value("vk-" + key, op, metric)
        p32, p32r = value("pt32-" + key, op, metric)
        pam, pamr = value("ptamp-" + key, op, metric)
        r = ratio(vk, p32, "%.2f×", pam, " (AMP %.2f×)") if p32 else ratio(vk, pam, "AMP %.2f×", None, "")
        rows.append((lab, cell(vk, vkr, metric), cell(p32, p32r, metric), cell(pam, pamr, metric), r))
        if kind == "gemm":
            # mae-vk fp16 on cooperative matrices, against cuBLAS fp16 and bf16.
            vcm, vcmr = value("vkcm-" + key, op, metric)
            p16, p16r = value("ptfp16-" + key, op, metric)
            r = ratio(vcm, p16, "fp16 %.2f×", pam, " (bf16 %.2f×)")
            rows.append((lab + " [mae-vk coopmat fp16]", cell(vcm, vcmr, metric), "fp16: " + cell(p16, p16r, metric), cell(pam, pamr, metric), r))
            # mae-vk bf16 on cooperative matrices, against cuBLAS bf16.
            vbf, vbfr = value("vkcmbf-" + key, op, metric)
            r = ratio(vbf, pam, "bf16 %.2f×", None, "")
            rows.append((lab + " [mae-vk coopmat bf16]", cell(vbf, vbfr, metric), cell(p32, p32r, metric), cell(pam, pamr, metric), r))
        if kind != "train":
            continue
        # mae-vk's 16-bit precisions, against PyTorch's bf16 autocast.
        for prec, name in (("bf16", "bf16"), ("fp16", "fp16"), ("fp16off", "fp16, MAEVK_COOPMAT=off")):
            v16, v16r = value("vk%s-%s" % (prec, key), op, metric)
            r = ratio(v16, pam, "AMP %.2f×", vk, " (own fp32 %.2f×)")
            rows.append((lab + " [mae-vk %s]" % name, cell(v16, v16r, metric), cell(p32, p32r, metric), cell(pam, pamr, metric), r))

# mae-vk's cooperative-matrix attention (fp16, bf16), against PyTorch's bf16 SDPA.
for line in open(os.path.join(out, "workloads.tsv")).read().splitlines():
    key, kind, label, _ = line.split("\t")
    for op in ("attention", "attention_bwd") if kind == "attention" else ():
        for prefix, prec in (("vkcm-", "fp16"), ("vkcmbf-", "bf16")):
            cm, cmr = value(prefix + key, op, "gflops")
            pam, pamr = value("ptamp-" + key, op, "gflops")
            ratio = "AMP %.2f×" % (cm / pam) if cm is not None and pam else "—"
            lab = label + (" backward" if op == "attention_bwd" else "") + " [mae-vk coopmat %s]" % prec
            rows.append((lab, cell(cm, cmr, "gflops"), "—", cell(pam, pamr, "gflops"), ratio))

tune = load("vk-gemm-tune")
dev = ""
for name in ("devices",):
    d = load(name)
    if isinstance(d, list):
        for x in d:
            if "nvidia" in (x.get("name", "") + x.get("driver", "")).lower():
                dev = "%s, driver %s, Vulkan %s" % (x.get("name"), x.get("driver_info", x.get("driver")), x.get("api_version"))
torch_info = ""
for k in sorted(f[:-5] for f in os.listdir(out) if f.startswith("pt") and f.endswith(".json")):
    d = load(k)
    if isinstance(d, list) and d:
        d = d[0]
    if isinstance(d, dict) and d.get("torch_version"):
        torch_info = "PyTorch %s on %s" % (d.get("torch_version"), d.get("device_name"))
        break
print("GPU: %s" % (dev or "no NVIDIA Vulkan device listed"))
print("%s" % (torch_info or "PyTorch: no result"))
if isinstance(tune, dict):
    print("GEMM tuning (3328×384×128 NT): %s, %.0f GFLOP/s" % (tune.get("variant"), tune.get("gflops", 0)))
check = load("vk-coopmat-check")
if isinstance(check, list):
    print("Cooperative-matrix self-check: " + (", ".join("%s %s (%.2g)" % (c.get("variant"), "passed" if c.get("passed") else "FAILED", c.get("rel_err", 0)) for c in check) or "no variant (no extension)"))
else:
    print("Cooperative-matrix self-check: %s" % check)
print()
print("ratio = mae-vk ÷ PyTorch fp32 (TF32 off); AMP = bf16 autocast (train) or bf16 operands (ops).")
print("Rows [mae-vk coopmat fp16]: mae-vk bench gemm --coopmat (tensor cores, fp16 in, fp32 out) against PyTorch fp16 (cuBLAS) and bf16.")
print("Rows [mae-vk coopmat bf16]: mae-vk bench gemm --coopmat --precision bf16 (tensor cores, bf16 in, fp32 out) against PyTorch bf16 (cuBLAS).")
print("Rows [mae-vk bf16/fp16]: mae-vk bench train --precision bf16/fp16, compared with PyTorch AMP and mae-vk fp32.")
print()
print("| workload | mae-vk | PyTorch fp32 | PyTorch AMP | ratio |")
print("|---|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")
tests = [(k, v) for k, v in status.items() if k.startswith("test-")]
if tests:
    print()
    print("Go tests on the real driver: " + ", ".join("%s %s" % (k[5:], v) for k, v in tests))
PYEOF
log "done in $(($(date +%s) - T0))s; results in $OUT"
}

main "$@" 2>&1 | tee -a "$OUT/gpu-bench.log"

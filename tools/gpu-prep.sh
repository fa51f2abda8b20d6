#!/usr/bin/env bash
# Prepares a run of tools/gpu-bench.sh on a device machine that has a GPU
# but no Go and maybe no Vulkan loader: builds, at the repo root, stripped
# mae-vk and the ops, mae and vk test binaries, copies this machine's Vulkan
# loader into .gl/lib (gpu-bench.sh uses it only where the machine has none),
# and prints what to carry. Everything it writes is git-ignored.
set -eu
cd "$(dirname "$0")/.."
LIMIT_MIB=${CARRY_LIMIT_MIB:-60} # the device tool carries 64 MiB in all

go build -ldflags='-s -w' -o mae-vk ./cmd/mae-vk
for p in ops mae vk; do
	go test -c -ldflags='-s -w' -o "$p.test" "./$p"
done

loader=$(ldconfig -p | awk '/libvulkan\.so\.1 .*x86-64/ {print $NF; exit}')
if [ -z "$loader" ]; then
	echo "gpu-prep: no libvulkan.so.1 here to carry (make setup installs it)" >&2
	exit 1
fi
mkdir -p .gl/lib
cp -L "$loader" .gl/lib/libvulkan.so.1

total=$(du -cb mae-vk ops.test mae.test vk.test .gl | awk 'END {print $1}')
echo "gpu-prep: carry mae-vk ops.test mae.test vk.test .gl ($((total / 1048576)) MiB)"
if [ "$total" -gt $((LIMIT_MIB * 1048576)) ]; then
	echo "gpu-prep: more than ${LIMIT_MIB} MiB to carry" >&2
	exit 1
fi

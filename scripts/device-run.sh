#!/usr/bin/env bash
# Runs on the GPU device machine from the repository root, after the Vulkan loader's .deb files were
# unpacked: unpacks the kit that scripts/device-kit.sh made under .device, makes sure Dawn finds the
# GPU's Vulkan driver, and runs `bench gpu` with its log under $OUT (or /tmp/gradedesk-device).
set -uo pipefail
OUT=${OUT:-/tmp/gradedesk-device}
mkdir -p "$OUT"
KIT=.device
WORK=${DEVICE_WORK:-/tmp/gradedesk-device-run}
mkdir -p "$WORK"
xz -dc "$KIT/node.xz" > "$WORK/node" && chmod +x "$WORK/node"
tar -xJf "$KIT/app.tar.xz" -C .
tar -xJf "$KIT/data.tar.xz" -C "$WORK"
DATASET="$WORK/$(cat "$KIT/dataset.name")"
NODE="$WORK/node"
echo "node $($NODE -v), $(nproc) cores; dataset $DATASET: $(ls "$DATASET/images" | wc -l) images"
ldconfig -p | grep -q libvulkan.so.1 && echo 'Vulkan loader: present' || echo 'Vulkan loader: missing'
probe='import("webgpu").then(async ({create,globals})=>{Object.assign(globalThis,globals);const a=await create([]).requestAdapter({powerPreference:"high-performance"});console.log(a?`adapter: ${a.info.vendor} ${a.info.architecture} ${a.info.description}`:"adapter: none");process.exit(a?0:3)})'
if ! "$NODE" --input-type=module -e "$probe" 2>>"$OUT/vulkan.log"; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  echo "no adapter with the default Vulkan drivers; trying VK_DRIVER_FILES=$VK_DRIVER_FILES"
  "$NODE" --input-type=module -e "$probe" 2>>"$OUT/vulkan.log"
fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
GRADEDESK_BENCH_DATASET="$DATASET" "$NODE" -r ./bin/thread-pool.cjs out/main/bench.js gpu 2>&1 | tee "$OUT/bench-gpu.log"
exit "${PIPESTATUS[0]}"

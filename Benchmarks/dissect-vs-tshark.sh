#!/usr/bin/env bash
# Times `srtpdump dissect --format json` against `tshark -T json` over the same generated RTP capture,
# in the same run, and prints both, their ratio and the machine (issue 2's performance target: ≥ 30×).
#
#   Benchmarks/dissect-vs-tshark.sh            1,000,000 frames (tshark then takes minutes)
#   FRAMES=100000 Benchmarks/dissect-vs-tshark.sh
#   RUNS=3 ...                                 repeat each measurement, report every run and the best
#   SRTPDUMP=path/to/srtpdump ...              skip the release build and use this binary
#
# The capture is written by make-rtp-capture.py into a temporary directory removed on exit. Both tools
# write to /dev/null. CPU time is user+sys from /usr/bin/time; the ratio is taken on CPU time (the
# machine may be shared, which inflates wall time more than CPU time) and on wall time.
set -euo pipefail

FRAMES="${FRAMES:-1000000}"
RUNS="${RUNS:-1}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

command -v tshark >/dev/null || { echo "tshark is not installed (apt-get install tshark)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing (apt-get install time)" >&2; exit 2; }

if [ -z "${SRTPDUMP:-}" ]; then
    (cd "$root" && swift build -c release --product srtpdump >&2)
    SRTPDUMP="$root/.build/release/srtpdump"
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
capture="$tmp/rtp-$FRAMES.pcap"
python3 "$here/make-rtp-capture.py" "$capture" "$FRAMES"

# Runs "$@" with output to /dev/null; prints "user+sys wall" in seconds.
measure() {
    /usr/bin/time -f "%U %S %e" -o "$tmp/time" "$@" >/dev/null 2>"$tmp/stderr" || {
        echo "failed: $*" >&2
        cat "$tmp/stderr" >&2
        exit 1
    }
    awk '{ printf "%.2f %.2f\n", $1 + $2, $3 }' "$tmp/time"
}

best() { sort -n -k1,1 | head -n1; }

echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -n1), $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "capture: $FRAMES frames, $(stat -c %s "$capture") bytes (make-rtp-capture.py)"
echo "srtpdump: $SRTPDUMP"
echo "tshark: $(tshark --version 2>/dev/null | head -n1)"
: >"$tmp/s"
: >"$tmp/t"
for run in $(seq 1 "$RUNS"); do
    s="$(measure "$SRTPDUMP" dissect "$capture" --format json)"
    echo "$s" >>"$tmp/s"
    echo "run $run: srtpdump dissect --format json  cpu ${s% *} s  wall ${s#* } s"
    t="$(measure tshark -r "$capture" -T json)"
    echo "$t" >>"$tmp/t"
    echo "run $run: tshark -T json                  cpu ${t% *} s  wall ${t#* } s"
done
s="$(best <"$tmp/s")"
t="$(best <"$tmp/t")"
awk -v sc="${s% *}" -v sw="${s#* }" -v tc="${t% *}" -v tw="${t#* }" -v n="$FRAMES" 'BEGIN {
    printf "best srtpdump: cpu %.2f s (%.0f ns/frame), wall %.2f s\n", sc, sc * 1e9 / n, sw
    printf "best tshark:   cpu %.2f s (%.0f ns/frame), wall %.2f s\n", tc, tc * 1e9 / n, tw
    printf "ratio tshark/srtpdump: cpu %.1fx, wall %.1fx (target >= 30x)\n", tc / (sc > 0 ? sc : 0.01), tw / (sw > 0 ? sw : 0.01)
}'

#!/usr/bin/env bash
# The classify-only pass against decryption per packet (issue 2, Docs/PERFORMANCE.md "Classify-only
# pass, third round"): target classify <= 0.10 x decryption, where decryption is the SRTP unprotect of one
# packet. Alternates, RUNS times, in one run:
#   - classify-loop: FrameDecoder.decode + payload classification of every frame of a 1,000-frame RTP
#     capture (make-rtp-capture.py), in memory, PASSES times: CPU ns per frame;
#   - unprotect-loop: SRTP unprotect (AES_CM_128_HMAC_SHA1_80, 172-byte packet, PROVIDER) of one packet,
#     PACKETS times: CPU ns per packet;
#   - crypto-loop: the bare crypto loop (AES-CTR 160 bytes + HMAC-SHA1 172 bytes), PACKETS times: CPU ns
#     per packet (the ratio the second round reported, for continuity);
#   - with BASELINE=path, another classify-loop binary (e.g. main's) right after this one, for a
#     before/after in the same run.
# Each program reports its own CPU time (CLOCK_PROCESS_CPUTIME_ID, setup excluded). Ratios are taken per
# alternation, since CPU times on a shared machine move by tens of per cent between minutes; the table
# and the median of the ratios are printed in Markdown.
#
#   Benchmarks/classify-vs-unprotect.sh                    7 alternations (builds the three loops)
#   RUNS=7 PASSES=10000 PACKETS=1000000 ...                the defaults
#   BASELINE=/tmp/main-classify-loop ...                   also time that binary after each classify-loop
#   NOBUILD=1 ...                                          use Benchmarks/.build/release as it is
set -euo pipefail

RUNS="${RUNS:-7}"
PASSES="${PASSES:-10000}"
PACKETS="${PACKETS:-1000000}"
PROVIDER="${PROVIDER:-gcrypt}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$here/.build/release"

if [ -z "${NOBUILD:-}" ]; then
    for p in classify-loop unprotect-loop crypto-loop; do
        (cd "$here" && swift build -c release --scratch-path .build --product "$p" >&2)
    done
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 "$here/make-rtp-capture.py" "$tmp/rtp1k.pcap" 1000 >/dev/null

# The "N ns/frame CPU" of classify-loop, the "N ns per packet CPU" of unprotect-loop, and crypto-loop's
# "cpu SECONDS" divided by its packets.
# A classify-loop that finds no RTP was built against another layout of the Datagrams types (SwiftPM
# has been seen not to recompile the loop's main.swift after a change of DecodedFrame's stored fields):
# its time means nothing, so stop.
classify_ns() {
    local out
    out="$("$1" "$tmp/rtp1k.pcap" "$PASSES")"
    case "$out" in
    *" 0 RTP"*)
        echo "$1 classified no frame as RTP: stale build? touch Profile/classify-loop/main.swift and rebuild" >&2
        exit 1
        ;;
    esac
    echo "$out" | sed -n 's/.*, \([0-9.]*\) ns\/frame CPU$/\1/p'
}
unprotect_ns() {
    "$bin/unprotect-loop" AES_CM_128_HMAC_SHA1_80 "$PROVIDER" "$PACKETS" | sed -n 's/.*, \([0-9]*\) ns per packet CPU$/\1/p'
}
crypto_ns() {
    "$bin/crypto-loop" "$PROVIDER" "$PACKETS" | awk -v n="$PACKETS" '{ for (i = 1; i < NF; i++) if ($i == "cpu") printf "%.0f", $(i + 1) * 1e9 / n }'
}

echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1); $(uname -sr)"
echo "start $(date -u +%H:%M:%S) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
if [ -n "${BASELINE:-}" ]; then
    echo "| run | load | classify ns/frame | baseline classify | unprotect ns/packet | bare crypto ns/packet | classify / unprotect | classify / bare | baseline / unprotect |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
else
    echo "| run | load | classify ns/frame | unprotect ns/packet | bare crypto ns/packet | classify / unprotect | classify / bare |"
    echo "| --- | --- | --- | --- | --- | --- | --- |"
fi
: >"$tmp/ratios"
for run in $(seq 1 "$RUNS"); do
    load="$(cut -d' ' -f1 /proc/loadavg)"
    c="$(classify_ns "$bin/classify-loop")"
    b=""
    [ -n "${BASELINE:-}" ] && b="$(classify_ns "$BASELINE")"
    u="$(unprotect_ns)"
    k="$(crypto_ns)"
    [ -n "$c" ] && [ -n "$u" ] && [ -n "$k" ] || { echo "a loop printed nothing readable" >&2; exit 1; }
    ru="$(awk -v a="$c" -v b="$u" 'BEGIN { printf "%.3f", a / b }')"
    rk="$(awk -v a="$c" -v b="$k" 'BEGIN { printf "%.3f", a / b }')"
    if [ -n "$b" ]; then
        rb="$(awk -v a="$b" -v b="$u" 'BEGIN { printf "%.3f", a / b }')"
        echo "| $run | $load | $c | $b | $u | $k | $ru | $rk | $rb |"
        echo "$ru $rk $rb $c $b" >>"$tmp/ratios"
    else
        echo "| $run | $load | $c | $u | $k | $ru | $rk |"
        echo "$ru $rk" >>"$tmp/ratios"
    fi
done
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo
echo "end $(date -u +%H:%M:%S) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "median classify / unprotect: $(cut -d' ' -f1 "$tmp/ratios" | median) (target <= 0.10)"
echo "median classify / bare crypto loop: $(cut -d' ' -f2 "$tmp/ratios" | median)"
if [ -n "${BASELINE:-}" ]; then
    echo "median baseline classify / unprotect: $(cut -d' ' -f3 "$tmp/ratios" | median)"
    echo "median classify / baseline classify (same alternation): $(awk '{ printf "%.3f\n", $4 / $5 }' "$tmp/ratios" | median)"
fi

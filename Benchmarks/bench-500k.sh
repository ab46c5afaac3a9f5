#!/usr/bin/env bash
# bench-500k (issue 6, Docs/PERFORMANCE.md): `srtpdump decrypt -w` end to end on one SIP call with
# 500,000 G.711 SRTP packets (AES_CM_128_HMAC_SHA1_80, one SSRC, sequence numbers from 65,000 so the ROC
# runs 0 to 7), timed in the same run as
#   - a libsrtp baseline that reads the same pcap with libpcap and only srtp_unprotect()s each packet
#     (Benchmarks/libsrtp-baseline/libsrtp-baseline.c, no output), and
#   - the bare crypto loop (AES-128-CTR over 160 bytes + HMAC-SHA1 over 172 bytes per packet, contexts
#     reused, no parsing or I/O: Benchmarks/Profile/crypto-loop, the body of the crypto-bare benchmark);
# then `decrypt -w` once more on a capture ten times larger, to show that peak memory stays flat.
# Targets: decrypt <= 0.7x the baseline, <= 1.3x the bare loop, peak RSS <= 30 MB at any size.
#
#   Benchmarks/bench-500k.sh                  500,000 and 5,000,000 packets, 3 runs of the small one
#   PACKETS=100000 LARGE=0 RUNS=1 ...         smaller, and no large capture
#   PROVIDER=openssl ...                      the crypto provider of srtpdump and of the bare loop
#   SRTPDUMP=path CRYPTO_LOOP=path ...        use these binaries instead of building them
#   WORK=dir ...                              where the captures go (default: a temporary directory,
#                                             removed on exit; 5 M packets take 2 x 1.1 GB)
#
# Every capture is written by `libsrtp-baseline gen` (libsrtp protects the packets; the SDP of the INVITE
# carries the caller's key, so srtpdump binds the stream from the signalling), outside every timing.
# Times come from /usr/bin/time: CPU = user+sys, which a shared machine inflates less than wall time;
# ratios are taken per run, between the three programs run back to back, and their median is reported.
set -euo pipefail

PACKETS="${PACKETS:-500000}"
LARGE="${LARGE:-$((PACKETS * 10))}"
RUNS="${RUNS:-3}"
PROVIDER="${PROVIDER:-gcrypt}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
pkg-config --exists libsrtp2 libpcap || { echo "libsrtp2-dev and libpcap-dev are needed" >&2; exit 2; }

if [ -z "${SRTPDUMP:-}" ]; then
    (cd "$root" && swift build -c release --product srtpdump >&2)
    SRTPDUMP="$root/.build/release/srtpdump"
fi
if [ -z "${CRYPTO_LOOP:-}" ]; then
    (cd "$here" && swift build -c release --product crypto-loop >&2)
    CRYPTO_LOOP="$here/.build/release/crypto-loop"
fi

if [ -n "${WORK:-}" ]; then
    mkdir -p "$WORK"
    tmp="$WORK"
else
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
fi
baseline="$tmp/libsrtp-baseline"
cc -O2 -o "$baseline" "$here/libsrtp-baseline/libsrtp-baseline.c" $(pkg-config --cflags --libs libsrtp2 libpcap)
# The I/O floor: the capture read through libpcap and written through its dump API, nothing else.
pcapcopy="$tmp/pcap-copy"
cc -O2 -o "$pcapcopy" "$here/io-floor/pcap-copy.c" $(pkg-config --cflags --libs libpcap)

# Runs "$@" (stdout to $tmp/stdout); prints "cpu wall maxrss_kb".
measure() {
    /usr/bin/time -f "%U %S %e %M" -o "$tmp/time" "$@" >"$tmp/stdout" 2>"$tmp/stderr" || {
        echo "failed: $*" >&2
        cat "$tmp/stderr" >&2
        exit 1
    }
    awk '{ printf "%.3f %.3f %d\n", $1 + $2, $3, $4 }' "$tmp/time"
}

# Checks srtpdump's JSON report: every packet of the one SRTP stream authenticated, and its last ROC.
check_report() {
    python3 - "$tmp/stdout" "$1" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
packets = int(sys.argv[2])
s = [s for s in report["streams"] if s["protocol"] == "srtp"]
ok = len(s) == 1 and s[0]["packets"] == packets and s[0]["authenticated"] == packets
print("report: %d frames, %s" % (report["frames"], ", ".join(
    "%s %s packets %d authenticated %d roc %s key %s" % (x["protocol"], x["ssrc"], x["packets"], x["authenticated"],
                                                         x["roc"], x["key"]["source"]) for x in s)))
sys.exit(0 if ok else 1)
EOF
}

mb() { awk -v k="$1" 'BEGIN { print k / 1024 }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

capture="$tmp/bench-$PACKETS.pcap"
"$baseline" gen "$capture" "$PACKETS"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -n1), $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "capture: $PACKETS SRTP packets + 5 SIP frames, $(stat -c %s "$capture") bytes; provider $PROVIDER"
echo "srtpdump: $SRTPDUMP"
echo "libsrtp: $(dpkg-query -W -f='${Version}' libsrtp2-1 2>/dev/null || echo '?'); libpcap: $(dpkg-query -W -f='${Version}' libpcap0.8 2>/dev/null || echo '?')"
echo
printf "%-4s %-34s %9s %9s %9s\n" run program "cpu s" "wall s" "rss MB"
: >"$tmp/r-base"; : >"$tmp/r-bare"; : >"$tmp/r-cpu"; : >"$tmp/rss"; : >"$tmp/r-floor"; : >"$tmp/r-io"
for run in $(seq 1 "$RUNS"); do
    d="$(measure "$SRTPDUMP" decrypt "$capture" -w "$tmp/out.pcap" --crypto "$PROVIDER" --format json)"
    check_report "$PACKETS" >"$tmp/check" || { cat "$tmp/check" >&2; echo "decrypt did not authenticate every packet" >&2; exit 1; }
    b="$(measure "$baseline" unprotect "$capture")"
    grep -q "authenticated $PACKETS " "$tmp/stdout" || { cat "$tmp/stdout" >&2; echo "baseline failed" >&2; exit 1; }
    c="$(measure "$CRYPTO_LOOP" "$PROVIDER" "$PACKETS")"
    f="$(measure "$pcapcopy" "$capture" "$tmp/copy.pcap")"
    rm -f "$tmp/copy.pcap"
    read -r dc dw dm <<<"$d"; read -r bc bw bm <<<"$b"; read -r cc cw cm <<<"$c"; read -r fc fw fm <<<"$f"
    printf "%-4s %-34s %9.3f %9.3f %9.1f\n" "$run" "srtpdump decrypt -w" "$dc" "$dw" "$(mb "$dm")"
    printf "%-4s %-34s %9.3f %9.3f %9.1f\n" "$run" "libsrtp unprotect-only baseline" "$bc" "$bw" "$(mb "$bm")"
    printf "%-4s %-34s %9.3f %9.3f %9.1f\n" "$run" "bare crypto loop" "$cc" "$cw" "$(mb "$cm")"
    printf "%-4s %-34s %9.3f %9.3f %9.1f\n" "$run" "libpcap read + dump floor" "$fc" "$fw" "$(mb "$fm")"
    awk -v f="$fc" -v c="$cc" 'BEGIN { print (c + f) / c }' >>"$tmp/r-floor"
    awk -v f="$fc" -v c="$cc" 'BEGIN { print f / c }' >>"$tmp/r-io"
    awk -v d="$dc" -v b="$bc" 'BEGIN { print d / b }' >>"$tmp/r-base"
    awk -v d="$dc" -v c="$cc" 'BEGIN { print d / c }' >>"$tmp/r-bare"
    echo "$dc" >>"$tmp/r-cpu"
    echo "$dm" >>"$tmp/rss"
done
cat "$tmp/check"
expected=$(($(stat -c %s "$capture") - 10 * PACKETS))
echo "output: $(stat -c %s "$tmp/out.pcap") bytes (input minus the 10-byte tags: $expected)"
[ "$(stat -c %s "$tmp/out.pcap")" -eq "$expected" ] || { echo "unexpected output size" >&2; exit 1; }
rm -f "$tmp/out.pcap"
echo
dcpu="$(median <"$tmp/r-cpu")"
echo "median decrypt CPU: $dcpu s = $(awk -v c="$dcpu" -v n="$PACKETS" 'BEGIN { printf "%.0f", c * 1e9 / n }') ns/packet"
echo "median ratio decrypt / libsrtp baseline (CPU): $(median <"$tmp/r-base") (target <= 0.7)"
echo "median ratio decrypt / bare crypto loop (CPU): $(median <"$tmp/r-bare") (target <= 1.3)"
echo "peak RSS of decrypt: $(median <"$tmp/rss") kB median (target <= 30 MB)"
echo "median ratio libpcap read + dump floor / bare crypto loop (CPU): $(median <"$tmp/r-io")"
echo "  so any single-threaded decrypt -w through libpcap costs at least $(median <"$tmp/r-floor")x the bare loop"

if [ "$LARGE" -gt 0 ]; then
    big="$tmp/bench-$LARGE.pcap"
    "$baseline" gen "$big" "$LARGE"
    rm -f "$capture"
    echo
    echo "large capture: $LARGE packets, $(stat -c %s "$big") bytes; load average $(cut -d' ' -f1-3 /proc/loadavg)"
    d="$(measure "$SRTPDUMP" decrypt "$big" -w "$tmp/out.pcap" --crypto "$PROVIDER" --format json)"
    check_report "$LARGE" || { echo "decrypt did not authenticate every packet" >&2; exit 1; }
    read -r dc dw dm <<<"$d"
    printf "srtpdump decrypt -w: cpu %.3f s (%.0f ns/packet), wall %.3f s, peak RSS %.1f MB\n" "$dc" \
        "$(awk -v c="$dc" -v n="$LARGE" 'BEGIN { print c * 1e9 / n }')" "$dw" "$(mb "$dm")"
    rm -f "$tmp/out.pcap" "$big"
fi

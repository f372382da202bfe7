#!/usr/bin/env bash
# Times `assay analyze` against tcpdump (pass-through), ndpiReader and tshark on the same gen_mix.py capture, in one
# run, interleaved, and prints packets per CPU-second (user+sys) and the ratios. Usage: bench/compare.sh [SCALE] [REPS]
# Needs: tcpdump, ndpiReader, tshark (Debian: tcpdump libndpi-bin tshark), /usr/bin/time (Debian: time).
# BENCH_SKIP_TSHARK=1 leaves tshark out (it takes ~25 CPU-s per run at scale 1.0).
set -euo pipefail
cd "$(dirname "$0")/.."
scale=${1:-0.3}
reps=${2:-3}
work=${BENCH_DIR:-/tmp/assay-bench}
mkdir -p "$work"
pcap="$work/mix-$scale.pcap"
gen=../shared/bench/gen_mix.py

tshark_wanted=$([ "${BENCH_SKIP_TSHARK:-0}" = 1 ] && echo 0 || echo 1)
for tool in tcpdump ndpiReader /usr/bin/time $([ "$tshark_wanted" = 1 ] && echo tshark); do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install tcpdump libndpi-bin tshark time)"; exit 1; }
done
[ -f "$pcap" ] || python3 "$gen" "$pcap" --scale "$scale" >/dev/null
dotnet build src/Assay.Cli -c Release -nologo -v quiet >"$work/build.log" 2>&1 || { cat "$work/build.log"; echo "build failed"; exit 1; }
assay="dotnet artifacts/bin/Assay.Cli/release/assay.dll"
# The deployable form: one native executable (NativeAOT, `PublishAot` in src/Assay.Cli), so no JIT is charged to
# the packets. Skipped if the ILCompiler package cannot be restored.
aot=""
if dotnet publish src/Assay.Cli -c Release -o "$work/aot" -nologo -v quiet >"$work/publish.log" 2>&1; then
  aot="$work/aot/assay"
fi
packets=$(python3 - "$pcap" <<'PY'
import struct, sys
f = open(sys.argv[1], 'rb'); hdr = f.read(24); n = 0
end = '<' if hdr[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
while True:
    rec = f.read(16)
    if len(rec) < 16: break
    caplen = struct.unpack(end + 'IIII', rec)[2]; f.seek(caplen, 1); n += 1
print(n)
PY
)
cat "$pcap" > /dev/null

declare -A cmds=(
  [tcpdump]="tcpdump -nr $pcap -w /dev/null"
  [ndpiReader]="ndpiReader -i $pcap -v 0 > $work/ndpi.out"
  [assay]="$assay analyze $pcap -d $work/assay-out --no-record --json > $work/assay.json"
  [assay-1worker]="$assay analyze $pcap -d $work/assay-out1 --workers 1 --no-record --json > $work/assay1.json"
  [assay-recording]="rm -rf $work/assay-rec && $assay analyze $pcap -d $work/assay-rec --workers 1 --json > $work/assayr.json"
)
order=(tcpdump ndpiReader assay assay-1worker assay-recording)
if [ -n "$aot" ]; then
  cmds[assay-aot]="$aot analyze $pcap -d $work/assay-out2 --no-record --json > $work/assay2.json"
  cmds[assay-aot-1w]="$aot analyze $pcap -d $work/assay-out3 --workers 1 --no-record --json > $work/assay3.json"
  # What file hashing costs (every HTTP body through MD5, SHA-1 and SHA-256 by default).
  cmds[assay-aot-1w-nohash]="$aot analyze $pcap -d $work/assay-out4 --workers 1 --no-record --file-hashes none --json > $work/assay4.json"
  order+=(assay-aot assay-aot-1w assay-aot-1w-nohash)
fi
if [ "$tshark_wanted" = 1 ]; then
  cmds[tshark]="tshark -n -r $pcap > /dev/null"
  order+=(tshark)
fi
declare -A cpu wall rss
for name in "${order[@]}"; do cpu[$name]=""; wall[$name]=""; rss[$name]=""; done
for ((r = 1; r <= reps; r++)); do
  for name in "${order[@]}"; do
    /usr/bin/time -f "%U %S %e %M" -o "$work/time.txt" sh -c "${cmds[$name]}" 2>/dev/null >/dev/null
    read -r u s e m < "$work/time.txt"
    cpu[$name]+="$(echo "$u + $s" | bc) "
    wall[$name]+="$e "
    rss[$name]+="$((m / 1024)) "
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "file: $pcap ($packets packets, $(du -hL "$pcap" | cut -f1)), median of $reps, $(nproc) cores, load $(cut -d" " -f1 /proc/loadavg)"
printf '%-20s %10s %10s %14s %12s\n' tool cpu_s wall_s Mpps/cpu_s peak_rss_MiB
declare -A rate
for name in "${order[@]}"; do
  c=$(echo "${cpu[$name]}" | median); w=$(echo "${wall[$name]}" | median); m=$(echo "${rss[$name]}" | median)
  rate[$name]=$(echo "scale=3; $packets / $c / 1000000" | bc)
  printf '%-20s %10s %10s %14s %12s\n' "$name" "$c" "$w" "${rate[$name]}" "$m"
done
echo "assay / tcpdump (per CPU-second):    $(echo "scale=3; ${rate[assay]} / ${rate[tcpdump]}" | bc)"
echo "assay / ndpiReader (per CPU-second): $(echo "scale=3; ${rate[assay]} / ${rate[ndpiReader]}" | bc)"
if [ -n "$aot" ]; then
  echo "assay-aot / ndpiReader:              $(echo "scale=3; ${rate[assay-aot]} / ${rate[ndpiReader]}" | bc) (1 worker: $(echo "scale=3; ${rate[assay-aot-1w]} / ${rate[ndpiReader]}" | bc))"
fi
if [ "$tshark_wanted" = 1 ]; then
  echo "assay / tshark:                      $(echo "scale=3; ${rate[assay]} / ${rate[tshark]}" | bc)"
  if [ -n "$aot" ]; then
    echo "assay-aot / tshark:                  $(echo "scale=3; ${rate[assay-aot]} / ${rate[tshark]}" | bc) (1 worker: $(echo "scale=3; ${rate[assay-aot-1w]} / ${rate[tshark]}" | bc))"
  fi
fi

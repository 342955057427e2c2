#!/usr/bin/env bash
# History benchmark (issue 14, "Performance"): time ranges and context read
# straight from Kafka, on the embedded broker (bench/cmd/kfakebroker), against
# kcat | grep on the same topic in the same run. Prints a markdown block and
# writes it to docs/BENCHMARKS.md between the bench-history markers.
#
#   make bench-history            # or ./bench/history.sh
#   HISTORY_LINES_BIG=1 ./bench/history.sh      # 10M lines
#   LINES=100000 RUNS=1 ./bench/history.sh      # smoke run
#
# Environment (defaults in brackets):
#   LINES [1000000; 10000000 with HISTORY_LINES_BIG=1]  lines in the topic
#   RUNS [3]             runs of each measurement, interleaved; the median is shown
#   PARTITIONS [3]       partitions of the topic
#   LIVE [1]             0: skip the live-latency step
#   LIVE_RATE [10000]    lines/s appended in the live step
#   LIVE_CLIENTS [10]    live viewers, all measuring latency
#   LIVE_WINDOW [10]     seconds counted in each live run (after 3 s of warm-up)
#   LIVE_RUNS [5]        live runs without and with a scan, interleaved; the median is shown
#   TAILCAST_BIN [bin/tailcast]
#   WRITE_DOC [1]        0: print only, leave docs/BENCHMARKS.md alone
#   KEEP [0]             1: keep the work directory (logs, figures)
#
# The topic is filled by bench/cmd/histfill: realistic lines in tailcast's
# record format (value = line, a meta header naming service, host and path) over 12 files,
# spread evenly over the partitions, ending now, with a marker in every
# 1000th line. One `tailcast serve` answers every query.
set -euo pipefail
cd "$(dirname "$0")/.."

SET_VARS=
for v in LINES HISTORY_LINES_BIG RUNS PARTITIONS LIVE LIVE_RATE LIVE_CLIENTS LIVE_WINDOW LIVE_RUNS TAILCAST_BIN; do
	[[ -n ${!v+x} ]] && SET_VARS+="$v=${!v@Q} "
done
if [[ ${HISTORY_LINES_BIG:-0} == 1 ]]; then LINES=${LINES:-10000000}; fi
LINES=${LINES:-1000000}
RUNS=${RUNS:-3}
PARTITIONS=${PARTITIONS:-3}
LIVE=${LIVE:-1}
LIVE_RATE=${LIVE_RATE:-10000}
LIVE_CLIENTS=${LIVE_CLIENTS:-10}
LIVE_WINDOW=${LIVE_WINDOW:-10}
# The live p99s swing more from run to run than the other figures (a
# noisy minute on the host moves them), and the target is their ratio.
LIVE_RUNS=${LIVE_RUNS:-5}
TAILCAST_BIN=${TAILCAST_BIN:-bin/tailcast}
WRITE_DOC=${WRITE_DOC:-1}
KEEP=${KEEP:-0}
DOC=docs/BENCHMARKS.md
TOPIC=logs
MARKER=histmark7q
EVERY=1000

BENCH=bench-history
# shellcheck source=bench/lib.sh
. bench/lib.sh

for v in LINES RUNS PARTITIONS LIVE_RATE LIVE_CLIENTS LIVE_WINDOW LIVE_RUNS; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v=${!v}: want a positive integer"
done
[[ -x $TAILCAST_BIN ]] || die "$TAILCAST_BIN missing: run 'make build' (or make bench-history)"
TAILCAST_BIN=$(cd "$(dirname "$TAILCAST_BIN")" && pwd)/$(basename "$TAILCAST_BIN")
command -v go >/dev/null || die "go missing: the helpers in bench/cmd are built with it"
command -v curl >/dev/null || die "curl missing"
if ! command -v kcat >/dev/null; then
	[[ $(id -u) == 0 ]] || die "kcat missing; install it as root (Debian: apt-get install kcat) and run again"
	log "installing kcat"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends kcat >/dev/null 2>&1 ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends kcat >/dev/null; } ||
		die "apt-get install kcat failed"
fi

bench_workdir tailcast-history
HB=$WORK/bin
log "building helpers into $HB"
go build -o "$HB/" ./bench/cmd/kfakebroker ./bench/cmd/topiccount ./bench/cmd/histfill ./bench/cmd/histquery ./bench/cmd/wsload ./bench/cmd/ratelines

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# --- broker and topic ----------------------------------------------------------
spawn /dev/null "$WORK/broker.log" "$HB/kfakebroker" -topic "$TOPIC" -partitions "$PARTITIONS" -addr-file "$WORK/addr"
BROKER_PID=$SPAWNED
for _ in $(seq 100); do [[ -s $WORK/addr ]] && break; sleep 0.1; done
[[ -s $WORK/addr ]] || die "broker did not start; see $WORK/broker.log"
BROKER=$(<"$WORK/addr")
log "filling $TOPIC ($PARTITIONS partitions) with $LINES lines"
"$HB/histfill" -brokers "$BROKER" -topic "$TOPIC" -n "$LINES" -partitions "$PARTITIONS" \
	-marker "$MARKER" -every "$EVERY" >"$WORK/fill.kv" 2>"$WORK/fill.log" || die "histfill failed; see $WORK/fill.log"
log "fill: $(<"$WORK/fill.kv")"
BYTES=$(kv "$WORK/fill.kv" bytes)
MARKED=$(kv "$WORK/fill.kv" marked)
FIRST_TS=$(kv "$WORK/fill.kv" first_ts)
LAST_TS=$(kv "$WORK/fill.kv" last_ts)
COUNT=$("$HB/topiccount" -brokers "$BROKER" -topic "$TOPIC")
[[ $COUNT == "$LINES" ]] || die "topic holds $COUNT records, want $LINES"
FROM=$(date -u -d "$FIRST_TS - 1 hour" +%Y-%m-%dT%H:%M:%SZ)
TO=$(date -u -d "$LAST_TS + 1 hour" +%Y-%m-%dT%H:%M:%SZ)

# --- server --------------------------------------------------------------------
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
HOST=127.0.0.1:$PORT
spawn /dev/null "$WORK/serve.log" "$TAILCAST_BIN" serve --brokers "$BROKER" --topic "$TOPIC" --listen "$HOST" --log-level warn
SERVE_PID=$SPAWNED
for _ in $(seq 300); do curl -fs "http://$HOST/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "http://$HOST/readyz" >/dev/null 2>&1 || die "tailcast serve not ready; see $WORK/serve.log"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)
# Let the server's start-up read (--warmup records per partition) finish.
for _ in $(seq 100); do
	a=$(cpu_ticks "$SERVE_PID"); nap 0.3; b=$(cpu_ticks "$SERVE_PID")
	((b - a <= 1)) && break
done

WS=ws://$HOST/ws
median() { sort -g | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "n/a"}'; }
all() { paste -sd/ -; }

# --- time to first result: the last 5 minutes, level=error -------------------------
# First, while the data's last minutes are still within the last 5 minutes.
for run in $(seq "$RUNS"); do
	"$HB/histquery" -first -url "$WS?from=5m&level=error" >"$WORK/first.$run.kv" 2>>"$WORK/query.log" ||
		echo "status=failed" >"$WORK/first.$run.kv"
	log "first result run $run: $(<"$WORK/first.$run.kv")"
done

# --- cursors at the start, middle and end of the topic, then context --------------
"$HB/histquery" -url "$WS?from=$FROM&to=$TO&q=$MARKER&limit=100000" -cursors "$WORK/cursors" \
	>"$WORK/range.kv" 2>>"$WORK/query.log" || die "range query failed; see $WORK/query.log"
log "range query: $(<"$WORK/range.kv")"
[[ $(wc -l <"$WORK/cursors" 2>/dev/null || echo 0) == 3 ]] || die "no cursors from the range query"
mapfile -t CURSORS <"$WORK/cursors"
DEPTHS=(start middle end)
for run in $(seq "$RUNS"); do
	for i in 0 1 2; do
		"$HB/histquery" -url "$WS?around=${CURSORS[$i]}&before=50&after=50" >"$WORK/ctx.${DEPTHS[$i]}.$run.kv" 2>>"$WORK/query.log" ||
			echo "status=failed" >"$WORK/ctx.${DEPTHS[$i]}.$run.kv"
		log "context ${DEPTHS[$i]} run $run: $(<"$WORK/ctx.${DEPTHS[$i]}.$run.kv")"
	done
done

# --- scan speed: kcat | grep -c against tailcast tail --from --to --grep -------------
TIMEFORMAT='%R %U %S'
for run in $(seq "$RUNS"); do
	{ time kcat -C -e -q -o beginning -t "$TOPIC" -b "$BROKER" 2>>"$WORK/kcat.log" | grep -c "$MARKER" >"$WORK/kcat.$run.count"; } 2>"$WORK/kcat.$run.time" || true
	log "kcat|grep run $run: $(<"$WORK/kcat.$run.count") lines in $(cut -d' ' -f1 "$WORK/kcat.$run.time") s"
	c0=$(cpu_ticks "$SERVE_PID")
	{ time "$TAILCAST_BIN" tail "$WS" --from "$FROM" --to "$TO" --grep "$MARKER" --limit 100000 -o raw 2>>"$WORK/tail.log" | wc -l >"$WORK/tc.$run.count"; } 2>"$WORK/tc.$run.time" || true
	c1=$(cpu_ticks "$SERVE_PID")
	echo $((c1 - c0)) >"$WORK/tc.$run.ticks"
	log "tailcast run $run: $(<"$WORK/tc.$run.count") lines in $(cut -d' ' -f1 "$WORK/tc.$run.time") s, server $(( (c1 - c0) * 1000 / HZ )) ms CPU"
	nap 1 # the per-address history slot is released as the server notices the close
done
# --- live latency, without and with a history scan running ----------------------------
# Lines appended to a file at LIVE_RATE, collected into the same topic by
# `tailcast collect`, read by LIVE_CLIENTS viewers (wsload, every one
# measuring append → read), as bench/pusher.sh's end-to-end step does; in
# the "scan" runs `tailcast tail` scans the whole range over and over from
# another address meanwhile.
# rested_s: the seconds the server's range readers have rested for live
# delivery so far (HistoryLiveShare), 0 when it does not say.
rested_s() {
	curl -fs "http://$HOST/metrics" 2>/dev/null | awk '$1 == "tailcast_pusher_history_rested_seconds_total" {v = $2} END {print v + 0}'
}
live_step() { # live_step NAME SCAN(0/1)
	local name=$1 scan=$2 file=$WORK/$1.log scan_pid='' col_pid w rc=0
	: >"$file"
	spawn /dev/null "$WORK/$name.collect.log" "$TAILCAST_BIN" collect --brokers "$BROKER" --topic "$TOPIC" \
		--positions "$WORK/$name.positions.json" --from-start --log-level warn "$file"
	col_pid=$SPAWNED
	if ((scan)); then
		spawn /dev/null "$WORK/$name.scan.log" bash -c 'while :; do "$0" tail "$1" --from "$2" --to "$3" --grep "$4" --limit 100000 -o raw >/dev/null || sleep 0.2; echo scan >&2; done' \
			"$TAILCAST_BIN" "$WS" "$FROM" "$TO" "$MARKER"
		scan_pid=$SPAWNED
		nap 1
	fi
	spawn "$WORK/$name.kv" "$WORK/$name.wsload.err" timeout -k 5 $((LIVE_WINDOW + 60)) "$HB/wsload" -url "$WS" \
		-n "$LIVE_CLIENTS" -sources 127.0.0.2-9 -sample 1 -pid "$SERVE_PID" -warmup 3s -duration "${LIVE_WINDOW}s" \
		-- "$HB/ratelines" -o "$file" -rate "$LIVE_RATE"
	w=$SPAWNED
	r0=$(rested_s)
	wait "$w" || rc=$?
	forget "$w"
	r1=$(rested_s)
	[[ -n $scan_pid ]] && stop "$scan_pid"
	stop "$col_pid"
	[[ -s $WORK/$name.kv ]] || echo "status=failed exit=$rc" >"$WORK/$name.kv"
	if [[ -n $scan_pid ]]; then
		echo "scans_done=$(grep -c '^scan$' "$WORK/$name.scan.log" 2>/dev/null || true)" >>"$WORK/$name.kv"
		echo "scan_rested_s=$(awk -v a="$r0" -v b="$r1" 'BEGIN {printf "%.2f", b - a}')" >>"$WORK/$name.kv"
	fi
	log "$name: $(tr '\n' ' ' <"$WORK/$name.kv")"
}
if [[ $LIVE == 1 ]]; then
	for run in $(seq "$LIVE_RUNS"); do
		live_step "live.$run" 0
		live_step "livescan.$run" 1
	done
fi

stop "$SERVE_PID"
stop "$BROKER_PID"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report ----------------------------------------------------------------------
field() { for run in $(seq "$RUNS"); do "$@" "$run"; done; }
KC_S=$(field sh -c 'cut -d" " -f1 "$0/kcat.$1.time"' "$WORK" | median)
KC_ALL=$(field sh -c 'cut -d" " -f1 "$0/kcat.$1.time"' "$WORK" | all)
KC_CPU=$(field sh -c 'awk "{print \$2 + \$3}" "$0/kcat.$1.time"' "$WORK" | median)
KC_COUNTS=$(field sh -c 'cat "$0/kcat.$1.count"' "$WORK" | sort -u | paste -sd, -)
TC_S=$(field sh -c 'cut -d" " -f1 "$0/tc.$1.time"' "$WORK" | median)
TC_ALL=$(field sh -c 'cut -d" " -f1 "$0/tc.$1.time"' "$WORK" | all)
TC_CPU=$(field sh -c 'awk -v hz='"$HZ"' "{print \$1 / hz}" "$0/tc.$1.ticks"' "$WORK" | median)
TC_COUNTS=$(field sh -c 'cat "$0/tc.$1.count"' "$WORK" | sort -u | paste -sd, -)
calc() { awk "BEGIN {printf \"$1\", $2}"; }
TC_LPS=$(calc %.0f "$LINES / $TC_S")
TC_MIBS=$(calc %.1f "$BYTES / $TC_S / 1048576")
KC_LPS=$(calc %.0f "$LINES / $KC_S")
KC_MIBS=$(calc %.1f "$BYTES / $KC_S / 1048576")
TC_CPL=$(calc %.2f "$TC_CPU / $LINES * 1e6")
KC_CPL=$(calc %.2f "$KC_CPU / $LINES * 1e6")
TC_PER_CORE=$(awk -v c="$TC_CPU" -v n="$LINES" 'BEGIN {if (c > 0) printf "%.0f", n / c; else print "n/a"}')
TC_MIB_CORE=$(awk -v c="$TC_CPU" -v b="$BYTES" 'BEGIN {if (c > 0) printf "%.1f", b / c / 1048576; else print "n/a"}')
SPEEDUP=$(calc %.2f "$KC_S / $TC_S")
COUNT_OK="**FAIL**: tailcast printed $TC_COUNTS, kcat | grep counted $KC_COUNTS, $MARKED lines were marked"
[[ $TC_COUNTS == "$MARKED" && $KC_COUNTS == "$MARKED" ]] && COUNT_OK="pass: both counted $MARKED in every run"

verdict() { # verdict VALUE OP TARGET
	[[ -n $1 && $1 != n/a ]] || { echo "not measured"; return; }
	awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN {ok = (op == ">=") ? v >= t : v <= t; print ok ? "**pass**" : "**FAIL**"}'
}
FIRST_MS=$(for run in $(seq "$RUNS"); do f=$WORK/first.$run.kv; [[ $(kv "$f" status) == ok ]] && kv "$f" first_entry_ms; done | median)
FIRST_ALL=$(for run in $(seq "$RUNS"); do kv "$WORK/first.$run.kv" first_entry_ms; done | all)
FIRST_RETRIES=$(for run in $(seq "$RUNS"); do kv "$WORK/first.$run.kv" retries; done | all)
ctx_ms() { for run in $(seq "$RUNS"); do f=$WORK/ctx.$1.$run.kv; [[ $(kv "$f" status) == ok && $(kv "$f" anchors) == 1 ]] && kv "$f" end_ms; done | median; }
ctx_all() { for run in $(seq "$RUNS"); do kv "$WORK/ctx.$1.$run.kv" end_ms; done | all; }
ctx_sent() { for run in $(seq "$RUNS"); do kv "$WORK/ctx.$1.$run.kv" entries; done | sort -u | paste -sd, -; }

CMD="${SET_VARS}./bench/history.sh"
[[ -n ${MAKELEVEL:-} ]] && CMD="${SET_VARS}make bench-history"
KIND="Full run"
[[ $LINES == 1000000 || $LINES == 10000000 ]] || KIND="**Smoke run (LINES=$LINES), not the spec's 1M or 10M lines**"
MACHINE="$(nproc) CPUs ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), $(free -h | awk '/^Mem:/ {print $2}') RAM, $(uname -sr)"
REPORT=$WORK/report.md
{
	echo "### $LINES lines, $PARTITIONS partitions"
	echo
	echo "$KIND, $(date -u '+%Y-%m-%d %H:%M UTC'), \`$CMD\`."
	echo
	echo "- Machine: $MACHINE. Load average (1/5/15 min) before: $LOAD_BEFORE, after: $LOAD_AFTER."
	if awk -v l="${LOAD_BEFORE%% *}" -v n="$(nproc)" 'BEGIN {exit !(l > n / 2)}'; then
		echo "- **The machine was busy** (1-minute load ${LOAD_BEFORE%% *} on $(nproc) CPUs): these figures are noisy."
	fi
	echo "- Versions: tailcast $("$TAILCAST_BIN" --version 2>&1 | head -1 | sed 's/^tailcast //'); $(go version | sed 's/^go version //');" \
		"kcat $(kcat -V 2>&1 | sed -n 's/^Version \([^ ]*\).*\(librdkafka [^ ]*\).*/\1 (\2)/p' | head -1);" \
		"kfake $(sed -n 's|.*pkg/kfake \(v[^ ]*\).*|\1|p' go.mod | head -1)."
	echo "- Topic: $LINES records, $BYTES bytes of lines ($(calc %.1f "$BYTES / $LINES") bytes/line), lz4, $PARTITIONS partitions, 12 files (\`bench/cmd/histfill\`: tailcast's record format, lines of \`internal/genline\` whose own times run from $FIRST_TS to $LAST_TS, record timestamps = line times); \`$MARKER\` in every ${EVERY}th line ($MARKED lines). One \`tailcast serve\` (defaults) answers every query; median of $RUNS interleaved run(s), all runs in brackets."
	echo
	echo "| scan for \`$MARKER\` over the whole topic | seconds | lines/s | MiB/s | CPU s | CPU µs/line | lines per CPU-second |"
	echo "|---|---|---:|---:|---:|---:|---:|"
	echo "| \`kcat -C -e -q -o beginning -t logs -b ADDR \| grep -c $MARKER\` | $KC_S ($KC_ALL) | $KC_LPS | $KC_MIBS | $KC_CPU (kcat + grep) | $KC_CPL | $(awk -v c="$KC_CPU" -v n="$LINES" 'BEGIN {if (c > 0) printf "%.0f", n / c; else print "n/a"}') |"
	echo "| \`tailcast tail URL --from … --to … --grep $MARKER --limit 100000 -o raw \| wc -l\` | $TC_S ($TC_ALL) | $TC_LPS | $TC_MIBS | $TC_CPU (server) | $TC_CPL | $TC_PER_CORE ($TC_MIB_CORE MiB) |"
	echo
	echo "| spec (issue 14) | target | measured | |"
	echo "|---|---|---|---|"
	echo "| scan speed: kcat \| grep time ÷ tailcast time | ≥ 1.0× | ${SPEEDUP}× | $(verdict "$SPEEDUP" ">=" 1.0) |"
	echo "| scan speed, partitions read in parallel | ≥ 2× | ${SPEEDUP}× | $(verdict "$SPEEDUP" ">=" 2.0) |"
	echo "| same count as grep | $MARKED | $TC_COUNTS | $COUNT_OK |"
	echo "| first result, \`from=5m&level=error\`: dial → first \`entry\` | ≤ 300 ms | $FIRST_MS ms ($FIRST_ALL) | $(verdict "$FIRST_MS" "<=" 300) |"
	for d in start middle end; do
		m=$(ctx_ms "$d")
		echo "| context \`around=…&before=50&after=50\` at the $d: dial → \`end\` | ≤ 100 ms | $m ms ($(ctx_all "$d")), $(ctx_sent "$d") lines | $(verdict "$m" "<=" 100) |"
	done
	if [[ $LIVE == 1 ]]; then
		declare -A LIVE_P99=()
		echo
		echo "| live, $LIVE_CLIENTS viewers, $LIVE_RATE lines/s appended | deliveries/s (runs) | p50 ms | p99 ms (runs) | max ms | dropped/disconnects | server CPU % | scans done meanwhile (s the readers rested for live) |"
		echo "|---|---:|---:|---:|---:|---:|---:|---:|"
		for mode in live livescan; do
			label="no history query"
			[[ $mode == livescan ]] && label="\`tailcast tail\` scanning the whole range over and over meanwhile"
			m=$(for run in $(seq "$LIVE_RUNS"); do f=$WORK/$mode.$run.kv; [[ $(kv "$f" status) == ok ]] && echo "$(kv "$f" p99_ms) $run"; done |
				sort -g | awk '{a[NR]=$2} END {if (NR) print a[int((NR+1)/2)]}')
			if [[ -z $m ]]; then
				echo "| $label | failed: $(tr '\n' ' ' <"$WORK/$mode.1.kv") | | | | | | |"
				continue
			fi
			f=$WORK/$mode.$m.kv
			rest=$(kv "$f" scan_rested_s)
			echo "| $label | $(for run in $(seq "$LIVE_RUNS"); do kv "$WORK/$mode.$run.kv" deliveries_per_s; done | all) | $(kv "$f" p50_ms) | $(kv "$f" p99_ms) ($(for run in $(seq "$LIVE_RUNS"); do kv "$WORK/$mode.$run.kv" p99_ms; done | all)) | $(kv "$f" max_ms) | $(kv "$f" dropped)/$(kv "$f" disconnects) | $(kv "$f" server_cpu_pct) | $(kv "$f" scans_done)${rest:+ ($rest s)} |"
			LIVE_P99[$mode]=$(kv "$f" p99_ms)
		done
		echo
		echo "| spec (issue 14) | target | measured | |"
		echo "|---|---|---|---|"
		if [[ -n ${LIVE_P99[live]:-} && -n ${LIVE_P99[livescan]:-} ]]; then
			r=$(awk -v a="${LIVE_P99[livescan]}" -v b="${LIVE_P99[live]}" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "n/a"}')
			echo "| live p99 with a scan running ÷ without (medians) | ≤ 2× | ${r}× (${LIVE_P99[livescan]} ms ÷ ${LIVE_P99[live]} ms) | $(verdict "$r" "<=" 2.0) |"
		else
			echo "| live p99 with a scan running ÷ without (medians) | ≤ 2× | not measured (a live step failed) | **FAIL** |"
		fi
	fi
	echo
	echo "- Scan: wall time of each whole pipeline (bash \`time\`), process start included on both sides; tailcast's CPU is the server's (utime + stime from /proc over the query), not the client's. tailcast asks the server for the range \`from=$FROM&to=$TO&q=$MARKER&limit=100000\`, which covers the whole topic; the server reads the $PARTITIONS partitions in parallel and merges them by time. kcat reads them with librdkafka and prints every value for grep."
	echo "- Range query (\`bench/cmd/histquery\`, the same range, once): $(<"$WORK/range.kv"). Its first, middle and last entries' cursors are the context anchors."
	echo "- First result: \`/ws?from=5m&level=error\` queried right after the fill (the data's last lines are then seconds old), time from just before the dial to the first \`entry\`; 429 retries per run: $FIRST_RETRIES."
	[[ $LIVE == 1 ]] && echo "- Live: \`ratelines\` appends $LIVE_RATE lines/s to a fresh file, \`tailcast collect\` sends them into the same topic, and $LIVE_CLIENTS \`wsload\` viewers of the same server (no filter) each measure append → read for ${LIVE_WINDOW} s after 3 s of warm-up; $LIVE_RUNS runs without a scan and $LIVE_RUNS with, interleaved, median run by p99. In the scan runs a loop of \`tailcast tail\` over the whole range (as above) runs from another address throughout. While live entries are delivered the server paces the scan (\`--history-live-share\`, default 0.15: its readers together keep at most 15% of the CPUs busy, resting after each fetch response); the last column gives the seconds the readers rested, summed over them. Issue 14's target is the ratio of the two medians, in the spec row below the table."
	echo "- Context: time from just before the dial to \`end\`, and the lines sent (anchor included; 101 when 50 of the same file exist on each side). The anchors are the first, middle and last marked lines, at offsets near the start, middle and end of their partitions."
} >"$REPORT"
cat "$REPORT"

if [[ $WRITE_DOC == 1 ]]; then
	# The 10M-line run, and a run on other than 3 partitions, keep a block
	# of their own beside the default one.
	MARK=bench-history
	[[ $LINES == 10000000 ]] && MARK+=-10m
	[[ $PARTITIONS == 3 ]] || MARK+=-p$PARTITIONS
	[[ -f $DOC ]] || printf '# Benchmarks\n' >"$DOC"
	if ! grep -q '<!-- bench-history:begin -->' "$DOC"; then
		printf '\n## History\n\nTime ranges and context (issue 14), `make bench-history` (`bench/history.sh`).\n\n<!-- bench-history:begin -->\n<!-- bench-history:end -->\n' >>"$DOC"
	fi
	if ! grep -q "<!-- $MARK:begin -->" "$DOC"; then
		awk -v m="$MARK" '{print} /<!-- bench-history:end -->/ {printf "\n<!-- %s:begin -->\n<!-- %s:end -->\n", m, m}' "$DOC" >"$WORK/doc.md"
		cat "$WORK/doc.md" >"$DOC"
	fi
	awk -v report="$REPORT" -v m="$MARK" '
		$0 == "<!-- " m ":begin -->" { print; while ((getline l < report) > 0) print l; skip = 1; next }
		$0 == "<!-- " m ":end -->" { skip = 0 }
		!skip { print }
	' "$DOC" >"$WORK/doc.md"
	cat "$WORK/doc.md" >"$DOC"
	log "results written to $DOC"
fi

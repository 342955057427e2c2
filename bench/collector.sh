#!/usr/bin/env bash
# Collector benchmark (issue 3, "Performance"): LINES lines of ~130 bytes from
# a file to broker-acknowledged records, for tailcast and its peers, on this
# machine, against the same kfake broker build (bench/cmd/kfakebroker), in one
# run. Prints a markdown table and writes it to docs/BENCHMARKS.md between
# the bench-collector markers.
#
#   make bench-collector            # or ./bench/collector.sh
#   LINES=100000 RUNS=1 ./bench/collector.sh   # smoke run
#
# Environment (defaults in brackets):
#   LINES [1000000]      lines in the input file
#   RUNS [3]             runs per collector, interleaved; the median is shown
#   RSS_FILES [1000]     files tailed in the memory measurement
#   RSS_RATE [1000]      lines/s appended over those files
#   RSS_WARMUP [15]      seconds before RSS is sampled
#   RSS_SAMPLE [10]      seconds of RSS sampling
#   TAILCAST_BIN [bin/tailcast]
#   TAILCAST_FLAGS []    extra flags for `tailcast collect` (word-split)
#   WRITE_DOC [1]        0: print only, leave docs/BENCHMARKS.md alone
#   KEEP [0]             1: keep the work directory (logs, configs)
#   ONLY [all]           all, or sarama: only tailcast and sarama-lines, no
#                        kcat, rsyslog, ceiling, records, read comparison nor
#                        RSS, and a short report (for A/B checks of the
#                        collector; needs WRITE_DOC=0)
#
# Each measurement starts a fresh broker and runs the collector under
# bench/cmd/topiccount, which polls the topic's high watermarks every 5 ms
# and stops the collector once LINES records are acknowledged. sarama
# alone runs under the same polling, timed by its own clock.
set -euo pipefail
cd "$(dirname "$0")/.."

# The exact command goes into the report: name every setting given.
SET_VARS=
for v in LINES RUNS RSS_FILES RSS_RATE RSS_WARMUP RSS_SAMPLE TAILCAST_BIN TAILCAST_FLAGS ONLY; do
	[[ -n ${!v+x} ]] && SET_VARS+="$v=${!v@Q} "
done
LINES=${LINES:-1000000}
RUNS=${RUNS:-3}
RSS_FILES=${RSS_FILES:-1000}
RSS_RATE=${RSS_RATE:-1000}
RSS_WARMUP=${RSS_WARMUP:-15}
RSS_SAMPLE=${RSS_SAMPLE:-10}
TAILCAST_BIN=${TAILCAST_BIN:-bin/tailcast}
TAILCAST_FLAGS=${TAILCAST_FLAGS:-}
WRITE_DOC=${WRITE_DOC:-1}
KEEP=${KEEP:-0}
ONLY=${ONLY:-all}
DOC=docs/BENCHMARKS.md
TOPIC=logs

BENCH=bench-collector
# shellcheck source=bench/lib.sh
. bench/lib.sh

for v in LINES RUNS RSS_FILES RSS_RATE RSS_WARMUP RSS_SAMPLE; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v=${!v}: want a positive integer"
done
[[ $ONLY == all || $ONLY == sarama ]] || die "ONLY=$ONLY: want all or sarama"
[[ $ONLY == all || $WRITE_DOC == 0 ]] || die "ONLY=$ONLY measures only some rows: run it with WRITE_DOC=0"
[[ -x $TAILCAST_BIN ]] || die "$TAILCAST_BIN missing: run 'make build' (or make bench-collector)"
TAILCAST_BIN=$(cd "$(dirname "$TAILCAST_BIN")" && pwd)/$(basename "$TAILCAST_BIN")
command -v go >/dev/null || die "go missing: the helpers in bench/cmd are built with it"

# --- peers ---------------------------------------------------------------
omkafka_path() {
	local d
	for d in /usr/lib/*/rsyslog /usr/lib/rsyslog /usr/lib64/rsyslog; do
		[[ -f $d/omkafka.so ]] && { echo "$d/omkafka.so"; return 0; }
	done
	return 1
}
if [[ $ONLY == all ]]; then
	need=()
	command -v kcat >/dev/null || need+=(kcat)
	command -v rsyslogd >/dev/null || need+=(rsyslog)
	omkafka_path >/dev/null || need+=(rsyslog-kafka)
	if ((${#need[@]})); then
		if [[ $(id -u) != 0 ]]; then
			die "missing ${need[*]}; install them as root (Debian: apt-get install ${need[*]}) and run again"
		fi
		log "installing ${need[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
			{ apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; } ||
			die "apt-get install ${need[*]} failed"
	fi
	if ! command -v kcat >/dev/null || ! command -v rsyslogd >/dev/null || ! omkafka_path >/dev/null; then
		die "kcat, rsyslogd or omkafka.so still missing after install"
	fi
fi

# --- work directory, helpers, cleanup --------------------------------------
bench_workdir tailcast-bench

HB=$WORK/bin
log "building helpers into $HB"
go build -o "$HB/" ./bench/cmd/kfakebroker ./bench/cmd/topiccount ./bench/cmd/genlines ./bench/cmd/tailcompare ./bench/cmd/saramaonly

FILE=$WORK/input.log
"$HB/genlines" -n "$LINES" -o "$FILE"
BYTES=$(stat -c %s "$FILE")
# Give up on a collector below 10k lines/s: it is broken, not slow.
TIMEOUT=$((LINES / 10000 + 30))s

BROKER_PID=''
BROKER_ADDR=''
start_broker() { # [-blackhole]
	rm -f "$WORK/addr"
	spawn /dev/null "$WORK/broker.log" "$HB/kfakebroker" -topic "$TOPIC" -partitions 3 -addr-file "$WORK/addr" "$@"
	BROKER_PID=$SPAWNED
	for _ in $(seq 100); do [[ -s $WORK/addr ]] && break; sleep 0.1; done
	[[ -s $WORK/addr ]] || die "broker did not start; see $WORK/broker.log"
	BROKER_ADDR=$(<"$WORK/addr")
}
stop_broker() { stop "$BROKER_PID"; BROKER_PID=; }

# measure NAME RUN CMD...: runs CMD under topiccount against $BROKER_ADDR and
# leaves its key=value line in $WORK/NAME.RUN.kv (and the log beside it).
measure() {
	local name=$1 run=$2
	shift 2
	local out=$WORK/$name.$run.kv
	spawn "$out" "$WORK/$name.$run.log" "$HB/topiccount" -brokers "$BROKER_ADDR" -topic "$TOPIC" -wait "$LINES" -timeout "$TIMEOUT" -- "$@"
	local pid=$SPAWNED rc=0
	wait "$pid" || rc=$?
	forget "$pid"
	[[ -s $out ]] || echo "status=failed exit=$rc" >"$out"
	log "$name run $run: $(<"$out")"
	return 0
}

run_tailcast() { # NAME RUN
	local pos=$WORK/$1.$2.positions.json
	# shellcheck disable=SC2086 # TAILCAST_FLAGS is a list of flags
	measure "$1" "$2" "$TAILCAST_BIN" collect --brokers "$BROKER_ADDR" --topic "$TOPIC" \
		--positions "$pos" --from-start $TAILCAST_FLAGS "$FILE"
	# Checkpointing is part of the work: after a clean stop the positions
	# file must name the end of the input.
	local off
	off=$(grep -o '"offset": *[0-9]*' "$pos" 2>/dev/null | grep -o '[0-9]*$' | head -1 || true)
	echo "positions_offset=${off:-none}" >>"$WORK/$1.$2.kv"
}
run_kcat() {
	measure kcat "$1" kcat -P -b "$BROKER_ADDR" -t "$TOPIC" -l "$FILE"
}
run_rsyslog() {
	local d=$WORK/rsyslog.$1
	mkdir -p "$d/work"
	cat >"$d/rsyslog.conf" <<EOF
# imfile -> omkafka, everything else at its defaults.
global(workDirectory="$d/work" maxMessageSize="64k")
module(load="imfile")
module(load="omkafka")
template(name="raw" type="string" string="%msg%")
ruleset(name="tokafka") {
  action(type="omkafka" broker=["$BROKER_ADDR"] topic="$TOPIC" template="raw" partitions.auto="on")
}
input(type="imfile" file="$FILE" tag="bench" readMode="0" freshStartTail="off" ruleset="tokafka")
EOF
	if ! rsyslogd -N1 -f "$d/rsyslog.conf" >"$d/check.log" 2>&1; then
		echo "status=config-error exit=1" >"$WORK/rsyslog.$1.kv"
		log "rsyslog rejects its config: $(tr '\n' ' ' <"$d/check.log")"
		return 0
	fi
	measure rsyslog "$1" rsyslogd -n -f "$d/rsyslog.conf" -i "$d/rsyslogd.pid"
}

# sarama's AsyncProducer alone, as the collector configures it, on records
# built before its clock starts (bench/cmd/saramaonly): what issue 3's
# prescribed producer reaches on this machine with nothing else to do.
# NAME is sarama-lines (the input's lines, what kcat sends) or
# sarama-records (the collector's own records, dumped from the topic after
# tailcast's first run), with -bh against the blackhole broker.
# It runs under topiccount too, so that the broker answers the same 5 ms
# watermark polls while it works as while tailcast does; its figures are
# its own (clock from before it connects to its last acknowledgement:
# reading the input into memory is not its work), which topiccount lets it
# print before stopping it (-exit).
DUMP=$WORK/records.dump
run_saramaonly() { # NAME RUN
	local out=$WORK/$1.$2.kv log=$WORK/$1.$2.log src=(-lines "$FILE")
	[[ $1 == sarama-records* ]] && src=(-records "$DUMP")
	if [[ ${src[0]} == -records && ! -s $DUMP ]]; then
		echo "status=no-dump" >"$out"
	else
		local tc=$WORK/$1.$2.topiccount
		spawn "$tc" "$log" "$HB/topiccount" -brokers "$BROKER_ADDR" -topic "$TOPIC" -wait "$LINES" -timeout "$TIMEOUT" -exit -- \
			"$HB/saramaonly" -brokers "$BROKER_ADDR" -topic "$TOPIC" "${src[@]}"
		local pid=$SPAWNED
		wait "$pid" || true
		forget "$pid"
		# saramaonly's stdout is in topiccount's log.
		grep '^status=' "$log" | tail -1 >"$out" || true
		[[ -s $out ]] || echo "status=failed" >"$out"
		if [[ $(kv "$tc" status) != ok || $(kv "$tc" final_count) != "$LINES" ]]; then
			echo "status=failed count=$(kv "$tc" final_count) exit=$(kv "$tc" exit)" >"$out"
		fi
	fi
	log "$1 run $2: $(<"$out")"
}

# --- throughput ------------------------------------------------------------
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "$LINES lines, $BYTES bytes, $RUNS run(s) each; load average $LOAD_BEFORE"
NAMES=(tailcast kcat rsyslog ceiling sarama-lines sarama-records sarama-lines-bh sarama-records-bh)
[[ $ONLY == sarama ]] && NAMES=(tailcast sarama-lines)
declare -A FAILED=()
for run in $(seq "$RUNS"); do
	for name in "${NAMES[@]}"; do
		[[ -n ${FAILED[$name]:-} ]] && continue
		if [[ $name == ceiling || $name == *-bh ]]; then start_broker -blackhole; else start_broker; fi
		case $name in
		tailcast | ceiling) run_tailcast "$name" "$run" ;;
		kcat) run_kcat "$run" ;;
		rsyslog) run_rsyslog "$run" ;;
		sarama-*) run_saramaonly "$name" "$run" ;;
		esac
		if [[ $ONLY == all && $name == tailcast && ! -s $DUMP && $(kv "$WORK/$name.$run.kv" status) == ok ]]; then
			"$HB/saramaonly" -brokers "$BROKER_ADDR" -topic "$TOPIC" -dump "$DUMP" -n "$LINES" 2>>"$WORK/dump.log" ||
				{ rm -f "$DUMP"; log "dumping tailcast's records failed; see $WORK/dump.log"; }
		fi
		stop_broker
		# A collector that failed once is not retried: it would only burn
		# the time budget.
		[[ $(kv "$WORK/$name.$run.kv" status) == ok ]] || FAILED[$name]=$run
	done
done

if [[ $ONLY == all ]]; then
	# --- reading lines only: nxadm/tail against the collector's technique ---------
	# Issue 3 names nxadm/tail; the collector reads with its own loop instead
	# (collector/tailer.go). This measures what reading the lines, with their
	# offsets, costs each way, on the same file, with no Kafka at all.
	for run in $(seq "$RUNS"); do
		for impl in nxadm chunks; do
			"$HB/tailcompare" -impl "$impl" -input "$FILE" >"$WORK/read.$impl.$run.kv" 2>>"$WORK/read.log" ||
				echo "status=failed" >"$WORK/read.$impl.$run.kv"
			log "read $impl run $run: $(<"$WORK/read.$impl.$run.kv")"
		done
	done

	# --- RSS while tailing many files --------------------------------------------
	log "RSS: $RSS_FILES files growing by $RSS_RATE lines/s, warm-up ${RSS_WARMUP}s, sampling ${RSS_SAMPLE}s"
	(($(ulimit -n) >= RSS_FILES + 256)) || ulimit -n $((RSS_FILES + 1024)) 2>/dev/null ||
		log "ulimit -n is $(ulimit -n); tailing $RSS_FILES files may fail"
	MANY=$WORK/many
	spawn /dev/null "$WORK/grow.log" "$HB/genlines" -grow "$MANY" -files "$RSS_FILES" -initial 10 -rate "$RSS_RATE" -seed 2
	GROW_PID=$SPAWNED
	for _ in $(seq 300); do
		(($(find "$MANY" -name '*.log' 2>/dev/null | wc -l) >= RSS_FILES)) && break
		sleep 0.1
	done
	start_broker
	spawn /dev/null "$WORK/rss.log" "$TAILCAST_BIN" collect --brokers "$BROKER_ADDR" --topic "$TOPIC" \
		--positions "$WORK/rss.positions.json" --from-start "$MANY/*.log"
	RSS_PID=$SPAWNED
	nap "$RSS_WARMUP"
	kill -0 "$RSS_PID" 2>/dev/null || die "tailcast collect exited during the RSS warm-up; see $WORK/rss.log"
	COUNT0=$("$HB/topiccount" -brokers "$BROKER_ADDR" -topic "$TOPIC")
	cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
	RSS_T0=$(cpu_ticks "$RSS_PID")
	RSS_MAX=0
	for _ in $(seq $((RSS_SAMPLE * 4))); do
		r=$(awk '/^VmRSS:/ {print $2}' "/proc/$RSS_PID/status" 2>/dev/null) ||
			die "tailcast collect exited while tailing $RSS_FILES files; see $WORK/rss.log"
		((r > RSS_MAX)) && RSS_MAX=$r
		sleep 0.25
	done
	RSS_T1=$(cpu_ticks "$RSS_PID")
	RSS_HWM=$(awk '/^VmHWM:/ {print $2}' "/proc/$RSS_PID/status")
	RSS_FDS=$(find "/proc/$RSS_PID/fd" -mindepth 1 2>/dev/null | wc -l)
	RSS_THREADS=$(awk '/^Threads:/ {print $2}' "/proc/$RSS_PID/status")
	COUNT1=$("$HB/topiccount" -brokers "$BROKER_ADDR" -topic "$TOPIC")
	stop "$RSS_PID"
	stop "$GROW_PID"
	stop_broker
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report ------------------------------------------------------------------
# median NAME KEY: the KEY of the run with the median elapsed time.
median_run() {
	local name=$1 run
	for run in $(seq "$RUNS"); do
		local f=$WORK/$name.$run.kv
		[[ -f $f && $(kv "$f" status) == ok ]] && echo "$(kv "$f" elapsed_s) $run"
	done | sort -g | awk '{a[NR]=$2} END {if (NR) print a[int((NR+1)/2)]}'
}
f2() { awk -v x="$1" 'BEGIN {printf "%.2f", x}'; }
declare -A LPS MIBS SECS CPU CPL RSS ALL NOTE
for name in "${NAMES[@]}"; do
	m=$(median_run "$name")
	if [[ -z $m ]]; then
		f=$WORK/$name.${FAILED[$name]:-1}.kv
		NOTE[$name]="failed: $(kv "$f" status), $(kv "$f" count) of $LINES records (exit $(kv "$f" exit))"
		continue
	fi
	f=$WORK/$name.$m.kv
	SECS[$name]=$(kv "$f" elapsed_s)
	LPS[$name]=$(awk -v n="$LINES" -v s="${SECS[$name]}" 'BEGIN {printf "%.0f", n / s}')
	MIBS[$name]=$(awk -v b="$BYTES" -v s="${SECS[$name]}" 'BEGIN {printf "%.1f", b / s / 1048576}')
	CPU[$name]=$(kv "$f" cpu_s)
	RSS[$name]=$(awk -v k="$(kv "$f" maxrss_kib)" 'BEGIN {printf "%.0f", k / 1024}')
	CPL[$name]=$(awk -v c="${CPU[$name]}" -v n="$LINES" 'BEGIN {printf "%.2f", c / n * 1e6}')
	ALL[$name]=$(for run in $(seq "$RUNS"); do
		[[ -f $WORK/$name.$run.kv ]] && kv "$WORK/$name.$run.kv" elapsed_s
	done | paste -sd/ -)
done
ratio() { # ratio A B: A ÷ B lines/s, or n/a
	[[ -n ${LPS[$1]:-} && -n ${LPS[$2]:-} ]] || { echo n/a; return; }
	awk -v a="${LPS[$1]}" -v b="${LPS[$2]}" 'BEGIN {printf "%.2f×", a / b}'
}
verdict() { # verdict VALUE OP TARGET
	[[ -n $1 && $1 != n/a ]] || { echo "not measured"; return; }
	awk -v v="${1%×}" -v t="$3" -v op="$2" 'BEGIN {ok = (op == ">=") ? v >= t : v <= t; print ok ? "**pass**" : "**FAIL**"}'
}
row() { # row NAME LABEL
	local n=$1
	if [[ -z ${LPS[$n]:-} ]]; then
		echo "| $2 | ${NOTE[$n]} | | | | | | |"
		return
	fi
	local r="—"
	[[ $n == kcat || $n == rsyslog ]] && r=$(ratio tailcast "$n")
	echo "| $2 | ${LPS[$n]} | ${MIBS[$n]} | ${SECS[$n]} (${ALL[$n]}) | ${CPU[$n]} | ${CPL[$n]} | ${RSS[$n]} | $r |"
}
if [[ $ONLY == sarama ]]; then
	echo "$LINES lines, median of $RUNS interleaved run(s); load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "| | lines/s | seconds (all runs) | CPU µs/line (all runs) |"
	echo "|---|---:|---|---|"
	for name in "${NAMES[@]}"; do
		all=$(for run in $(seq "$RUNS"); do
			f=$WORK/$name.$run.kv
			[[ -f $f ]] && awk -v c="$(kv "$f" cpu_s)" -v n="$LINES" 'BEGIN {printf "%.2f\n", c / n * 1e6}'
		done | paste -sd/ -)
		echo "| $name | ${LPS[$name]:-${NOTE[$name]}} | ${SECS[$name]:-} (${ALL[$name]:-}) | ${CPL[$name]:-} ($all) |"
	done
	echo "tailcast ÷ sarama alone (lines/s): $(ratio tailcast sarama-lines)"
	exit 0
fi
TC_LAST1=
if [[ -n ${SECS[tailcast]:-} ]]; then
	TC_LAST1=$(kv "$WORK/tailcast.$(median_run tailcast).kv" elapsed_last1_s)
fi
checkpoints() { # positions files of tailcast runs that do not name the end of the input
	local bad=() f o
	for f in "$WORK"/tailcast.*.kv "$WORK"/ceiling.*.kv; do
		[[ -f $f ]] || continue
		o=$(kv "$f" positions_offset)
		[[ $o == "$BYTES" ]] || bad+=("$(basename "$f" .kv): ${o:-none}")
	done
	if ((${#bad[@]})); then echo "**not at the end of the input** (${bad[*]}; want $BYTES)"; else echo "every run's positions file ends at byte $BYTES"; fi
}
RSS_MIB=$(awk -v k="$RSS_MAX" 'BEGIN {printf "%.1f", k / 1024}')
RSS_HWM_MIB=$(awk -v k="$RSS_HWM" 'BEGIN {printf "%.1f", k / 1024}')
RSS_CPU=$(awk -v a="$RSS_T0" -v b="$RSS_T1" -v s="$RSS_SAMPLE" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", (b - a) / hz / s * 100}')
RSS_EXPECT=$((RSS_RATE * RSS_SAMPLE))
RSS_GOT=$((COUNT1 - COUNT0))
RSS_FILES_READ=$(grep -c '"offset"' "$WORK/rss.positions.json" 2>/dev/null || true)

CMD="${SET_VARS}./bench/collector.sh"
[[ -z $SET_VARS ]] && CMD="make bench-collector"
KIND="Full run"
[[ $LINES == 1000000 ]] || KIND="**Smoke run (LINES=$LINES), not the spec's 1M lines**"
MACHINE="$(nproc) CPUs ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), $(free -h | awk '/^Mem:/ {print $2}') RAM, $(uname -sr)"

REPORT=$WORK/report.md
{
	echo "$KIND, $(date -u '+%Y-%m-%d %H:%M UTC'), \`$CMD\`."
	echo
	echo "- Machine: $MACHINE. Load average (1/5/15 min) before: $LOAD_BEFORE, after: $LOAD_AFTER."
	if awk -v l="${LOAD_BEFORE%% *}" -v n="$(nproc)" 'BEGIN {exit !(l > n / 2)}'; then
		echo "- **The machine was busy** (1-minute load ${LOAD_BEFORE%% *} on $(nproc) CPUs): other work competed for the CPUs, so these figures are noisy and the ratios only indicative."
	fi
	echo "- Versions: tailcast $("$TAILCAST_BIN" --version 2>&1 | head -1 | sed 's/^tailcast //'); $(go version | sed 's/^go version //');" \
		"kcat $(kcat -V 2>&1 | sed -n 's/^Version \([^ ]*\).*\(librdkafka [^ ]*\).*/\1 (\2)/p' | head -1); $(rsyslogd -v | head -1 | sed 's/ compiled with://; s/  */ /g');" \
		"kfake $(sed -n 's|.*pkg/kfake \(v[^ ]*\).*|\1|p' go.mod | head -1)."
	echo "- Input: $LINES lines, $BYTES bytes ($(awk -v b="$BYTES" -v n="$LINES" 'BEGIN {printf "%.1f", b / n}') bytes/line), one file; fresh 3-partition broker per run; median of $RUNS interleaved run(s)."
	echo
	echo "| collector | lines/s | MiB/s | seconds to $LINES acked (all runs) | CPU s | CPU µs/line | max RSS MiB | tailcast ÷ peer (lines/s) |"
	echo "|---|---:|---:|---|---:|---:|---:|---:|"
	TC_LABEL="defaults: lz4, linger 2ms"
	[[ -n $TAILCAST_FLAGS ]] && TC_LABEL="$TAILCAST_FLAGS"
	row tailcast "tailcast collect → kfake ($TC_LABEL, --positions)"
	row kcat "kcat -P -l FILE → kfake (librdkafka defaults)"
	row rsyslog "rsyslog imfile → omkafka → kfake"
	row ceiling "tailcast collect → kfake BlackholeProduce ($TC_LABEL; ceiling)"
	echo
	echo "| spec (issue 3) | target | measured | |"
	echo "|---|---|---|---|"
	r=$(ratio tailcast kcat)
	echo "| lines/s vs kcat | ≥ 1.0× | $r | $(verdict "$r" ">=" 1.0) |"
	r=$(ratio tailcast rsyslog)
	echo "| lines/s vs rsyslog | ≥ 3× | $r | $(verdict "$r" ">=" 3.0) |"
	echo "| ceiling (blackhole broker) | ≥ 150 MiB/s | ${MIBS[ceiling]:-n/a} MiB/s | $(verdict "${MIBS[ceiling]:-}" ">=" 150) |"
	echo "| RSS tailing $RSS_FILES files | ≤ 40 MiB | $RSS_MIB MiB | $(verdict "$RSS_MIB" "<=" 40) |"
	r=$(ratio tailcast sarama-lines)
	echo "| lines/s vs sarama AsyncProducer alone, fed the input's lines from memory (issue 13) | ≥ 0.9× | $r | $(verdict "$r" ">=" 0.9) |"
	r=$(ratio tailcast sarama-records)
	echo "| lines/s vs sarama AsyncProducer alone, fed tailcast's own records (same bytes on the wire) | — | $r | |"
	echo
	echo "sarama's AsyncProducer alone (\`bench/cmd/saramaonly\`), configured by \`collector.SaramaConfig\` exactly as the collector runs it (idempotent, acks=all, lz4, linger 2 ms, one in-flight request), all records in one partition as one file's lines are, same brokers, under the same 5 ms watermark polls as tailcast, median of $RUNS: the records are built before its clock starts, so no file is read and nothing is parsed or encoded while it runs; its clock starts before it connects, as tailcast's time includes its connecting. Issue 3 prescribes this producer, so these are the bounds of its throughput targets on this machine."
	echo
	echo "| sarama AsyncProducer alone, values | → kfake lines/s | ÷ kcat | → blackhole MiB/s of input | CPU µs/line → kfake | tailcast ÷ sarama alone, kfake / blackhole |"
	echo "|---|---:|---:|---:|---:|---:|"
	for v in lines records; do
		label="the input's lines ($(awk -v b="$BYTES" -v n="$LINES" 'BEGIN {printf "%.0f", b / n}') B), as kcat sends them"
		[[ $v == records ]] && label="tailcast's records ($(awk -v s="$(stat -c %s "$DUMP" 2>/dev/null || echo 0)" -v n="$LINES" 'BEGIN {printf "%.0f", s / n}') B each as dumped: the line as value, the meta header, no key), replayed from the topic of tailcast's first run"
		n=sarama-$v
		if [[ -z ${LPS[$n]:-} ]]; then
			echo "| $label | ${NOTE[$n]:-not measured} | | ${MIBS[$n-bh]:-} | | |"
			continue
		fi
		close="$(ratio tailcast "$n") / $(awk -v a="${MIBS[ceiling]:-0}" -v b="${MIBS[$n-bh]:-0}" 'BEGIN {if (b > 0) printf "%.2f×", a / b; else print "n/a"}')"
		echo "| $label | ${LPS[$n]} | $(ratio "$n" kcat) | ${MIBS[$n-bh]:-${NOTE[$n-bh]:-n/a}} | ${CPL[$n]} | $close |"
	done
	echo
	echo "- Time runs from starting the collector process to the broker's high watermarks summing to $LINES (polled every 5 ms), so it includes start-up and the broker round trips. CPU s and max RSS come from the collector's rusage over its whole life (it is stopped with SIGTERM once the count is reached; kcat exits by itself). On a busy machine CPU µs/line is the steadier comparison: it does not count time spent waiting for a CPU."
	if [[ -n $TC_LAST1 ]] && awk -v a="$TC_LAST1" -v b="${SECS[tailcast]}" 'BEGIN {exit !(b - a > 0.05)}'; then
		echo "- tailcast had $((LINES - 1)) records after ${TC_LAST1} s: the multiline joiner holds a file's last line until the file has been quiet for --multiline-wait, as it cannot know the entry is complete."
	fi
	echo "- Checkpoints: $(checkpoints)."
	echo "- RSS: $RSS_FILES files ($RSS_RATE lines/s appended round-robin), \`tailcast collect --from-start 'DIR/*.log'\`, VmRSS sampled every 0.25 s for ${RSS_SAMPLE} s after ${RSS_WARMUP} s warm-up: max VmRSS $RSS_MIB MiB, VmHWM (whole life, including the initial catch-up) $RSS_HWM_MIB MiB, CPU $RSS_CPU% of one core over the sampling, $RSS_THREADS threads, $RSS_FDS open fds, $RSS_FILES_READ files in the positions file; $RSS_GOT records acked during sampling (appended: ~$RSS_EXPECT)."
	echo
	echo "Reading the lines only, no Kafka (\`bench/cmd/tailcompare\`, same file, median of $RUNS): what the collector's reader replaces. nxadm/tail runs as issue 3 prescribes (Follow, CompleteLines, offsets from SeekInfo) and hands lines to the caller over its channel; \"chunks\" is collector/tailer.go's technique (128 KiB reads from a held descriptor, lines split in place, offsets computed). Both must return every line and end at the file's size."
	echo
	echo "| reader | lines/s | CPU µs/line | seconds (all runs) |"
	echo "|---|---:|---:|---|"
	for impl in nxadm chunks; do
		m=$(for run in $(seq "$RUNS"); do
			f=$WORK/read.$impl.$run.kv
			[[ $(kv "$f" status) == failed ]] || echo "$(kv "$f" elapsed_s) $run"
		done | sort -g | awk '{a[NR]=$2} END {if (NR) print a[int((NR+1)/2)]}')
		label="nxadm/tail $(sed -n 's|.*nxadm/tail \(v[^ ]*\).*|\1|p' go.mod | head -1)"
		[[ $impl == chunks ]] && label="collector technique (chunks)"
		if [[ -z $m ]]; then
			echo "| $label | failed (see read.log) | | |"
			continue
		fi
		f=$WORK/read.$impl.$m.kv
		all=$(for run in $(seq "$RUNS"); do kv "$WORK/read.$impl.$run.kv" elapsed_s; done | paste -sd/ -)
		echo "| $label | $(kv "$f" lines_per_s) | $(kv "$f" cpu_us_per_line) | $(kv "$f" elapsed_s) ($all) |"
	done
} >"$REPORT"
cat "$REPORT"

if [[ $WRITE_DOC == 1 ]]; then
	[[ -f $DOC ]] || printf '# Benchmarks\n' >"$DOC"
	if ! grep -q '<!-- bench-collector:begin -->' "$DOC"; then
		printf '\n## Collector\n\n<!-- bench-collector:begin -->\n<!-- bench-collector:end -->\n' >>"$DOC"
	fi
	awk -v report="$REPORT" '
		/<!-- bench-collector:begin -->/ { print; while ((getline l < report) > 0) print l; skip = 1; next }
		/<!-- bench-collector:end -->/ { skip = 0 }
		!skip { print }
	' "$DOC" >"$WORK/doc.md"
	cat "$WORK/doc.md" >"$DOC"
	log "results written to $DOC"
fi

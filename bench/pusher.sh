#!/usr/bin/env bash
# Pusher and end-to-end benchmarks (issue 4, "Performance"): fan-out to many
# websocket clients, deliveries/s against frontail, websocketd and Centrifugo
# on the same load, idle RSS per connection, and file-append-to-client
# latency, on this machine, in one run. Prints markdown and writes it to
# docs/BENCHMARKS.md between the bench-pusher and bench-e2e markers.
#
#   make bench-pusher              # or ./bench/pusher.sh  (about 7 minutes)
#   QUICK=1 ./bench/pusher.sh      # smoke run (about 3 minutes)
#   MIX_ONLY=1 ./bench/pusher.sh   # only the distinct-filter steps, printed, not written
# The first run also builds Centrifugo with `go install` (a few minutes).
#
# Every load is the same: bench/cmd/ratelines appends fixed-size lines
# stamped with their append time to a file at a steady rate; each server
# tails that file; bench/cmd/wsload holds the clients, counts deliveries and
# samples latency (append to client read) on a tenth of them. The fan-out
# target of issue 4 is publish to client read, so it is also measured on
# the pusher alone: bench/cmd/pushserve publishes the same lines, stamped
# just before Publish, with no collector, broker or consumer in front.
# Distinct filters (issue 14): pushserve publishes the mix of
# internal/filtermix (sixteen services, levels, JSON fields, realistic
# messages) and each of the MIX_CLIENTS clients of wsload -mix has its own
# filter from it (a service, a q word, a re, a where on a field, a minimum
# level, or several); the publish rate is what makes the offered
# deliveries/s given the mix's match rate, and wsload checks every entry a
# client gets and that it gets every match (missing/bad).
# Centrifugo v6 is measured on both: bench/cmd/centpub publishes into its
# HTTP API (/api/batch), either the lines appended to the file (the
# side-by-side steps) or the same lines stamped just before publishing (the
# fan-out steps); wsload -proto centrifugo subscribes its clients.
#
# Environment (defaults in brackets; QUICK=1 changes the ones marked *):
#   WARMUP [3]*                  seconds of load before counting
#   WINDOW [5]*                  seconds counted per step
#   PEER_CLIENTS [100]           clients in the side-by-side sweep
#   TAILCAST_RATES [2000 5000 10000 20000]*   lines/s offered, in order
#   WEBSOCKETD_RATES [250 500 1000 2000 4000]*
#   FRONTAIL_RATES [100 200 400 800 1600]*
#   CENTRIFUGO_RATES [2000 5000 10000 20000]*  lines/s of the file, published into Centrifugo
#   FANOUT_CLIENTS [1000]        clients of the fan-out tests
#   FANOUT_RATES [300 1000 2000 3000]*         entries/s published to the pusher alone, in order
#   CENTRIFUGO_FANOUT_RATES [300 500 700 1000 2000 3000]* publications/s into Centrifugo alone, in order
#   PIPELINE_FANOUT_RATES [1000 2000]*         lines/s through `tailcast run` to as many clients
#   MIX_CLIENTS [1000]           clients of the distinct-filter steps, each with its own filter
#   MIX_DELIVERIES [1000000 2000000]*          deliveries/s offered to them, in order
#   MIX_ONLY [0]                 1: run only the distinct-filter steps (WRITE_DOC is then 0)
#   IDLE_STEP [5000]*            idle connections added per step (one wsload each)
#   IDLE_STEPS [3]               steps (IDLE_STEP × IDLE_STEPS connections at the end)
#   E2E_RATE [10000]             lines/s of the end-to-end test
#   E2E_CLIENTS [10]             its clients, all sampling latency
#   E2E_WINDOW [10]*             its counted seconds
#   E2E_FLAGS []                 extra flags for that `tailcast run` (e.g. --linger 1ms)
#   MAX_P99_MS [1000]            a sweep step whose p99 exceeds this is saturated
#   GO_BENCHTIME [1s]*           -benchtime of the pusher Go benchmarks
#   TAILCAST_BIN [bin/tailcast]
#   CENTRIFUGO_VERSION [v6.9.1]  built into bench/.peers/bin when missing or another version
#   WRITE_DOC [1]                0: print only, leave docs/BENCHMARKS.md alone
#   KEEP [0]                     1: keep the work directory (server logs, results)
set -euo pipefail
cd "$(dirname "$0")/.."

SET_VARS=
for v in QUICK WARMUP WINDOW PEER_CLIENTS TAILCAST_RATES WEBSOCKETD_RATES FRONTAIL_RATES CENTRIFUGO_RATES FANOUT_CLIENTS FANOUT_RATES \
	CENTRIFUGO_FANOUT_RATES PIPELINE_FANOUT_RATES MIX_CLIENTS MIX_DELIVERIES MIX_ONLY CENTRIFUGO_VERSION IDLE_STEP IDLE_STEPS E2E_RATE E2E_CLIENTS E2E_WINDOW E2E_FLAGS MAX_P99_MS GO_BENCHTIME TAILCAST_BIN; do
	[[ -n ${!v+x} ]] && SET_VARS+="$v=${!v@Q} "
done
QUICK=${QUICK:-0}
if [[ $QUICK == 1 ]]; then
	WARMUP=${WARMUP:-2}
	WINDOW=${WINDOW:-3}
	TAILCAST_RATES=${TAILCAST_RATES:-2000 10000}
	WEBSOCKETD_RATES=${WEBSOCKETD_RATES:-250 1000}
	FRONTAIL_RATES=${FRONTAIL_RATES:-100 400}
	CENTRIFUGO_RATES=${CENTRIFUGO_RATES:-2000 10000}
	FANOUT_RATES=${FANOUT_RATES:-300 1000}
	CENTRIFUGO_FANOUT_RATES=${CENTRIFUGO_FANOUT_RATES:-300}
	PIPELINE_FANOUT_RATES=${PIPELINE_FANOUT_RATES:-1000}
	MIX_DELIVERIES=${MIX_DELIVERIES:-1000000}
	IDLE_STEP=${IDLE_STEP:-1000}
	E2E_WINDOW=${E2E_WINDOW:-5}
	GO_BENCHTIME=${GO_BENCHTIME:-200ms}
fi
WARMUP=${WARMUP:-3}
WINDOW=${WINDOW:-5}
PEER_CLIENTS=${PEER_CLIENTS:-100}
TAILCAST_RATES=${TAILCAST_RATES:-2000 5000 10000 20000}
WEBSOCKETD_RATES=${WEBSOCKETD_RATES:-250 500 1000 2000 4000}
FRONTAIL_RATES=${FRONTAIL_RATES:-100 200 400 800 1600}
CENTRIFUGO_RATES=${CENTRIFUGO_RATES:-2000 5000 10000 20000}
FANOUT_CLIENTS=${FANOUT_CLIENTS:-1000}
FANOUT_RATES=${FANOUT_RATES:-300 1000 2000 3000}
CENTRIFUGO_FANOUT_RATES=${CENTRIFUGO_FANOUT_RATES:-300 500 700 1000 2000 3000}
CENTRIFUGO_VERSION=${CENTRIFUGO_VERSION:-v6.9.1}
PIPELINE_FANOUT_RATES=${PIPELINE_FANOUT_RATES:-1000 2000}
MIX_CLIENTS=${MIX_CLIENTS:-1000}
MIX_DELIVERIES=${MIX_DELIVERIES:-1000000 2000000}
MIX_ONLY=${MIX_ONLY:-0}
IDLE_STEP=${IDLE_STEP:-5000}
IDLE_STEPS=${IDLE_STEPS:-3}
E2E_RATE=${E2E_RATE:-10000}
E2E_CLIENTS=${E2E_CLIENTS:-10}
E2E_WINDOW=${E2E_WINDOW:-10}
E2E_FLAGS=${E2E_FLAGS:-}
MAX_P99_MS=${MAX_P99_MS:-1000}
GO_BENCHTIME=${GO_BENCHTIME:-1s}
TAILCAST_BIN=${TAILCAST_BIN:-bin/tailcast}
WRITE_DOC=${WRITE_DOC:-1}
KEEP=${KEEP:-0}
[[ $MIX_ONLY == 1 ]] && WRITE_DOC=0
DOC=docs/BENCHMARKS.md

BENCH=bench-pusher
# shellcheck source=bench/lib.sh
. bench/lib.sh

posint() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }
for v in WARMUP WINDOW PEER_CLIENTS FANOUT_CLIENTS MIX_CLIENTS IDLE_STEP IDLE_STEPS E2E_RATE E2E_CLIENTS E2E_WINDOW MAX_P99_MS; do
	posint "${!v}" || die "$v=${!v}: want a positive integer"
done
for v in TAILCAST_RATES WEBSOCKETD_RATES FRONTAIL_RATES CENTRIFUGO_RATES FANOUT_RATES CENTRIFUGO_FANOUT_RATES PIPELINE_FANOUT_RATES MIX_DELIVERIES; do
	[[ -n ${!v// /} ]] || die "$v is empty"
	for r in ${!v}; do posint "$r" || die "$v: $r is not a positive integer"; done
done
((IDLE_STEP <= 9000)) || die "IDLE_STEP=$IDLE_STEP: one wsload process holds at most 9000 (20000 open files per process, and the server needs one per connection)"
if [[ $MIX_ONLY != 1 ]]; then # the distinct-filter steps run pushserve only
	[[ -x $TAILCAST_BIN ]] || die "$TAILCAST_BIN missing: run 'make build' (or make bench-pusher)"
	TAILCAST_BIN=$(cd "$(dirname "$TAILCAST_BIN")" && pwd)/$(basename "$TAILCAST_BIN")
fi
command -v go >/dev/null || die "go missing: the helpers in bench/cmd are built with it"
command -v curl >/dev/null || die "curl missing (it checks that peers are listening)"
command -v setsid >/dev/null || die "setsid missing (util-linux)"

# The server needs a descriptor per connection: take the hard limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE=$(ulimit -n)
((NOFILE >= IDLE_STEP * IDLE_STEPS + 200)) ||
	log "ulimit -n is $NOFILE: the server cannot hold $((IDLE_STEP * IDLE_STEPS)) connections; the idle test will fail"

# --- peers -------------------------------------------------------------------
# Installed when missing (run scripts/bench-peers ahead: building Centrifugo
# takes minutes, and that load would still show in the first steps).
if [[ $MIX_ONLY != 1 ]]; then
	CENTRIFUGO_VERSION=$CENTRIFUGO_VERSION ./scripts/bench-peers || die "scripts/bench-peers failed"
fi
FRONTAIL=$(pwd)/$FRONTAIL
CENTRIFUGO=$(pwd)/$CENTRIFUGO

# --- work directory, processes, cleanup ----------------------------------------
bench_workdir tailcast-bench-pusher

free_port() { # a loopback port nobody listens on (checked, not reserved)
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 10000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
	done
	die "no free port found"
}

HB=$WORK/bin
log "building helpers into $HB"
go build -o "$HB/" ./bench/cmd/wsload ./bench/cmd/ratelines ./bench/cmd/pushserve ./bench/cmd/centpub

# --- servers -----------------------------------------------------------------
SERVER_PID=
SERVER_URL=
start_tailcast() { # start_tailcast NAME FILE [FLAGS...]
	local name=$1 file=$2
	shift 2
	mkdir -p "$WORK/$name.data"
	spawn "$WORK/$name.out" "$WORK/$name.err" "$TAILCAST_BIN" run --listen 127.0.0.1:0 --kafka-listen 127.0.0.1:0 \
		--data-dir "$WORK/$name.data" --from-start --max-conns-per-ip 0 --log-level warn "$@" "$file"
	SERVER_PID=$SPAWNED
	local hp=
	for _ in $(seq 300); do
		# The background spawn may not have created the file yet (set -e).
		hp=$(sed -n 's|^tailcast: viewer at http://\([^/]*\)/.*|\1|p' "$WORK/$name.out" 2>/dev/null || true)
		[[ -n $hp ]] && break
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	[[ -n $hp ]] || die "tailcast run did not start; see $WORK/$name.err"
	SERVER_URL=ws://$hp/ws
	# /readyz: the consumer has joined, so the first lines are not waited for.
	for _ in $(seq 300); do
		curl -fs -o /dev/null --max-time 1 "http://$hp/readyz" && return 0
		sleep 0.1
	done
	die "tailcast run not ready after 30 s; see $WORK/$name.err"
}
start_pushserve() { # start_pushserve NAME
	spawn "$WORK/$1.out" "$WORK/$1.err" "$HB/pushserve" -listen 127.0.0.1:0
	SERVER_PID=$SPAWNED
	SERVER_URL=
	for _ in $(seq 300); do
		SERVER_URL=$(sed -n 's|^pushserve: \(ws://.*\)|\1|p' "$WORK/$1.out" 2>/dev/null || true)
		[[ -n $SERVER_URL ]] && return 0
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	die "pushserve did not start; see $WORK/$1.err"
}
wait_http() { # wait_http PORT: until something answers HTTP there
	for _ in $(seq 300); do
		kill -0 "$SERVER_PID" 2>/dev/null || return 1
		curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/" && return 0
		sleep 0.1
	done
	return 1
}
start_websocketd() { # start_websocketd NAME FILE
	local port
	port=$(free_port)
	# One `tail` per client, by websocketd's design; -n0: only new lines.
	spawn "$WORK/$1.out" "$WORK/$1.err" websocketd --address=127.0.0.1 --port="$port" --loglevel=error tail -n0 -F "$2"
	SERVER_PID=$SPAWNED
	wait_http "$port" || die "websocketd did not start; see $WORK/$1.err"
	SERVER_URL=ws://127.0.0.1:$port/
}
start_frontail() { # start_frontail NAME FILE
	local port
	port=$(free_port)
	spawn "$WORK/$1.out" "$WORK/$1.err" "$FRONTAIL" --host 127.0.0.1 --port "$port" -n 1 --disable-usage-stats "$2"
	SERVER_PID=$SPAWNED
	wait_http "$port" || die "frontail did not start; see $WORK/$1.err"
	SERVER_URL=ws://127.0.0.1:$port/
}

CENT_API=
start_centrifugo() { # start_centrifugo NAME: insecure clients and API, on a free loopback port
	local port conf=$WORK/$1.centrifugo.json
	port=$(free_port)
	cat >"$conf" <<-EOF
		{
		  "http_server": {"address": "127.0.0.1", "port": $port},
		  "log": {"level": "error"},
		  "usage_stats": {"disabled": true},
		  "client": {"insecure": true},
		  "http_api": {"insecure": true},
		  "channel": {"without_namespace": {"allow_subscribe_for_client": true, "allow_publish_for_client": true}}
		}
	EOF
	spawn "$WORK/$1.out" "$WORK/$1.err" "$CENTRIFUGO" --config "$conf"
	SERVER_PID=$SPAWNED
	wait_http "$port" || die "centrifugo did not start; see $WORK/$1.err"
	SERVER_URL=ws://127.0.0.1:$port/connection/websocket
	CENT_API=http://127.0.0.1:$port/api
}

# step NAME SERVER CLIENTS RATE [WSLOAD FLAGS...]: a fresh server on a fresh
# file, CLIENTS connections, RATE lines/s; wsload's key=value line goes to
# $WORK/NAME.kv.
step() {
	local name=$1 server=$2 clients=$3 rate=$4
	shift 4
	local file=$WORK/$name.log
	: >"$file"
	local extra=() pub=("$HB/ratelines" -o "$file" -rate "$rate")
	case $server in
	tailcast) start_tailcast "$name" "$file" ;;
	pusher)
		start_pushserve "$name"
		local hp=${SERVER_URL#ws://}
		pub=(curl -sN "http://${hp%/ws}/publish?rate=$rate")
		;;
	pusher-mix) # RATE is entries/s of the mix; each client has its own filter
		start_pushserve "$name"
		local hp=${SERVER_URL#ws://}
		pub=(curl -sN "http://${hp%/ws}/publish?rate=$rate&mix=$clients")
		extra=(-mix)
		;;
	e2e) # shellcheck disable=SC2086 # E2E_FLAGS is a list of flags
		start_tailcast "$name" "$file" $E2E_FLAGS ;;
	websocketd)
		start_websocketd "$name" "$file"
		extra=(-proto websocketd)
		;;
	frontail)
		start_frontail "$name" "$file"
		extra=(-proto frontail -frontail-files "$file")
		;;
	centrifugo) # the file's lines, published as they are appended
		start_centrifugo "$name"
		extra=(-proto centrifugo -channel logs)
		pub=("$HB/centpub" -api "$CENT_API" -channel logs -follow "$file" -- "${pub[@]}")
		;;
	centrifugo-api) # lines stamped just before publishing, as pushserve's
		start_centrifugo "$name"
		extra=(-proto centrifugo -channel logs)
		pub=("$HB/centpub" -api "$CENT_API" -channel logs -rate "$rate")
		;;
	esac
	local lim=$((WARMUP + WINDOW + 90))
	spawn "$WORK/$name.kv" "$WORK/$name.wsload.err" timeout -k 5 "$lim" "$HB/wsload" -url "$SERVER_URL" "${extra[@]}" \
		-n "$clients" -sources 127.0.0.1-8 -pid "$SERVER_PID" -warmup "${WARMUP}s" -duration "${WINDOW}s" "$@" \
		-- "${pub[@]}"
	local w=$SPAWNED rc=0
	wait "$w" || rc=$?
	forget "$w"
	stop "$SERVER_PID"
	[[ -s $WORK/$name.kv ]] || echo "status=failed exit=$rc" >"$WORK/$name.kv"
	log "$name: $(<"$WORK/$name.kv")"
}

# saturated KVFILE OFFERED: a step that failed, lost clients, delivered less
# than 90% of what was offered, or whose p99 exceeds MAX_P99_MS.
saturated() {
	local f=$1 offered=$2
	[[ $(kv "$f" status) == ok ]] || return 0
	[[ $(kv "$f" disconnects) == 0 ]] || return 0
	awk -v d="$(kv "$f" deliveries_per_s)" -v o="$offered" -v p="$(kv "$f" p99_ms)" -v m="$MAX_P99_MS" \
		'BEGIN {exit !(d < 0.9 * o || p > m || p < 0)}'
}

# sweep SERVER CLIENTS RATES...: steps up the rate until saturation; sets
# BEST[SERVER] to the kv file of the last sustained step.
declare -A BEST=() STEPS=()
sweep() {
	local server=$1 clients=$2 r f
	shift 2
	for r in "$@"; do
		f=$WORK/$server.c$clients.r$r.kv
		step "$server.c$clients.r$r" "$server" "$clients" "$r"
		STEPS[$server.$clients]+="$r "
		if saturated "$f" $((r * clients)); then
			break
		fi
		BEST[$server.$clients]=$f
	done
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "load average $LOAD_BEFORE; warm-up ${WARMUP}s, window ${WINDOW}s per step"

# --- distinct filters: MIX_CLIENTS clients, each with its own filter --------------
# mix_steps: one step per offered deliveries/s; MIX_RATE[D] is the entries/s
# published for D.
declare -A MIX_RATE=()
mix_steps() {
	local d
	for d in $MIX_DELIVERIES; do
		MIX_RATE[$d]=$("$HB/wsload" -mix -mix-rate "$d" -n "$MIX_CLIENTS") || die "wsload -mix-rate failed"
		log "distinct filters: $d deliveries/s offered = ${MIX_RATE[$d]} entries/s of the mix"
		step "mix.c$MIX_CLIENTS.d$d" pusher-mix "$MIX_CLIENTS" "${MIX_RATE[$d]}"
	done
}
# mix_report: the table and the verdict of issue 14's target.
mix_report() {
	local d f
	echo "### Distinct filters, $MIX_CLIENTS clients (issue 14)"
	echo
	echo "\`pushserve\` publishes the mix of \`internal/filtermix\` (16 services, levels, JSON fields; mean match rate $(kv "$WORK/mix.c$MIX_CLIENTS.d${MIX_DELIVERIES%% *}.kv" mix_rate) per viewer) and each \`wsload -mix\` client has its own filter: a service or two, a \`q\` word, a \`re\`, a \`where\` on a field, a minimum level, or several of them, no two alike. Every entry a client reads is checked against its filter and order, and after the publisher stops every client must have every match (missing/bad: entries not delivered / delivered wrongly). Latency: publish → read on a tenth of the clients."
	echo
	echo "| deliveries/s offered | entries/s published | deliveries/s | p50 ms | p99 ms | max ms | missing/bad | dropped/disconnects | server CPU % | wsload CPU % |"
	echo "|---:|---:|---:|---:|---:|---:|---|---|---:|---:|"
	for d in $MIX_DELIVERIES; do
		f=$WORK/mix.c$MIX_CLIENTS.d$d.kv
		if [[ $(kv "$f" status) != ok ]]; then
			echo "| $(fmt_k "$d") | ${MIX_RATE[$d]} | failed: $(kv "$f" status) $(kv "$f" error) | | | | | | | |"
			continue
		fi
		echo "| $(fmt_k "$d") | ${MIX_RATE[$d]} | **$(fmt_k "$(kv "$f" deliveries_per_s)")** | $(kv "$f" p50_ms) | $(kv "$f" p99_ms) | $(kv "$f" max_ms) | $(kv "$f" missing)/$(kv "$f" bad) | $(kv "$f" dropped)/$(kv "$f" disconnects) | $(kv "$f" server_cpu_pct) | $(kv "$f" wsload_cpu_pct) |"
	done
	echo
	echo "| spec (issue 14) | target | measured | |"
	echo "|---|---|---|---|"
	f=$WORK/mix.c$MIX_CLIENTS.d1000000.kv
	if [[ ! -s $f ]]; then
		echo "| $MIX_CLIENTS viewers, distinct filters, at 1M deliveries/s | p99 ≤ 50 ms, all delivered | not run (MIX_DELIVERIES has no 1000000) | not measured |"
	elif [[ $(kv "$f" status) != ok ]]; then
		echo "| $MIX_CLIENTS viewers, distinct filters, at 1M deliveries/s | p99 ≤ 50 ms, all delivered | failed: $(kv "$f" status) | **FAIL** |"
	else
		local ok
		ok=$(awk -v p="$(kv "$f" p99_ms)" -v d="$(kv "$f" deliveries_per_s)" -v m="$(kv "$f" missing)" -v b="$(kv "$f" bad)" \
			-v dr="$(kv "$f" dropped)" -v dc="$(kv "$f" disconnects)" \
			'BEGIN {print (p >= 0 && p <= 50 && d >= 900000 && m == 0 && b == 0 && dr == 0 && dc == 0) ? "**pass**" : "**FAIL**"}')
		echo "| $MIX_CLIENTS viewers, distinct filters, at 1M deliveries/s | p99 ≤ 50 ms, all delivered | $(fmt_k "$(kv "$f" deliveries_per_s)")/s at p99 $(kv "$f" p99_ms) ms; missing $(kv "$f" missing), bad $(kv "$f" bad), dropped $(kv "$f" dropped), disconnects $(kv "$f" disconnects) | $ok |"
	fi
}
fmt_k() { awk -v x="$1" 'BEGIN {if (x == "") print "n/a"; else if (x >= 1e6) printf "%.2fM", x / 1e6; else printf "%.0fk", x / 1e3}'; }

if [[ $MIX_ONLY == 1 ]]; then
	mix_steps
	mix_report
	exit 0
fi

# --- side by side: 100 clients, increasing rates ----------------------------------
# shellcheck disable=SC2086 # the rate lists are word lists
{
	sweep tailcast "$PEER_CLIENTS" $TAILCAST_RATES
	sweep websocketd "$PEER_CLIENTS" $WEBSOCKETD_RATES
	sweep frontail "$PEER_CLIENTS" $FRONTAIL_RATES
	sweep centrifugo "$PEER_CLIENTS" $CENTRIFUGO_RATES
	# --- fan-out: 1,000 clients, the pusher alone and the whole pipeline -------------
	sweep pusher "$FANOUT_CLIENTS" $FANOUT_RATES
	sweep centrifugo-api "$FANOUT_CLIENTS" $CENTRIFUGO_FANOUT_RATES
	sweep tailcast "$FANOUT_CLIENTS" $PIPELINE_FANOUT_RATES
}
mix_steps

# --- idle connections ------------------------------------------------------------
log "idle: $IDLE_STEPS × $IDLE_STEP connections"
: >"$WORK/idle.log"
start_tailcast idle "$WORK/idle.log"
IDLE_PID=$SERVER_PID
nap 2
IDLE_LOADERS=()
IDLE_OK=1
for k in $(seq "$IDLE_STEPS"); do
	# Each process has its own eight source addresses.
	lo=$((k * 8 + 2))
	ready=$WORK/idle.$k.kv
	spawn "$WORK/idle.$k.out" "$WORK/idle.$k.err" "$HB/wsload" -idle -url "$SERVER_URL" -n "$IDLE_STEP" \
		-sources "127.0.0.$lo-$((lo + 7))" -pid "$IDLE_PID" -settle 3s -duration 300s -ready-file "$ready"
	IDLE_LOADERS+=("$SPAWNED")
	for _ in $(seq 1200); do
		[[ -s $ready ]] && break
		kill -0 "$SPAWNED" 2>/dev/null || break
		sleep 0.1
	done
	if [[ ! -s $ready ]]; then
		log "idle step $k failed: $(cat "$WORK/idle.$k.out" "$WORK/idle.$k.err" 2>/dev/null | tail -2 | tr '\n' ' ')"
		IDLE_OK=0
		break
	fi
	log "idle step $k: $(<"$ready")"
done
IDLE_THREADS=$(awk '/^Threads:/ {print $2}' "/proc/$IDLE_PID/status" 2>/dev/null || echo '?')
for g in "${IDLE_LOADERS[@]}"; do stop "$g"; done
stop "$IDLE_PID"

# --- end to end ------------------------------------------------------------------
log "end to end: $E2E_RATE lines/s, $E2E_CLIENTS clients"
SAVE_WINDOW=$WINDOW
WINDOW=$E2E_WINDOW
step e2e e2e "$E2E_CLIENTS" "$E2E_RATE" -sample 1
WINDOW=$SAVE_WINDOW

# --- Go benchmarks ---------------------------------------------------------------
log "go test -bench . -benchmem -run '^\$' -benchtime $GO_BENCHTIME ./pusher/"
GOBENCH_RC=0
go test -bench . -benchmem -run '^$' -benchtime "$GO_BENCHTIME" ./pusher/ >"$WORK/gobench.txt" 2>&1 || GOBENCH_RC=$?
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report ------------------------------------------------------------------------
CMD="${SET_VARS}./bench/pusher.sh"
[[ -z $SET_VARS ]] && CMD="make bench-pusher"
KIND="Full run"
[[ $QUICK == 1 || -n $SET_VARS ]] && KIND="**Smoke run (\`$CMD\`), not the full benchmark**"
MACHINE="$(nproc) CPUs ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), $(free -h | awk '/^Mem:/ {print $2}') RAM, $(uname -sr)"
BUSY=
if awk -v l="${LOAD_BEFORE%% *}" -v n="$(nproc)" 'BEGIN {exit !(l > n / 2)}'; then
	BUSY="- **The machine was busy** (1-minute load ${LOAD_BEFORE%% *} on $(nproc) CPUs): other work competed for the CPUs with the servers and the load generator, so these figures are noisy lower bounds and the ratios only indicative."
fi
VERSIONS="tailcast $("$TAILCAST_BIN" --version 2>&1 | head -1 | sed 's/^tailcast //'); $(go version | sed 's/^go version //');"
WSD_VERSION=$(dpkg-query -W -f '${Version}' websocketd 2>/dev/null || websocketd --version 2>&1 | head -1)
VERSIONS+=" websocketd $WSD_VERSION with $(tail --version | head -1);"
VERSIONS+=" frontail $(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$PEERS/node_modules/frontail/package.json" | head -1)"
VERSIONS+=" (socket.io $(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$PEERS/node_modules/socket.io/package.json" | head -1), node $(node --version));"
VERSIONS+=" Centrifugo $(centrifugo_version) (go install, $(go version -m "$CENTRIFUGO" | awk 'NR == 1 {print $2}'))."

sweep_rows() { # sweep_rows SERVER CLIENTS LABEL
	local server=$1 clients=$2 label=$3 r f
	for r in ${STEPS[$server.$clients]:-}; do
		f=$WORK/$server.c$clients.r$r.kv
		local s="" offered=$((r * clients))
		if [[ $(kv "$f" status) != ok ]]; then
			echo "| $label | $clients | $r | $(fmt_k $offered) | failed: $(kv "$f" status) $(kv "$f" error) | | | | | | |"
			continue
		fi
		saturated "$f" "$offered" && s=" (saturated)"
		echo "| $label | $clients | $r | $(fmt_k $offered) | **$(fmt_k "$(kv "$f" deliveries_per_s)")**$s | $(kv "$f" p50_ms) | $(kv "$f" p99_ms) | $(kv "$f" max_ms) | $(kv "$f" dropped)/$(kv "$f" disconnects) | $(kv "$f" server_cpu_pct) | $(kv "$f" wsload_cpu_pct) |"
	done
}
best_file() { # best_file SERVER CLIENTS: the last sustained step, else the first step
	local f=${BEST[$1.$2]:-} first
	if [[ -z $f ]]; then
		first=${STEPS[$1.$2]:-}
		first=${first%% *}
		[[ -n $first ]] && f=$WORK/$1.c$2.r$first.kv
	fi
	echo "$f"
}
best() { # best SERVER CLIENTS KEY
	local f
	f=$(best_file "$1" "$2")
	if [[ -n $f && $(kv "$f" status) == ok ]]; then kv "$f" "$3"; fi
}
# qualifier SERVER CLIENTS RATES: "≥ " when the best step is the last rate
# offered (not saturated), "saturated at the lowest rate: " when none was
# sustained (the figure is then what it delivered while saturated).
qualifier() {
	local last=${3##* }
	if [[ -z ${BEST[$1.$2]:-} ]]; then
		echo "saturated at the lowest rate: "
	elif [[ ${BEST[$1.$2]} == *".r$last.kv" ]]; then
		echo "≥ "
	fi
}
ratio() { # ratio PEER [TAILCAST_SERVER CLIENTS]: tailcast's best deliveries/s over PEER's
	local a b
	a=$(best "${2:-tailcast}" "${3:-$PEER_CLIENTS}" deliveries_per_s)
	b=$(best "$1" "${3:-$PEER_CLIENTS}" deliveries_per_s)
	[[ -n $a && -n $b ]] || { echo n/a; return; }
	awk -v a="$a" -v b="$b" 'BEGIN {printf "%.1f×", a / b}'
}
# bounded_ratio A B CLIENTS A_RATES B_RATES: A's best deliveries/s over B's,
# "≥ " when only A was never saturated (its figure is a floor), "≤ " when
# only B was.
bounded_ratio() {
	local qa qb r
	qa=$(qualifier "$1" "$3" "$4")
	qb=$(qualifier "$2" "$3" "$5")
	r=$(ratio "$2" "$1" "$3")
	if [[ $qa == "≥ " && $qb == "≥ " ]]; then
		echo "$r (neither saturated)"
	elif [[ $qa == "≥ " ]]; then
		echo "≥ $r"
	elif [[ $qb == "≥ " ]]; then
		echo "≤ $r"
	else
		echo "$r"
	fi
}
# same_rate_rows A B CLIENTS PATH: p99 of A and B at every rate both ran
# (a saturated step marked so), and B's p99 over A's.
same_rate_rows() {
	local a=$1 b=$2 clients=$3 path=$4 r fa fb
	for r in ${STEPS[$a.$clients]:-}; do
		[[ " ${STEPS[$b.$clients]:-} " == *" $r "* ]] || continue
		fa=$WORK/$a.c$clients.r$r.kv
		fb=$WORK/$b.c$clients.r$r.kv
		[[ $(kv "$fa" status) == ok && $(kv "$fb" status) == ok ]] || continue
		local sa="" sb=""
		saturated "$fa" $((r * clients)) && sa=" (saturated)"
		saturated "$fb" $((r * clients)) && sb=" (saturated)"
		echo "| $clients clients, $path, p99 at $(fmt_k $((r * clients))) deliveries/s offered | $(kv "$fa" p99_ms) ms (p50 $(kv "$fa" p50_ms))$sa | $(kv "$fb" p99_ms) ms (p50 $(kv "$fb" p50_ms))$sb | $(awk -v a="$(kv "$fa" p99_ms)" -v b="$(kv "$fb" p99_ms)" 'BEGIN {if (a > 0 && b >= 0) printf "%.1f×", b / a; else print "n/a"}') |"
	done
}
verdict() { # verdict VALUE OP TARGET
	[[ -n $1 && $1 != n/a ]] || { echo "not measured"; return; }
	awk -v v="${1%×}" -v t="$3" -v op="$2" 'BEGIN {ok = (op == ">=") ? v >= t : v <= t; print ok ? "**pass**" : "**FAIL**"}'
}

# Fan-out verdict: the step with the most deliveries at p99 ≤ 50 ms.
FAN_BEST=''
FAN_BEST_D=0
for r in ${STEPS[pusher.$FANOUT_CLIENTS]:-}; do
	f=$WORK/pusher.c$FANOUT_CLIENTS.r$r.kv
	[[ $(kv "$f" status) == ok && $(kv "$f" disconnects) == 0 ]] || continue
	if awk -v p="$(kv "$f" p99_ms)" -v d="$(kv "$f" deliveries_per_s)" -v b="$FAN_BEST_D" 'BEGIN {exit !(p >= 0 && p <= 50 && d > b)}'; then
		FAN_BEST=$f
		FAN_BEST_D=$(kv "$f" deliveries_per_s)
	fi
done
FAN_FIRST=$WORK/pusher.c$FANOUT_CLIENTS.r${FANOUT_RATES%% *}.kv

{
	echo "$KIND, $(date -u '+%Y-%m-%d %H:%M UTC'), \`$CMD\`."
	echo
	echo "- Machine: $MACHINE. Load average (1/5/15 min) before: $LOAD_BEFORE, after: $LOAD_AFTER."
	[[ -n $BUSY ]] && echo "$BUSY"
	echo "- Versions: $VERSIONS"
	echo "- Load: \`ratelines\` appends ${WARMUP} s + ${WINDOW} s of 130-byte lines at each rate to a fresh file; every server tails it (fresh server per step; Centrifugo through \`centpub -follow\`, which publishes each appended line into its HTTP API); \`wsload\` holds the clients over 127.0.0.1–8 and counts for ${WINDOW} s after ${WARMUP} s of warm-up; a tenth of the clients measure latency from append to read. The pusher-alone rows replace the file by \`pushserve\`, which publishes the same lines straight into a \`pusher.Server\`, stamped just before \`Publish\` (latency from publish to read: the fan-out target); the Centrifugo fan-out rows likewise publish them with \`centpub -rate\`, stamped just before each \`/api/batch\` request. A step is saturated when it delivers < 90% of the offered rate, its p99 exceeds ${MAX_P99_MS} ms, or a client is disconnected; each sweep stops at its first saturated step."
	echo
	echo "### Side by side, $PEER_CLIENTS clients, and fan-out, $FANOUT_CLIENTS clients"
	echo
	echo "| server | clients | lines/s offered | deliveries/s offered | deliveries/s | p50 ms | p99 ms | max ms | dropped/disconnects | server CPU % | wsload CPU % |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|"
	sweep_rows tailcast "$PEER_CLIENTS" "tailcast run (file → collector → kfake → consumer → pusher)"
	sweep_rows websocketd "$PEER_CLIENTS" "websocketd tail -n0 -F"
	sweep_rows frontail "$PEER_CLIENTS" "frontail (socket.io)"
	sweep_rows centrifugo "$PEER_CLIENTS" "Centrifugo (file → centpub → /api/batch → websocket)"
	sweep_rows pusher "$FANOUT_CLIENTS" "pusher alone (pushserve: Publish → websocket read), fan-out"
	sweep_rows centrifugo-api "$FANOUT_CLIENTS" "Centrifugo alone (centpub: /api/batch → websocket read), fan-out"
	sweep_rows tailcast "$FANOUT_CLIENTS" "tailcast run (file → … → pusher), fan-out"
	echo
	echo "| spec (issue 4) | target | measured | |"
	echo "|---|---|---|---|"
	tc=$(best tailcast "$PEER_CLIENTS" deliveries_per_s)
	for peer in websocketd frontail; do
		want=5
		[[ $peer == frontail ]] && want=10
		r=$(ratio "$peer")
		pv=$(best "$peer" "$PEER_CLIENTS" deliveries_per_s)
		rates=${peer^^}_RATES
		echo "| deliveries/s vs $peer, $PEER_CLIENTS clients, best sustained step | ≥ ${want}× | $r ($(qualifier tailcast "$PEER_CLIENTS" "$TAILCAST_RATES")$(fmt_k "$tc")/s at p99 $(best tailcast "$PEER_CLIENTS" p99_ms) ms vs $(qualifier "$peer" "$PEER_CLIENTS" "${!rates}")$(fmt_k "$pv")/s at p99 $(best "$peer" "$PEER_CLIENTS" p99_ms) ms) | $(verdict "$r" ">=" "$want") |"
	done
	if [[ -n $FAN_BEST ]]; then
		echo "| fan-out, $FANOUT_CLIENTS clients: deliveries/s with p99 (publish → read) ≤ 50 ms | ≥ 1M/s | $(fmt_k "$FAN_BEST_D")/s at p99 $(kv "$FAN_BEST" p99_ms) ms | $(verdict "$FAN_BEST_D" ">=" 1000000) |"
	else
		echo "| fan-out, $FANOUT_CLIENTS clients: deliveries/s with p99 (publish → read) ≤ 50 ms | ≥ 1M/s | no step had p99 ≤ 50 ms (first step: $(fmt_k "$(kv "$FAN_FIRST" deliveries_per_s)")/s at p99 $(kv "$FAN_FIRST" p99_ms) ms) | **FAIL** |"
	fi
	if [[ $IDLE_OK == 1 ]]; then
		last=$WORK/idle.$IDLE_STEPS.kv
		base=$(kv "$WORK/idle.1.kv" server_rss_before_kib)
		per=$(awk -v a="$(kv "$last" server_rss_after_kib)" -v b="$base" -v n=$((IDLE_STEP * IDLE_STEPS)) 'BEGIN {printf "%.2f", (a - b) / n}')
		echo "| idle RSS per connection at $((IDLE_STEP * IDLE_STEPS)) | ≤ 5 KiB | $per KiB | $(verdict "$per" "<=" 5) |"
	else
		echo "| idle RSS per connection at $((IDLE_STEP * IDLE_STEPS)) | ≤ 5 KiB | failed (see above) | **FAIL** |"
	fi
	echo
	mix_report
	echo
	echo "### Beside Centrifugo"
	echo
	echo "Same clients, same lines, same run. Centrifugo runs with its defaults plus an insecure client and API config; \`centpub\` publishes into its HTTP API with \`/api/batch\` (all lines due in one request, one request in flight). Highest sustained step of each (\"≥\": even the highest rate offered did not saturate it); ratio = tailcast ÷ Centrifugo for deliveries/s, Centrifugo ÷ tailcast for p99."
	echo
	echo "| comparison | tailcast | Centrifugo | ratio |"
	echo "|---|---|---|---:|"
	echo "| $PEER_CLIENTS clients, file append → read: highest sustained deliveries/s | $(qualifier tailcast "$PEER_CLIENTS" "$TAILCAST_RATES")$(fmt_k "$(best tailcast "$PEER_CLIENTS" deliveries_per_s)")/s at p99 $(best tailcast "$PEER_CLIENTS" p99_ms) ms | $(qualifier centrifugo "$PEER_CLIENTS" "$CENTRIFUGO_RATES")$(fmt_k "$(best centrifugo "$PEER_CLIENTS" deliveries_per_s)")/s at p99 $(best centrifugo "$PEER_CLIENTS" p99_ms) ms | $(bounded_ratio tailcast centrifugo "$PEER_CLIENTS" "$TAILCAST_RATES" "$CENTRIFUGO_RATES") |"
	echo "| $FANOUT_CLIENTS clients, publish → read: highest sustained deliveries/s | $(qualifier pusher "$FANOUT_CLIENTS" "$FANOUT_RATES")$(fmt_k "$(best pusher "$FANOUT_CLIENTS" deliveries_per_s)")/s at p99 $(best pusher "$FANOUT_CLIENTS" p99_ms) ms | $(qualifier centrifugo-api "$FANOUT_CLIENTS" "$CENTRIFUGO_FANOUT_RATES")$(fmt_k "$(best centrifugo-api "$FANOUT_CLIENTS" deliveries_per_s)")/s at p99 $(best centrifugo-api "$FANOUT_CLIENTS" p99_ms) ms | $(bounded_ratio pusher centrifugo-api "$FANOUT_CLIENTS" "$FANOUT_RATES" "$CENTRIFUGO_FANOUT_RATES") |"
	same_rate_rows tailcast centrifugo "$PEER_CLIENTS" "file append → read"
	same_rate_rows pusher centrifugo-api "$FANOUT_CLIENTS" "publish → read"
	echo
	echo "### Idle connections"
	echo
	echo "One \`tailcast run\` with no traffic; \`wsload -idle\` processes of $IDLE_STEP connections each (own eight 127.0.0.x sources each) are added one at a time; VmRSS of the server is read 3 s after each has connected."
	echo
	echo "| connections | server VmRSS MiB | KiB/conn (total since 0) | KiB/conn (this step) | server fds | disconnects |"
	echo "|---:|---:|---:|---:|---:|---:|"
	prev=
	for k in $(seq "$IDLE_STEPS"); do
		f=$WORK/idle.$k.kv
		[[ -s $f ]] || break
		[[ -z $prev ]] && { prev=$(kv "$f" server_rss_before_kib); base=$prev; echo "| 0 | $(awk -v r="$base" 'BEGIN {printf "%.1f", r / 1024}') | | | | |"; }
		a=$(kv "$f" server_rss_after_kib)
		awk -v n=$((k * IDLE_STEP)) -v a="$a" -v b="$base" -v p="$prev" -v s="$IDLE_STEP" -v fd="$(kv "$f" server_fds)" -v d="$(kv "$f" disconnects)" \
			'BEGIN {printf "| %d | %.1f | %.2f | %.2f | %s | %s |\n", n, a / 1024, (a - b) / n, (a - p) / s, fd, d}'
		prev=$a
	done
	echo
	echo "Server threads at the end: $IDLE_THREADS."
	echo
	echo "### Go benchmarks"
	echo
	echo "\`go test -bench . -benchmem -run '^\$' -benchtime $GO_BENCHTIME ./pusher/\` (exit $GOBENCH_RC), same run:"
	echo
	echo '```'
	grep -E '^(goos|goarch|pkg|cpu|Benchmark|PASS|FAIL|ok|---)' "$WORK/gobench.txt" || tail -20 "$WORK/gobench.txt"
	echo '```'
} >"$WORK/report.md"

E2E=$WORK/e2e.kv
{
	echo "$KIND, $(date -u '+%Y-%m-%d %H:%M UTC'), \`$CMD\`; machine and versions as in the Pusher block. Load average before the whole run: $LOAD_BEFORE, after: $LOAD_AFTER."
	echo
	if [[ $(kv "$E2E" status) == ok ]]; then
		echo "| path | lines/s | clients | deliveries/s | p50 ms | p99 ms | max ms | latency samples | dropped/disconnects | server CPU % |"
		echo "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|"
		echo "| file append → \`tailcast run\` ${E2E_FLAGS:-(defaults: linger 2ms, fetch-wait 10ms)} → websocket read | $E2E_RATE | $E2E_CLIENTS | $(kv "$E2E" deliveries_per_s) | $(kv "$E2E" p50_ms) | $(kv "$E2E" p99_ms) | $(kv "$E2E" max_ms) | $(kv "$E2E" lat_samples) | $(kv "$E2E" dropped)/$(kv "$E2E" disconnects) | $(kv "$E2E" server_cpu_pct) |"
		echo
		echo "| spec (issue 4) | target | measured | |"
		echo "|---|---|---|---|"
		echo "| end-to-end p50 at $E2E_RATE lines/s | ≤ 10 ms | $(kv "$E2E" p50_ms) ms | $(verdict "$(kv "$E2E" p50_ms)" "<=" 10) |"
		echo "| end-to-end p99 at $E2E_RATE lines/s | ≤ 30 ms | $(kv "$E2E" p99_ms) ms | $(verdict "$(kv "$E2E" p99_ms)" "<=" 30) |"
	else
		echo "End-to-end step failed: $(<"$E2E")"
	fi
} >"$WORK/e2e.md"
cat "$WORK/report.md"
echo
cat "$WORK/e2e.md"

# replace_block NAME FILE: the text between <!-- NAME:begin --> and end.
replace_block() {
	awk -v report="$2" -v b="<!-- $1:begin -->" -v e="<!-- $1:end -->" '
		$0 == b { print; while ((getline l < report) > 0) print l; skip = 1; next }
		$0 == e { skip = 0 }
		!skip { print }
	' "$DOC" >"$WORK/doc.md"
	cat "$WORK/doc.md" >"$DOC"
}
if [[ $WRITE_DOC == 1 ]]; then
	[[ -f $DOC ]] || printf '# Benchmarks\n' >"$DOC"
	grep -q '<!-- bench-pusher:begin -->' "$DOC" ||
		printf '\n## Pusher\n\n<!-- bench-pusher:begin -->\n<!-- bench-pusher:end -->\n' >>"$DOC"
	grep -q '<!-- bench-e2e:begin -->' "$DOC" ||
		printf '\n## End to end\n\n<!-- bench-e2e:begin -->\n<!-- bench-e2e:end -->\n' >>"$DOC"
	replace_block bench-pusher "$WORK/report.md"
	replace_block bench-e2e "$WORK/e2e.md"
	log "results written to $DOC"
fi

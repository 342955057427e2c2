# shellcheck shell=bash
# bench/lib.sh: messages and process handling shared by the bench scripts.
# Source it after setting BENCH (the name that prefixes messages); call
# bench_workdir PREFIX once KEEP (1: keep the work directory) is set.
#
# Every long-lived process is started with spawn, in a session of its own, so
# that stopping it stops its children too (topiccount's collector,
# websocketd's tail, the publisher under wsload), and so does an interrupted
# run: the EXIT trap stops every group still running.

die() { echo "$BENCH: $*" >&2; exit 1; }
log() { echo "$BENCH: $*" >&2; }

PGIDS=()
bench_cleanup() {
	local rc=$? g
	for g in "${PGIDS[@]}"; do kill -TERM -- "-$g" 2>/dev/null || true; done
	for g in "${PGIDS[@]}"; do
		for _ in $(seq 50); do kill -0 -- "-$g" 2>/dev/null || break; sleep 0.1; done
		kill -KILL -- "-$g" 2>/dev/null || true
		wait "$g" 2>/dev/null || true
	done
	# Keep the evidence of a failure, not of an interruption.
	if [[ ${KEEP:-0} == 1 ]] || ((rc != 0 && rc != 130 && rc != 143)); then
		log "work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}

bench_workdir() { # bench_workdir PREFIX: sets WORK and the traps
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	trap bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

forget() { # forget PGID: drop a group once it is reaped
	local keep=() g
	for g in "${PGIDS[@]}"; do [[ $g == "$1" ]] || keep+=("$g"); done
	PGIDS=("${keep[@]}")
}
spawn() { # spawn OUT ERR CMD...: starts CMD in its own session (stderr appended); SPAWNED is its pid (= pgid)
	local out=$1 err=$2
	shift 2
	setsid "$@" >"$out" 2>>"$err" </dev/null &
	SPAWNED=$!
	PGIDS+=("$SPAWNED")
}
stop() { # stop PGID: TERM the group, KILL after 10 s
	local g=$1
	[[ -n $g ]] || return 0
	kill -TERM -- "-$g" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 -- "-$g" 2>/dev/null || break; sleep 0.1; done
	kill -KILL -- "-$g" 2>/dev/null || true
	wait "$g" 2>/dev/null || true
	forget "$g"
}
nap() { # sleep without deferring the INT/TERM traps
	sleep "$1" &
	wait "$!" || true
}
kv() { # kv FILE KEY
	tr ' ' '\n' <"$1" | sed -n "s/^$2=//p" | head -1
}

# The peers of bench/pusher.sh, installed by scripts/bench-peers.
PEERS=bench/.peers
FRONTAIL=$PEERS/node_modules/.bin/frontail
CENTRIFUGO=$PEERS/bin/centrifugo
# centrifugo_version: the module version of $CENTRIFUGO ("v6.9.1"), read
# from its build information: a go-installed binary's own `centrifugo
# version` says v0.0.0 (releases set it at link time).
centrifugo_version() {
	go version -m "$CENTRIFUGO" 2>/dev/null | awk '$1 == "mod" && $2 == "github.com/centrifugal/centrifugo/v6" {print $3}'
}

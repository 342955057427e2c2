// Command wsload is the websocket load generator of the pusher benchmarks
// (bench/pusher.sh). It opens N client connections to one websocket server,
// spread over several 127.0.0.x source addresses so that more than one
// address's worth of ephemeral ports is available, and reads every frame
// without allocating: a few threads wait in epoll for every socket (poll.go),
// headers are parsed by hand from a per-connection buffer and payloads are
// scanned in place.
//
// It counts deliveries as occurrences of a marker (default "@@") that the
// publisher (bench/cmd/ratelines) writes once per line, followed by the
// line's append time in unix nanoseconds. A fraction of the clients
// (-sample) parse that number and record now-minus-then into a histogram;
// the others only count. The same counting works for every server measured:
// tailcast's NDJSON entries, websocketd's one line per frame, frontail's
// socket.io 2 event frames, and Centrifugo's JSON protocol (centrifugo.go),
// whose publications carry the line in their data.
//
//	wsload -url ws://127.0.0.1:P/ws -n 1000 -warmup 3s -duration 5s -- CMD ARGS...
//	    connects N clients, starts CMD (the publisher) once all are ready,
//	    waits -warmup, counts for -duration, stops CMD and prints one line
//	    of key=value results.
//	wsload -proto centrifugo -url ws://127.0.0.1:P/connection/websocket [-channel logs] ... -- centpub ...
//	    the same against Centrifugo v6: each client connects and subscribes
//	    to -channel, and is ready once the subscribe reply arrives.
//	wsload -mix -url ws://127.0.0.1:P/ws -n 1000 ... -- curl -sN 'http://127.0.0.1:P/publish?rate=R&mix=1000'
//	    each client gets its own filter from internal/filtermix's mix for
//	    N viewers (service, q, re, where, level; see mix.go); the publisher
//	    is bench/cmd/pushserve publishing that mix. Every entry a client
//	    reads is checked (its sequence number, behind the marker, must be
//	    one the client's filter matches and above the last one read), and
//	    after the publisher stops, wsload reads how many entries were
//	    published (/published on the server) and waits until each client
//	    has every entry its filter matches: missing and bad count what the
//	    server did not deliver or delivered wrongly.
//	wsload -mix -mix-rate D -n N
//	    prints the entries/s that make D deliveries/s to the N viewers of
//	    the mix (D divided by N times the mix's mean match rate), and exits.
//	wsload -idle -url ... -n 5000 -pid SERVERPID -ready-file F
//	    connects N clients, waits -settle, writes the results (with the
//	    server's VmRSS before and after) to -ready-file and stdout, and holds
//	    the connections until -duration has passed or SIGTERM/SIGINT.
package main

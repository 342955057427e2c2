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

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/bits"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gobwas/ws"
	"golang.org/x/sys/unix"

	"github.com/tailcast/tailcast/bench/internal/selfcpu"
	"github.com/tailcast/tailcast/internal/filtermix"
)

func main() {
	code, err := run()
	if err != nil {
		fmt.Fprintln(os.Stderr, "wsload:", err)
	}
	os.Exit(code)
}

type options struct {
	url        string
	proto      string
	n          int
	sources    []net.IP
	sample     float64
	warmup     time.Duration
	duration   time.Duration
	settle     time.Duration
	idle       bool
	pid        int
	readyFile  string
	bufSize    int
	marker     []byte
	parallel   int
	readers    int
	dialTO     time.Duration
	frontailNS string
	channel    string // centrifugo: the channel subscribed to
	mix        *filtermix.Mix
	drain      time.Duration // mix: how long to wait for every match after the publisher stops
}

func run() (int, error) {
	var o options
	var sources, marker, frontailFiles string
	flag.StringVar(&o.url, "url", "", "websocket URL, ws://127.0.0.1:PORT/PATH (required)")
	flag.StringVar(&o.proto, "proto", "tailcast", "server protocol: tailcast, websocketd, frontail or centrifugo")
	flag.IntVar(&o.n, "n", 100, "connections")
	flag.StringVar(&sources, "sources", "127.0.0.1", "source addresses, comma-separated; 127.0.0.A-B is a range")
	flag.Float64Var(&o.sample, "sample", 0.1, "fraction of the clients that measure latency")
	flag.DurationVar(&o.warmup, "warmup", 3*time.Second, "load mode: time between starting CMD and counting")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "load mode: counting window; idle mode: how long to hold (0: until a signal)")
	flag.DurationVar(&o.settle, "settle", 2*time.Second, "idle mode: wait after connecting before reading the server's RSS")
	flag.BoolVar(&o.idle, "idle", false, "connect and hold idle connections (no CMD)")
	flag.IntVar(&o.pid, "pid", 0, "server process: its VmRSS (idle mode) and CPU time are reported")
	flag.StringVar(&o.readyFile, "ready-file", "", "idle mode: also write the results here (atomically) once measured")
	flag.IntVar(&o.bufSize, "buf", 0, "read buffer per connection (default 32 KiB, idle mode 1 KiB)")
	flag.StringVar(&marker, "marker", "@@", "delivery marker, followed by the append time in unix nanoseconds")
	flag.IntVar(&o.readers, "readers", 1, "threads reading the connections (each waits in epoll for its share)")
	flag.IntVar(&o.parallel, "parallel", 64, "concurrent connection attempts")
	flag.DurationVar(&o.dialTO, "dial-timeout", 10*time.Second, "timeout of one connection attempt (TCP, upgrade and first message)")
	flag.StringVar(&frontailFiles, "frontail-files", "", "frontail: the file arguments given to frontail (its socket.io namespace is their md5)")
	flag.StringVar(&o.channel, "channel", "logs", "centrifugo: the channel each client subscribes to")
	mix := flag.Bool("mix", false, "give each client its own filter from internal/filtermix and check what it gets")
	mixRate := flag.Float64("mix-rate", 0, "with -mix: print the entries/s that make this many deliveries/s to -n viewers, and exit")
	flag.DurationVar(&o.drain, "drain", 15*time.Second, "mix: how long to wait, after the publisher stops, for every client's last match")
	flag.Parse()
	if *mix {
		if o.n < 1 {
			return 2, fmt.Errorf("-n %d: want at least 1", o.n)
		}
		m, err := filtermix.New(o.n)
		if err != nil {
			return 1, err
		}
		o.mix = m
		if *mixRate > 0 {
			fmt.Printf("%.0f\n", *mixRate/float64(o.n)/m.MatchRate())
			return 0, nil
		}
	}

	switch {
	case o.url == "":
		return 2, errors.New("-url is required")
	case o.n < 1:
		return 2, fmt.Errorf("-n %d: want at least 1", o.n)
	case o.sample < 0 || o.sample > 1:
		return 2, fmt.Errorf("-sample %v: want a fraction in [0, 1]", o.sample)
	case o.readers < 1:
		return 2, fmt.Errorf("-readers %d: want at least 1", o.readers)
	case o.parallel < 1:
		return 2, fmt.Errorf("-parallel %d: want at least 1", o.parallel)
	case marker == "":
		return 2, errors.New("-marker must not be empty")
	case o.mix != nil && (o.proto != "tailcast" || o.idle):
		return 2, errors.New("-mix is for load mode against tailcast's pusher (bench/cmd/pushserve)")
	case o.idle && flag.NArg() > 0:
		return 2, errors.New("-idle takes no command")
	case !o.idle && flag.NArg() == 0:
		return 2, errors.New("load mode needs a publisher command after --")
	case !o.idle && o.duration <= 0:
		return 2, fmt.Errorf("-duration %v: want a positive window", o.duration)
	}
	o.marker = []byte(marker)
	switch o.proto {
	case "tailcast", "websocketd":
	case "centrifugo":
		if o.channel == "" || strings.ContainsAny(o.channel, `"\`) {
			return 2, fmt.Errorf("-channel %q: want a name without quotes or backslashes", o.channel)
		}
	case "frontail":
		if frontailFiles == "" {
			return 2, errors.New("-proto frontail needs -frontail-files")
		}
		sum := md5.Sum([]byte(frontailFiles))
		o.frontailNS = "/" + hex.EncodeToString(sum[:])
	default:
		return 2, fmt.Errorf("-proto %q: want tailcast, websocketd, frontail or centrifugo", o.proto)
	}
	u, err := url.Parse(o.url)
	if err != nil || u.Scheme != "ws" {
		return 2, fmt.Errorf("-url %q: want ws://HOST:PORT/PATH", o.url)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return 2, fmt.Errorf("-url %q: benchmarks only connect to a loopback IP", o.url)
	}
	if o.sources, err = parseSources(sources); err != nil {
		return 2, err
	}
	if o.bufSize == 0 {
		o.bufSize = 32 << 10
		if o.idle {
			o.bufSize = 1 << 10
		}
	}
	if o.bufSize < 256 {
		return 2, fmt.Errorf("-buf %d: want at least 256", o.bufSize)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	return loadOrIdle(ctx, &o, flag.Args())
}

// parseSources reads "127.0.0.1,127.0.0.2-9" into loopback IPs.
func parseSources(s string) ([]net.IP, error) {
	var ips []net.IP
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi := part, ""
		if i := strings.LastIndexByte(part, '-'); i > 0 {
			lo, hi = part[:i], part[i+1:]
		}
		ip := net.ParseIP(lo).To4()
		if ip == nil || !ip.IsLoopback() {
			return nil, fmt.Errorf("-sources %q: %q is not a loopback IPv4 address", s, lo)
		}
		last := int(ip[3])
		if hi != "" {
			var err error
			if last, err = strconv.Atoi(hi); err != nil || last < int(ip[3]) || last > 254 {
				return nil, fmt.Errorf("-sources %q: bad range end %q", s, hi)
			}
		}
		for b := int(ip[3]); b <= last; b++ {
			ips = append(ips, net.IPv4(ip[0], ip[1], ip[2], byte(b)))
		}
	}
	return ips, nil
}

// conn is one client. Its socket is read only by its poller's thread (see
// poll.go); the counters are read by the main goroutine; hist is only
// touched under mu, and only on sampling clients.
type conn struct {
	id       int
	fd       int // a duplicate of the dialled socket, owned by wsload
	sampling bool
	ready    chan struct{} // closed when the server's first message arrived

	delivered atomic.Int64
	dropped   atomic.Int64
	bad       atomic.Int64 // mix: entries out of order, twice, or not matching the filter
	_         [32]byte     // keep hot counters of neighbours on separate cache lines
	lastSeq   int64        // mix: the last sequence number read (poller only)

	// Read state, touched only by the poller: buf[r:w] is unparsed input,
	// remain the payload bytes of the current data frame still to come.
	buf      []byte
	r, w     int
	remain   int64
	textMsg  bool
	isReady  bool
	dead     bool
	lastPing time.Time
	// lineStart: the next payload byte starts a line (centrifugo replies
	// are told apart by how their line starts).
	lineStart bool
	// err is why the poller gave up on the connection before it was
	// ready; ready is closed with it set.
	err error

	mu   sync.Mutex
	hist histogram
}

type load struct {
	o         *options
	recording atomic.Bool // sampling clients record latency only in the window
	closing   atomic.Bool // disconnects after this are ours
	disc      atomic.Int64
	discMu    sync.Mutex
	discWhy   string
	pollers   []*poller
	conns     []atomic.Pointer[conn] // by file descriptor
}

func (l *load) disconnected(err error) {
	if l.closing.Load() {
		return
	}
	l.disc.Add(1)
	l.discMu.Lock()
	if l.discWhy == "" {
		l.discWhy = err.Error()
	}
	l.discMu.Unlock()
}

func loadOrIdle(ctx context.Context, o *options, cmdArgs []string) (int, error) {
	l := &load{o: o}
	res := newResults()
	res.add("status", "ok")
	res.add("proto", o.proto)
	res.add("conns", o.n)
	res.add("sources", len(o.sources))

	if err := l.startPollers(); err != nil {
		res.set("status", "failed")
		res.print(os.Stdout)
		return 1, err
	}
	rssBefore := rssKiB(o.pid)
	t0 := time.Now()
	conns, err := l.connectAll(ctx)
	res.add("connected", len(conns))
	res.add("connect_s", fmt.Sprintf("%.2f", time.Since(t0).Seconds()))
	defer func() {
		l.closing.Store(true)
		l.stopPollers()
		for _, c := range conns {
			if !c.dead {
				unix.Close(c.fd)
			}
		}
	}()
	if err != nil {
		res.set("status", "connect-failed")
		res.add("error", err.Error())
		res.print(os.Stdout)
		return 1, err
	}

	if o.idle {
		return l.idle(ctx, res, rssBefore)
	}
	return l.measure(ctx, res, conns, cmdArgs)
}

func (l *load) connectAll(ctx context.Context) ([]*conn, error) {
	o := l.o
	conns := make([]*conn, o.n)
	sem := make(chan struct{}, o.parallel)
	var mu sync.Mutex
	var firstErr error
	var failed int
	var wg sync.WaitGroup
	nSample := int(math.Round(o.sample * float64(o.n)))
	for i := range o.n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			// Spread samplers evenly over the connection order.
			sampling := nSample > 0 && (i*nSample)%o.n < nSample
			c, err := l.dial(ctx, i, sampling)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed++
				if firstErr == nil {
					firstErr = fmt.Errorf("connection %d: %w", i, err)
				}
				return
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	var ok []*conn
	for _, c := range conns {
		if c != nil {
			ok = append(ok, c)
		}
	}
	if failed > 0 {
		return ok, fmt.Errorf("%d of %d connections failed; first: %w", failed, o.n, firstErr)
	}
	return ok, nil
}

func (l *load) dial(ctx context.Context, i int, sampling bool) (*conn, error) {
	o := l.o
	src := o.sources[i%len(o.sources)]
	u := o.url
	if o.proto == "frontail" {
		u = strings.TrimRight(u, "/") + "/socket.io/?EIO=3&transport=websocket"
	}
	d := ws.Dialer{
		Timeout: o.dialTO,
		NetDial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			nd := net.Dialer{LocalAddr: &net.TCPAddr{IP: src}}
			return nd.DialContext(ctx, network, addr)
		},
	}
	if o.mix != nil {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + o.mix.Filters[i].Query()
	}
	nc, br, _, err := d.Dial(ctx, u)
	if err != nil {
		return nil, err
	}
	switch o.proto {
	case "frontail":
		// socket.io 2: join the namespace frontail emits lines on.
		if err := writeClientText(nc, []byte("40"+o.frontailNS+",")); err != nil {
			nc.Close()
			return nil, fmt.Errorf("frontail namespace: %w", err)
		}
	case "centrifugo":
		if err := centrifugoHello(nc, o.channel); err != nil {
			nc.Close()
			return nil, err
		}
	}
	c := &conn{id: i, sampling: sampling, ready: make(chan struct{}), buf: make([]byte, o.bufSize), lastPing: time.Now(), lastSeq: -1}
	if o.proto == "websocketd" {
		c.isReady = true // websocketd sends nothing until a line arrives
		close(c.ready)
	}
	if br != nil && br.Buffered() > 0 { // frames that came with the handshake
		if br.Buffered() > len(c.buf) {
			nc.Close()
			return nil, fmt.Errorf("%d bytes came with the handshake, more than -buf", br.Buffered())
		}
		c.w, _ = br.Read(c.buf) // only buffered bytes: never blocks
	}
	// The poller reads a duplicate of the socket; closing nc takes the
	// original out of Go's netpoll, which would otherwise wake for every
	// frame too.
	if c.fd, err = dupSocket(nc); err != nil {
		nc.Close()
		return nil, err
	}
	nc.Close()
	if err := l.feed(c); err != nil {
		unix.Close(c.fd)
		return nil, err
	}
	if err := l.pollers[i%len(l.pollers)].add(c); err != nil {
		unix.Close(c.fd)
		return nil, err
	}
	t := time.NewTimer(o.dialTO)
	defer t.Stop()
	select {
	case <-c.ready:
		if c.err != nil { // set by the poller before it closed ready
			return nil, c.err
		}
		return c, nil
	case <-t.C:
		l.forget(c)
		return nil, errors.New("no first message from the server in time")
	case <-ctx.Done():
		l.forget(c)
		return nil, ctx.Err()
	}
}

var (
	helloKey    = []byte(`"type":"hello"`)
	droppedLine = []byte(`{"type":"dropped","count":`)
)

// feed parses what c's buffer holds: frame headers by hand, payloads
// scanned in place, no allocation per frame. A data frame longer than what
// is buffered is scanned up to its last complete line; a control frame
// waits until it is whole.
func (l *load) feed(c *conn) error {
	o := l.o
	for {
		in := c.buf[c.r:c.w]
		if c.remain == 0 {
			if len(in) < 2 {
				break
			}
			op := ws.OpCode(in[0] & 0x0f)
			if in[1]&0x80 != 0 {
				return errors.New("masked frame from the server")
			}
			n, hl := int64(in[1]&0x7f), 2
			switch n {
			case 126:
				if len(in) < 4 {
					return l.compact(c)
				}
				n, hl = int64(binary.BigEndian.Uint16(in[2:4])), 4
			case 127:
				if len(in) < 10 {
					return l.compact(c)
				}
				n, hl = int64(binary.BigEndian.Uint64(in[2:10])), 10
			}
			if op.IsControl() {
				if n > 125 {
					return fmt.Errorf("control frame of %d bytes", n)
				}
				if int64(len(in)) < int64(hl)+n {
					break
				}
				p := in[hl : int64(hl)+n]
				c.r += hl + int(n)
				switch op {
				case ws.OpPing:
					if err := writeClientFrame(fdWriter(c.fd), ws.OpPong, p); err != nil {
						return fmt.Errorf("pong: %w", err)
					}
				case ws.OpClose:
					code := 1005
					if len(p) >= 2 {
						code = int(binary.BigEndian.Uint16(p))
					}
					return fmt.Errorf("closed by the server with %d %q", code, p[min(2, len(p)):])
				}
				continue
			}
			if op != ws.OpContinuation {
				c.textMsg = op == ws.OpText
				c.lineStart = true
			}
			c.r += hl
			c.remain = n
			if n == 0 {
				continue
			}
			in = in[hl:]
		}
		p := in[:min(int64(len(in)), c.remain)]
		if int64(len(p)) < c.remain {
			// Stop at a line end so that no marker is split; a line longer
			// than the whole buffer is scanned in pieces.
			if i := bytes.LastIndexByte(p, '\n'); i >= 0 {
				p = p[:i+1]
			} else if c.r > 0 || c.w < len(c.buf) {
				break
			}
		}
		if len(p) == 0 {
			break
		}
		if c.textMsg {
			if o.proto == "centrifugo" {
				if err := l.centrifugoLines(c, p); err != nil {
					return err
				}
			} else if !c.isReady {
				c.isReady = l.isReady(c, p)
			}
			if d := l.scan(c, p); d > 0 {
				c.delivered.Add(d)
			}
			if o.proto == "tailcast" {
				if d := countDropped(p); d > 0 {
					c.dropped.Add(d)
				}
			}
		}
		c.r += len(p)
		c.remain -= int64(len(p))
		if o.proto == "frontail" && time.Since(c.lastPing) > 20*time.Second {
			// engine.io 3: the client pings (pingInterval is 25 s).
			c.lastPing = time.Now()
			if err := writeClientText(fdWriter(c.fd), []byte("2")); err != nil {
				return fmt.Errorf("engine.io ping: %w", err)
			}
		}
	}
	return l.compact(c)
}

// compact moves the unparsed input to the front of c's buffer.
func (l *load) compact(c *conn) error {
	if c.r > 0 {
		c.w = copy(c.buf, c.buf[c.r:c.w])
		c.r = 0
	}
	return nil
}

// isReady reports whether p is the message that makes a connection live.
func (l *load) isReady(c *conn, p []byte) bool {
	switch l.o.proto {
	case "tailcast":
		if !bytes.Contains(p, helloKey) {
			return false
		}
	case "frontail":
		// "40/<ns>," acknowledges the namespace join.
		if !bytes.HasPrefix(p, []byte("40/")) {
			return false
		}
	default:
		return true
	}
	close(c.ready)
	return true
}

// scan counts markers in p and, on sampling clients during the window,
// records the latency of each.
func (l *load) scan(c *conn, p []byte) int64 {
	m := l.o.marker
	rec := c.sampling && l.recording.Load()
	if !rec && l.o.mix == nil {
		return int64(bytes.Count(p, m))
	}
	now := time.Now().UnixNano()
	var count int64
	if rec {
		c.mu.Lock()
		defer c.mu.Unlock()
	}
	for {
		i := indexMarker(p, m)
		if i < 0 {
			break
		}
		count++
		if l.o.mix != nil {
			l.check(c, p[:i])
		}
		p = p[i+len(m):]
		if !rec {
			continue
		}
		var ts int64
		j := 0
		for ; j < len(p) && j < 19 && p[j] >= '0' && p[j] <= '9'; j++ {
			ts = ts*10 + int64(p[j]-'0')
		}
		p = p[j:]
		if j >= 18 { // a unix-nano timestamp, not a stray marker
			c.hist.record(now - ts)
		}
	}
	return count
}

// check counts as bad an entry of the mix whose sequence number (the ten
// digits and a space before the marker, which ends before) is not above
// the last one c read or is not one c's filter matches.
func (l *load) check(c *conn, before []byte) {
	var seq int64 = -1
	if n := len(before); n >= 11 && before[n-1] == ' ' {
		seq = 0
		for _, d := range before[n-11 : n-1] {
			if d < '0' || d > '9' {
				seq = -1
				break
			}
			seq = seq*10 + int64(d-'0')
		}
	}
	if seq <= c.lastSeq || !l.o.mix.Matches(c.id, seq) {
		c.bad.Add(1)
	}
	c.lastSeq = max(c.lastSeq, seq)
}

// indexMarker is bytes.Index for a marker whose first byte is rare in log
// lines: IndexByte's vector loop, where bytes.Index on a two-byte pattern
// took a fifth of wsload's CPU at 1M deliveries/s.
func indexMarker(p, m []byte) int {
	for off := 0; ; {
		i := bytes.IndexByte(p[off:], m[0])
		if i < 0 {
			return -1
		}
		off += i
		if bytes.HasPrefix(p[off:], m) {
			return off
		}
		off++
	}
}

// countDropped sums the counts of tailcast "dropped" messages in p. They
// are lines of their own, so only line starts are compared: searching the
// whole payload for the key cost a seventh of wsload's CPU.
func countDropped(p []byte) int64 {
	var sum int64
	for len(p) > 0 {
		if bytes.HasPrefix(p, droppedLine) {
			q := p[len(droppedLine):]
			var v int64
			for j := 0; j < len(q) && q[j] >= '0' && q[j] <= '9'; j++ {
				v = v*10 + int64(q[j]-'0')
			}
			sum += v
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			break
		}
		p = p[i+1:]
	}
	return sum
}

func writeClientText(w io.Writer, p []byte) error { return writeClientFrame(w, ws.OpText, p) }

// writeClientFrame writes one masked frame in a single Write.
func writeClientFrame(w io.Writer, op ws.OpCode, p []byte) error {
	f := ws.MaskFrameInPlace(ws.NewFrame(op, true, append([]byte(nil), p...)))
	b, err := ws.CompileFrame(f)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

func (l *load) measure(ctx context.Context, res *results, conns []*conn, cmdArgs []string) (int, error) {
	o := l.o
	cmd := exec.Command(cmdArgs[0], cmdArgs[1:]...)
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		res.set("status", "publisher-failed")
		res.print(os.Stdout)
		return 1, fmt.Errorf("start publisher: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopCmd := func() {
		if cmd.ProcessState == nil {
			cmd.Process.Signal(syscall.SIGTERM)
		}
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}

	wait := func(d time.Duration) error {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case err := <-exited:
			exited <- err
			return fmt.Errorf("publisher exited early: %v", err)
		}
	}
	sum := func() (d, dr int64) {
		for _, c := range conns {
			d += c.delivered.Load()
			dr += c.dropped.Load()
		}
		return d, dr
	}

	if err := wait(o.warmup); err != nil {
		stopCmd()
		res.set("status", "failed")
		res.print(os.Stdout)
		return 1, err
	}
	disc0 := l.disc.Load()
	d0, dr0 := sum()
	cpu0, self0 := cpuSeconds(o.pid), selfcpu.Used().Seconds()
	l.recording.Store(true)
	start := time.Now()
	err := wait(o.duration)
	l.recording.Store(false)
	elapsed := time.Since(start).Seconds()
	d1, dr1 := sum()
	cpu1, self1 := cpuSeconds(o.pid), selfcpu.Used().Seconds()
	disc1 := l.disc.Load()
	stopCmd()
	if err != nil {
		res.set("status", "failed")
		res.print(os.Stdout)
		return 1, err
	}

	if o.mix != nil {
		l.drainMix(ctx, res, conns)
	}

	var h histogram
	for _, c := range conns {
		if c.sampling {
			c.mu.Lock()
			h.merge(&c.hist)
			c.mu.Unlock()
		}
	}
	res.add("window_s", fmt.Sprintf("%.3f", elapsed))
	res.add("delivered", d1-d0)
	res.add("deliveries_per_s", fmt.Sprintf("%.0f", float64(d1-d0)/elapsed))
	res.add("per_conn_per_s", fmt.Sprintf("%.0f", float64(d1-d0)/elapsed/float64(len(conns))))
	res.add("dropped", dr1-dr0)
	res.add("disconnects", disc1-disc0)
	res.add("samplers", countSampling(conns))
	res.add("lat_samples", h.n)
	res.add("p50_ms", ms(h.quantile(0.50)))
	res.add("p99_ms", ms(h.quantile(0.99)))
	res.add("max_ms", ms(h.max))
	if o.pid > 0 && cpu0 >= 0 && cpu1 >= 0 {
		res.add("server_cpu_pct", fmt.Sprintf("%.0f", (cpu1-cpu0)/elapsed*100))
	}
	res.add("wsload_cpu_pct", fmt.Sprintf("%.0f", (self1-self0)/elapsed*100))
	if why := l.firstDisconnect(); why != "" {
		res.add("first_disconnect", strconv.Quote(why))
	}
	res.print(os.Stdout)
	return 0, nil
}

// drainMix waits, once the publisher has stopped, until every client has
// read every entry its filter matches among those published, or -drain
// has passed, and reports what is missing and what was wrong.
func (l *load) drainMix(ctx context.Context, res *results, conns []*conn) {
	o := l.o
	published, err := fetchPublished(o.url)
	if err != nil {
		res.set("status", "failed")
		res.add("error", strconv.Quote(err.Error()))
		return
	}
	missing := func() (sum int64, viewers int) {
		for _, c := range conns {
			if d := o.mix.Expected(c.id, 0, published) - c.delivered.Load(); d > 0 {
				sum += d
				viewers++
			}
		}
		return sum, viewers
	}
	deadline := time.Now().Add(o.drain)
	for {
		if n, _ := missing(); n == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	var expected, bad int64
	for _, c := range conns {
		expected += o.mix.Expected(c.id, 0, published)
		bad += c.bad.Load()
	}
	n, viewers := missing()
	res.add("mix_rate", fmt.Sprintf("%.4f", o.mix.MatchRate()))
	res.add("published", published)
	res.add("expected", expected)
	res.add("missing", n)
	res.add("missing_viewers", viewers)
	res.add("bad", bad)
}

// fetchPublished reads /published from the server of a ws:// URL
// (bench/cmd/pushserve).
func fetchPublished(wsURL string) (int64, error) {
	u, err := url.Parse(wsURL)
	if err != nil {
		return 0, err
	}
	u.Scheme, u.Path, u.RawQuery = "http", "/published", ""
	cl := http.Client{Timeout: 5 * time.Second}
	resp, err := cl.Get(u.String())
	if err != nil {
		return 0, fmt.Errorf("published: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64))
	if err != nil || resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("published: status %d, %v", resp.StatusCode, err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("published: %q: %w", b, err)
	}
	return n, nil
}

func (l *load) firstDisconnect() string {
	l.discMu.Lock()
	defer l.discMu.Unlock()
	return l.discWhy
}

func countSampling(conns []*conn) int {
	n := 0
	for _, c := range conns {
		if c.sampling {
			n++
		}
	}
	return n
}

func (l *load) idle(ctx context.Context, res *results, rssBefore int64) (int, error) {
	o := l.o
	t := time.NewTimer(o.settle)
	select {
	case <-t.C:
	case <-ctx.Done():
		return 1, ctx.Err()
	}
	rssAfter := rssKiB(o.pid)
	res.add("disconnects", l.disc.Load())
	if o.pid > 0 {
		res.add("server_rss_before_kib", rssBefore)
		res.add("server_rss_after_kib", rssAfter)
		res.add("server_bytes_per_conn", fmt.Sprintf("%.0f", float64(rssAfter-rssBefore)*1024/float64(o.n)))
		res.add("server_fds", countFDs(o.pid))
	}
	if why := l.firstDisconnect(); why != "" {
		res.add("first_disconnect", strconv.Quote(why))
	}
	if o.readyFile != "" {
		var b strings.Builder
		res.print(&b)
		tmp := o.readyFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
			return 1, fmt.Errorf("write ready file: %w", err)
		}
		if err := os.Rename(tmp, o.readyFile); err != nil {
			return 1, fmt.Errorf("write ready file: %w", err)
		}
	}
	res.print(os.Stdout)
	var hold <-chan time.Time
	if o.duration > 0 {
		hold = time.After(o.duration)
	}
	select {
	case <-hold:
	case <-ctx.Done():
	}
	if d := l.disc.Load(); d > 0 {
		fmt.Fprintf(os.Stderr, "wsload: %d idle connections were closed while held; first: %s\n", d, l.firstDisconnect())
	}
	return 0, nil
}

// rssKiB is VmRSS of pid, or -1.
func rssKiB(pid int) int64 {
	if pid <= 0 {
		return -1
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return -1
}

func countFDs(pid int) int {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return -1
	}
	return len(ents)
}

// cpuSeconds is the user+system time of pid (all threads), or -1.
func cpuSeconds(pid int) float64 {
	if pid <= 0 {
		return -1
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	// Fields after the command name, which is in parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return -1
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ is 100 on Linux
}

func ms(ns int64) string { return fmt.Sprintf("%.2f", float64(ns)/1e6) }

// histogram is log-linear over nanoseconds: 16 buckets per power of two
// (about 6% resolution), no allocation, mergeable.
type histogram struct {
	b   [64 * 16]uint32
	n   int64
	max int64
}

func bucket(v int64) int {
	if v < 16 {
		return int(max(v, 0))
	}
	e := bits.Len64(uint64(v)) - 5 // v>>e is in [16, 32)
	return (e+1)*16 + int(v>>e) - 16
}

// lower is the smallest value of bucket i.
func lower(i int) int64 {
	if i < 16 {
		return int64(i)
	}
	e := i/16 - 1
	return int64(16+i%16) << e
}

func (h *histogram) record(v int64) {
	v = max(v, 0)
	h.b[bucket(v)]++
	h.n++
	h.max = max(h.max, v)
}

func (h *histogram) merge(o *histogram) {
	for i := range h.b {
		h.b[i] += o.b[i]
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile is the midpoint of the bucket holding quantile q, or -1 without
// samples.
func (h *histogram) quantile(q float64) int64 {
	if h.n == 0 {
		return -1
	}
	rank := int64(math.Ceil(q * float64(h.n)))
	var seen int64
	for i, c := range h.b {
		seen += int64(c)
		if seen >= rank {
			lo, hi := lower(i), lower(i+1)
			return min((lo+hi)/2, h.max)
		}
	}
	return h.max
}

// results is an ordered key=value line.
type results struct {
	keys []string
	vals map[string]string
}

func newResults() *results { return &results{vals: map[string]string{}} }

func (r *results) add(k string, v any) {
	if _, ok := r.vals[k]; !ok {
		r.keys = append(r.keys, k)
	}
	r.vals[k] = fmt.Sprint(v)
}

func (r *results) set(k string, v any) { r.add(k, v) }

func (r *results) print(w io.Writer) {
	parts := make([]string, len(r.keys))
	for i, k := range r.keys {
		v := r.vals[k]
		if strings.ContainsAny(v, " \t") && !strings.HasPrefix(v, `"`) {
			v = strconv.Quote(v)
		}
		parts[i] = k + "=" + v
	}
	fmt.Fprintln(w, strings.Join(parts, " "))
}

package main

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"golang.org/x/sys/unix"

	"github.com/tailcast/tailcast/internal/wait"
)

func TestHistogramQuantiles(t *testing.T) {
	tests := []struct {
		name     string
		values   []int64 // recorded once each, in ns
		q        float64
		want     int64
		tolerant float64 // relative error allowed by the buckets
	}{
		{"small exact", []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.5, 5, 0},
		{"uniform ms p50", seq(1, 1000, 1_000_000), 0.5, 500_000_000, 0.07},
		{"uniform ms p99", seq(1, 1000, 1_000_000), 0.99, 990_000_000, 0.07},
		{"outlier is max not p99", append(seq(1, 99, 1000), 5_000_000_000), 0.99, 99_000, 0.07},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h histogram
			for _, v := range tt.values {
				h.record(v)
			}
			got := h.quantile(tt.q)
			if d := float64(got-tt.want) / float64(tt.want); d > tt.tolerant || d < -tt.tolerant {
				t.Errorf("quantile(%v): got %d, want %d ±%.0f%%", tt.q, got, tt.want, tt.tolerant*100)
			}
		})
	}
	t.Run("buckets are ordered and cover their values", func(t *testing.T) {
		for _, v := range []int64{0, 1, 15, 16, 17, 31, 32, 1000, 123456789, 1 << 50} {
			i := bucket(v)
			if lo, hi := lower(i), lower(i+1); v < lo || v >= hi {
				t.Errorf("bucket(%d) = %d: got range [%d, %d), want it to hold %d", v, i, lo, hi, v)
			}
		}
	})
	t.Run("empty", func(t *testing.T) {
		var h histogram
		if got := h.quantile(0.5); got != -1 {
			t.Errorf("got %d, want -1", got)
		}
	})
}

func seq(from, to, scale int64) []int64 {
	var v []int64
	for i := from; i <= to; i++ {
		v = append(v, i*scale)
	}
	return v
}

func TestScanCountsAndSamples(t *testing.T) {
	now := int64(1_800_000_000_000_000_000)
	frame := []byte(fmt.Sprintf(`{"type":"entry","msg":"a @@%d x"}`+"\n"+`{"type":"entry","msg":"b @@%d y"}`+"\n"+`{"type":"dropped","count":17}`+"\n", now, now))
	tests := []struct {
		name     string
		sampling bool
		record   bool
		wantN    int64
		wantHist int64
	}{
		{"counting client", false, true, 2, 0},
		{"sampler outside the window", true, false, 2, 0},
		{"sampler in the window", true, true, 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &load{o: &options{marker: []byte("@@"), proto: "tailcast"}}
			l.recording.Store(tt.record)
			c := &conn{sampling: tt.sampling}
			if got := l.scan(c, frame); got != tt.wantN {
				t.Errorf("deliveries: got %d, want %d", got, tt.wantN)
			}
			if c.hist.n != tt.wantHist {
				t.Errorf("latency samples: got %d, want %d", c.hist.n, tt.wantHist)
			}
		})
	}
	if got := countDropped(frame); got != 17 {
		t.Errorf("dropped: got %d, want 17", got)
	}
}

func TestParseSources(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"127.0.0.1", 1, false},
		{"127.0.0.1-8", 8, false},
		{"127.0.0.2-3,127.0.0.9", 3, false},
		{"10.0.0.1", 0, true},
		{"127.0.0.5-2", 0, true},
		{"localhost", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseSources(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error: got %v, want error %v", err, tt.wantErr)
			}
			if len(got) != tt.want {
				t.Errorf("addresses: got %d (%v), want %d", len(got), got, tt.want)
			}
		})
	}
}

// serverFrame is an unmasked frame as a server sends it.
func serverFrame(op ws.OpCode, p []byte) []byte {
	b, err := ws.CompileFrame(ws.NewFrame(op, true, p))
	if err != nil {
		panic(err)
	}
	return b
}

// TestFeedSplitAnywhere feeds one stream of frames in pieces of every size
// given, through buffers of several sizes, and checks that each piece
// size finds the same deliveries and dropped counts and answers the ping.
func TestFeedSplitAnywhere(t *testing.T) {
	var stream []byte
	wantN := int64(0)
	entries := func(n, pad int) []byte {
		var b []byte
		for i := range n {
			b = fmt.Appendf(b, `{"type":"entry","msg":"%d @@1800000000000000000 %s"}`+"\n", i, strings.Repeat("x", pad))
		}
		wantN += int64(n)
		return b
	}
	stream = append(stream, serverFrame(ws.OpText, []byte(`{"type":"hello","version":1}`+"\n"))...)
	stream = append(stream, serverFrame(ws.OpText, entries(3, 10))...)   // 7-bit length
	stream = append(stream, serverFrame(ws.OpPing, []byte("abc"))...)    // needs a pong
	stream = append(stream, serverFrame(ws.OpText, entries(40, 60))...)  // 16-bit length
	stream = append(stream, serverFrame(ws.OpText, entries(900, 70))...) // 64-bit length, larger than any buffer
	stream = append(stream, serverFrame(ws.OpText, []byte(`{"type":"dropped","count":17}`+"\n"))...)
	stream = append(stream, serverFrame(ws.OpBinary, []byte("@@ not counted"))...)

	for _, bufSize := range []int{256, 1024, 32 << 10} {
		for _, piece := range []int{1, 7, 300, 4096, len(stream)} {
			t.Run(fmt.Sprintf("buf=%d/piece=%d", bufSize, piece), func(t *testing.T) {
				fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
				if err != nil {
					t.Fatal(err)
				}
				defer unix.Close(fds[0])
				defer unix.Close(fds[1])
				l := &load{o: &options{marker: []byte("@@"), proto: "tailcast"}}
				c := &conn{fd: fds[0], buf: make([]byte, bufSize), ready: make(chan struct{})}
				for off := 0; off < len(stream); {
					n := copy(c.buf[c.w:], stream[off:min(off+piece, len(stream))])
					c.w += n
					off += n
					if err := l.feed(c); err != nil {
						t.Fatalf("feed at %d: %v", off, err)
					}
				}
				if got := c.delivered.Load(); got != wantN {
					t.Errorf("deliveries: got %d, want %d", got, wantN)
				}
				if got := c.dropped.Load(); got != 17 {
					t.Errorf("dropped: got %d, want 17", got)
				}
				if !c.isReady {
					t.Error("hello not seen")
				}
				pong := make([]byte, 64)
				n, err := unix.Read(fds[1], pong)
				if err != nil {
					t.Fatalf("read pong: %v", err)
				}
				if n < 2 || ws.OpCode(pong[0]&0x0f) != ws.OpPong || pong[1]&0x80 == 0 || int(pong[1]&0x7f) != 3 {
					t.Errorf("pong: got % x, want a masked pong of 3 bytes", pong[:n])
				}
			})
		}
	}
}

func TestFeedErrors(t *testing.T) {
	tests := []struct {
		name  string
		input []byte
		want  string
	}{
		{"close frame", serverFrame(ws.OpClose, append([]byte{0x03, 0xe9}, "going away"...)), "closed by the server with 1001"},
		{"masked frame", []byte{0x81, 0x81, 1, 2, 3, 4, 'x'}, "masked frame"},
		{"oversized control frame", []byte{0x89, 126, 0, 200}, "control frame of 200 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &load{o: &options{marker: []byte("@@"), proto: "tailcast"}}
			c := &conn{fd: -1, buf: make([]byte, 1024), ready: make(chan struct{})}
			c.w = copy(c.buf, tt.input)
			err := l.feed(c)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// centPub is one Centrifugo publication push carrying a marked line.
func centPub(i, pad int) string {
	return fmt.Sprintf(`{"push":{"channel":"logs","pub":{"data":{"line":"tailcast-bench %010d @@1800000000000000000 %s"},"offset":%d}}}`, i, strings.Repeat("x", pad), i+1)
}

// centBatch joins replies as Centrifugo batches them into one frame: one
// per line, no newline after the last.
func centBatch(lines ...string) []byte { return []byte(strings.Join(lines, "\n")) }

// TestFeedCentrifugo feeds a Centrifugo session (replies, batched
// publications, pings alone and inside a batch, a publication longer than
// the buffer) in pieces of every size given, through buffers of several
// sizes: every publication is counted once, the subscribe reply makes the
// client ready, and each ping gets one pong, none of them false.
func TestFeedCentrifugo(t *testing.T) {
	var stream []byte
	frame := func(p []byte) { stream = append(stream, serverFrame(ws.OpText, p)...) }
	wantN := int64(0)
	pubs := func(from, n, pad int) []string {
		var s []string
		for i := range n {
			s = append(s, centPub(from+i, pad))
		}
		wantN += int64(n)
		return s
	}
	frame([]byte(`{"id":1,"connect":{"client":"6c2b6f2e-0000-4000-8000-000000000000","version":"6.9.1","ping":25,"pong":true}}`))
	frame([]byte(`{"id":2,"subscribe":{}}`))
	frame(centBatch(pubs(0, 3, 10)...))                                                       // 7-bit length, three in a frame
	frame([]byte(`{}`))                                                                       // a ping alone
	frame(centBatch(append(pubs(3, 2, 60), append([]string{`{}`}, pubs(5, 2, 60)...)...)...)) // a ping inside a batch
	frame(centBatch(pubs(7, 900, 70)...))                                                     // 64-bit length, larger than any buffer
	// Longer than the smaller buffers, read in pieces: text inside that
	// looks like a ping or an error reply must not be taken for one.
	long := `{"push":{"channel":"logs","pub":{"data":{"line":"tailcast-bench 0000000907 @@1800000000000000000","x":[` +
		strings.Repeat(`{"id":3,"error":{}},{},`, 60) + `{}]}}}}`
	wantN++
	frame(centBatch(long, `{}`))
	const wantPongs = 3

	for _, bufSize := range []int{256, 1024, 32 << 10} {
		for _, piece := range []int{1, 7, 300, 4096, len(stream)} {
			t.Run(fmt.Sprintf("buf=%d/piece=%d", bufSize, piece), func(t *testing.T) {
				fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
				if err != nil {
					t.Fatal(err)
				}
				defer unix.Close(fds[0])
				defer unix.Close(fds[1])
				l := &load{o: &options{marker: []byte("@@"), proto: "centrifugo"}}
				c := &conn{fd: fds[0], buf: make([]byte, bufSize), ready: make(chan struct{})}
				for off := 0; off < len(stream); {
					n := copy(c.buf[c.w:], stream[off:min(off+piece, len(stream))])
					c.w += n
					off += n
					if err := l.feed(c); err != nil {
						t.Fatalf("feed at %d: %v", off, err)
					}
				}
				if got := c.delivered.Load(); got != wantN {
					t.Errorf("deliveries: got %d, want %d", got, wantN)
				}
				select {
				case <-c.ready:
				default:
					t.Error("subscribe reply seen: got not ready, want ready")
				}
				if err := unix.SetNonblock(fds[1], true); err != nil {
					t.Fatal(err)
				}
				got := make([]byte, 256)
				n, _ := unix.Read(fds[1], got)
				want := 0
				for p := got[:max(n, 0)]; len(p) >= 8; p = p[8:] {
					if ws.OpCode(p[0]&0x0f) != ws.OpText || p[1] != 0x80|2 {
						t.Fatalf("pong: got % x, want masked text frames of 2 bytes", got[:n])
					}
					want++
				}
				if want != wantPongs || n%8 != 0 {
					t.Errorf("pongs: got %d (%d bytes), want %d", want, n, wantPongs)
				}
			})
		}
	}
}

func TestFeedCentrifugoErrors(t *testing.T) {
	tests := []struct {
		name   string
		frames [][]byte
		want   string // "" means no error, and ready
	}{
		{"connect refused", [][]byte{[]byte(`{"id":1,"error":{"code":101,"message":"unauthorized"}}`)}, `"message":"unauthorized"`},
		{"subscribe refused", [][]byte{
			[]byte(`{"id":1,"connect":{"client":"a"}}`),
			[]byte(`{"id":2,"error":{"code":103,"message":"permission denied"}}`),
		}, "permission denied"},
		{"error batched after a publication", [][]byte{centBatch(centPub(0, 5), `{"id":2,"error":{"code":102,"message":"unknown channel"}}`)}, "unknown channel"},
		{"connect and subscribe in one frame", [][]byte{centBatch(`{"id":1,"connect":{"client":"a"}}`, `{"id":2,"subscribe":{}}`, centPub(0, 5))}, ""},
		{"connect alone is not ready", [][]byte{[]byte(`{"id":1,"connect":{"client":"a"}}`)}, "not ready"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &load{o: &options{marker: []byte("@@"), proto: "centrifugo"}}
			c := &conn{fd: -1, buf: make([]byte, 1024), ready: make(chan struct{})}
			var err error
			for _, f := range tt.frames {
				c.w += copy(c.buf[c.w:], serverFrame(ws.OpText, f))
				if err = l.feed(c); err != nil {
					break
				}
			}
			switch {
			case tt.want == "not ready":
				if err != nil || c.isReady {
					t.Errorf("got error %v, ready %v; want no error, not ready", err, c.isReady)
				}
			case tt.want == "":
				if err != nil || !c.isReady {
					t.Errorf("got error %v, ready %v; want no error, ready", err, c.isReady)
				}
			case err == nil || !strings.Contains(err.Error(), tt.want):
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestCentrifugoHello(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	if err := centrifugoHello(fdWriter(fds[0]), "logs"); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 256)
	n, err := unix.Read(fds[1], buf)
	if err != nil {
		t.Fatal(err)
	}
	r := strings.NewReader(string(buf[:n]))
	for _, want := range []string{`{"id":1,"connect":{}}`, `{"id":2,"subscribe":{"channel":"logs"}}`} {
		f, err := ws.ReadFrame(r)
		if err != nil {
			t.Fatalf("read frame: %v", err)
		}
		if !f.Header.Masked || f.Header.OpCode != ws.OpText {
			t.Errorf("header: got %+v, want a masked text frame", f.Header)
		}
		f = ws.UnmaskFrameInPlace(f)
		if got := string(f.Payload); got != want {
			t.Errorf("command: got %s, want %s", got, want)
		}
	}
}

// TestCentrifugoLinesMidLine: a piece of a long line that happens to look
// like a reply or a ping is not taken for one; the same bytes at a line
// start are.
func TestCentrifugoLinesMidLine(t *testing.T) {
	tests := []struct {
		name      string
		lineStart bool
		p         string
		wantErr   bool
		wantReady bool
		wantPong  bool
	}{
		{"error reply at a line start", true, `{"id":2,"error":{"code":103}}`, true, false, false},
		{"error reply mid-line", false, `{"id":2,"error":{"code":103}}`, false, false, false},
		{"subscribe reply at a line start", true, `{"id":2,"subscribe":{}}`, false, true, false},
		{"subscribe reply mid-line", false, `{"id":2,"subscribe":{}}`, false, false, false},
		{"ping at a line start", true, `{}`, false, false, true},
		{"ping mid-line", false, `{}`, false, false, false},
		{"ping after a newline mid-line", false, "x\n{}", false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer unix.Close(fds[0])
			defer unix.Close(fds[1])
			l := &load{o: &options{marker: []byte("@@"), proto: "centrifugo"}}
			c := &conn{fd: fds[0], ready: make(chan struct{}), lineStart: tt.lineStart}
			err = l.centrifugoLines(c, []byte(tt.p))
			if (err != nil) != tt.wantErr {
				t.Errorf("error: got %v, want error %v", err, tt.wantErr)
			}
			if c.isReady != tt.wantReady {
				t.Errorf("ready: got %v, want %v", c.isReady, tt.wantReady)
			}
			n, _ := unix.Read(fds[1], make([]byte, 64))
			if gotPong := n > 0; gotPong != tt.wantPong {
				t.Errorf("pong: got %v (%d bytes), want %v", gotPong, n, tt.wantPong)
			}
		})
	}
}

// TestDialCentrifugo dials a stand-in Centrifugo on a loopback socket: the
// client sends connect, then subscribe to its channel, and is ready once the
// subscribe reply arrives (here batched with the connect reply in one
// frame, as Centrifugo does); a refused subscribe fails the dial with the
// server's reason, not a timeout. Publications after that are counted.
func TestDialCentrifugo(t *testing.T) {
	tests := []struct {
		name    string
		reply   string
		wantErr string
	}{
		{"subscribed", `{"id":1,"connect":{"client":"a","version":"6.9.1"}}` + "\n" + `{"id":2,"subscribe":{}}`, ""},
		{"refused", `{"id":1,"connect":{"client":"a"}}` + "\n" + `{"id":2,"error":{"code":102,"message":"unknown channel"}}`, "unknown channel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			got := make(chan string, 1)
			go func() {
				nc, err := ln.Accept()
				if err != nil {
					return
				}
				defer nc.Close()
				if _, err := ws.Upgrade(nc); err != nil {
					got <- "upgrade: " + err.Error()
					return
				}
				var cmds []string
				for range 2 {
					p, err := wsutil.ReadClientText(nc)
					if err != nil {
						got <- "read: " + err.Error()
						return
					}
					cmds = append(cmds, string(p))
				}
				got <- strings.Join(cmds, "\n")
				if wsutil.WriteServerText(nc, []byte(tt.reply)) != nil {
					return
				}
				wsutil.WriteServerText(nc, centBatch(centPub(0, 5), centPub(1, 5)))
				wsutil.ReadClientText(nc) // until the client closes
			}()

			l := &load{o: &options{
				url: "ws://" + ln.Addr().String() + "/connection/websocket", proto: "centrifugo", channel: "logs",
				sources: []net.IP{net.IPv4(127, 0, 0, 1)}, marker: []byte("@@"), bufSize: 1024, readers: 1, dialTO: 30 * time.Second,
			}}
			if err := l.startPollers(); err != nil {
				t.Fatal(err)
			}
			defer l.stopPollers()
			c, err := l.dial(context.Background(), 0, false)
			if cmds, want := <-got, `{"id":1,"connect":{}}`+"\n"+`{"id":2,"subscribe":{"channel":"logs"}}`; cmds != want {
				t.Errorf("commands: got %s, want %s", cmds, want)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("dial: got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			defer unix.Close(c.fd)
			wait.For(t, 10*time.Second, "two publications counted", func() bool { return c.delivered.Load() == 2 })
		})
	}
}

package main

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tailcast/tailcast/bench/internal/cpuprofile"
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
	profilePath := flag.String("cpuprofile", "", "write a CPU profile of the whole run here")
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

	stopProfile, err := cpuprofile.Start(*profilePath)
	if err != nil {
		return 1, err
	}
	defer stopProfile()
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

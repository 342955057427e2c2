package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/tailcast/tailcast/bench/internal/benchline"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "centpub:", err)
		os.Exit(1)
	}
}

func run() error {
	api := flag.String("api", "", "Centrifugo's server API base, http://127.0.0.1:PORT/api (required)")
	channel := flag.String("channel", "logs", "channel to publish into")
	rate := flag.Float64("rate", 0, "lines/s to generate and publish (this or -follow)")
	size := flag.Int("size", 130, "-rate: bytes per line, with its newline (50 to 65536)")
	follow := flag.String("follow", "", "file whose appended lines are published (this or -rate)")
	flag.Parse()
	u, err := url.Parse(*api)
	switch {
	case *api == "" || err != nil || u.Scheme != "http" || u.Host == "":
		return fmt.Errorf("-api %q: want http://HOST:PORT/api", *api)
	case *channel == "":
		return errors.New("-channel must not be empty")
	case (*rate > 0) == (*follow != ""):
		return errors.New("want exactly one of -rate and -follow")
	case *rate < 0 || *rate > 10_000_000:
		return fmt.Errorf("-rate %v: want (0, 1e7] lines/s", *rate)
	case *size < benchline.MinSize || *size > 64<<10:
		return fmt.Errorf("-size %d: want 50 to 65536 bytes", *size)
	case *rate > 0 && flag.NArg() > 0:
		return errors.New("-rate takes no command")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	p := &publisher{
		url:     *api + "/batch",
		channel: *channel,
		client:  &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1}},
	}
	start := time.Now()
	if *rate > 0 {
		err = p.generate(ctx, *rate, *size)
	} else {
		var f *os.File
		if f, err = openAtEnd(*follow); err != nil {
			return err
		}
		defer f.Close()
		err = p.follow(ctx, f, flag.Args())
	}
	el := time.Since(start).Seconds()
	fmt.Fprintf(os.Stderr, "centpub: %d lines in %d requests in %.2f s (%.0f/s, %d skipped after stalls)\n",
		p.lines, p.requests, el, float64(p.lines)/el, p.skipped)
	return err
}

// publisher sends batches of publish commands, one request at a time.
type publisher struct {
	url      string
	channel  string
	client   *http.Client
	body     []byte
	reply    bytes.Buffer
	lines    int64
	requests int64
	skipped  int64
}

// generate publishes rate lines/s until ctx ends, paced as pushserve paces
// tailcast's pusher.
func (p *publisher) generate(ctx context.Context, rate float64, size int) error {
	var lines [][]byte
	var ts []byte
	var seq int64
	bucket := benchline.NewBucket(rate, time.Now())
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			p.skipped = bucket.Skipped()
			return nil
		case <-tick.C:
		}
		now := time.Now()
		due := bucket.Due(now)
		if due == 0 {
			continue
		}
		ts = strconv.AppendInt(ts[:0], now.UnixNano(), 10)
		lines = lines[:0]
		for range due {
			l := benchline.Append(nil, seq, "@@", ts, size)
			lines = append(lines, l[:len(l)-1])
			seq++
		}
		if err := p.publish(ctx, lines); err != nil {
			if ctx.Err() != nil { // stopped mid-request: the end, not a failure
				p.skipped = bucket.Skipped()
				return nil
			}
			return err
		}
	}
}

// followPoll is how long follow waits at the end of the file for a write
// event before reading again anyway: a missed event costs at most this.
const followPoll = 100 * time.Millisecond

// openAtEnd opens file for follow, at its end.
func openAtEnd(file string) (*os.File, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("follow: %w", err)
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		f.Close()
		return nil, fmt.Errorf("follow: %w", err)
	}
	return f, nil
}

// follow publishes the lines appended to f from its offset on, woken by
// inotify as `tail -F` is. CMD, if given, is started first and stopped
// when ctx ends.
func (p *publisher) follow(ctx context.Context, f *os.File, cmdArgs []string) error {
	watch, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("follow: %w", err)
	}
	defer watch.Close()
	if err := watch.Add(f.Name()); err != nil {
		return fmt.Errorf("follow: %w", err)
	}
	idle := time.NewTimer(followPoll)
	defer idle.Stop()
	exited := make(chan error, 1)
	var cmd *exec.Cmd
	if len(cmdArgs) > 0 {
		cmd = exec.Command(cmdArgs[0], cmdArgs[1:]...)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("start writer: %w", err)
		}
		go func() { exited <- cmd.Wait() }()
		defer func() {
			if cmd.ProcessState == nil {
				_ = cmd.Process.Signal(syscall.SIGTERM)
			}
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
			}
		}()
	}
	buf := make([]byte, 1<<20)
	var w int
	var lines [][]byte
	var writerErr error    // the writer exited: what it wrote is read to the end first
	for ctx.Err() == nil { // checked here too: a writer faster than publish never lets the file end
		n, err := f.Read(buf[w:])
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("follow: %w", err)
		}
		if n == 0 {
			if w == len(buf) {
				return fmt.Errorf("follow: a line longer than %d bytes", len(buf))
			}
			if writerErr != nil {
				return fmt.Errorf("writer exited: %v", writerErr)
			}
			idle.Reset(followPoll)
			select {
			case <-ctx.Done():
				return nil
			case err := <-exited:
				exited <- err // for the deferred wait
				writerErr = err
				if writerErr == nil {
					writerErr = errors.New("exit status 0")
				}
			case err := <-watch.Errors:
				return fmt.Errorf("follow: watch: %w", err)
			case <-watch.Events:
			case <-idle.C:
			}
			continue
		}
		w += n
		lines = lines[:0]
		rest := buf[:w]
		for {
			i := bytes.IndexByte(rest, '\n')
			if i < 0 {
				break
			}
			lines = append(lines, rest[:i])
			rest = rest[i+1:]
		}
		if len(lines) > 0 {
			if err := p.publish(ctx, lines); err != nil {
				if ctx.Err() != nil { // stopped mid-request: the end, not a failure
					return nil
				}
				return err
			}
		}
		w = copy(buf, rest)
	}
	return nil
}

// publish sends lines as one batch of publish commands and checks that
// each was accepted.
func (p *publisher) publish(ctx context.Context, lines [][]byte) error {
	p.body = append(p.body[:0], `{"commands":[`...)
	for i, l := range lines {
		if i > 0 {
			p.body = append(p.body, ',')
		}
		p.body = append(p.body, `{"publish":{"channel":`...)
		p.body = appendJSONString(p.body, p.channel)
		p.body = append(p.body, `,"data":{"line":`...)
		p.body = appendJSONString(p.body, string(l))
		p.body = append(p.body, "}}}"...)
	}
	p.body = append(p.body, "]}"...)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(p.body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped while a request was in flight
		}
		return fmt.Errorf("publish: %w", err)
	}
	p.reply.Reset()
	_, err = p.reply.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("publish: read reply: %w", err)
	}
	if resp.StatusCode != http.StatusOK || bytes.Contains(p.reply.Bytes(), []byte(`"error"`)) {
		return fmt.Errorf("publish: %s: %.300s", resp.Status, p.reply.Bytes())
	}
	p.lines += int64(len(lines))
	p.requests++
	return nil
}

// appendJSONString appends s as a JSON string. Lines are UTF-8 text; bytes
// of 0x80 and above are copied as they are.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

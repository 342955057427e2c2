package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "histquery:", err)
		os.Exit(1)
	}
}

type message struct {
	Type       string `json:"type"`
	Cursor     string `json:"cursor"`
	Anchor     bool   `json:"anchor"`
	Matched    int64  `json:"matched"`
	Scanned    int64  `json:"scanned"`
	Sent       int64  `json:"sent"`
	Limited    bool   `json:"limited"`
	Incomplete bool   `json:"incomplete"`
	Reason     string `json:"reason"`
	Error      string `json:"error"`
}

func run() error {
	url := flag.String("url", "", "websocket URL of the query (required)")
	first := flag.Bool("first", false, "stop at the first entry")
	cursors := flag.String("cursors", "", "write the first, middle and last entries' cursors to this file")
	timeout := flag.Duration("timeout", 10*time.Minute, "give up after this long")
	retry := flag.Duration("retry", 10*time.Second, "how long to retry a 429")
	flag.Parse()
	if *url == "" || flag.NArg() > 0 {
		return errors.New("want -url and no arguments")
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	var (
		conn    net.Conn
		br      io.Reader
		t0      time.Time
		retries int
	)
	deadline := time.Now().Add(*retry)
	for {
		t0 = time.Now()
		c, b, _, err := ws.Dialer{Timeout: 10 * time.Second}.Dial(ctx, *url)
		var se ws.StatusError
		if errors.As(err, &se) && int(se) == 429 && time.Now().Before(deadline) {
			retries++
			time.Sleep(50 * time.Millisecond) // a back-off between attempts, not synchronisation
			continue
		}
		if err != nil {
			return fmt.Errorf("dial: %w", err)
		}
		conn = c
		br = c
		if b != nil {
			br = io.MultiReader(b, c)
		}
		break
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	rw := struct {
		io.Reader
		io.Writer
	}{br, conn}

	var (
		firstMS, endMS float64 = -1, -1
		entries        int64
		anchors        int
		all            []string
		end            message
		status         = "eof"
	)
	ms := func() float64 { return float64(time.Since(t0).Microseconds()) / 1000 }
read:
	for {
		data, op, err := wsutil.ReadServerData(rw)
		if err != nil {
			var ce wsutil.ClosedError
			if errors.As(err, &ce) {
				if status == "eof" {
					status = fmt.Sprintf("closed-%d", ce.Code)
				}
				break
			}
			if status == "eof" {
				status = "error"
			}
			fmt.Fprintln(os.Stderr, "histquery: read:", err)
			break
		}
		if op != ws.OpText {
			continue
		}
		for _, line := range bytes.Split(data, []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			var m message
			if err := json.Unmarshal(line, &m); err != nil {
				return fmt.Errorf("bad message %q: %w", line, err)
			}
			switch m.Type {
			case "entry":
				if entries == 0 {
					firstMS = ms()
				}
				entries++
				if m.Anchor {
					anchors++
				}
				if *cursors != "" {
					all = append(all, m.Cursor)
				}
				if *first {
					status = "ok"
					break read
				}
			case "end":
				endMS = ms()
				end = m
				status = "ok"
				break read
			case "error":
				status = "error"
				fmt.Fprintln(os.Stderr, "histquery: server error:", m.Error)
			}
		}
	}
	if *cursors != "" && len(all) > 0 {
		out := all[0] + "\n" + all[len(all)/2] + "\n" + all[len(all)-1] + "\n"
		if err := os.WriteFile(*cursors, []byte(out), 0o644); err != nil {
			return fmt.Errorf("write cursors: %w", err)
		}
	}
	fmt.Printf("status=%s retries=%d first_entry_ms=%.1f end_ms=%.1f entries=%d anchors=%d matched=%d scanned=%d sent=%d limited=%t incomplete=%t\n",
		status, retries, firstMS, endMS, entries, anchors, end.Matched, end.Scanned, end.Sent, end.Limited, end.Incomplete)
	if end.Reason != "" {
		fmt.Fprintln(os.Stderr, "histquery: end reason:", end.Reason)
	}
	return nil
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tailcast/tailcast/internal/wait"
)

func TestAppendJSONString(t *testing.T) {
	tests := []string{
		"plain line @@1800000000000000000 GET /x",
		`quote " and backslash \`,
		"tab\there, newline\n, bell\a, nul\x00",
		"utf-8: é ☃",
	}
	for _, s := range tests {
		t.Run(s, func(t *testing.T) {
			b := appendJSONString(nil, s)
			var got string
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("%s: %v", b, err)
			}
			if got != s {
				t.Errorf("round trip: got %q, want %q", got, s)
			}
		})
	}
}

// fakeAPI is a Centrifugo /api/batch that records the lines published.
type fakeAPI struct {
	mu    sync.Mutex
	lines []string
	reply string // replaces the success reply when set
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/batch" || r.Method != http.MethodPost {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	var req struct {
		Commands []struct {
			Publish struct {
				Channel string `json:"channel"`
				Data    struct {
					Line string `json:"line"`
				} `json:"data"`
			} `json:"publish"`
		} `json:"commands"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if f.reply != "" {
		io.WriteString(w, f.reply)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var replies []string
	for _, c := range req.Commands {
		f.lines = append(f.lines, c.Publish.Channel+" "+c.Publish.Data.Line)
		replies = append(replies, `{"publish":{"offset":1}}`)
	}
	fmt.Fprintf(w, `{"replies":[%s]}`, strings.Join(replies, ","))
}

func (f *fakeAPI) published() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.lines...)
}

func newPublisher(url string) *publisher {
	return &publisher{url: url + "/api/batch", channel: "logs", client: &http.Client{Timeout: 5 * time.Second}}
}

func TestPublishReplies(t *testing.T) {
	tests := []struct {
		name    string
		reply   string
		wantErr string
	}{
		{"accepted", "", ""},
		{"error reply", `{"replies":[{"error":{"code":102,"message":"unknown channel"}}]}`, "unknown channel"},
		{"top-level error", `{"error":{"code":101,"message":"unauthorized"}}`, "unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &fakeAPI{reply: tt.reply}
			srv := httptest.NewServer(api)
			defer srv.Close()
			p := newPublisher(srv.URL)
			err := p.publish(context.Background(), [][]byte{[]byte(`a "quoted" line`), []byte("b")})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				if got, want := strings.Join(api.published(), "|"), `logs a "quoted" line|logs b`; got != want {
					t.Errorf("published: got %q, want %q", got, want)
				}
				if p.lines != 2 || p.requests != 1 {
					t.Errorf("counts: got %d lines in %d requests, want 2 in 1", p.lines, p.requests)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestFollow appends lines to a file, in pieces that split lines, and
// checks that each line after the start is published once, whole.
func TestFollow(t *testing.T) {
	api := &fakeAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "f.log")
	if err := os.WriteFile(file, []byte("before the start\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := openAtEnd(file)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	p := newPublisher(srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.follow(ctx, in, nil) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("follow: %v", err)
		}
	}()

	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var want []string
	for i := range 50 {
		want = append(want, fmt.Sprintf("logs line %d @@1800000000000000000", i))
	}
	text := ""
	for _, w := range want {
		text += strings.TrimPrefix(w, "logs ") + "\n"
	}
	// In pieces that split lines: only whole lines are published.
	for off := 0; off < len(text); off += 17 {
		if _, err := f.WriteString(text[off:min(off+17, len(text))]); err != nil {
			t.Fatal(err)
		}
	}
	wait.For(t, 5*time.Second, "every line published", func() bool { return len(api.published()) >= len(want) })
	if got := api.published(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("published: got %q, want %q", got, want)
	}
}

// TestGenerate: generated lines are published in order, each of the
// requested size without its newline, stamped when published.
func TestGenerate(t *testing.T) {
	api := &fakeAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	p := newPublisher(srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	t0 := time.Now().UnixNano()
	go func() { done <- p.generate(ctx, 5000, 130) }()
	wait.For(t, 10*time.Second, "100 lines published", func() bool { return len(api.published()) >= 100 })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("generate: %v", err)
	}
	t1 := time.Now().UnixNano()
	for i, l := range api.published() {
		l = strings.TrimPrefix(l, "logs ")
		var seq, ts int64
		if _, err := fmt.Sscanf(l, "tailcast-bench %d @@%d ", &seq, &ts); err != nil {
			t.Fatalf("line %d %q: %v", i, l, err)
		}
		if len(l) != 129 || seq != int64(i) || ts < t0 || ts > t1 {
			t.Errorf("line %d: got %d bytes, seq %d, stamp %d; want 129 bytes, seq %d, stamp in [%d, %d]", i, len(l), seq, ts, i, t0, t1)
		}
	}
}

// TestFollowStops: with a writer that never pauses, cancelling still ends
// follow (which waits for the writer it stopped before returning); a
// writer that fails ends follow with an error.
func TestFollowStops(t *testing.T) {
	tests := []struct {
		name    string
		script  string // the writer, sh -c; $0 is the file
		cancel  bool
		wantErr string
	}{
		{"writer never pauses", `while :; do echo "line @@1800000000000000000" >>"$0"; done`, true, ""},
		{"writer fails", `echo "line @@1800000000000000000" >>"$0"; exit 3`, false, "writer exited: exit status 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &fakeAPI{}
			srv := httptest.NewServer(api)
			defer srv.Close()
			file := filepath.Join(t.TempDir(), "f.log")
			if err := os.WriteFile(file, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			in, err := openAtEnd(file)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var got error
			var returned atomic.Bool
			go func() {
				got = newPublisher(srv.URL).follow(ctx, in, []string{"sh", "-c", tt.script, file})
				returned.Store(true)
			}()
			wait.For(t, 10*time.Second, "a line published", func() bool { return len(api.published()) > 0 })
			if tt.cancel {
				cancel()
			}
			wait.For(t, 10*time.Second, "follow returned", returned.Load)
			if tt.wantErr == "" && got != nil || tt.wantErr != "" && (got == nil || !strings.Contains(got.Error(), tt.wantErr)) {
				t.Errorf("follow: got %v, want error %q", got, tt.wantErr)
			}
		})
	}
}

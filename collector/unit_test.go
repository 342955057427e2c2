package collector

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

func TestMatchSegments(t *testing.T) {
	tests := []struct {
		pat, name string
		want      bool
	}{
		{"**/*.log", "a.log", true},
		{"**/*.log", "x/y/a.log", true},
		{"**/*.log", "x/y/a.txt", false},
		{"x/**/a.log", "x/a.log", true},
		{"x/**/a.log", "x/1/2/a.log", true},
		{"x/**/a.log", "y/1/a.log", false},
		{"*/a.log", "x/y/a.log", false},
		{"**", "anything/at/all", true},
		{"a/**/b/**/c.log", "a/1/b/2/3/c.log", true},
	}
	for _, tt := range tests {
		t.Run(tt.pat+" "+tt.name, func(t *testing.T) {
			if got := matchSegments(strings.Split(tt.pat, "/"), strings.Split(tt.name, "/")); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSplitPattern(t *testing.T) {
	tests := []struct {
		pat, root, rest string
	}{
		{"/var/log/**/*.log", "/var/log", "**/*.log"},
		{"/var/log/app.log", "/var/log", "app.log"},
		{"logs/*/x.log", "logs", "*/x.log"},
		{"*.log", ".", "*.log"},
		{"/*.log", "/", "*.log"},
	}
	for _, tt := range tests {
		t.Run(tt.pat, func(t *testing.T) {
			root, segs := splitPattern(filepath.Clean(tt.pat))
			if root != tt.root || strings.Join(segs, "/") != tt.rest {
				t.Fatalf("got %q %q, want %q %q", root, strings.Join(segs, "/"), tt.root, tt.rest)
			}
		})
	}
}

func TestBudgetBlocksUntilRelease(t *testing.T) {
	b := &budget{max: 100}
	ctx := context.Background()
	if err := b.acquire(ctx, 80); err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() { got <- b.acquire(ctx, 50) }()
	select {
	case err := <-got:
		t.Fatalf("acquire over the bound returned %v, want it to block", err)
	case <-time.After(50 * time.Millisecond):
	}
	b.release(80)
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("acquire still blocked after release")
	}
	if b.inUse() != 50 {
		t.Fatalf("got %d in use, want 50", b.inUse())
	}
	// An entry larger than the bound passes alone.
	b.release(50)
	if err := b.acquire(ctx, 500); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := b.acquire(cctx, 1); err == nil {
		t.Fatal("got nil, want the context error")
	}
}

func TestShrink(t *testing.T) {
	hdrs, cut := fileHeaders("api", "h", "/p", nil)
	tests := []struct {
		name    string
		value   string
		headers []sarama.RecordHeader
		want    string
		ok      bool
	}{
		{"ascii", "abcdefgh", hdrs, "abcd", true},
		{"no rune split", "ééééé", hdrs, "éé", true},
		{"already cut", "abcdefgh", cut, "abcd", true},
		{"too small", "a", hdrs, "a", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := &sarama.ProducerMessage{Value: sarama.ByteEncoder(tt.value), Headers: tt.headers}
			if got := shrink(msg); got != tt.ok {
				t.Fatalf("got ok %v, want %v", got, tt.ok)
			}
			b, _ := msg.Value.Encode()
			if string(b) != tt.want {
				t.Errorf("got value %q, want %q", b, tt.want)
			}
			cuts := 0
			for _, h := range msg.Headers {
				if string(h.Key) == "cut" {
					cuts++
				}
			}
			if want := map[bool]int{true: 1, false: 0}[tt.ok || len(tt.headers) == len(cut)]; cuts != want {
				t.Errorf("got %d cut headers, want %d", cuts, want)
			}
			if len(hdrs) != 1 || len(cut) != 2 {
				t.Errorf("shrink changed the file's header lists: got %d and %d headers, want 1 and 2", len(hdrs), len(cut))
			}
		})
	}
}

package collector

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"google.golang.org/protobuf/proto"

	"github.com/tailcast/tailcast/proto/logpb"
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
	tests := []struct {
		name             string
		raw, msg         string
		wantRaw, wantMsg string
		ok               bool
	}{
		{"ascii", "abcdefgh", "abcdefgh", "abcd", "abcd", true},
		{"no rune split", "ééééé", "ééééé", "ééééé"[:5], "éé", true},
		{"message only", "", "abcdefgh", "", "abcd", true},
		{"too small", "a", "a", "a", "a", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			val, err := proto.Marshal(&logpb.LogEntry{Raw: []byte(tt.raw), Message: tt.msg})
			if err != nil {
				t.Fatal(err)
			}
			msg := &sarama.ProducerMessage{Value: sarama.ByteEncoder(val)}
			if got := shrink(msg); got != tt.ok {
				t.Fatalf("got ok %v, want %v", got, tt.ok)
			}
			b, _ := msg.Value.Encode()
			var e logpb.LogEntry
			if err := proto.Unmarshal(b, &e); err != nil {
				t.Fatal(err)
			}
			if string(e.Raw) != tt.wantRaw || e.Message != tt.wantMsg || e.Truncated != tt.ok {
				t.Fatalf("got raw %q message %q truncated %v, want %q %q %v", e.Raw, e.Message, e.Truncated, tt.wantRaw, tt.wantMsg, tt.ok)
			}
		})
	}
}

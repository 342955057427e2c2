package collector

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"go.uber.org/zap"

	"github.com/tailcast/tailcast/internal/multiline"
)

// newTestTail is a reader of /var/log/api.log whose records go to records,
// under a budget of max bytes, handed over in batches of batchBytes.
func newTestTail(records chan *sarama.ProducerMessage, max, batchBytes int64) *tailFile {
	d := &tailDeps{
		opts: tailOptions{topic: "logs"}, log: zap.NewNop(), budget: &budget{max: max}, stats: &counters{},
		records: records, maxRecord: 1 << 20, batchBytes: batchBytes, ghosts: &ghosts{},
	}
	t := &tailFile{deps: d, in: &compiledInput{}, path: "/var/log/api.log", readTime: time.Unix(1, 0)}
	t.hdrs, t.cutHdrs = fileHeaders("api", "h", t.path, nil)
	t.overhead = headersSize(0, t.cutHdrs)
	t.retry.done = make(chan struct{}, 1)
	return t
}

// TestHandOffBatches: records go to the producer in batches of
// handOffBatch records or batchBytes bytes, whichever comes first, each
// batch's budget taken and its entries tracked, in read order, as it goes.
func TestHandOffBatches(t *testing.T) {
	const value = "0123456789" // each record's line
	tests := []struct {
		name       string
		lines      int
		batchLines int // batchBytes, in records
		wantSent   int
	}{
		{"fewer than a batch stay in hand", handOffBatch - 1, 1000, 0},
		{"a full batch goes", handOffBatch + 2, 1000, handOffBatch},
		{"bytes cut batches", 10, 3, 9},
		{"a batch of one", 4, 1, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := make(chan *sarama.ProducerMessage, 1000)
			tf := newTestTail(ch, 1<<30, 0)
			size := int64(len(value) + tf.overhead + 64)
			tf.deps.batchBytes = int64(tt.batchLines) * size
			for i := range tt.lines {
				e := multiline.Entry{Data: []byte(value), End: int64(i+1) * 11}
				if !tf.send(context.Background(), e, false) {
					t.Fatalf("send %d: got false, want true", i)
				}
			}
			if got := len(ch); got != tt.wantSent {
				t.Fatalf("got %d records handed over, want %d", got, tt.wantSent)
			}
			if got, want := tf.deps.budget.inUse(), int64(tt.wantSent)*size; got != want {
				t.Errorf("got %d bytes of budget in use, want %d (the records handed over)", got, want)
			}
			if got := len(tf.out); got != tt.lines-tt.wantSent {
				t.Errorf("got %d records in hand, want %d", got, tt.lines-tt.wantSent)
			}
			var acks []ackID
			for i := range tt.wantSent {
				m := (<-ch).Metadata.(*msgMeta)
				if m.seq != uint64(i) || m.win != &tf.win {
					t.Fatalf("record %d: got seq %d, want %d in the file's window", i, m.seq, i)
				}
				acks = append(acks, ackID{m.gen, m.seq})
			}
			tf.win.ackAll(acks)
			if got, want := tf.win.offset(), int64(tt.wantSent)*11; got != want {
				t.Errorf("got offset %d once every record handed over is acknowledged, want %d", got, want)
			}
			if !tf.win.idle() {
				t.Error("got entries pending, want only the records handed over tracked")
			}
		})
	}
}

// TestDropOutReleasesHeldBudget: a reader stopped in the middle of handing
// a batch over gives back the budget of the records it did not hand over,
// and a reader stopped while waiting for budget has none to give back.
func TestDropOutReleasesHeldBudget(t *testing.T) {
	tests := []struct {
		name       string
		preload    int64 // budget held by other files' records
		room       int   // records the producer takes before it stops taking
		wantInUse  int64 // in records, beside preload, once dropped
		wantIdle   bool
		wantOffset int64
	}{
		{"stopped while handing over", 0, 2, 2, false, 0},
		{"stopped waiting for budget", 1 << 20, 0, 0, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := make(chan *sarama.ProducerMessage, tt.room)
			tf := newTestTail(ch, 1<<20, 1<<20)
			if tt.preload > 0 && !tf.deps.budget.tryAcquire(tt.preload) {
				t.Fatal("budget refused the preload")
			}
			for i := range 5 {
				tf.send(context.Background(), multiline.Entry{Data: []byte(fmt.Sprint("line ", i)), End: int64(i+1) * 7}, false)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			if tf.handOff(ctx) {
				t.Fatal("handOff: got true, want false once ctx is done")
			}
			tf.dropOut()
			size := int64(len("line 0") + tf.overhead + 64)
			if got, want := tf.deps.budget.inUse(), tt.preload+tt.wantInUse*size; got != want {
				t.Errorf("got %d bytes of budget in use, want %d", got, want)
			}
			if len(tf.out) != 0 {
				t.Errorf("got %d records in hand after dropOut, want 0", len(tf.out))
			}
			if got := tf.win.idle(); got != tt.wantIdle {
				t.Errorf("got idle %v, want %v", got, tt.wantIdle)
			}
			if got := tf.win.offset(); got != tt.wantOffset {
				t.Errorf("got offset %d, want %d: nothing was acknowledged", got, tt.wantOffset)
			}
		})
	}
}

// TestTruncationWithRecordsInHand: records made from a file's content
// before a truncation and not yet handed over belong to the old
// generation: their acknowledgements must not move the offset of the new
// content, which would checkpoint past what the file now holds.
func TestTruncationWithRecordsInHand(t *testing.T) {
	ch := make(chan *sarama.ProducerMessage, 10)
	tf := newTestTail(ch, 1<<20, 1<<20)
	ctx := context.Background()
	for i := range 3 { // old content, ends 100, 200, 300: in hand
		tf.send(ctx, multiline.Entry{Data: []byte("old"), End: int64(i+1) * 100}, false)
	}
	tf.resetTo(ctx, 0)
	tf.send(ctx, multiline.Entry{Data: []byte("new"), End: 4}, false)
	if !tf.handOff(ctx) {
		t.Fatal("handOff: got false, want true")
	}
	var old, fresh []ackID
	for range 4 {
		m := (<-ch).Metadata.(*msgMeta)
		if v := string(m.om.val.b); v == "old" {
			old = append(old, ackID{m.gen, m.seq})
		} else {
			fresh = append(fresh, ackID{m.gen, m.seq})
		}
	}
	tf.win.ackAll(old)
	if got := tf.win.offset(); got != 0 {
		t.Fatalf("old content acknowledged: got offset %d, want 0", got)
	}
	tf.win.ackAll(fresh)
	if got := tf.win.offset(); got != 4 {
		t.Fatalf("new content acknowledged: got offset %d, want 4", got)
	}
	if got := tf.deps.budget.inUse(); got == 0 {
		t.Fatal("got no budget in use, want the four records' (acknowledged only through the success loop)")
	}
}

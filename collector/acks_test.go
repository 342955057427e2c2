package collector

import (
	"testing"

	"github.com/IBM/sarama"
)

// TestAckBatchApply: a batch mixing two files' records, in runs and out of
// order, advances each file's window as far as its contiguous
// acknowledgements go, releases exactly the batch's budget and counts
// exactly its records and value bytes.
func TestAckBatchApply(t *testing.T) {
	type ack struct {
		file int // 0 or 1
		i    int // entry of the file, by index
	}
	tests := []struct {
		name      string
		acks      []ack
		wantOff   [2]int64
		wantBytes int64 // value bytes acknowledged
	}{
		{"one file in order", []ack{{0, 0}, {0, 1}, {0, 2}}, [2]int64{30, 0}, 3 * 5},
		{"two files interleaved", []ack{{0, 0}, {1, 0}, {0, 1}, {1, 1}}, [2]int64{20, 200}, 4 * 5},
		{"runs out of order", []ack{{1, 1}, {1, 0}, {0, 2}, {0, 0}}, [2]int64{10, 200}, 4 * 5},
		{"a gap holds one file only", []ack{{0, 1}, {1, 0}, {1, 1}, {1, 2}}, [2]int64{0, 300}, 4 * 5},
		{"nothing", nil, [2]int64{0, 0}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const size = 100 // budget of each record
			wins := [2]*window{newWindow(0), newWindow(0)}
			var ids [2][]ackID
			var bud budget
			bud.max = 1 << 20
			for f, ends := range [2][]int64{{10, 20, 30}, {100, 200, 300}} {
				gen, first := wins[f].trackAll(ends)
				for i := range ends {
					ids[f] = append(ids[f], ackID{gen, first + uint64(i)})
				}
				if !bud.tryAcquire(int64(len(ends)) * size) {
					t.Fatal("budget refused the records")
				}
			}
			var b ackBatch
			for _, a := range tt.acks {
				id := ids[a.file][a.i]
				b.msgs = append(b.msgs, testRecord(wins[a.file], id, size, "value"))
			}
			var st counters
			b.apply(&bud, &st)
			for f, w := range wins {
				if got := w.offset(); got != tt.wantOff[f] {
					t.Errorf("file %d: got offset %d, want %d", f, got, tt.wantOff[f])
				}
			}
			if got, want := bud.inUse(), int64(6-len(tt.acks))*size; got != want {
				t.Errorf("got %d bytes of budget in use, want %d", got, want)
			}
			if got := st.acked.Load(); got != int64(len(tt.acks)) {
				t.Errorf("got %d acked, want %d", got, len(tt.acks))
			}
			if got := st.bytesAcked.Load(); got != tt.wantBytes {
				t.Errorf("got %d bytes acked, want %d", got, tt.wantBytes)
			}
			if len(b.msgs) != 0 {
				t.Errorf("got %d records left in the batch, want it emptied", len(b.msgs))
			}
		})
	}
}

// testRecord is a record as send makes it, tracked as id in win.
func testRecord(win *window, id ackID, size int64, value string) *sarama.ProducerMessage {
	om := new(outMsg)
	om.meta = msgMeta{om: om, win: win, gen: id.gen, seq: id.seq, size: size}
	om.val.b = []byte(value)
	om.msg.Value, om.msg.Metadata = &om.val, &om.meta
	return &om.msg
}

package collector

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/tailcast/tailcast/internal/multiline"
)

// TestOutStackReuse: records acknowledged and stacked by the success
// loop's recycler keep no memory reachable once stacked, and records send
// makes from them carry nothing of their earlier use, each distinct from
// the others in flight, however many were recycled (none, less than a
// stack, a stack, more). sync.Pool may drop stacks (it does at random
// under -race): then records are new, and the same holds.
func TestOutStackReuse(t *testing.T) {
	tests := []struct {
		name     string
		recycled int
		sent     int
	}{
		{"nothing recycled", 0, 10},
		{"less than a stack", outStackLen - 1, outStackLen},
		{"one stack", outStackLen, outStackLen + 5},
		{"several stacks", 3*outStackLen + 7, 4 * outStackLen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r recycler
			old := newWindow(0)
			for range tt.recycled {
				om := new(outMsg)
				om.meta = msgMeta{om: om, win: old, retry: &retries{}, gen: 3, seq: 7, size: 100, fileHash: 9}
				om.val.b = []byte("used")
				om.msg = sarama.ProducerMessage{Topic: "old", Key: sarama.StringEncoder("k"), Value: &om.val, Partition: 2,
					Offset: 9, Timestamp: time.Unix(5, 0), Headers: []sarama.RecordHeader{{Key: []byte("x")}}, Metadata: &om.meta}
				r.put(om)
				if om.val.b != nil || om.meta.win != nil || om.meta.retry != nil {
					t.Fatalf("got value %q, window %p, retries %p kept by a stacked record, want none", om.val.b, om.meta.win, om.meta.retry)
				}
			}
			ch := make(chan *sarama.ProducerMessage, tt.sent)
			tf := newTestTail(ch, 1<<30, 1<<30)
			for i := range tt.sent {
				tf.send(context.Background(), multiline.Entry{Data: []byte(fmt.Sprint("line ", i)), End: int64(i + 1)}, false)
			}
			if !tf.handOff(context.Background()) {
				t.Fatal("handOff: got false, want true")
			}
			seen := map[*sarama.ProducerMessage]bool{}
			for i := range tt.sent {
				msg := <-ch
				if seen[msg] {
					t.Fatalf("record %d: got a record already in flight", i)
				}
				seen[msg] = true
				m := msg.Metadata.(*msgMeta)
				v, _ := msg.Value.Encode()
				if msg.Topic != "logs" || msg.Key != nil || msg.Partition != 0 || msg.Offset != 0 ||
					!msg.Timestamp.Equal(tf.readTime) || len(msg.Headers) != len(tf.hdrs) || &msg.Headers[0] != &tf.hdrs[0] {
					t.Fatalf("record %d: got topic %q key %v partition %d offset %d time %v headers %v, want a fresh record of the file",
						i, msg.Topic, msg.Key, msg.Partition, msg.Offset, msg.Timestamp, msg.Headers)
				}
				if string(v) != fmt.Sprint("line ", i) || m.win != &tf.win || m.retry != &tf.retry || m.seq != uint64(i) || m.fileHash != tf.hash || m.om.val.b == nil {
					t.Fatalf("record %d: got value %q, seq %d, want %q, seq %d, in the file's window", i, v, m.seq, fmt.Sprint("line ", i), i)
				}
			}
			tf.releaseSpare()
			if tf.spare != nil {
				t.Fatal("got a spare stack after releaseSpare, want none held")
			}
		})
	}
}

package collector

import (
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// TestOutStackReuse: records acknowledged and stacked by the success
// loop's recycler come back to a reader cleared (sarama's fields included),
// and a reader never gets a record twice while it holds it, however many
// were recycled (none, less than a stack, a stack, more). sync.Pool may
// drop stacks (it does at random under -race): then records are new, and
// still cleared and distinct.
func TestOutStackReuse(t *testing.T) {
	tests := []struct {
		name     string
		recycled int
		taken    int
	}{
		{"nothing recycled", 0, 10},
		{"less than a stack", outStackLen - 1, outStackLen},
		{"one stack", outStackLen, outStackLen + 5},
		{"several stacks", 3*outStackLen + 7, 4 * outStackLen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r recycler
			for range tt.recycled {
				om := new(outMsg)
				om.msg = sarama.ProducerMessage{Topic: "logs", Partition: 2, Offset: 9, Timestamp: time.Unix(5, 0)}
				om.meta = msgMeta{om: om, seq: 7, size: 100}
				om.val.b = []byte("used")
				om.msg.Value, om.msg.Metadata = &om.val, &om.meta
				r.put(om)
			}
			tf := newTestTail(nil, 1<<20, 1<<20)
			seen := map[*outMsg]bool{}
			for i := range tt.taken {
				om := tf.newOutMsg()
				if seen[om] {
					t.Fatalf("record %d: got a record the reader already holds", i)
				}
				seen[om] = true
				if om.msg.Topic != "" || om.msg.Value != nil || om.msg.Metadata != nil || om.msg.Partition != 0 ||
					om.msg.Offset != 0 || !om.msg.Timestamp.IsZero() || om.meta != (msgMeta{}) || om.val.b != nil {
					t.Fatalf("record %d: got %+v, want it cleared", i, *om)
				}
			}
			tf.releaseSpare()
			if tf.spare != nil {
				t.Fatal("got a spare stack after releaseSpare, want none held")
			}
		})
	}
}

package collector

import "github.com/IBM/sarama"

// ackBatch is the records the producer acknowledged together, applied in
// bulk: one window lock per run of one file's records, one budget release
// and one update of each counter per batch, where the success loop used to
// take two locks and two atomics per record. Owned by the success loop.
type ackBatch struct {
	msgs  []*sarama.ProducerMessage
	ids   []ackID // scratch: one run's acknowledgements
	spent recycler
}

// maxAckBatch bounds how many acknowledgements the success loop gathers
// before it applies them: it applies fewer as soon as no more are ready.
const maxAckBatch = 512

// apply advances each record's window, releases the records' budget,
// counts them and stacks them for reuse, then empties the batch.
func (b *ackBatch) apply(bud *budget, st *counters) {
	var win *window
	var size, bytes int64
	for _, msg := range b.msgs {
		m := msg.Metadata.(*msgMeta)
		if m.win != win {
			if win != nil {
				win.ackAll(b.ids)
			}
			win, b.ids = m.win, b.ids[:0]
		}
		b.ids = append(b.ids, ackID{m.gen, m.seq})
		size += m.size
		bytes += int64(msg.Value.Length())
	}
	if win != nil {
		win.ackAll(b.ids)
	}
	bud.release(size)
	st.acked.Add(int64(len(b.msgs)))
	st.bytesAcked.Add(bytes)
	for _, msg := range b.msgs {
		b.spent.put(msg.Metadata.(*msgMeta).om)
	}
	clear(b.msgs)
	b.msgs, b.ids = b.msgs[:0], b.ids[:0]
}

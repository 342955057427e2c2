// Command saramaonly runs sarama's AsyncProducer alone, configured exactly as
// the collector configures it (collector.SaramaConfig), on records built
// before the clock starts: no file is read while it runs, nothing is parsed
// or encoded. It bounds what `tailcast collect` can reach with the producer
// issue 3 prescribes, and bench/collector.sh measures it beside the
// collector, against the same broker.
//
//	saramaonly -brokers ADDR -lines FILE
//	    values are FILE's lines, as `kcat -P -l FILE` sends them.
//	saramaonly -brokers ADDR -records DUMP
//	    keys, values and headers are the records in DUMP.
//	saramaonly -brokers ADDR -dump DUMP -n N
//	    writes the topic's first N records (in partition order) to DUMP.
//
// Every record gets the same key, so that, like one file's lines in the
// collector, they all go to one partition, in order. The produce modes
// print one line of key=value results: status, count, elapsed_s (first
// record handed to sarama to the last acknowledgement), cpu_s (the
// process's CPU over the same span), lines_per_s.
package main

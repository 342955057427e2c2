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
// Every record goes to partition 0, in order, as one file's lines go to one
// partition in the collector (whose partitioner picks the file's; here a
// manual one, sarama's cheapest). -lines records carry a key as a file's
// records once did; -records ones the key they were dumped with (none for
// the collector's since the meta header). The produce modes
// print one line of key=value results: status, count, elapsed_s (from just
// before it connects, as `tailcast collect` connects within its time, to
// the last acknowledgement), cpu_s (the process's CPU over the same span),
// lines_per_s. bench/collector.sh runs it under topiccount -exit, so that
// the broker answers the same watermark polls as during tailcast's runs.
// -cpuprofile writes a CPU profile of that span: beside collectorprof's
// against the same broker, the difference is the collector's own cost.
package main

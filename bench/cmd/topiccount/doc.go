// Command topiccount counts the records on a topic (the sum of its
// partitions' high watermarks, from ListOffsets) and, given a command,
// measures how long that command takes to get a number of records
// acknowledged by the broker.
//
//	topiccount -brokers ADDR [-topic logs]
//	    prints the count.
//	topiccount -brokers ADDR -wait N [-timeout D] -- CMD ARGS...
//	    checks the topic is empty, starts CMD, polls until the topic holds N
//	    records, stops CMD (SIGTERM, then SIGKILL after -grace) unless it has
//	    exited by itself, and prints one line of key=value results:
//	    status, target, count, final_count, elapsed_s (start of CMD to N
//	    records), elapsed_last1_s (to N-1 records), cpu_s and maxrss_kib (of
//	    CMD, from its rusage), exit.
//
// A broker started with kfake's BlackholeProduce still advances high
// watermarks, so the count works for a discarding broker too.
package main

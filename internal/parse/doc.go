// Package parse reads what a log line says about itself: event time, level,
// message and structured fields. Functions are pure (apart from reading the
// clock to infer missing years) and safe to call concurrently.
//
// Into recognises, in this order:
//
//   - JSON objects, as logging libraries write them (logback and log4j2
//     JSON layouts, ECS, zap, zerolog, python-json-logger, Bunyan, pino;
//     see testdata/layouts): level from "level", "lvl", "severity",
//     "log.level", "levelname" (words, or pino's and Bunyan's numbers
//     10…60); message from "msg", "message", "log"; time from "time", "ts",
//     "timestamp", "@timestamp", "asctime", "timeMillis",
//     "instant.epochSecond" (RFC 3339 and ISO-8601 variants, or Unix
//     seconds/milliseconds/microseconds/nanoseconds chosen by magnitude);
//     a stack trace from "stack_trace", "error.stack_trace", "exc_info",
//     "stacktrace", "err.stack", "thrown.extendedStackTrace",
//     "exception.stacktrace", "stack", appended to the message after a
//     newline, as the entry's multiline part; "service", "service.name" or
//     "app" fills LogEntry.Service and "hostname" or "host.name"
//     LogEntry.Host when empty. The members of the objects "log",
//     "service", "error", "err", "host", "thrown", "exception" and
//     "instant" are read as dotted keys (ECS's nested form: {"log":
//     {"level": "info"}} is "log.level"). When a line has several keys for
//     one role the earlier name in these lists wins. All other members
//     become Fields in line order: strings as text, anything else as
//     compact JSON with Json set. Invalid JSON is read as a plain line.
//   - logfmt (`key=value key="quoted"`, two pairs or more, nothing else on
//     the line), with the same keys.
//   - Plain formats, by hand-written scanners: RFC 5424 and RFC 3164 syslog
//     (level from the PRI severity), NCSA common/combined access logs (level
//     from the status: 5xx error, 4xx warn, else info), Apache error logs,
//     the loghub HDFS, Spark, Android logcat and OpenSSH shapes, the column
//     headers of Blue Gene/L RAS logs, LANL HPC event logs, Windows CBS/CSI
//     ("2016-09-28 04:30:30, Info  CBS  msg") and Proxifier
//     ("[10.30 16:49:06] chrome.exe - msg"), ISO-8601 timestamps followed
//     by a level column or bracket (log4j, logback, Python's asctime, zap's
//     console encoder, PostgreSQL), Go's log package dates, klog/glog, a
//     leading level ("INFO …", "[WARN] …", Python's default
//     "WARNING:root:msg").
//
// For plain formats Message is the text after the timestamp and level; the
// logger or component name stays in it, except in the column formats (BGL,
// HPC, CBS, Proxifier): their node, component, state and program columns
// become Fields, so that Message is the event a person reads and what
// internal/patterns mines. BGL's time is its Unix epoch column (UTC), HPC's
// its Unix seconds column. Unknown lines keep the whole line as Message
// with LEVEL_UNKNOWN. Timestamps without a zone are local times of an
// unknown zone and are read as UTC. Formats without a year get the current
// year, or the previous one when that would put the time more than two days
// in the future. Message and Fields are always valid UTF-8.
//
// Outside brackets, a lower- or title-case word counts as a level only when
// followed by ':' or a tab ("Error: …", zap's "info\t…"); upper-case words
// always do. This keeps prose such as "Error opening file" a message.
package parse

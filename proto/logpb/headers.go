package logpb

// Record headers of the line format: a record's value is the entry's text
// as it was in the file, without its line terminator, and what the
// collector knows about it travels in these headers (values are the bytes
// as they are, not necessarily UTF-8). The record key is "host:path", for
// partitioning only; the read time is the record's timestamp. Records
// produced to the topic by anything else may carry the same headers and
// are read the same way. See docs/ARCHITECTURE.md, "Record format".
const (
	// HeaderService names the service the line belongs to.
	HeaderService = "service"
	// HeaderHost is the host the collector runs on.
	HeaderHost = "host"
	// HeaderPath is the path of the file the line was read from.
	HeaderPath = "path"
	// HeaderCut is present (value "1") when the line was longer than the
	// collector's limit, or than a Kafka record, and was cut.
	HeaderCut = "cut"
	// HeaderLabelPrefix prefixes one header per configured label:
	// "label.env: prod".
	HeaderLabelPrefix = "label."
	// HeaderContentType with ContentTypeProtobuf marks a record of the
	// earlier format, whose value is a serialized LogEntry.
	HeaderContentType   = "content-type"
	ContentTypeProtobuf = "application/x-protobuf"
)

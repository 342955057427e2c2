package logpb

import "path"

// Record headers of the line format: a record's value is the entry's text
// as it was in the file, without its line terminator, and what the
// collector knows about it travels in headers (values are the bytes as
// they are, not necessarily UTF-8). The collector writes one HeaderMeta
// (and HeaderCut on a cut entry), no key: it picks each file's partition
// itself. Collectors before it wrote the key "host:path" and the headers
// HeaderService, HeaderHost, HeaderPath and one HeaderLabelPrefix header
// per label; those are still read, and records produced to the topic by
// anything else may carry them. The read time is the record's timestamp.
// See docs/ARCHITECTURE.md, "Record format".
const (
	// HeaderMeta carries service, host and path, then each label's key and
	// value, separated by NUL bytes (the one byte a path cannot hold):
	// "checkout\x00web-17\x00/var/log/checkout.log\x00env\x00prod". The
	// service is left empty when it is the path's DefaultService.
	HeaderMeta = "tc"
	// MetaSep separates the fields of HeaderMeta's value.
	MetaSep = 0
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

// DefaultService is the service of a file whose input names none: its base
// name without the extension ("checkout" for /var/log/checkout.log). A
// HeaderMeta with an empty service stands for it.
func DefaultService(p string) string {
	base := path.Base(p)
	if ext := path.Ext(base); ext != "" && ext != base {
		base = base[:len(base)-len(ext)]
	}
	return base
}

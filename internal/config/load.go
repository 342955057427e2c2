package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// ErrHelp is returned by Load when the user asked for help; usage has been
// printed.
var ErrHelp = flag.ErrHelp

// option is one setting, known by the same name as flag, environment
// variable and file key.
type option struct {
	name  string
	short string // one-letter alias, or ""
	usage string
	cmds  string // space-separated subcommands that take it
	ptr   func(*Config) any
}

// Env is the environment variable that sets an option.
func Env(name string) string {
	return "TAILCAST_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

const (
	kafkaCmds  = "run collect serve"
	collectors = "run collect"
	servers    = "run serve"
	all        = "run collect serve tail demo"
)

var options = []option{
	{name: "config", usage: "YAML config file", cmds: all, ptr: func(c *Config) any { return &c.ConfigFile }},
	{name: "log-level", usage: "log level: debug, info, warn or error", cmds: all, ptr: func(c *Config) any { return &c.LogLevel }},
	{name: "log-format", usage: "log format: console or json", cmds: all, ptr: func(c *Config) any { return &c.LogFormat }},

	{name: "brokers", usage: "Kafka bootstrap brokers, host:port,… (run: turns off the embedded broker)", cmds: kafkaCmds, ptr: func(c *Config) any { return &c.Brokers }},
	{name: "topic", usage: "Kafka topic", cmds: kafkaCmds, ptr: func(c *Config) any { return &c.Topic }},
	{name: "partitions", usage: "partitions of the topic when tailcast creates it", cmds: kafkaCmds, ptr: func(c *Config) any { return &c.Partitions }},
	{name: "create-topic", usage: "create the topic when it is missing (false: refuse to start)", cmds: kafkaCmds, ptr: func(c *Config) any { return &c.CreateTopic }},
	{name: "client-id", usage: "Kafka client id", cmds: kafkaCmds, ptr: func(c *Config) any { return &c.ClientID }},
	{name: "kafka-version", usage: "Kafka protocol version to speak", cmds: kafkaCmds, ptr: func(c *Config) any { return &c.KafkaVersion }},
	{name: "kafka-dial-timeout", usage: "timeout for connecting to a broker", cmds: kafkaCmds, ptr: func(c *Config) any { return &c.KafkaDialTimeout }},
	{name: "sasl-mechanism", usage: "SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (empty: no SASL)", cmds: kafkaCmds, ptr: func(c *Config) any { return &c.SASLMechanism }},
	{name: "sasl-user", usage: "SASL user", cmds: kafkaCmds, ptr: func(c *Config) any { return &c.SASLUser }},
	{name: "sasl-password", usage: "SASL password (prefer the environment variable)", cmds: kafkaCmds, ptr: func(c *Config) any { return &c.SASLPassword }},
	{name: "kafka-tls", usage: "connect to Kafka over TLS", cmds: kafkaCmds, ptr: func(c *Config) any { return &c.KafkaTLS }},
	{name: "kafka-ca", usage: "CA certificate file that verifies the brokers", cmds: kafkaCmds, ptr: func(c *Config) any { return &c.KafkaCA }},
	{name: "kafka-cert", usage: "client certificate file for Kafka TLS", cmds: kafkaCmds, ptr: func(c *Config) any { return &c.KafkaCert }},
	{name: "kafka-key", usage: "client key file for Kafka TLS", cmds: kafkaCmds, ptr: func(c *Config) any { return &c.KafkaKey }},
	{name: "kafka-tls-insecure", usage: "skip verification of the brokers' certificates", cmds: kafkaCmds, ptr: func(c *Config) any { return &c.KafkaTLSInsecure }},

	{name: "kafka-listen", usage: "address of the embedded Kafka-compatible broker", cmds: "run", ptr: func(c *Config) any { return &c.KafkaListen }},
	{name: "data-dir", usage: "directory for the embedded broker's log and the collector's positions", cmds: "run", ptr: func(c *Config) any { return &c.DataDir }},
	{name: "retention-bytes", usage: "embedded broker: bytes kept per partition", cmds: "run", ptr: func(c *Config) any { return &c.RetentionBytes }},
	{name: "retention-age", usage: "embedded broker: how long records are kept", cmds: "run", ptr: func(c *Config) any { return &c.RetentionAge }},

	{name: "service", usage: "service name of tailed files (default: the file's base name); tail: only these services", cmds: "run collect tail", ptr: func(c *Config) any { return &c.Service }},
	{name: "host", usage: "host name stamped on entries (default: this machine's); tail: only these hosts", cmds: "run collect tail", ptr: func(c *Config) any { return &c.Host }},
	{name: "positions", usage: "positions file (default: <data-dir>/positions.json for run, ./tailcast-positions.json for collect)", cmds: collectors, ptr: func(c *Config) any { return &c.Positions }},
	{name: "positions-interval", usage: "how often changed positions are saved (bounds what a crash sends again)", cmds: collectors, ptr: func(c *Config) any { return &c.PositionsEvery }},
	{name: "from-start", usage: "read files present at start-up from the beginning (default: from their end)", cmds: collectors, ptr: func(c *Config) any { return &c.FromStart }},
	{name: "rescan", usage: "how often globs are expanded again", cmds: collectors, ptr: func(c *Config) any { return &c.Rescan }},
	{name: "max-line-bytes", usage: "longer lines are cut and marked truncated", cmds: collectors, ptr: func(c *Config) any { return &c.MaxLineBytes }},
	{name: "max-buffered-bytes", usage: "unacknowledged bytes before reading pauses", cmds: collectors, ptr: func(c *Config) any { return &c.MaxBufferedBytes }},
	{name: "flush-timeout", usage: "quiet period after which a pending multiline entry or unterminated last line is sent", cmds: collectors, ptr: func(c *Config) any { return &c.FlushTimeout }},
	{name: "multiline-wait", usage: "how long an entry that ends the file is held for continuation lines", cmds: collectors, ptr: func(c *Config) any { return &c.MultilineWait }},
	{name: "linger", usage: "producer batching delay", cmds: collectors, ptr: func(c *Config) any { return &c.Linger }},
	{name: "compression", usage: "producer compression: none, lz4, zstd, snappy or gzip", cmds: collectors, ptr: func(c *Config) any { return &c.Compression }},
	{name: "multiline", usage: "regexp matching the first line of an entry (default: built-in stack-trace rules)", cmds: collectors, ptr: func(c *Config) any { return &c.Multiline }},
	{name: "keep-raw", usage: "send every line byte for byte in the entry's raw field (default: only lines that are not valid UTF-8)", cmds: collectors, ptr: func(c *Config) any { return &c.KeepRaw }},

	{name: "listen", usage: "address of the viewer, /ws, /healthz, /readyz and /metrics", cmds: servers, ptr: func(c *Config) any { return &c.Listen }},
	{name: "group", usage: "Kafka consumer group (default: tailcast-<hostname>, one per replica)", cmds: servers, ptr: func(c *Config) any { return &c.Group }},
	{name: "token", usage: "require this access token from websocket clients (tail: send it)", cmds: "run serve tail", ptr: func(c *Config) any { return &c.Token }},
	{name: "allowed-origins", usage: "browser origins allowed to connect, comma-separated; * for any (default: same host)", cmds: servers, ptr: func(c *Config) any { return &c.AllowedOrigins }},
	{name: "tls-cert", usage: "serve HTTPS/WSS with this certificate file", cmds: servers, ptr: func(c *Config) any { return &c.TLSCert }},
	{name: "tls-key", usage: "key file for tls-cert", cmds: servers, ptr: func(c *Config) any { return &c.TLSKey }},
	{name: "max-conns-per-ip", usage: "websocket connections allowed from one address (0: unlimited)", cmds: servers, ptr: func(c *Config) any { return &c.MaxConnsPerIP }},
	{name: "ring-entries", usage: "entries kept in memory per partition for backfill and resume", cmds: servers, ptr: func(c *Config) any { return &c.RingEntries }},
	{name: "ring-bytes", usage: "bytes kept in memory per partition for backfill and resume", cmds: servers, ptr: func(c *Config) any { return &c.RingBytes }},
	{name: "queue-bytes", usage: "backlog a client may keep for a second without catching up before entries are skipped for it", cmds: servers, ptr: func(c *Config) any { return &c.QueueBytes }},
	{name: "slow-timeout", usage: "how long a client may stay too slow before it is disconnected", cmds: servers, ptr: func(c *Config) any { return &c.SlowTimeout }},
	{name: "warmup", usage: "records per partition read into memory when the group has no committed offset", cmds: servers, ptr: func(c *Config) any { return &c.Warmup }},
	{name: "fetch-wait", usage: "consumer's maximum fetch wait (latency versus requests)", cmds: servers, ptr: func(c *Config) any { return &c.FetchWait }},
	{name: "shutdown-grace", usage: "how long shutdown waits for in-flight work", cmds: "run collect serve", ptr: func(c *Config) any { return &c.ShutdownGrace }},

	{name: "output", short: "o", usage: "output format: pretty, json or raw", cmds: "tail", ptr: func(c *Config) any { return &c.TailOutput }},
	{name: "no-color", usage: "never colour the output (also NO_COLOR)", cmds: "tail", ptr: func(c *Config) any { return &c.NoColor }},
	{name: "local", usage: "print times in local time instead of UTC", cmds: "tail", ptr: func(c *Config) any { return &c.Local }},
	{name: "since", usage: "resume strictly after this cursor", cmds: "tail", ptr: func(c *Config) any { return &c.Since }},
	{name: "backfill", usage: "first print the N most recent matching entries", cmds: "tail", ptr: func(c *Config) any { return &c.Backfill }},
	{name: "level", usage: "minimum level: trace, debug, info, warn, error or fatal", cmds: "tail", ptr: func(c *Config) any { return &c.Levels }},
	{name: "grep", usage: "only messages containing this text (case-insensitive)", cmds: "tail", ptr: func(c *Config) any { return &c.Grep }},
	{name: "regex", usage: "only messages matching this RE2 regexp", cmds: "tail", ptr: func(c *Config) any { return &c.Regex }},

	{name: "dir", usage: "directory to write demo logs to", cmds: "demo", ptr: func(c *Config) any { return &c.Dir }},
	{name: "rate", usage: "lines per second, all services together", cmds: "demo", ptr: func(c *Config) any { return &c.Rate }},
	{name: "rotate-bytes", usage: "rotate a demo file (rename to .1) after this many bytes (0: never)", cmds: "demo", ptr: func(c *Config) any { return &c.RotateBytes }},
}

func (o option) takes(cmd string) bool {
	for _, c := range strings.Fields(o.cmds) {
		if c == cmd {
			return true
		}
	}
	return false
}

// Load builds the Config for subcommand cmd from args, the environment
// (getenv, usually os.Getenv) and the config file named by --config or
// TAILCAST_CONFIG. Positional arguments come back in pos. Usage goes to
// usage when -h/--help is given (then err is ErrHelp).
func Load(cmd, summary string, args []string, getenv func(string) string, usage io.Writer) (Config, []string, error) {
	cfg := Default()

	// The file sits below environment and flags, so find it first.
	file := getenv(Env("config"))
	for i, a := range args {
		if a == "--" {
			break
		}
		if v, ok := strings.CutPrefix(a, "--config="); ok {
			file = v
		} else if v, ok := strings.CutPrefix(a, "-config="); ok {
			file = v
		} else if (a == "--config" || a == "-config") && i+1 < len(args) {
			file = args[i+1]
		}
	}
	if file != "" {
		if err := loadFile(&cfg, file, cmd); err != nil {
			return cfg, nil, err
		}
		cfg.ConfigFile = file
	}

	fs := flag.NewFlagSet("tailcast "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var tailServices, tailHosts sliceValue
	var lists []*sliceValue
	for _, o := range options {
		if !o.takes(cmd) {
			continue
		}
		v := flagValue(o.ptr(&cfg))
		if sv, ok := v.(*sliceValue); ok {
			lists = append(lists, sv)
		}
		if cmd == "tail" && o.name == "service" {
			v = &tailServices
		}
		if cmd == "tail" && o.name == "host" {
			v = &tailHosts
		}
		fs.Var(v, o.name, o.usage)
		if o.short != "" {
			fs.Var(v, o.short, o.usage)
		}
	}
	fs.Usage = func() { printUsage(usage, cmd, summary, fs) }

	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if len(f.Name) == 1 || f.Name == "config" {
			return
		}
		if v := getenv(Env(f.Name)); v != "" {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %v", Env(f.Name), v, err))
			}
		}
	})

	// A list given as a flag replaces the one from the environment.
	for _, l := range append(lists, &tailServices, &tailHosts) {
		l.set = false
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, nil, ErrHelp // the flag package printed the usage
		}
		errs = append(errs, err)
	}
	if cmd == "tail" {
		cfg.Services = tailServices.list
		cfg.Hosts = tailHosts.list
		cfg.Service, cfg.Host = "", ""
	}
	if err := errors.Join(errs...); err != nil {
		return cfg, pos, err
	}
	return cfg, pos, nil
}

// parseInterspersed lets flags follow positional arguments, as in
// `tailcast run 'logs/*.log' --listen :8080`.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return pos, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func loadFile(cfg *Config, path, cmd string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	return decodeFile(cfg, data, path, cmd)
}

func decodeFile(cfg *Config, data []byte, path, cmd string) error {
	var doc map[string]yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("parse config %s: %w", path, err)
	}
	byName := make(map[string]option, len(options))
	for _, o := range options {
		byName[o.name] = o
	}
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []error
	for _, k := range keys {
		node := doc[k]
		if k == "inputs" {
			var ins []Input
			if err := node.Decode(&ins); err != nil {
				errs = append(errs, fmt.Errorf("%s:%d: inputs: %v", path, node.Line, err))
				continue
			}
			cfg.Inputs = append(cfg.Inputs, ins...)
			continue
		}
		o, ok := byName[k]
		if !ok || k == "config" {
			errs = append(errs, fmt.Errorf("%s:%d: unknown key %q", path, node.Line, k))
			continue
		}
		if cmd == "tail" && (k == "service" || k == "host") {
			continue // collector keys in a shared file; tail filters come from flags
		}
		if err := decodeNode(o.ptr(cfg), &node); err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %s: %v", path, node.Line, k, err))
		}
	}
	return errors.Join(errs...)
}

// decodeNode reads a file value with the same parser as the flag, so a
// value means the same in every source.
func decodeNode(ptr any, node *yaml.Node) error {
	if list, ok := ptr.(*[]string); ok && node.Kind != yaml.ScalarNode {
		return node.Decode(list)
	}
	var s string
	if err := node.Decode(&s); err != nil {
		return err
	}
	return flagValue(ptr).Set(s)
}

// Check validates a config file for subcommand cmd (all subcommands when
// cmd is "") without running anything.
func Check(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	cfg := Default()
	if err := decodeFile(&cfg, data, path, ""); err != nil {
		return err
	}
	var errs []error
	for _, cmd := range []string{"collect", "serve"} {
		if !fileUses(data, cmd) {
			continue
		}
		if err := cfg.Validate(cmd); err != nil {
			errs = append(errs, fmt.Errorf("as %s: %w", cmd, err))
		}
	}
	if len(errs) == 0 {
		if err := cfg.Validate(""); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// fileUses guesses which subcommands a file is meant for from its keys: a
// file with inputs is for a collector, one with listen for a server.
func fileUses(data []byte, cmd string) bool {
	var doc map[string]any
	_ = yaml.Unmarshal(data, &doc)
	_, inputs := doc["inputs"]
	_, listen := doc["listen"]
	switch cmd {
	case "collect":
		return inputs
	case "serve":
		return listen && !inputs
	}
	return false
}

func printUsage(w io.Writer, cmd, summary string, fs *flag.FlagSet) {
	fmt.Fprintf(w, "%s\n\nFlags (each also settable as TAILCAST_<FLAG> or in the --config file):\n", summary)
	fs.VisitAll(func(f *flag.Flag) {
		if len(f.Name) == 1 {
			return
		}
		name := "--" + f.Name
		for _, o := range options {
			if o.name == f.Name && o.short != "" {
				name = "-" + o.short + ", " + name
			}
		}
		def := ""
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "[]" {
			def = fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "  %s\n        %s%s\n", name, f.Usage, def)
	})
}

// Options lists every option for documentation: name, the subcommands that
// take it, its default and usage.
func Options() [][4]string {
	def := Default()
	out := make([][4]string, 0, len(options))
	for _, o := range options {
		d := flagValue(o.ptr(&def)).String()
		out = append(out, [4]string{o.name, o.cmds, d, o.usage})
	}
	return out
}

// flagValue adapts a Config field to flag.Value.
func flagValue(ptr any) flag.Value {
	switch p := ptr.(type) {
	case *string:
		return (*stringValue)(p)
	case *bool:
		return (*boolValue)(p)
	case *int:
		return (*intValue)(p)
	case *int64:
		return (*int64Value)(p)
	case *float64:
		return (*floatValue)(p)
	case *time.Duration:
		return (*durationValue)(p)
	case *[]string:
		return &sliceValue{ptr: p}
	}
	panic(fmt.Sprintf("config: unsupported option type %T", ptr))
}

type stringValue string

func (v *stringValue) Set(s string) error { *v = stringValue(s); return nil }
func (v *stringValue) String() string     { return string(*v) }

type boolValue bool

func (v *boolValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("want true or false")
	}
	*v = boolValue(b)
	return nil
}
func (v *boolValue) String() string   { return strconv.FormatBool(bool(*v)) }
func (v *boolValue) IsBoolFlag() bool { return true }

type intValue int

// Set takes a whole number; byte suffixes are allowed since most int
// options are sizes.
func (v *intValue) Set(s string) error {
	n, err := parseSize(s)
	if err != nil {
		return err
	}
	*v = intValue(n)
	return nil
}
func (v *intValue) String() string { return strconv.Itoa(int(*v)) }

type int64Value int64

func (v *int64Value) Set(s string) error {
	n, err := parseSize(s)
	if err != nil {
		return err
	}
	*v = int64Value(n)
	return nil
}
func (v *int64Value) String() string { return strconv.FormatInt(int64(*v), 10) }

type floatValue float64

func (v *floatValue) Set(s string) error {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("want a number")
	}
	*v = floatValue(f)
	return nil
}
func (v *floatValue) String() string { return strconv.FormatFloat(float64(*v), 'g', -1, 64) }

type durationValue time.Duration

func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("want a duration such as 500ms, 10s or 24h")
	}
	*v = durationValue(d)
	return nil
}
func (v *durationValue) String() string { return time.Duration(*v).String() }

// sliceValue takes comma-separated lists; a repeated flag adds to the list
// it set before, replacing what a lower source set.
type sliceValue struct {
	ptr  *[]string
	list []string
	set  bool
}

func (v *sliceValue) Set(s string) error {
	if !v.set {
		v.list = nil
		v.set = true
	}
	v.list = append(v.list, splitList(s)...)
	if v.ptr != nil {
		*v.ptr = v.list
	}
	return nil
}

func (v *sliceValue) String() string {
	if v == nil {
		return ""
	}
	if v.ptr != nil {
		return strings.Join(*v.ptr, ",")
	}
	return strings.Join(v.list, ",")
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseSize reads a byte count with an optional KiB/MiB/GiB (or K/M/G)
// suffix.
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if v, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(v), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("want a whole number (sizes may use KiB, MiB or GiB)")
	}
	return n * mult, nil
}

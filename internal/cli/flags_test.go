package cli

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/tailcast/tailcast/internal/config"
)

// required are the least arguments each command needs to parse.
var required = map[string][]string{
	"run":     {"a.log"},
	"collect": {"--brokers", "k:9092", "a.log"},
	"serve":   {"--brokers", "k:9092"},
	"tail":    {"http://127.0.0.1:8080"},
	"demo":    {"--dir", "d"},
}

// component is a component Config the flags write into (live, inside the
// command) and the Config the program hands to the component, with the
// component's own defaults filled in (built).
type component struct {
	name  string
	live  any
	built any
}

var testAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}

// components lists, per command, the Configs its flags set and what the
// program really runs with: the same functions run uses, then the
// component's WithDefaults, which is what its New does.
func components(t *testing.T, c command) []component {
	t.Helper()
	nop := zap.NewNop()
	must := func(cfg any, err error) any {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	switch c := c.(type) {
	case *collectCommand:
		col := c.col.config(&c.kafka, nop, nil)
		return []component{
			{"collector", &c.col.cfg, must(col.WithDefaults())},
			{"kafka", &c.kafka.kafka, col.Kafka.WithDefaults()},
		}
	case *serveCommand:
		cons := c.srv.consumerConfig(&c.kafka, c.srv.cons.Topic, testAddr, nil, nop, nil)
		return []component{
			{"pusher", &c.srv.push, must(c.srv.pusherConfig(nil, nop, nil).WithDefaults())},
			{"consumer", &c.srv.cons, cons.WithDefaults()},
			{"http", &c.srv.front, c.srv.front.WithDefaults()},
			{"kafka", &c.kafka.kafka, cons.Kafka.WithDefaults()},
		}
	case *runCommand:
		col := c.col.config(&c.kafka, nop, nil)
		cons := c.srv.consumerConfig(&c.kafka, c.col.cfg.Topic, testAddr, nil, nop, nil)
		return []component{
			{"collector", &c.col.cfg, must(col.WithDefaults())},
			{"pusher", &c.srv.push, must(c.srv.pusherConfig(nil, nop, nil).WithDefaults())},
			{"consumer", &c.srv.cons, cons.WithDefaults()},
			{"http", &c.srv.front, c.srv.front.WithDefaults()},
			{"broker", &c.broker, c.brokerConfig(nop).WithDefaults()},
			{"kafka", &c.kafka.kafka, col.Kafka.WithDefaults()},
		}
	case *demoCommand:
		return []component{{"demo", &c.cfg, c.cfg.WithDefaults()}}
	case *tailCommand:
		return []component{{"client", &c.opts, c.opts}}
	}
	t.Fatalf("no components listed for %T", c)
	return nil
}

// fieldKey identifies a field by address and type: a struct and its first
// field share an address.
type fieldKey struct {
	addr uintptr
	typ  reflect.Type
}

// fieldPaths maps every field inside the struct root points to, nested
// structs included, to its index path.
func fieldPaths(root any) map[fieldKey][]int {
	m := map[fieldKey][]int{}
	var walk func(v reflect.Value, path []int)
	walk = func(v reflect.Value, path []int) {
		for i := range v.NumField() {
			f := v.Field(i)
			p := append(append([]int(nil), path...), i)
			m[fieldKey{f.Addr().Pointer(), f.Type()}] = p
			if f.Kind() == reflect.Struct {
				walk(f, p)
			}
		}
	}
	walk(reflect.ValueOf(root).Elem(), nil)
	return m
}

// foreignFields maps each field of the command that lies inside another
// package's struct (a component Config) to that struct's type.
func foreignFields(c command) map[fieldKey]reflect.Type {
	m := map[fieldKey]reflect.Type{}
	cliPkg := reflect.TypeOf(c).Elem().PkgPath()
	var walk func(v reflect.Value, owner reflect.Type)
	walk = func(v reflect.Value, owner reflect.Type) {
		for i := range v.NumField() {
			f := v.Field(i)
			if owner != nil {
				m[fieldKey{f.Addr().Pointer(), f.Type()}] = owner
			}
			if f.Kind() == reflect.Struct {
				o := owner
				if o == nil && f.Type().PkgPath() != cliPkg {
					o = f.Type()
				}
				walk(f, o)
			}
		}
	}
	walk(reflect.ValueOf(c).Elem(), nil)
	return m
}

// helpDefaults reads "--name ...\n        usage (default X)" from --help.
func helpDefaults(help string) map[string]string {
	out := map[string]string{}
	lines := strings.Split(help, "\n")
	for i, l := range lines {
		l = strings.TrimSpace(l)
		j := strings.Index(l, "--")
		if !strings.HasPrefix(l, "-") || j < 0 || i+1 >= len(lines) {
			continue
		}
		name := strings.Fields(l[j+2:])[0]
		out[name] = ""
		if k := strings.LastIndex(lines[i+1], " (default "); k >= 0 {
			out[name] = strings.TrimSuffix(lines[i+1][k+len(" (default "):], ")")
		}
	}
	return out
}

// Every default --help shows is the value the program runs with: for a
// setting of a component, the value in the Config handed to it after its
// New fills the zero fields; for the command's own settings, the value
// after parsing no flags.
func TestHelpDefaultsAreWhatRuns(t *testing.T) {
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range commands {
		if e.newCmd == nil {
			continue
		}
		t.Run(e.name, func(t *testing.T) {
			var help strings.Builder
			if err := Run(t.Context(), []string{e.name, "--help"}, Env{Stdout: &help, Getenv: func(string) string { return "" }}); err != nil {
				t.Fatal(err)
			}
			shown := helpDefaults(help.String())

			c, s := newSet(e)
			if _, err := s.Parse(required[e.name], func(string) string { return "" }, io.Discard, fileKeys()); err != nil {
				t.Fatal(err)
			}
			if err := c.args(positionals(required[e.name])); err != nil {
				t.Fatal(err)
			}
			comps := components(t, c)
			foreign := foreignFields(c)
			paths := make([]map[fieldKey][]int, len(comps))
			for i, cp := range comps {
				paths[i] = fieldPaths(cp.live)
			}
			for _, f := range s.Flags() {
				if f.FileOnly {
					continue
				}
				want := strings.ReplaceAll(f.Default, "`", "")
				if want == "false" {
					want = ""
				}
				if got, ok := shown[f.Name]; !ok || got != want {
					t.Errorf("--%s: --help shows default %q (listed %v), want %q", f.Name, got, ok, want)
				}
				if f.Name == "config" || f.Described {
					continue // described defaults are checked below
				}
				key := fieldKey{reflect.ValueOf(f.Ptr).Pointer(), reflect.TypeOf(f.Ptr).Elem()}
				runs, where := config.Format(f.Ptr), "the command"
				listed := false
				for i, cp := range comps {
					if p, ok := paths[i][key]; ok {
						field := reflect.ValueOf(&cp.built).Elem().Elem()
						built := reflect.New(field.Type()).Elem()
						built.Set(field)
						runs, where = config.Format(built.FieldByIndex(p).Addr().Interface()), cp.name+" Config"
						listed = true
						break
					}
				}
				if owner := foreign[key]; owner != nil && !listed {
					t.Errorf("--%s is bound inside a %v, which components() does not list: add it there, so its default is checked against the component's", f.Name, owner)
				}
				if required[e.name] != nil && isRequiredFlag(f.Name, required[e.name]) {
					continue
				}
				if runs != f.Default {
					t.Errorf("--%s: help shows default %q, the %s runs with %q", f.Name, f.Default, where, runs)
				}
			}
			checkDescribed(t, c, comps, host)
		})
	}
}

// checkDescribed checks the defaults that --help describes in words.
func checkDescribed(t *testing.T, c command, comps []component, host string) {
	t.Helper()
	get := func(name, field string) string {
		for _, cp := range comps {
			if cp.name == name {
				return fmt.Sprint(reflect.ValueOf(cp.built).FieldByName(field).Interface())
			}
		}
		t.Fatalf("no component %s", name)
		return ""
	}
	type check struct{ what, got, want string }
	var checks []check
	switch c := c.(type) {
	case *collectCommand:
		checks = []check{
			{"host", get("collector", "Host"), host},
			{"positions", get("collector", "PositionsFile"), strings.TrimPrefix(strings.Trim(flagOf(t, c, "positions").Default, "`"), "./")},
		}
	case *runCommand:
		checks = []check{
			{"host", get("collector", "Host"), host},
			{"positions", get("collector", "PositionsFile"), filepath.Join(c.dataDir, "positions.json")},
			{"group", get("consumer", "Group"), "tailcast-" + host + "-" + testAddr.String()},
			{"topic of the consumer", get("consumer", "Topic"), get("collector", "Topic")},
			{"topic of the broker", get("broker", "Topic"), get("collector", "Topic")},
		}
	case *serveCommand:
		checks = []check{
			{"group", get("consumer", "Group"), "tailcast-" + host + "-" + testAddr.String()},
			{"instance", get("consumer", "InstanceID"), host},
		}
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("default %s: the program runs with %q, want %q as --help describes", ch.what, ch.got, ch.want)
		}
	}
}

func flagOf(t *testing.T, c command, name string) *config.Flag {
	t.Helper()
	s := config.NewSet("x", "")
	c2 := reflect.New(reflect.TypeOf(c).Elem()).Interface().(command)
	c2.bind(s)
	f := s.Lookup(name)
	if f == nil {
		t.Fatalf("no flag %s", name)
	}
	return f
}

func isRequiredFlag(name string, args []string) bool {
	for _, a := range args {
		if a == "--"+name {
			return true
		}
	}
	return false
}

// positionals are the arguments of required that are not flags.
func positionals(args []string) []string {
	var pos []string
	for i := 0; i < len(args); i++ {
		if strings.HasPrefix(args[i], "--") {
			i++
			continue
		}
		pos = append(pos, args[i])
	}
	return pos
}

// Each --help lists only what that command uses.
func TestHelpIsPerCommand(t *testing.T) {
	tests := []struct {
		cmd        string
		has, lacks []string
	}{
		{"tail", []string{"--only-service", "--only-host", "--auth-token", "--ca", "--insecure"}, []string{"--brokers", "--linger", "--host ", "--service ", "--token ", "--listen", "--log-level"}},
		{"collect", []string{"--brokers", "--host", "--linger", "inputs"}, []string{"--listen", "--token", "--backfill", "--shutdown-grace", "--kafka-listen"}},
		{"serve", []string{"--listen", "--token", "--group", "--shutdown-grace"}, []string{"--linger", "--host", "--backfill", "--kafka-listen", "inputs"}},
		{"run", []string{"--kafka-listen", "--linger", "--listen", "--token"}, []string{"--backfill", "--auth-token", "--dir "}},
		{"demo", []string{"--dir", "--rate"}, []string{"--brokers", "--listen"}},
	}
	for _, tt := range tests {
		t.Run(tt.cmd, func(t *testing.T) {
			var out strings.Builder
			if err := Run(t.Context(), []string{tt.cmd, "--help"}, Env{Stdout: &out, Getenv: func(string) string { return "" }}); err != nil {
				t.Fatal(err)
			}
			help := out.String()
			for _, w := range tt.has {
				if !strings.Contains(help, w) {
					t.Errorf("%s --help lacks %q", tt.cmd, w)
				}
			}
			for _, w := range tt.lacks {
				if strings.Contains(help, w) {
					t.Errorf("%s --help lists %q, which it does not use", tt.cmd, w)
				}
			}
			// One meaning each: no usage explains what it does for another
			// command.
			for _, other := range []string{"run:", "collect:", "serve:", "tail:", "demo:"} {
				if strings.Contains(help, other) {
					t.Errorf("%s --help explains a flag for another command (%q)", tt.cmd, other)
				}
			}
		})
	}
}

var update = flag.Bool("update", false, "rewrite the generated tables of docs/configuration.md")

// docTables is the generated part of docs/configuration.md: one table per
// command, from its flag set.
func docTables() map[string]string {
	out := map[string]string{}
	for _, e := range commands {
		if e.newCmd != nil {
			_, s := newSet(e)
			out[e.name] = s.Markdown()
		}
	}
	return out
}

// docs/configuration.md's tables are generated from the flag sets, which
// TestHelpDefaultsAreWhatRuns ties to what runs: the docs, --help and the
// program agree.
func TestConfigurationDocIsCurrent(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "configuration.md")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	changed := doc
	for _, e := range commands {
		if e.newCmd == nil {
			continue
		}
		begin := fmt.Sprintf("<!-- flags:%s:begin (generated by go test ./internal/cli -update) -->\n", e.name)
		end := fmt.Sprintf("<!-- flags:%s:end -->", e.name)
		i, j := strings.Index(changed, begin), strings.Index(changed, end)
		if i < 0 || j < i {
			t.Errorf("%s: no generated table markers for %s", path, e.name)
			continue
		}
		changed = changed[:i+len(begin)] + docTables()[e.name] + changed[j:]
	}
	if changed == doc {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(changed), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is out of date: run go test ./internal/cli -run TestConfigurationDocIsCurrent -update", path)
}

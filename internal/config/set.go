package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"
)

// ErrHelp is returned by Parse when the user asked for help; the usage has
// been printed.
var ErrHelp = flag.ErrHelp

// Flag is one setting of a command: a flag, a TAILCAST_* variable and a
// file key, all with the same name.
type Flag struct {
	Name  string
	Short string // one-letter alias, or ""
	Usage string
	// Default is what --help and the docs show: the bound variable's value
	// when it was bound, or the text given to DefaultText.
	Default string
	// Described is set when Default describes a default that depends on the
	// machine or on other settings, rather than being a value.
	Described bool
	// FileOnly settings have no flag and no environment variable.
	FileOnly bool
	// Ptr is the bound variable.
	Ptr any

	value flag.Value
	set   *Set
}

// Alias adds a one-letter alias (-o for --output).
func (f *Flag) Alias(short string) *Flag {
	f.Short = short
	f.set.fs.Var(f.value, short, f.Usage)
	return f
}

// Whole makes each value of a list flag one item, commas and all, for
// items that may hold commas themselves (expressions such as a{1,3}):
// repeat the flag for several.
func (f *Flag) Whole() *Flag {
	if l, ok := f.value.(*listValue); ok {
		l.whole = true
	}
	return f
}

// DefaultText replaces the shown default with a description, for a default
// that depends on the machine or on other settings ("this machine's host
// name"). The bound variable is left as it is: the component or the
// command derives the value when it runs.
func (f *Flag) DefaultText(text string) *Flag {
	f.Default, f.Described = text, true
	return f
}

// Env is the environment variable of a setting.
func Env(name string) string {
	return "TAILCAST_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// Set is one command's settings.
type Set struct {
	// Cmd is the command's name, also the name of its file section.
	Cmd string
	// Summary is printed above the flags by --help.
	Summary string
	// File is the config file that was read, if any.
	File string

	fs     *flag.FlagSet
	flags  []*Flag
	byName map[string]*Flag
}

// NewSet returns the Set of command cmd, with its --config flag.
func NewSet(cmd, summary string) *Set {
	s := &Set{Cmd: cmd, Summary: summary, fs: flag.NewFlagSet("tailcast "+cmd, flag.ContinueOnError), byName: map[string]*Flag{}}
	s.fs.SetOutput(io.Discard)
	s.Bind(&s.File, "config", "YAML config file (shared keys and a section per command)")
	return s
}

// Bind makes the variable ptr points to a setting. Its current value is the
// default shown by --help and the docs, so set it first, from the component
// that owns it. ptr is a *string, *bool, *int, *int32, *int64, *float64,
// *time.Duration or *[]string (comma-separated, or a YAML list in a file).
func (s *Set) Bind(ptr any, name, usage string) *Flag {
	v := valueOf(ptr)
	f := &Flag{Name: name, Usage: usage, Ptr: ptr, value: v, Default: v.String(), set: s}
	s.add(f)
	s.fs.Var(v, name, usage)
	return f
}

// FileKey makes ptr a setting that only the file sets (lists of structs
// such as the collector's inputs); the YAML is decoded into it.
func (s *Set) FileKey(ptr any, name, usage string) *Flag {
	if reflect.TypeOf(ptr).Kind() != reflect.Pointer {
		panic("config: FileKey takes a pointer")
	}
	f := &Flag{Name: name, Usage: usage, Ptr: ptr, FileOnly: true, set: s}
	s.add(f)
	return f
}

func (s *Set) add(f *Flag) {
	if _, dup := s.byName[f.Name]; dup {
		panic(fmt.Sprintf("config: %s: setting %q bound twice", s.Cmd, f.Name))
	}
	s.byName[f.Name] = f
	s.flags = append(s.flags, f)
}

// Flags returns the settings in the order they were bound.
func (s *Set) Flags() []*Flag { return s.flags }

// Lookup returns the setting called name, or nil.
func (s *Set) Lookup(name string) *Flag { return s.byName[name] }

// Parse sets the Set's variables from, in rising precedence, the file named
// by --config or TAILCAST_CONFIG, the environment (getenv) and args, and
// returns the positional arguments; flags may follow them. keys tells a
// setting of another command, which a shared file may hold, from a typo.
// On -h/--help the usage goes to usage and the error is ErrHelp.
func (s *Set) Parse(args []string, getenv func(string) string, usage io.Writer, keys Keys) ([]string, error) {
	// The file sits below the environment and flags, so read it first.
	file := getenv(Env("config"))
	for i, a := range args {
		if a == "--" {
			break
		}
		if v, ok := strings.CutPrefix(strings.TrimPrefix(a, "-"), "-config="); ok {
			file = v
		} else if (a == "--config" || a == "-config") && i+1 < len(args) {
			file = args[i+1]
		}
	}
	var errs []error
	if file != "" {
		if _, err := s.ReadFile(file, keys); err != nil {
			return nil, err
		}
	}
	for _, f := range s.flags {
		if f.FileOnly || f.Name == "config" {
			continue
		}
		if v := getenv(Env(f.Name)); v != "" {
			fresh(f)
			if err := f.value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %v", Env(f.Name), v, err))
			}
		}
	}
	for _, f := range s.flags {
		fresh(f)
	}
	s.fs.Usage = func() { s.PrintUsage(usage) }
	pos, err := parseInterspersed(s.fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil, ErrHelp
	}
	if err != nil {
		errs = append(errs, err)
	}
	s.File = file
	return pos, errors.Join(errs...)
}

// fresh makes the next Set of a list replace it rather than add to it.
func fresh(f *Flag) {
	if l, ok := f.value.(*listValue); ok {
		l.fresh = true
	}
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

// PrintUsage writes the command's summary and its settings.
func (s *Set) PrintUsage(w io.Writer) {
	fmt.Fprintf(w, "%s\n\nFlags (each also TAILCAST_<FLAG> in the environment, or a key in the --config file):\n", s.Summary)
	var fileOnly []*Flag
	for _, f := range s.flags {
		if f.FileOnly {
			fileOnly = append(fileOnly, f)
			continue
		}
		name := "--" + f.Name
		if f.Short != "" {
			name = "-" + f.Short + ", " + name
		}
		if t := typeName(f.Ptr); t != "" {
			name += " " + t
		}
		fmt.Fprintf(w, "  %s\n        %s%s\n", name, f.Usage, shownDefault(f))
	}
	if len(fileOnly) > 0 {
		fmt.Fprintf(w, "\nOnly in the --config file:\n")
		for _, f := range fileOnly {
			fmt.Fprintf(w, "  %s\n        %s\n", f.Name, f.Usage)
		}
	}
}

func shownDefault(f *Flag) string {
	switch f.Default {
	case "", "false":
		return ""
	}
	return " (default " + strings.ReplaceAll(f.Default, "`", "") + ")"
}

func typeName(ptr any) string {
	switch ptr.(type) {
	case *string:
		return "string"
	case *int, *int32, *int64:
		return "int"
	case *float64:
		return "number"
	case *time.Duration:
		return "duration"
	case *[]string:
		return "list"
	}
	return ""
}

// Markdown is the command's settings as a table for docs/configuration.md.
func (s *Set) Markdown() string {
	var b strings.Builder
	b.WriteString("| flag / file key | environment | default | meaning |\n|---|---|---|---|\n")
	for _, f := range s.flags {
		name, env := "`--"+f.Name+"`", "`"+Env(f.Name)+"`"
		if f.Short != "" {
			name = "`-" + f.Short + "`, " + name
		}
		if f.FileOnly {
			name, env = "`"+f.Name+"` (file only)", "—"
		}
		def := "—"
		switch {
		case f.Described:
			def = f.Default
		case f.Default != "":
			def = "`" + f.Default + "`"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", name, env, def, strings.ReplaceAll(f.Usage, "|", "\\|"))
	}
	return b.String()
}

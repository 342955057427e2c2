package config

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// valueOf adapts a setting's variable to flag.Value. Every source (flag,
// environment, file) parses through it, so a value means the same in each.
func valueOf(ptr any) flag.Value {
	switch p := ptr.(type) {
	case *string:
		return (*stringValue)(p)
	case *bool:
		return (*boolValue)(p)
	case *int:
		return (*intValue)(p)
	case *int32:
		return (*int32Value)(p)
	case *int64:
		return (*int64Value)(p)
	case *float64:
		return (*floatValue)(p)
	case *time.Duration:
		return (*durationValue)(p)
	case *[]string:
		return &listValue{ptr: p}
	}
	panic(fmt.Sprintf("config: unsupported setting type %T", ptr))
}

// Format is how a value is shown in --help and the docs: the string its
// flag would parse back to the same value.
func Format(ptr any) string { return valueOf(ptr).String() }

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

// Whole numbers take byte suffixes, since most of them are sizes.
type intValue int

func (v *intValue) Set(s string) error {
	n, err := parseSize(s)
	if err != nil {
		return err
	}
	*v = intValue(n)
	return nil
}
func (v *intValue) String() string { return strconv.Itoa(int(*v)) }

type int32Value int32

func (v *int32Value) Set(s string) error {
	n, err := parseSize(s)
	if err != nil {
		return err
	}
	if int64(int32(n)) != n {
		return fmt.Errorf("want a whole number below 2^31")
	}
	*v = int32Value(n)
	return nil
}
func (v *int32Value) String() string { return strconv.Itoa(int(*v)) }

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

// listValue takes comma-separated lists. The first Set from a source
// replaces what a lower source set; a repeated flag adds to it.
type listValue struct {
	ptr   *[]string
	fresh bool // the next Set starts a new list
	whole bool // each Set is one item, commas included (Flag.Whole)
}

func (v *listValue) Set(s string) error {
	if v.fresh {
		*v.ptr = nil
		v.fresh = false
	}
	if v.whole {
		if s = strings.TrimSpace(s); s != "" {
			*v.ptr = append(*v.ptr, s)
		}
		return nil
	}
	*v.ptr = append(*v.ptr, splitList(s)...)
	return nil
}

func (v *listValue) String() string {
	if v == nil || v.ptr == nil {
		return ""
	}
	return strings.Join(*v.ptr, ",")
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

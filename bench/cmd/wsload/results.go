package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

func ms(ns int64) string { return fmt.Sprintf("%.2f", float64(ns)/1e6) }

// results is an ordered key=value line.
type results struct {
	keys []string
	vals map[string]string
}

func newResults() *results { return &results{vals: map[string]string{}} }

func (r *results) add(k string, v any) {
	if _, ok := r.vals[k]; !ok {
		r.keys = append(r.keys, k)
	}
	r.vals[k] = fmt.Sprint(v)
}

func (r *results) set(k string, v any) { r.add(k, v) }

func (r *results) print(w io.Writer) {
	parts := make([]string, len(r.keys))
	for i, k := range r.keys {
		v := r.vals[k]
		if strings.ContainsAny(v, " \t") && !strings.HasPrefix(v, `"`) {
			v = strconv.Quote(v)
		}
		parts[i] = k + "=" + v
	}
	fmt.Fprintln(w, strings.Join(parts, " "))
}

package loghub

import (
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

//go:embed testdata/*_2k.log testdata/*_2k.log_structured.csv testdata/LICENSE
var files embed.FS

// Datasets names the embedded datasets, in the order loghub lists them.
var Datasets = []string{"HDFS", "Apache", "OpenSSH", "Spark", "Android", "BGL", "HPC", "Proxifier", "Windows"}

// Lines returns the lines of dataset name ("HDFS", or its file name
// "HDFS_2k.log"), without their line terminators.
func Lines(name string) ([]string, error) {
	b, err := files.ReadFile("testdata/" + fileName(name))
	if err != nil {
		return nil, fmt.Errorf("loghub: %w", err)
	}
	s := strings.TrimRight(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	return strings.Split(s, "\n"), nil
}

// Labelled is one line of a dataset with its true template.
type Labelled struct {
	Content  string // the message part of the line, as loghub split it
	EventID  string // the template's id, e.g. "E10"
	Template string // the template, variables as <*>
}

// Structured returns dataset name's labelled lines, in file order: the
// i-th element labels the i-th element of Lines(name).
func Structured(name string) ([]Labelled, error) {
	f, err := files.Open("testdata/" + fileName(name) + "_structured.csv")
	if err != nil {
		return nil, fmt.Errorf("loghub: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("loghub: %s: header: %w", name, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimPrefix(h, "\ufeff")] = i
	}
	for _, want := range []string{"Content", "EventId", "EventTemplate"} {
		if _, ok := col[want]; !ok {
			return nil, fmt.Errorf("loghub: %s: no column %q", name, want)
		}
	}
	var out []Labelled
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("loghub: %s: %w", name, err)
		}
		out = append(out, Labelled{Content: rec[col["Content"]], EventID: rec[col["EventId"]], Template: rec[col["EventTemplate"]]})
	}
}

// fileName maps "HDFS" to "HDFS_2k.log" and leaves a file name as it is.
func fileName(name string) string {
	if strings.HasSuffix(name, ".log") {
		return name
	}
	return name + "_2k.log"
}

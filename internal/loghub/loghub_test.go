package loghub

import "testing"

func TestDatasets(t *testing.T) {
	for _, name := range Datasets {
		t.Run(name, func(t *testing.T) {
			lines := First(t, name, -1)
			if got, want := len(lines), 2000; got != want {
				t.Fatalf("lines: got %d, want %d", got, want)
			}
			labels, err := Structured(name)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := len(labels), len(lines); got != want {
				t.Fatalf("labelled lines: got %d, want %d", got, want)
			}
			for i, l := range labels {
				if l.EventID == "" {
					t.Fatalf("line %d: no EventId", i+1)
				}
			}
		})
	}
}

func TestMissing(t *testing.T) {
	if _, err := Lines("Nope"); err == nil {
		t.Fatal("Lines(Nope): got nil error, want one")
	}
}

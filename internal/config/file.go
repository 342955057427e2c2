package config

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Keys lists, per command, the file keys it takes. A file may hold keys of
// several commands; Keys tells them from a typo.
type Keys map[string][]string

// KeysOf lists the keys of the given Sets.
func KeysOf(sets ...*Set) Keys {
	k := Keys{}
	for _, s := range sets {
		for _, f := range s.flags {
			if f.Name != "config" {
				k[s.Cmd] = append(k[s.Cmd], f.Name)
			}
		}
	}
	return k
}

// takers returns the commands that take key.
func (k Keys) takers(key string) []string {
	var cmds []string
	for cmd, keys := range k {
		if slices.Contains(keys, key) {
			cmds = append(cmds, cmd)
		}
	}
	slices.Sort(cmds)
	return cmds
}

// ReadFile applies the file at path: its shared top-level keys that s
// takes, then its section named s.Cmd. It returns notes about shared keys
// that only other commands take (ignored here), and an error listing every
// unknown key and bad value.
func (s *Set) ReadFile(path string, keys Keys) (notes []string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("parse config %s: %w", path, err)
	}
	if len(root.Content) == 0 {
		return nil, nil // an empty file
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: want a mapping of settings", path, doc.Line)
	}
	var errs []error
	bad := func(n *yaml.Node, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: "+format, append([]any{path, n.Line}, args...)...))
	}
	var section *yaml.Node
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		if _, isCmd := keys[k.Value]; isCmd {
			if v.Kind != yaml.MappingNode {
				bad(k, "section %q: want a mapping of %s's settings", k.Value, k.Value)
				continue
			}
			if k.Value == s.Cmd {
				section = v
				continue
			}
			// Another command's section: check its keys all the same, so a
			// typo shows whichever command reads the file.
			for j := 0; j < len(v.Content); j += 2 {
				if name := v.Content[j].Value; !slices.Contains(keys[k.Value], name) {
					bad(v.Content[j], "%s: unknown key %q (%s)", k.Value, name, whoTakes(keys, name))
				}
			}
			continue
		}
		if s.byName[k.Value] != nil && k.Value != "config" {
			if err := s.apply(k.Value, v); err != nil {
				bad(k, "%s: %v", k.Value, err)
			}
			continue
		}
		if takers := keys.takers(k.Value); len(takers) > 0 {
			notes = append(notes, fmt.Sprintf("%s:%d: %s is a setting of %s, not of %s; ignored here",
				path, k.Line, k.Value, strings.Join(takers, ", "), s.Cmd))
			continue
		}
		bad(k, "unknown key %q (%s)", k.Value, whoTakes(keys, k.Value))
	}
	if section != nil {
		for j := 0; j+1 < len(section.Content); j += 2 {
			k, v := section.Content[j], section.Content[j+1]
			if s.byName[k.Value] == nil || k.Value == "config" {
				bad(k, "%s: unknown key %q (%s)", s.Cmd, k.Value, whoTakes(keys, k.Value))
				continue
			}
			if err := s.apply(k.Value, v); err != nil {
				bad(k, "%s: %s: %v", s.Cmd, k.Value, err)
			}
		}
	}
	return notes, errors.Join(errs...)
}

// whoTakes explains an unknown key: which commands take it, if any.
func whoTakes(keys Keys, key string) string {
	if key == "config" {
		return "a file cannot name another file"
	}
	if takers := keys.takers(key); len(takers) > 0 {
		return "a setting of " + strings.Join(takers, ", ")
	}
	return "no command has this setting"
}

// apply sets one setting from a file value, through the flag's own parser
// so that a value means the same in every source.
func (s *Set) apply(name string, node *yaml.Node) error {
	f := s.byName[name]
	if f.FileOnly {
		return node.Decode(f.Ptr)
	}
	fresh(f)
	if _, isList := f.Ptr.(*[]string); isList && node.Kind == yaml.SequenceNode {
		var list []string
		if err := node.Decode(&list); err != nil {
			return err
		}
		return f.value.Set(strings.Join(list, ","))
	}
	if node.Kind != yaml.ScalarNode {
		return fmt.Errorf("want a single value")
	}
	return f.value.Set(node.Value)
}

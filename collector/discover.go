package collector

import (
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
)

// splitPattern splits a cleaned pattern into the longest directory prefix
// without glob meta characters and the remaining segments.
func splitPattern(pat string) (root string, segments []string) {
	parts := strings.Split(filepath.ToSlash(pat), "/")
	i := 0
	for ; i < len(parts)-1; i++ {
		if hasMeta(parts[i]) {
			break
		}
	}
	root = strings.Join(parts[:i], "/")
	if root == "" && strings.HasPrefix(pat, "/") {
		root = "/"
	}
	if root == "" {
		root = "."
	}
	return filepath.FromSlash(root), parts[i:]
}

func hasMeta(s string) bool { return strings.ContainsAny(s, `*?[\`) }

// matchSegments matches path segments against pattern segments, where "**"
// matches zero or more whole segments.
func matchSegments(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for len(pat) > 0 && pat[0] == "**" {
				pat = pat[1:]
			}
			if len(pat) == 0 {
				return true
			}
			for i := 0; i <= len(name); i++ {
				if matchSegments(pat, name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := filepath.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

// expand lists the paths the input matches, sorted, directories left out.
// The caller stats each one anyway, so it checks they are regular files.
func (ci *compiledInput) expand() []string {
	var out []string
	recursive := false
	for _, s := range ci.segments {
		if s == "**" {
			recursive = true
		}
	}
	if !recursive {
		pat := ci.segments
		full := filepath.Join(append([]string{ci.root}, pat...)...)
		matches, _ := filepath.Glob(full)
		return matches
	}
	_ = filepath.WalkDir(ci.root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable directories are skipped, not fatal
		}
		rel, rerr := filepath.Rel(ci.root, path)
		if rerr != nil || rel == "." {
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if !matchSegments(ci.segments, strings.Split(filepath.ToSlash(rel), "/")) {
			return nil
		}
		out = append(out, path)
		return nil
	})
	sort.Strings(out)
	return out
}

package collector

import (
	"os"
	"path/filepath"
	"syscall"

	"go.uber.org/zap"
)

// statMatch stats the path p, which the input in matched, into st and
// reports whether it is a regular file to read. Without FollowSymlinks, p
// and every directory between the input's root and p are lstat'ed
// instead, and the first symbolic link among them is returned as link: the
// path is skipped. dirs caches, for one scan, the directories found not to
// be links. A link replacing a file after the scan is refused by open
// (O_NOFOLLOW).
func (c *Collector) statMatch(in *compiledInput, p string, st *syscall.Stat_t, dirs *map[string]bool) (ok bool, link string) {
	if c.cfg.FollowSymlinks {
		return syscall.Stat(p, st) == nil && st.Mode&syscall.S_IFMT == syscall.S_IFREG, ""
	}
	if syscall.Lstat(p, st) != nil {
		return false, ""
	}
	switch st.Mode & syscall.S_IFMT {
	case syscall.S_IFLNK:
		return false, p
	case syscall.S_IFREG:
	default:
		return false, ""
	}
	// filepath.Glob follows a linked directory that a `*` segment matches
	// (`**` does not: WalkDir never descends into one). The root is the
	// operator's own and is not checked.
	for d := filepath.Dir(p); len(d) > len(in.root); d = filepath.Dir(d) {
		isLink, known := (*dirs)[d]
		if !known {
			// Declared here: it escapes (to the syscall), and a flat pattern
			// never needs it.
			var dst syscall.Stat_t // st keeps the file's
			isLink = syscall.Lstat(d, &dst) == nil && dst.Mode&syscall.S_IFMT == syscall.S_IFLNK
			if *dirs == nil {
				*dirs = map[string]bool{}
			}
			(*dirs)[d] = isLink
		}
		if isLink {
			return false, d
		}
	}
	return true, ""
}

// skipLink reports a symbolic link not followed, once while it stays: it
// is logged and counted only if the previous scan did not skip it too.
// links collects this scan's; scan keeps them for the next one.
func (c *Collector) skipLink(links map[string]struct{}, link, path string) map[string]struct{} {
	if links == nil {
		links = map[string]struct{}{}
	}
	if _, dup := links[link]; dup {
		return links
	}
	links[link] = struct{}{}
	if _, known := c.links[link]; known {
		return links
	}
	c.stats.symlinksSkipped.Add(1)
	target, _ := os.Readlink(link)
	c.cfg.Logger.Warn("symbolic link not followed; set follow-symlinks to read it",
		zap.String("link", link), zap.String("target", target), zap.String("path", path))
	return links
}

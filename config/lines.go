package config

import (
	"regexp"
	"strconv"
	"strings"
)

// lineOf finds the line (1-based) of a setting in a TOML file, for error
// messages: path is table names, array-of-tables indexes and the key, as
// in ("stages", 2, "probability") for the third [[stages]] block's
// probability. It understands the layouts this file is written in
// (key = value, [table], [[array]] and [table.sub]); for anything else
// it falls back to the nearest part of the path it can find, and 0 when
// none.
func lineOf(src string, path ...any) int {
	lines := strings.Split(src, "\n")
	header := regexp.MustCompile(`^\s*(\[\[?)\s*([A-Za-z0-9_.\-" ]+?)\s*\]\]?\s*(#.*)?$`)
	best := 0
	// Walk the path: the table part (strings followed by an index, or
	// strings naming a table), then the key.
	table := ""
	idx := -1
	var key string
	for i, p := range path {
		switch v := p.(type) {
		case string:
			if i == len(path)-1 {
				key = v
			} else if table == "" {
				table = v
			} else {
				table += "." + v
			}
		case int:
			idx = v
			if i == len(path)-1 {
				key = ""
			}
		}
	}
	if table == "" {
		// A top-level key: before the first table header.
		for n, l := range lines {
			if header.MatchString(l) {
				break
			}
			if keyLine(l, key) {
				return n + 1
			}
		}
		return 0
	}
	// Find the table or the idx-th array block.
	start, count := -1, 0
	for n, l := range lines {
		m := header.FindStringSubmatch(l)
		if m == nil || strings.ReplaceAll(m[2], " ", "") != table {
			continue
		}
		if m[1] == "[[" {
			if idx < 0 {
				// No index given (an unknown key reported by the decoder):
				// the first block that sets the key.
				if key == "" {
					return n + 1
				}
				for k := n + 1; k < len(lines) && !header.MatchString(lines[k]); k++ {
					if keyLine(lines[k], key) {
						return k + 1
					}
				}
				continue
			}
			if count == idx {
				start = n
				break
			}
			count++
			continue
		}
		start = n
		break
	}
	if start < 0 {
		// Perhaps written inline: "stages = [...]" or "keys = {...}".
		first := strings.SplitN(table, ".", 2)[0]
		for n, l := range lines {
			if keyLine(l, first) {
				return n + 1
			}
		}
		return 0
	}
	best = start + 1
	if key == "" {
		return best
	}
	for n := start + 1; n < len(lines); n++ {
		if header.MatchString(lines[n]) {
			break
		}
		if keyLine(lines[n], key) {
			return n + 1
		}
	}
	return best
}

// keyLine reports whether line sets key (bare or quoted).
func keyLine(line, key string) bool {
	l := strings.TrimSpace(line)
	for _, k := range []string{key, strconv.Quote(key), "'" + key + "'"} {
		if rest, ok := strings.CutPrefix(l, k); ok {
			if strings.HasPrefix(strings.TrimSpace(rest), "=") {
				return true
			}
		}
	}
	return false
}

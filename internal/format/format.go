// Package format names mailroute's output formats and parses --format
// values, so that every command chooses its renderer the same way.
package format

import (
	"fmt"
	"strings"
)

// Format is an output format.
type Format string

// Output formats. A command supports a subset of them.
const (
	Table    Format = "table"    // aligned text for a terminal
	JSON     Format = "json"     // JSON Lines: one object per line
	Markdown Format = "markdown" // a Markdown document
	CSV      Format = "csv"      // comma-separated values, spreadsheet-safe
	HTML     Format = "html"     // one self-contained HTML page
)

// Parse returns the format named s (case-insensitive; "md" is Markdown) when
// it is one of allowed, and an error listing the allowed formats otherwise.
func Parse(s string, allowed []Format) (Format, error) {
	f := Format(strings.ToLower(strings.TrimSpace(s)))
	if f == "md" {
		f = Markdown
	}
	for _, a := range allowed {
		if f == a {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q: want %s", s, List(allowed))
}

// List returns the formats as "a, b or c", for help texts and errors.
func List(fs []Format) string {
	names := Names(fs)
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// Names returns the formats as strings, for shell completion.
func Names(fs []Format) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = string(f)
	}
	return out
}

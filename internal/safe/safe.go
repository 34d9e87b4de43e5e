// Package safe escapes untrusted header text for the output it lands in:
// terminals, Markdown/HTML and spreadsheets (CSV).
package safe

import (
	"strings"
	"unicode"
)

// Terminal removes what a terminal would interpret: C0 and C1 control
// characters (ESC sequences lose their ESC), DEL, and Unicode bidirectional
// overrides and isolates that can reorder what is shown. Tabs and newlines
// become spaces.
func Terminal(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case unicode.IsControl(r), isBidi(r):
			// dropped
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isPlain reports whether s is printable ASCII only, the common case.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// isBidi reports the Unicode bidirectional formatting characters (embeddings,
// overrides, isolates and marks) used in "trojan source" style spoofing.
func isBidi(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}

// Markdown makes s safe inside a Markdown table cell that may be rendered as
// HTML: terminal-cleaned, with HTML special characters as entities and the
// cell separator escaped.
func Markdown(s string) string {
	s = Terminal(s)
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "|", `\|`, "`", "\\`")
	return r.Replace(s)
}

// CSV neutralises spreadsheet formulae (OWASP "CSV injection"): a cell that
// starts with =, +, -, @, tab or carriage return is prefixed with a single
// quote so spreadsheet programs show it as text.
func CSV(s string) string {
	s = Terminal(s)
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

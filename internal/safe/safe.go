// Package safe escapes untrusted header text for the output it lands in:
// terminals, Markdown/HTML and spreadsheets (CSV).
package safe

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Terminal makes a string taken from mail safe to print on a terminal: it
// removes ANSI escape sequences (CSI, OSC and two-byte ESC sequences), other
// C0 and C1 control characters and Unicode bidirectional controls, turns tab,
// CR and LF into spaces and replaces invalid UTF-8 by U+FFFD. It returns s
// itself when there is nothing to do.
func Terminal(s string) string {
	if printableASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c == 0x1b { // ESC
			i = skipEscape(s, i)
			continue
		}
		if c < 0x80 {
			switch {
			case c == '\t' || c == '\n' || c == '\r':
				b.WriteByte(' ')
			case c < 0x20 || c == 0x7f:
				// drop
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == 0x9b: // C1 CSI: skip its parameters like ESC [
			i = skipCSIBody(s, i)
		case r >= 0x80 && r <= 0x9f, IsBidi(r):
			// drop
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// skipEscape returns the index after the escape sequence that starts with
// the ESC at s[i].
func skipEscape(s string, i int) int {
	i++ // ESC
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '[':
		return skipCSIBody(s, i+1)
	case ']', 'P', '_', '^', 'X': // OSC, DCS, APC, PM, SOS: up to BEL or ESC \
		for j := i + 1; j < len(s); j++ {
			if s[j] == 0x07 {
				return j + 1
			}
			if s[j] == 0x1b {
				if j+1 < len(s) && s[j+1] == '\\' {
					return j + 2
				}
				return j
			}
		}
		return len(s)
	}
	if s[i] >= 0x20 && s[i] < 0x7f {
		return i + 1 // two-byte sequence such as ESC c
	}
	return i
}

// skipCSIBody skips the parameter and intermediate bytes and the final byte
// of a control sequence starting at s[i].
func skipCSIBody(s string, i int) int {
	for ; i < len(s); i++ {
		c := s[i]
		if c >= 0x40 && c <= 0x7e {
			return i + 1
		}
		if c < 0x20 || c >= 0x7f {
			return i // not a well-formed sequence: stop here
		}
	}
	return i
}

// IsBidi reports whether r is a Unicode bidirectional formatting character
// (embeddings, overrides, isolates, marks), which can make a terminal or a
// page show text in a misleading order ("trojan source").
func IsBidi(r rune) bool {
	switch {
	case r == 0x061c, r == 0x200e, r == 0x200f:
		return true
	case r >= 0x202a && r <= 0x202e:
		return true
	case r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
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

// Name makes a file name, input path or label safe to print while keeping
// it identifiable: where Terminal drops what a terminal would interpret,
// Name shows it as an escape, so "bad\x1b[2Jfile" prints as
// `bad\x1b[2Jfile` and "gmail\u200b.com" as `gmail\u200b.com` instead of
// passing for "gmail.com". Escaped are C0 and C1 control characters
// (including ESC, tab and line breaks), DEL, invalid UTF-8 bytes (\xNN),
// and invisible or reordering characters: Unicode format characters (Cf:
// zero-width space and joiners, bidirectional controls, the byte-order
// mark, soft hyphen, ...) and the line and paragraph separators. It returns
// s itself when there is nothing to do.
func Name(s string) string {
	if printableASCII(s) {
		return s
	}
	const hex = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteByte(hex[s[i]>>4])
			b.WriteByte(hex[s[i]&0xf])
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x`)
			b.WriteByte(hex[r>>4])
			b.WriteByte(hex[r&0xf])
		case IsInvisible(r):
			b.WriteString(fmt.Sprintf(`\u%04x`, r))
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// IsInvisible reports whether r prints as nothing or changes how the text
// around it is shown: C1 controls, Unicode format characters (category Cf,
// which holds the zero-width characters, the bidirectional controls and the
// byte-order mark) and the line and paragraph separators.
func IsInvisible(r rune) bool {
	return (r >= 0x80 && r <= 0x9f) || unicode.Is(unicode.Cf, r) || unicode.In(r, unicode.Zl, unicode.Zp) ||
		r == 0x115f || r == 0x1160 || r == 0x3164 || r == 0xffa0 // Hangul fillers, which render blank
}

// printableASCII reports whether s holds only printable ASCII (space to
// '~'): the common case, which needs no cleaning.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

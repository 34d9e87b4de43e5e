package report

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func FuzzParseGroupBy(f *testing.F) {
	for _, s := range []string{"", "provider", "header:X-Mailer", "HEADER:list-id", "header:", "dir", "first-org", "sender-domain", "header:a:b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g, err := ParseGroupBy(s)
		if err != nil {
			return
		}
		// The canonical form parses to the same value.
		g2, err := ParseGroupBy(g.String())
		if err != nil || g2 != g {
			t.Fatalf("ParseGroupBy(%q) = %+v, but its String %q gives %+v, %v", s, g, g.String(), g2, err)
		}
		if g.Title() == "" {
			t.Fatalf("empty title for %+v", g)
		}
	})
}

func FuzzParsePolicy(f *testing.F) {
	for _, s := range []string{"", "third-country", "plaintext,outside-home", " ,unknown-encryption,", "nope"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePolicy(s)
		if err != nil {
			return
		}
		p2, err := ParsePolicy(p.String())
		if err != nil || p2.String() != p.String() {
			t.Fatalf("ParsePolicy(%q) = %v does not round-trip: %v, %v", s, p, p2, err)
		}
	})
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"plain", nastyHeader, "\x1b]0;t\x07", "\u009b1m", "a\u202eb", "\xff\xfe", "\x1b[", "\x1bP...\x1b\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := sanitize(s)
		if !utf8.ValidString(out) {
			t.Fatalf("sanitize(%q) = %q is not valid UTF-8", s, out)
		}
		for _, r := range out {
			if unicode.IsControl(r) || isBidiControl(r) {
				t.Fatalf("sanitize(%q) = %q keeps control %U", s, out, r)
			}
		}
		if sanitize(out) != out {
			t.Fatalf("sanitize is not idempotent on %q", s)
		}
		if strings.ContainsRune(mdEscape(s), '\n') {
			t.Fatalf("mdEscape(%q) keeps a newline", s)
		}
	})
}

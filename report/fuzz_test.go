package report

import (
	"strings"
	"testing"
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

// FuzzMarkdownEscape checks that no header value can break a Markdown table
// row (terminal cleaning itself is fuzzed in internal/safe).
func FuzzMarkdownEscape(f *testing.F) {
	for _, s := range []string{"plain", nastyHeader, "a|b", "line\nbreak", "<b>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.ContainsRune(mdEscape(s), '\n') {
			t.Fatalf("mdEscape(%q) keeps a newline", s)
		}
	})
}

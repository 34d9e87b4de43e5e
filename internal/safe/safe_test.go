package safe

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscaping(t *testing.T) {
	tests := []struct {
		name, in, terminal, markdown, csv string
	}{
		{"plain", "mx.example.org", "mx.example.org", "mx.example.org", "mx.example.org"},
		{"ansi colour", "\x1b[31mred\x1b[0m", "red", "red", "red"},
		{"osc title", "a\x1b]0;pwned\x07b", "ab", "ab", "ab"},
		{"osc hyperlink", "a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b", "alinkb", "alinkb", "alinkb"},
		{"two-byte escape", "a\x1bcb", "ab", "ab", "ab"},
		{"c1 csi", "a\u009b31mb", "ab", "ab", "ab"},
		{"c1 nel", "c1\u0085x", "c1x", "c1x", "c1x"},
		{"bell del", "bell\x07 del\x7f", "bell del", "bell del", "bell del"},
		{"trailing esc", "trailing\x1b", "trailing", "trailing", "trailing"},
		{"trailing csi", "trailing\x1b[", "trailing", "trailing", "trailing"},
		{"newline", "a\r\nb", "a  b", "a  b", "a  b"},
		{"bidi override", "abc\u202egpj.exe", "abcgpj.exe", "abcgpj.exe", "abcgpj.exe"},
		{"html", `<script>alert("x")</script>`, `<script>alert("x")</script>`, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;", `<script>alert("x")</script>`},
		{"pipe", "a|b", "a|b", `a\|b`, "a|b"},
		{"formula", "=cmd|' /C calc'!A0", "=cmd|' /C calc'!A0", `=cmd\|' /C calc'!A0`, "'=cmd|' /C calc'!A0"},
		{"plus", "+1", "+1", "+1", "'+1"},
		{"minus", "-2+3", "-2+3", "-2+3", "'-2+3"},
		{"at", "@SUM(A1)", "@SUM(A1)", "@SUM(A1)", "'@SUM(A1)"},
		{"tab start", "\t=1", " =1", " =1", " =1"},
		{"utf8 kept", "Müller – 東京", "Müller – 東京", "Müller – 東京", "Müller – 東京"},
		{"invalid utf8", "a\xffb", "a\ufffdb", "a\ufffdb", "a\ufffdb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Terminal(tt.in); got != tt.terminal {
				t.Errorf("Terminal(%q) = %q, want %q", tt.in, got, tt.terminal)
			}
			if got := Markdown(tt.in); got != tt.markdown {
				t.Errorf("Markdown(%q) = %q, want %q", tt.in, got, tt.markdown)
			}
			if got := CSV(tt.in); got != tt.csv {
				t.Errorf("CSV(%q) = %q, want %q", tt.in, got, tt.csv)
			}
		})
	}
}

func FuzzTerminal(f *testing.F) {
	f.Add("\x1b[31mred")
	f.Add("a\u202eb")
	f.Add("\x1bP...\x1b\\")
	f.Add("\xff\xfe")
	f.Fuzz(func(t *testing.T, s string) {
		out := Terminal(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Terminal(%q) = %q is not valid UTF-8", s, out)
		}
		for _, r := range out {
			if r < 0x20 || (r >= 0x7f && r < 0xa0) || IsBidi(r) {
				t.Fatalf("Terminal(%q) kept control %U", s, r)
			}
		}
		if Terminal(out) != out {
			t.Fatalf("Terminal is not idempotent on %q", s)
		}
		if m := Markdown(s); strings.ContainsAny(m, "\n\r<>") {
			t.Fatalf("Markdown(%q) = %q keeps a newline or an HTML bracket", s, m)
		}
	})
}

func TestName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"samples/gmx-to-posteo.eml", "samples/gmx-to-posteo.eml"},
		{"bad\x1b[2Jfile", `bad\x1b[2Jfile`},
		{"nonexist\x1b[31m.eml", `nonexist\x1b[31m.eml`},
		{"gmail\u200b.com", `gmail\u200b.com`},
		{"a\u202egpj.exe", `a\u202egpj.exe`},
		{"bom\ufeff", `bom\ufeff`},
		{"soft\u00adhyphen", `soft\u00adhyphen`},
		{"line\u2028sep", `line\u2028sep`},
		{"c1\u0085nel", `c1\u0085nel`},
		{"tab\tnew\nline\r", `tab\x09new\x0aline\x0d`},
		{"del\x7f", `del\x7f`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"Müller – 東京.eml", "Müller – 東京.eml"},
	}
	for _, tt := range tests {
		if got := Name(tt.in); got != tt.want {
			t.Errorf("Name(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := Name(tt.in); Terminal(got) != got {
			t.Errorf("Name(%q) = %q still holds what Terminal removes", tt.in, got)
		}
	}
}

func FuzzName(f *testing.F) {
	for _, s := range []string{"plain", "bad\x1b[2Jfile", "gmail\u200b.com", "\xff\xfe", "a\u202eb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Name(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Name(%q) = %q: invalid UTF-8", s, got)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f || IsInvisible(r) || IsBidi(r) {
				t.Fatalf("Name(%q) = %q holds %U", s, got, r)
			}
		}
	})
}

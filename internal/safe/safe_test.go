package safe

import "testing"

func TestEscaping(t *testing.T) {
	tests := []struct {
		name, in, terminal, markdown, csv string
	}{
		{"plain", "mx.example.org", "mx.example.org", "mx.example.org", "mx.example.org"},
		{"ansi colour", "\x1b[31mred\x1b[0m", "[31mred[0m", "[31mred[0m", "[31mred[0m"},
		{"osc title", "a\x1b]0;pwned\x07b", "a]0;pwnedb", "a]0;pwnedb", "a]0;pwnedb"},
		{"c1 csi", "a\u009b31mb", "a31mb", "a31mb", "a31mb"},
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
	f.Fuzz(func(t *testing.T, s string) {
		out := Terminal(s)
		for _, r := range out {
			if r < 0x20 || (r >= 0x7f && r < 0xa0) || isBidi(r) {
				t.Fatalf("Terminal(%q) kept control %U", s, r)
			}
		}
	})
}

package filtering

import (
	"slices"
	"strings"
	"testing"
)

// refStripComments is stripComments as first written, byte by byte.
func refStripComments(s string) string {
	var b strings.Builder
	depth, quoted := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && (depth > 0 || quoted) && i+1 < len(s):
			if depth == 0 {
				b.WriteByte(c)
				b.WriteByte(s[i+1])
			}
			i++
			continue
		case quoted:
			if c == '"' {
				quoted = false
			}
		case c == '"' && depth == 0:
			quoted = true
		case c == '(':
			depth++
			continue
		case c == ')' && depth > 0:
			depth--
			if depth == 0 {
				b.WriteByte(' ')
			}
			continue
		}
		if depth == 0 {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// refKV is kv as first written, on strings.FieldsFuncSeq.
func refKV(s, key string) (string, bool) {
	for w := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' || r == ';' }) {
		k, v, ok := strings.Cut(w, "=")
		if ok && strings.EqualFold(k, key) {
			return v, true
		}
	}
	return "", false
}

// checkHelpers compares the allocation-free helpers with the code they
// replaced, on v.
func checkHelpers(t *testing.T, v string) {
	t.Helper()
	if got, want := stripComments(v), refStripComments(v); got != want {
		t.Fatalf("stripComments(%q) = %q, want %q", v, got, want)
	}
	var words []string
	for rest := v; ; {
		var w string
		if w, rest = nextField(rest); w == "" {
			break
		}
		words = append(words, w)
	}
	if want := strings.Fields(v); !slices.Equal(words, want) {
		t.Fatalf("nextField splits %q into %q, strings.Fields into %q", v, words, want)
	}
	if got, want := firstWord(v), strings.Fields(v + " x")[0]; got != want {
		t.Fatalf("firstWord(%q) = %q, want %q", v, got, want)
	}
	for _, k := range []string{"score", "kill_level", "rule", "i"} {
		g, gok := kv(v, k)
		w, wok := refKV(v, k)
		if g != w || gok != wok {
			t.Fatalf("kv(%q, %q) = %q, %v; want %q, %v", v, k, g, gok, w, wok)
		}
	}
	for k, val := range tags(v) {
		if got, want := tagValue(val), strings.Join(strings.Fields(val), ""); got != want {
			t.Fatalf("tagValue(%q) = %q, want %q (key %q)", val, got, want, k)
		}
	}
}

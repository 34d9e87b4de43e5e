package filtering

import (
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/emersion/go-msgauth/authres"
)

// refParseAuthResults is ParseAuthResults as first written, one result
// slice per value (with the same conversion, check); ParseAuthResults,
// which reads the checks into a buffer (parseAuthResults), must return
// what it returns.
func refParseAuthResults(v string) (AuthResults, error) {
	id, rs, err := authres.Parse(v)
	norm := false
	if err != nil {
		n := stripComments(v)
		if first, _, _ := strings.Cut(n, ";"); looksLikeResult(first) {
			n = ";" + n
		}
		id2, rs2, err2 := authres.Parse(n)
		if err2 == nil || len(rs2) > len(rs) {
			id, rs, err, norm = id2, rs2, err2, true
		}
	}
	ar := AuthResults{ServID: strings.ToLower(strings.TrimSpace(id)), Normalised: norm}
	for _, r := range rs {
		ar.Checks = append(ar.Checks, check(r))
	}
	return ar, err
}

// checkParseAuthResults compares ParseAuthResults with
// refParseAuthResults on v, and checks that authres fails on v when
// rejectedAsWritten says it does. A sender-id result's domain is compared only
// when the result has one "header." parameter: authres takes the first its
// map yields, in random order.
func checkParseAuthResults(t *testing.T, v string) {
	t.Helper()
	if rejectedAsWritten(v) {
		if _, _, err := authres.Parse(v); err == nil {
			t.Fatalf("rejectedAsWritten(%q) is true, but authres reads it", v)
		}
	}
	got, gerr := ParseAuthResults(v)
	want, werr := refParseAuthResults(v)
	if (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
		t.Fatalf("ParseAuthResults(%q): error %v, authres %v", v, gerr, werr)
	}
	if got.ServID != want.ServID || got.Normalised != want.Normalised || len(got.Checks) != len(want.Checks) || (got.Checks == nil) != (want.Checks == nil) {
		t.Fatalf("ParseAuthResults(%q) = %+v, authres %+v", v, got, want)
	}
	for i, g := range got.Checks {
		w := want.Checks[i]
		if g.Method == "sender-id" && w.Method == "sender-id" && strings.Count(strings.ToLower(v), "header.") > 1 {
			g.Domain, w.Domain = "", ""
		}
		if g != w {
			t.Fatalf("ParseAuthResults(%q): check %d is %+v, authres %+v", v, i, g, w)
		}
	}
}

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

// refRejectedAsWritten is rejectedAsWritten as first written, on
// strings.IndexFunc.
func refRejectedAsWritten(v string) bool {
	id, rest, _ := strings.Cut(v, ";")
	id = strings.TrimSpace(id)
	if i := strings.IndexFunc(id, unicode.IsSpace); i > 0 && strings.TrimSpace(id[i:]) != "1" {
		return true
	}
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, ";")
		part = strings.TrimLeftFunc(part, unicode.IsSpace)
		tok := part
		if i := strings.IndexFunc(part, unicode.IsSpace); i >= 0 {
			tok = part[:i]
		}
		if tok != "" && tok != "none" && !strings.Contains(tok, "=") {
			return true
		}
	}
	return false
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
	if got, want := rejectedAsWritten(v), refRejectedAsWritten(v); got != want {
		t.Fatalf("rejectedAsWritten(%q) = %v, want %v", v, got, want)
	}
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

// checkLeadingSpace checks what readState.parseAuth relies on: leading
// spaces and tabs do not change what parseAuthResults returns for v.
func checkLeadingSpace(t *testing.T, v string) {
	t.Helper()
	trimmed := strings.TrimLeft(v, " \t")
	for _, w := range []string{" \t " + v, trimmed} {
		id, cs, _, err := parseAuthResults(v, nil)
		id2, cs2, _, err2 := parseAuthResults(w, nil)
		if id != id2 || len(cs) != len(cs2) || (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
			t.Fatalf("parseAuthResults(%q) = %q, %+v, %v; of %q: %q, %+v, %v", v, id, cs, err, w, id2, cs2, err2)
		}
		for i, c := range cs {
			c2 := cs2[i]
			if c.Method == "sender-id" && strings.Count(strings.ToLower(v), "header.") > 1 {
				c.Domain, c2.Domain = "", ""
			}
			if c != c2 {
				t.Fatalf("parseAuthResults(%q): check %d is %+v; of %q: %+v", v, i, c, w, c2)
			}
		}
	}
}

// refAuthVerdict is authVerdict as first written, one search per method.
func refAuthVerdict(cs []Check) Verdict {
	for _, m := range []string{"dmarc", "arc", "arc-seal", "dkim", "spf"} {
		if i := slices.IndexFunc(cs, func(c Check) bool { return c.Method == m }); i >= 0 {
			return cs[i].Result
		}
	}
	return Unknown
}

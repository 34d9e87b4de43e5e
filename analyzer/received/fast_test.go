package received

import (
	"slices"
	"strings"
	"testing"
)

// The fast paths of the parser must give what the general code gives. The
// references here are the general code itself (scanTop and tokenizeHead,
// scanDate) or the plain versions the fast code replaced (byte loops,
// strings.LastIndexByte, strings.TrimSpace); checkFastPaths runs on every
// input of FuzzParseReceived.

// keywordLinear is keyword as it was: clauseRules compared with equalFold.
func keywordLinear(w string) int {
	for i := range clauseRules {
		if equalFold(w, clauseRules[i].keyword) {
			return clauseRules[i].cl
		}
	}
	return clNone
}

// indexFoldBytes is indexFold one byte at a time.
func indexFoldBytes(s, needle string) int {
	n := len(needle)
	if n == 0 {
		return 0
	}
	for i := 0; i+n <= len(s); i++ {
		if s[i]|0x20 == needle[0]|0x20 && equalFold(s[i:i+n], needle) {
			return i
		}
	}
	return -1
}

// nextFieldBytes is nextField one byte at a time.
func nextFieldBytes(s string) (string, string) {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	j := i
	for j < len(s) && !isSpace(s[j]) {
		j++
	}
	return s[i:j], s[j:]
}

// checkFastPaths compares the fast paths with their references on v.
func checkFastPaths(t *testing.T, v string) {
	t.Helper()
	if got, want := lastSemi(v), strings.LastIndexByte(v, ';'); got != want {
		t.Fatalf("lastSemi(%q) = %d, want %d", v, got, want)
	}
	for rest := v; rest != ""; {
		f, r := nextField(rest)
		if wf, wr := nextFieldBytes(rest); f != wf || r != wr {
			t.Fatalf("nextField(%q) = %q, %q, want %q, %q", rest, f, r, wf, wr)
		}
		rest = r
	}
	if _, ctl := scanTop(v); mayHoldControls(v) != ctl {
		t.Fatalf("mayHoldControls(%q) = %v, scanTop says %v", v, !ctl, ctl)
	}
	// tokenizeToLastSemi against scanTop and tokenizeHead.
	var fast, slow parser
	fast.v, slow.v = v, v
	semi, done := fast.tokenizeToLastSemi(v)
	if done {
		want, _ := scanTop(v)
		head := v
		if want >= 0 {
			head = v[:want]
		}
		slow.tokenizeHead(head)
		if semi != want || fast.n != slow.n || fast.toks != slow.toks ||
			strings.Join(fast.r.Warnings, "|") != strings.Join(slow.r.Warnings, "|") {
			t.Fatalf("tokenizeToLastSemi(%q): semi %d, %d tokens; scanTop and tokenizeHead: %d, %d tokens", v, semi, fast.n, want, slow.n)
		}
	} else if fast.n != 0 || len(fast.r.Warnings) != 0 {
		t.Fatalf("tokenizeToLastSemi(%q) gave up but left %d tokens, warnings %q", v, fast.n, fast.r.Warnings)
	}
	// The keyword list of tokenize is every word that is a keyword, in order.
	var kws []keywordTok
	for i, tok := range fast.toks[:fast.n] {
		if k := keyword(tok.s); tok.kind == tokWord && k != clNone {
			kws = append(kws, keywordTok{tok: uint8(i), cl: uint8(k)})
		}
	}
	if got := fast.kws[:fast.nkw]; !slices.Equal(got, kws) {
		t.Fatalf("tokenize(%q) listed keywords %v, want %v", v, got, kws)
	}
	for _, tok := range fast.toks[:fast.n] {
		if got, want := keyword(tok.s), keywordLinear(tok.s); got != want {
			t.Fatalf("keyword(%q) = %d, want %d", tok.s, got, want)
		}
		if got, want := trimSpace(tok.s), strings.TrimSpace(tok.s); got != want {
			t.Fatalf("trimSpace(%q) = %q, want %q", tok.s, got, want)
		}
		for _, needle := range []string{"from u", "version=", "TLS: ", "invoked "} {
			if got, want := indexFold(tok.s, needle), indexFoldBytes(tok.s, needle); got != want {
				t.Fatalf("indexFold(%q, %q) = %d, want %d", tok.s, needle, got, want)
			}
		}
	}
	// scanDateRFC5322 against scanDate, on v and on what follows its last ";".
	dates := []string{v}
	if i := strings.LastIndexByte(v, ';'); i >= 0 {
		dates = append(dates, v[i+1:])
	}
	for _, s := range dates {
		if d, ok := scanDateRFC5322(s); ok {
			if want, wantOK := scanDate(s); !wantOK || d != want {
				t.Fatalf("scanDateRFC5322(%q) = %+v, scanDate %+v %v", s, d, want, wantOK)
			}
		}
	}
}

// TestFastPathsMatchReference runs checkFastPaths on the test cases and on
// values made to miss the fast paths in every way they can.
func TestFastPathsMatchReference(t *testing.T) {
	values := []string{
		"", ";", "from a by b; Thu, 11 Jan 2024 10:15:02 +0100 (CET)",
		"from a " + strings.Repeat("w ", 70) + "(x ; Thu, 11 Jan 2024 10:15:02 +0100",
		"from a [(1.2.3.4] by b; x (y; Thu, 11 Jan 2024 10:15:02 +0100",
		"from a \"(\" by b; x ; Thu, 11 Jan 2024 10:15:02 +0100",
		"from a (b by c; Thu, 11 Jan 2024 10:15:02 +0100",
		"(from a) by c; Thu, 11 Jan 2024 10:15:02 +0100",
		"from a ((b) by c; Thu, 11 Jan 2024 10:15:02 +0100 ; Fri, 12 Jan 2024 10:15:02 +0100",
		"FROM a BY b WITH c VIA d ID e FOR f; 1 jan 2024 00:00:00 -2359",
		"by x; Thu,  9 May 2024 10:15:02 +0100 PM", "by x; Sun, 29 Feb 2023 10:15:02 +0100 (CET) x",
		"by x; 11 jan 2024 10:15:02 +0100(CET", "by x; ,Tue,,1 Dec 2026 10:00:00 +0000",
		"by x; Thu, 00 Jan 2024 10:15:02 +0100", "by x; Thu, 11 Jan 0049 10:15:02 +9999",
		"by x; Thux 11 Jan 2024 10:15:02 +0100", "by x; 11 January 2024 10:15:02 +0100",
		"by x; Thu, 11 Jan 2024 10:15:02 +0100 (CET) (CEST)", "by x; Thu, 11 Jan 2024 10:15 +0100",
		"a\x01b", "version=TLSv1.2\x01cipher=ECDHE-RSA-AES256-GCM-SHA384\tbits=256/256\r\nverify=NOT  ", "0123456789abcdef\x7f", "0123456789abcdef0123\u0085", "\tfrom x\r\n by y;z",
	}
	for n := range 40 {
		values = append(values, strings.Repeat("x", n)+";"+strings.Repeat("y", n), strings.Repeat(";", n)+"\x1b")
	}
	values = append(values, allCases(t)...)
	for _, v := range values {
		checkFastPaths(t, v)
	}
}

// TestCommentPrefixesHaveTwoBytes checks what commentRuleFor's test of
// the second byte needs.
func TestCommentPrefixesHaveTwoBytes(t *testing.T) {
	for _, r := range commentRules {
		if r.prefix != "" && len(r.prefix) < 2 {
			t.Errorf("prefix %q is shorter than two bytes", r.prefix)
		}
	}
}

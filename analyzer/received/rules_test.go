package received

import (
	"strings"
	"testing"
)

// TestCommentRulesWellFormed checks the comment table: every row names its
// origin, prefixes are unique (the longest match decides, so a duplicate
// would be dead), content rows have a matcher and a reader.
func TestCommentRulesWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range commentRules {
		if r.origin == "" {
			t.Errorf("row %q has no origin", r.prefix)
		}
		if r.prefix == "" {
			if r.match == nil || r.read == doNothing {
				t.Errorf("content row %q needs match and read", r.origin)
			}
			continue
		}
		if r.match != nil {
			t.Errorf("prefix row %q has a matcher", r.prefix)
		}
		k := strings.ToLower(r.prefix)
		if seen[k] {
			t.Errorf("prefix %q twice", r.prefix)
		}
		seen[k] = true
	}
	for _, w := range literalWrappers {
		if w.open == "" || w.close == "" || w.origin == "" {
			t.Errorf("literal wrapper %+v incomplete", w)
		}
	}
	for _, r := range wordRules {
		if r.origin == "" || r.read == doNothing {
			t.Errorf("word row %q needs origin and read", r.word)
		}
	}
}

// TestCommentRuleLongestPrefix checks that the longest prefix decides,
// whatever the order of the rows.
func TestCommentRuleLongestPrefix(t *testing.T) {
	tests := []struct{ comment, prefix string }{
		{"Authenticated sender: u@example.org", "Authenticated sender"},
		{"authenticated bits=0", "authenticated"},
		{"envelope-from <a@example.org>", "envelope-from"},
		{"envelope-to <a@example.org>", "envelope-"},
		{"Google Transport Security", "Google Transport Security"},
		{"SquirrelMail authenticated user u", "SquirrelMail authenticated"},
		{"TLS: TLSv1/SSLv3,256bits,AES256-SHA", "TLS: "},
		{"fetchmail-6.4.37", "fetchmail"},
		{"192.0.2.1", ""},
	}
	for _, tt := range tests {
		r := commentRuleFor(tt.comment)
		got := ""
		if r != nil {
			got = r.prefix
		}
		if got != tt.prefix {
			t.Errorf("commentRuleFor(%q) = %q, want %q", tt.comment, got, tt.prefix)
		}
	}
}

// TestNoteCommentsSkippedInFrom checks that a comment the table reads as a
// note is never taken for the client's name by the from clause: before the
// one table, "(fetchmail)" and "(via HTTP)" were read as notes but not
// skipped, and a fetchmail note became the HELO name.
func TestNoteCommentsSkippedInFrom(t *testing.T) {
	tests := []struct{ value, helo, rdns string }{
		{"from a.example (fetchmail) [192.0.2.1] by b.example with SMTP; Thu, 11 Jan 2024 10:00:00 +0000", "a.example", ""},
		{"from a.example (getmail) [192.0.2.1] by b.example with SMTP; Thu, 11 Jan 2024 10:00:00 +0000", "a.example", ""},
		// "account" may name the client (CommuniGate Pro): read, not skipped.
		{"from [198.51.100.7] (account alice@example.net HELO laptop.example.net) by mail.example.net with ESMTPSA; Thu, 11 Jan 2024 11:15:02 +0100", "laptop.example.net", ""},
	}
	for _, tt := range tests {
		r := Parse(tt.value)
		if r.FromHELO != tt.helo || r.FromRDNS != tt.rdns {
			t.Errorf("%s: HELO %q rDNS %q, want %q %q", tt.value, r.FromHELO, r.FromRDNS, tt.helo, tt.rdns)
		}
	}
}

// commentRuleLinear is commentRuleFor as it was before commentIndex: every
// prefix row compared with the comment, the longest match winning. It is the
// reference the index must agree with.
func commentRuleLinear(c string) *commentRule {
	var best *commentRule
	for i := range commentRules {
		r := &commentRules[i]
		pre := r.prefix
		if pre == "" || len(c) < len(pre) {
			continue
		}
		if (best == nil || len(pre) > len(best.prefix)) && equalFold(c[:len(pre)], pre) {
			best = r
		}
	}
	return best
}

// TestCommentIndexMatchesTable checks that commentRuleFor, which looks only
// at the rows commentIndex lists for the first byte, picks the row the whole
// table picks: for every prefix in three spellings, cut short, with text
// after it, and for every comment of the test cases.
func TestCommentIndexMatchesTable(t *testing.T) {
	var comments []string
	for _, r := range commentRules {
		for _, pre := range []string{r.prefix, strings.ToUpper(r.prefix), strings.ToLower(r.prefix)} {
			for n := range len(pre) + 1 {
				comments = append(comments, pre[:n], pre[:n]+"x", pre[:n]+" TLSv1.3", pre[:n]+"@")
			}
		}
	}
	for _, v := range allCases(t) {
		var p parser
		p.tokenize(v, 0)
		for _, tok := range p.toks[:p.n] {
			if tok.kind == tokComment {
				comments = append(comments, strings.TrimSpace(tok.s))
			}
		}
	}
	for _, c := range comments {
		if got, want := commentRuleFor(c), commentRuleLinear(c); got != want {
			t.Errorf("commentRuleFor(%q) = %v, want %v", c, got, want)
		}
	}
	// The table happens to list longer prefixes first today; the index must
	// not depend on that.
	n := 0
	for first, rows := range commentIndex {
		for i, k := range rows {
			pre := commentRules[k].prefix
			if pre[0]|0x20 != byte(first) {
				t.Errorf("row %q listed under %q", pre, byte(first))
			}
			if i > 0 && len(pre) > len(commentRules[rows[i-1]].prefix) {
				t.Errorf("row %q listed after the shorter %q", pre, commentRules[rows[i-1]].prefix)
			}
		}
		n += len(rows)
	}
	want := 0
	for _, r := range commentRules {
		if r.prefix != "" {
			want++
		}
	}
	if n != want {
		t.Errorf("commentIndex lists %d rows, want %d", n, want)
	}
	if len(comments) < 500 {
		t.Errorf("only %d comments checked", len(comments))
	}
}

// checkCommentRules compares commentRuleFor with the whole table on every
// comment of v.
func checkCommentRules(t *testing.T, v string) {
	t.Helper()
	var p parser
	p.tokenize(v, 0)
	for _, tok := range p.toks[:p.n] {
		if tok.kind != tokComment {
			continue
		}
		c := strings.TrimSpace(tok.s)
		if got, want := commentRuleFor(c), commentRuleLinear(c); got != want {
			t.Fatalf("commentRuleFor(%q) = %v, want %v", c, got, want)
		}
	}
}

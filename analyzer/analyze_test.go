package analyzer

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailroute/mailroute/analyzer/received"
)

// TestContainsFold checks containsFold against the strings.EqualFold
// window it replaced, including runes that fold to ASCII letters.
func TestContainsFold(t *testing.T) {
	ref := func(s, sub string) bool {
		for i := 0; i+len(sub) <= len(s); i++ {
			if strings.EqualFold(s[i:i+len(sub)], sub) {
				return true
			}
		}
		return false
	}
	for _, s := range []string{"", "multipart/ENCRYPTED; protocol=x", "application/PKCS7-mime", "p\u212acs7",
		"\u212a\u212a pkcs", "text/plain", "encrypte", "xxencryptedxx", "ſmime", "\xffpkcs7\xff"} {
		for _, sub := range []string{"encrypted", "pkcs7"} {
			if got, want := containsFold(s, sub), ref(s, sub); got != want {
				t.Errorf("containsFold(%q, %q) = %v, want %v", s, sub, got, want)
			}
		}
	}
}

func TestTagValue(t *testing.T) {
	tests := []struct{ list, name, want string }{
		{"v=1; d=Example.ORG; s=sel", "d", "example.org"},
		{"v=1; d = exa\r\n mple.org ;", "d", "example.org"},
		{"v=1; D=x.example", "d", "x.example"},
		{"v=1; s=a", "d", ""},
		{"d=", "d", ""},
		{"d=a\u00a0b", "d", "ab"}, // a non-breaking space is white space to strings.Fields
	}
	for _, tt := range tests {
		if got := tagValue(tt.list, tt.name); got != tt.want {
			t.Errorf("tagValue(%q, %q) = %q, want %q", tt.list, tt.name, got, tt.want)
		}
	}
}

// refDescribe is describe as it was before its one pass over the fields,
// with h.Get per field: the reference for TestDescribeOnePass.
func refDescribe(r *Result, h Header) {
	r.MessageID = strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>")
	r.Subject = decodeWords(h.Get("Subject"))
	if d := h.Get("Date"); d != "" {
		if t, ok := received.ParseDate(d); ok {
			r.Date = t.UTC().Format(time.RFC3339)
		}
	}
	r.FromDomain = addressDomain(h.Get("From"))
	r.ReturnPathDomain = addressDomain(h.Get("Return-Path"))
	for _, sig := range h.Values("Dkim-Signature") {
		if d := tagValue(sig, "d"); d != "" && !slices.Contains(r.DKIMDomains, d) {
			r.DKIMDomains = append(r.DKIMDomains, d)
		}
	}
	r.Summary.BodyEncryption = bodyEncryption(h.Get("Content-Type"))
}

// TestDescribeOnePass checks describe against refDescribe on headers from
// ParseHeader (describe relies on its canonical keys): field names in any
// case, repeated fields, names that only fold to a known one in Unicode
// (ParseHeader skips them: field names are ASCII).
func TestDescribeOnePass(t *testing.T) {
	var hs []Header
	for _, raw := range []string{
		"Subject: \nSubject: second\nSUBJECT: third\n",
		"Dkim-\u017fignature: d=odd.example\nDkim-Signature: d=b.example\nDKIM-Signature: d=b.example\n",
		"From: a@x.example\nfrom: b@y.example\nReturn-Path: <r@z.example>\nMessage-\u212a: k\n",
		"Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"\nDate: Mon, 2 Jan 2006 15:04:05 +0000\nmessage-ID:  <id@x> \n",
		"",
	} {
		h, _ := ParseHeader([]byte(raw), nil)
		hs = append(hs, h)
	}
	for _, hdr := range seedHeaders(t) {
		h, _ := ParseHeader(hdr, func(name []byte) bool { return wantField(name, nil) })
		hs = append(hs, h)
	}
	for i, h := range hs {
		got, want := newResult("x"), newResult("x")
		got.describe(h, nil)
		refDescribe(&want, h)
		if diff := cmp.Diff(want, got, noScratch); diff != "" {
			t.Errorf("header %d: describe differs from the reference (-want +got):\n%s", i, diff)
		}
	}
}

// TestWantField checks wantField against the rule it implements (a
// case-insensitive comparison by bytes.EqualFold) for the field names of
// the samples in three cases and for names that differ from a wanted one
// by a byte whose bit 5 alone differs ('@' and '`', '-' and '\r').
func TestWantField(t *testing.T) {
	wanted := []string{"From", "Date", "Subject", "Received", "Message-Id", "Return-Path", "Content-Type", "Dkim-Signature"}
	ref := func(name []byte, keep []string) bool {
		for _, w := range append(wanted[:len(wanted):len(wanted)], keep...) {
			if bytes.EqualFold(name, []byte(w)) {
				return true
			}
		}
		return false
	}
	var names []string
	for _, hdr := range seedHeaders(t) {
		h, _ := ParseHeader(hdr, nil)
		for _, f := range h.Fields {
			names = append(names, f.Key, strings.ToUpper(f.Key), strings.ToLower(f.Key))
		}
	}
	for _, w := range wanted {
		for i := range len(w) {
			b := []byte(w)
			b[i] ^= 0x20
			names = append(names, string(b))
		}
	}
	keep := []string{"X-Mailer", "List-\u212ad"} // U+212A KELVIN SIGN folds to k
	names = append(names, "List-Kd", "list-kd", "X-MAILER")
	for _, n := range names {
		for _, k := range [][]string{nil, keep} {
			if got, want := wantField([]byte(n), k), ref([]byte(n), k); got != want {
				t.Errorf("wantField(%q, %q) = %v, want %v", n, k, got, want)
			}
		}
	}
}

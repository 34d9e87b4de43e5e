package received

import (
	"testing"
	"time"
)

// FuzzParseReceived checks the invariants of the Received parser on any
// input: no panic (Parse has no recover), a valid or zero client address,
// a UTC date, Raw kept, Parsed exactly when a host or local record was read.
func FuzzParseReceived(f *testing.F) {
	for _, v := range allCases(f) {
		f.Add(v)
	}
	f.Add("from [[[[")
	f.Add("(((((from")
	f.Add("from a (b [1.2.3.4]:99999) by c; 31 Feb 2024 25:61:61 +9999")
	f.Fuzz(func(t *testing.T, v string) {
		checkScanners(t, v)
		checkCommentRules(t, v)
		checkFastPaths(t, v)
		r := Parse(v)
		if r.Raw != v {
			t.Fatalf("Raw = %q, want input %q", r.Raw, v)
		}
		if r.FromIP.IsValid() && (r.FromIP.Is4In6() || r.FromIP.Zone() != "") {
			t.Fatalf("FromIP %v is mapped or has a zone", r.FromIP)
		}
		if r.ByIP.IsValid() && r.ByIP.Zone() != "" {
			t.Fatalf("ByIP %v has a zone", r.ByIP)
		}
		if !r.Date.IsZero() && r.Date.Location() != time.UTC {
			t.Fatalf("Date %v not in UTC", r.Date)
		}
		if r.Date.IsZero() && r.DateRaw != "" && len(r.Warnings) == 0 {
			t.Fatalf("unreadable date %q without warning", r.DateRaw)
		}
		switch r.Kind {
		case KindRelay, KindLocal, KindRetrieval:
		default:
			t.Fatalf("Kind = %q", r.Kind)
		}
		switch r.TLS.Encrypted {
		case EncryptionYes, EncryptionNo, EncryptionUnknown:
		default:
			t.Fatalf("Encrypted = %q", r.TLS.Encrypted)
		}
		// Parsed means a host (from or by) or a local injection was understood.
		if r.Parsed != (r.By != "" || r.FromHELO != "" || r.FromIP.IsValid() || r.Kind == KindLocal) {
			t.Fatalf("Parsed = %v disagrees with from, by and kind: %+v", r.Parsed, r)
		}
	})
}

// FuzzParseDate checks the date scanner on any input: no panic, a UTC time
// when it reads one, and the same answer from ParseDate and parseDateZone.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{
		"Thu, 11 Jan 2024 10:15:02 +0100 (CET)", "Mon Jan  2 15:04:05 MST 2006",
		"2024-01-11 10:15:02.123456789 +0000 UTC m=+12.5", "4/20/2018 11:01:16 PM -0400",
		"2018-4-20 11:01:08 PM", "Thursday, 11-Jan-2024 10:15:07 (GMT-8)", "Fri, 31 Dec 1999 23:59:60 +0000",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseDate(s)
		d2, _, ok2 := parseDateZone(s)
		if ok != ok2 || !d.Equal(d2) {
			t.Fatalf("ParseDate and parseDateZone disagree on %q", s)
		}
		if ok && d.Location() != time.UTC {
			t.Fatalf("ParseDate(%q) = %v, not UTC", s, d)
		}
		if !ok && !d.IsZero() {
			t.Fatalf("ParseDate(%q) unreadable but %v", s, d)
		}
	})
}

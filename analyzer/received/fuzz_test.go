package received

import (
	"path/filepath"
	"testing"
	"time"
)

// FuzzParseReceived checks the invariants of the Received parser on any
// input: no panic (Parse has no recover), a valid or zero client address,
// a UTC date, Raw kept, Parsed exactly when a host or local record was read.
func FuzzParseReceived(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "cases", "*.txt"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		for _, v := range readCases(f, file) {
			f.Add(v)
		}
	}
	f.Add("from [[[[")
	f.Add("(((((from")
	f.Add("from a (b [1.2.3.4]:99999) by c; 31 Feb 2024 25:61:61 +9999")
	f.Fuzz(func(t *testing.T, v string) {
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

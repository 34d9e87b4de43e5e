package received

import (
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestParseReceivedControlCharacters(t *testing.T) {
	const date = "; Tue, 1 Dec 2026 10:00:00 +0000"
	tests := []struct {
		name, value, helo, ip string
	}{
		{"ESC sequence in HELO (issue 9)", "from evil\x1b[31m.example (evil.example [203.0.113.9]) by mx.example.org (Postfix) with ESMTPS id 1" + date,
			"evil[31m.example", "203.0.113.9"},
		{"ESC sequence glued to comment", "from evil\x1b[0m(evil.example [203.0.113.9]) by mx.example.org (Postfix) with ESMTPS id 1" + date,
			"evil[0m", "203.0.113.9"},
		{"NUL and DEL in HELO", "from ev\x00il\x7f.example (evil.example [203.0.113.9]) by mx.example.org with ESMTP" + date,
			"evil.example", "203.0.113.9"},
		{"C1 CSI in HELO", "from evil\u009b31m.example (evil.example [203.0.113.9]) by mx.example.org with ESMTP" + date,
			"evil31m.example", "203.0.113.9"},
		{"ESC in comment before literal", "from a.example (a.example \x1b[203.0.113.9]) by mx.example.org with ESMTP" + date,
			"a.example", "203.0.113.9"},
		{"OSC title in HELO", "from a\x1b]0;pwned\x07.example (a.example [203.0.113.9]) by mx.example.org with ESMTP" + date,
			"a]0", "203.0.113.9"},
		{"bracket in HELO without escape", "from evil[31m.example (evil.example [203.0.113.9]) by mx.example.org with ESMTP" + date,
			"evil[31m.example", "203.0.113.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Parse(tt.value)
			if r.FromIP != netip.MustParseAddr(tt.ip) {
				t.Errorf("FromIP = %v, want %s", r.FromIP, tt.ip)
			}
			if r.FromHELO != tt.helo {
				t.Errorf("FromHELO = %q, want %q", r.FromHELO, tt.helo)
			}
			if r.By != "mx.example.org" || r.Date.IsZero() {
				t.Errorf("By = %q, Date = %v; want mx.example.org and a date", r.By, r.Date)
			}
			if r.Raw != tt.value {
				t.Errorf("Raw = %q, want the input", r.Raw)
			}
			if hasWarning(r, "control characters ignored") != (strings.ContainsAny(tt.value, "\x00\x1b\x7f\u009b")) {
				t.Errorf("warnings %v", r.Warnings)
			}
		})
	}
}

// naiveWithoutControls is the definition withoutControls implements.
func naiveWithoutControls(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); {
		c := v[i]
		if c < 0x20 && c != '\t' && c != '\r' && c != '\n' || c == 0x7f {
			i++
			continue
		}
		if r, n := utf8.DecodeRuneInString(v[i:]); r >= 0x80 && r <= 0x9f {
			i += n
			continue
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

func TestWithoutControls(t *testing.T) {
	for _, v := range []string{"", "plain", "tab\tcr\r\nlf", "\x00", "12345678\x1b", "1234567\x7f9", "é€\u0085\u009f\u00a0", "\xc2", "\xc2\x80", "\x80\x9f", strings.Repeat("a", 31) + "\x01"} {
		got, removed := withoutControls(v)
		if want := naiveWithoutControls(v); got != want || removed != (want != v) {
			t.Errorf("withoutControls(%q) = %q, %v; want %q", v, got, removed, want)
		}
	}
}

// FuzzWithoutControls checks the word-at-a-time scan against the definition.
func FuzzWithoutControls(f *testing.F) {
	f.Add("from evil\x1b[31m.example")
	f.Add("é€\u0085\u009f\u00a0\x7f")
	f.Fuzz(func(t *testing.T, v string) {
		got, removed := withoutControls(v)
		if want := naiveWithoutControls(v); got != want || removed != (want != v) {
			t.Fatalf("withoutControls(%q) = %q, %v; want %q", v, got, removed, want)
		}
	})
}

// controlBytes maps fuzz bytes to control characters: C0 (without HT, CR and
// LF, which are white space), DEL, ESC and UTF-8 C1.
func controlBytes(raw []byte) string {
	var b strings.Builder
	for i, c := range raw {
		if i == 16 {
			break
		}
		switch {
		case c&0x80 != 0:
			b.WriteRune(rune(0x80 + c&0x1f))
		case c%0x21 == 0x20:
			b.WriteByte(0x7f)
		case c%0x21 == '\t' || c%0x21 == '\r' || c%0x21 == '\n':
			b.WriteByte(0x1b)
		default:
			b.WriteByte(c % 0x21)
		}
	}
	return b.String()
}

// insertionPoints returns offsets inside the HELO word and inside every
// comment of v.
func insertionPoints(v string) []int {
	var p parser
	p.r = Received{Kind: KindRelay}
	p.v = v
	p.run()
	var pts []int
	if s := p.cl[clFrom]; s.seen && s.start < s.end && p.toks[s.start].kind == tokWord {
		for o := p.toks[s.start].off; o <= p.toks[s.start].end; o++ {
			pts = append(pts, o)
		}
	}
	for i := 0; i < p.n; i++ {
		if t := p.toks[i]; t.kind == tokComment {
			for o := t.off + 1; o < t.end; o++ {
				pts = append(pts, o)
			}
		}
	}
	return pts
}

// FuzzControlInsertion is the property of issue 9: inserting control
// characters into the HELO name or a comment of a valid field never changes
// the client address, the receiving host or the date (nor, since they are
// ignored, anything else but Raw and the warning).
func FuzzControlInsertion(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "cases", "*.txt"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		for i, v := range readCases(f, file) {
			f.Add(v, uint16(i*7), []byte{0x1b, '[', 0x3f})
		}
	}
	f.Fuzz(func(t *testing.T, v string, at uint16, raw []byte) {
		if !utf8.ValidString(v) || firstControl(v) >= 0 || len(raw) == 0 {
			return
		}
		pts := insertionPoints(v)
		if len(pts) == 0 {
			return
		}
		o := pts[int(at)%len(pts)]
		w := v[:o] + controlBytes(raw) + v[o:]
		a, b := Parse(v), Parse(w)
		if a.FromIP != b.FromIP || a.By != b.By || !a.Date.Equal(b.Date) {
			t.Fatalf("inserting %q at %d changed from_ip %v->%v, by %q->%q, date %v->%v", controlBytes(raw), o, a.FromIP, b.FromIP, a.By, b.By, a.Date, b.Date)
		}
		a.Raw, b.Raw = "", ""
		a.Warnings, b.Warnings = nil, nil
		if diff := cmp.Diff(a, b, cmp.Comparer(func(x, y netip.Addr) bool { return x == y })); diff != "" {
			t.Fatalf("inserting %q at %d changed the record (-before +after):\n%s", controlBytes(raw), o, diff)
		}
	})
}

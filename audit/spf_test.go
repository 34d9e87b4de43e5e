package audit

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/miekg/dns"

	"github.com/mailroute/mailroute/internal/dnstest"
)

func TestParseSPF(t *testing.T) {
	p := netip.MustParsePrefix
	tests := []struct {
		in      string
		want    []SPFTerm
		wantErr string
	}{
		{"v=spf1", nil, ""},
		{"V=SPF1 -ALL", []SPFTerm{{Qualifier: "-", Mechanism: "all", CIDR4: -1, CIDR6: -1, Raw: "-ALL"}}, ""},
		{"v=spf1  ip4:192.0.2.1\tip4:192.0.2.0/24 ip6:2001:DB8::/32 ~all", []SPFTerm{
			{Qualifier: "+", Mechanism: "ip4", Prefix: p("192.0.2.1/32"), CIDR4: -1, CIDR6: -1, Raw: "ip4:192.0.2.1"},
			{Qualifier: "+", Mechanism: "ip4", Prefix: p("192.0.2.0/24"), CIDR4: -1, CIDR6: -1, Raw: "ip4:192.0.2.0/24"},
			{Qualifier: "+", Mechanism: "ip6", Prefix: p("2001:db8::/32"), CIDR4: -1, CIDR6: -1, Raw: "ip6:2001:DB8::/32"},
			{Qualifier: "~", Mechanism: "all", CIDR4: -1, CIDR6: -1, Raw: "~all"},
		}, ""},
		{"v=spf1 ip4:192.0.2.77/24", []SPFTerm{{Qualifier: "+", Mechanism: "ip4", Prefix: p("192.0.2.0/24"), CIDR4: -1, CIDR6: -1, Raw: "ip4:192.0.2.77/24"}}, ""},
		{"v=spf1 a a/24 a:mail.example.com a:mail.example.com/28//64 mx//56 ?mx:example.net/30", []SPFTerm{
			{Qualifier: "+", Mechanism: "a", CIDR4: -1, CIDR6: -1, Raw: "a"},
			{Qualifier: "+", Mechanism: "a", CIDR4: 24, CIDR6: -1, Raw: "a/24"},
			{Qualifier: "+", Mechanism: "a", Domain: "mail.example.com", CIDR4: -1, CIDR6: -1, Raw: "a:mail.example.com"},
			{Qualifier: "+", Mechanism: "a", Domain: "mail.example.com", CIDR4: 28, CIDR6: 64, Raw: "a:mail.example.com/28//64"},
			{Qualifier: "+", Mechanism: "mx", CIDR4: -1, CIDR6: 56, Raw: "mx//56"},
			{Qualifier: "?", Mechanism: "mx", Domain: "example.net", CIDR4: 30, CIDR6: -1, Raw: "?mx:example.net/30"},
		}, ""},
		{"v=spf1 include:_spf.example.net exists:%{i}._spf.%{d} ptr ptr:example.org redirect=_spf.example.com exp=explain.%{d} x-custom=1", []SPFTerm{
			{Qualifier: "+", Mechanism: "include", Domain: "_spf.example.net", CIDR4: -1, CIDR6: -1, Raw: "include:_spf.example.net"},
			{Qualifier: "+", Mechanism: "exists", Domain: "%{i}._spf.%{d}", Macro: true, CIDR4: -1, CIDR6: -1, Raw: "exists:%{i}._spf.%{d}"},
			{Qualifier: "+", Mechanism: "ptr", CIDR4: -1, CIDR6: -1, Raw: "ptr"},
			{Qualifier: "+", Mechanism: "ptr", Domain: "example.org", CIDR4: -1, CIDR6: -1, Raw: "ptr:example.org"},
			{Modifier: "redirect", Domain: "_spf.example.com", CIDR4: -1, CIDR6: -1, Raw: "redirect=_spf.example.com"},
			{Modifier: "exp", Domain: "explain.%{d}", Macro: true, CIDR4: -1, CIDR6: -1, Raw: "exp=explain.%{d}"},
			{Modifier: "x-custom", Domain: "1", CIDR4: -1, CIDR6: -1, Raw: "x-custom=1"},
		}, ""},
		{"v=spf1 include:%{ir}.%{v}._spf.%{d2} a:%%.example.com", []SPFTerm{
			{Qualifier: "+", Mechanism: "include", Domain: "%{ir}.%{v}._spf.%{d2}", Macro: true, CIDR4: -1, CIDR6: -1, Raw: "include:%{ir}.%{v}._spf.%{d2}"},
			{Qualifier: "+", Mechanism: "a", Domain: "%%.example.com", CIDR4: -1, CIDR6: -1, Raw: "a:%%.example.com"},
		}, ""},
		// Errors.
		{"v=spf10 -all", nil, `does not start with "v=spf1"`},
		{"spf1 -all", nil, `does not start with "v=spf1"`},
		{"", nil, `does not start with "v=spf1"`},
		{"v=spf1 foo:bar", nil, `unknown mechanism "foo"`},
		{"v=spf1 ip4:192.0.2.1 ip4:2001:db8::1", nil, "wrong family"},
		{"v=spf1 ip4:192.0.2.0/33", nil, "out of range"},
		{"v=spf1 ip4:192.0.2.0/08", nil, "leading zero"},
		{"v=spf1 ip6:2001:db8::/129", nil, "out of range"},
		{"v=spf1 ip6:fe80::1%eth0", nil, "bad ip6 address"},
		{"v=spf1 ip4", nil, "needs an address"},
		{"v=spf1 include:", nil, "needs a domain-spec"},
		{"v=spf1 include:localhost", nil, "not a domain name"},
		{"v=spf1 a:", nil, "empty domain-spec"},
		{"v=spf1 a/33", nil, "out of range"},
		{"v=spf1 a:example.com/24/", nil, "bad cidr-length"},
		{"v=spf1 all:example.com", nil, "all takes no argument"},
		{"v=spf1 ptr/24", nil, "ptr takes no cidr-length"},
		{"v=spf1 exists:%{x}.example.com", nil, "bad macro letter"},
		{"v=spf1 exists:%{i.example.com", nil, "unterminated macro"},
		{"v=spf1 exists:%{i5r!}.example.com", nil, "bad delimiter"},
		{"v=spf1 exists:100%.example.com", nil, "bad macro"},
		{"v=spf1 exists:example.com%", nil, "lone %"},
		{"v=spf1 redirect=a.example.com redirect=b.example.com", nil, "redirect given twice"},
		{"v=spf1 redirect=", nil, "empty domain-spec"},
		{"v=spf1 " + strings.Repeat("a ", maxSPFLen), nil, "more than 8192"},
	}
	for _, tt := range tests {
		t.Run(tt.in[:min(len(tt.in), 60)], func(t *testing.T) {
			got, err := ParseSPF(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got.Terms, cmpopts.EquateEmpty(), cmpopts.EquateComparable(netip.Prefix{})); diff != "" {
				t.Errorf("ParseSPF(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestQueriesDNS(t *testing.T) {
	rec, err := ParseSPF("v=spf1 include:a.example a mx ptr exists:b.example ip4:192.0.2.1 ip6:2001:db8::1 all redirect=c.example exp=d.example")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, term := range rec.Terms {
		if term.QueriesDNS() {
			got = append(got, term.Raw)
		}
	}
	want := []string{"include:a.example", "a", "mx", "ptr", "exists:b.example", "redirect=c.example"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DNS-querying terms (-want +got):\n%s", diff)
	}
}

func TestParseTags(t *testing.T) {
	tests := []struct {
		in   string
		want []Tag
	}{
		{"v=DMARC1; p=reject; rua=mailto:a@example.com, mailto:b@example.com", []Tag{{"v", "DMARC1"}, {"p", "reject"}, {"rua", "mailto:a@example.com, mailto:b@example.com"}}},
		{"v=STSv1;id=2024;", []Tag{{"v", "STSv1"}, {"id", "2024"}}},
		{" ;; P = none ; junk ;", []Tag{{"p", "none"}, {"junk", ""}}},
		{"", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, ParseTags(tt.in), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("ParseTags(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
	if got := splitURIs(" mailto:a@example.com ,, https://x.example/r "); !cmp.Equal(got, []string{"mailto:a@example.com", "https://x.example/r"}) {
		t.Errorf("splitURIs = %q", got)
	}
}

// spfSeeds returns the SPF records of the fixture zone.
func spfSeeds(f *testing.F) []string {
	zone, err := os.ReadFile(filepath.Join("testdata", "zone.txt"))
	if err != nil {
		f.Fatal(err)
	}
	rrs, err := dnstest.ParseZone(string(zone), ".")
	if err != nil {
		f.Fatal(err)
	}
	var seeds []string
	for _, rr := range rrs {
		if txt, ok := rr.(*dns.TXT); ok && IsSPF(strings.Join(txt.Txt, "")) {
			seeds = append(seeds, strings.Join(txt.Txt, ""))
		}
	}
	if len(seeds) < 10 {
		f.Fatalf("only %d SPF seeds in the fixture zone", len(seeds))
	}
	return seeds
}

func FuzzParseSPF(f *testing.F) {
	for _, s := range spfSeeds(f) {
		f.Add(s)
	}
	for _, s := range []string{
		"v=spf1 a:mail.example.com/28//64 mx//56 include:%{ir}.%{v}._spf.%{d2} exists:%{i}._spf.%{d} -all",
		"v=spf1 ip6:2001:db8::/32 ip4:192.0.2.0/24 redirect=_spf.example.com exp=%{d}",
		"v=spf1 %{", "v=spf1 a:%", "v=spf1 =x", "v=spf1 a//", "v=spf1 ip4:/", "v=spf1 -",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rec, err := ParseSPF(s)
		if err == nil && !IsSPF(s) {
			t.Fatalf("ParseSPF(%q) accepted a record that IsSPF rejects", s)
		}
		for _, term := range rec.Terms {
			if (term.Mechanism == "") == (term.Modifier == "") {
				t.Fatalf("term %q is both or neither mechanism and modifier", term.Raw)
			}
			if term.Raw == "" || !strings.Contains(s, term.Raw) {
				t.Fatalf("term raw %q not in the record", term.Raw)
			}
			if (term.Mechanism == "ip4" || term.Mechanism == "ip6") && !term.Prefix.IsValid() {
				t.Fatalf("term %q has no valid prefix", term.Raw)
			}
			if term.CIDR4 > 32 || term.CIDR6 > 128 {
				t.Fatalf("term %q: cidr lengths %d %d", term.Raw, term.CIDR4, term.CIDR6)
			}
		}
	})
}

func FuzzParseTags(f *testing.F) {
	for _, s := range []string{
		"v=DMARC1; p=reject; sp=none; pct=50; rua=mailto:a@example.com",
		"v=STSv1; id=20240101T000000;", "v=TLSRPTv1; rua=mailto:t@example.com", ";;=;", "a=b=c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, tag := range ParseTags(s) {
			if tag.Name != strings.ToLower(tag.Name) || strings.ContainsRune(tag.Name, ';') || strings.ContainsRune(tag.Value, ';') {
				t.Fatalf("ParseTags(%q): bad tag %+v", s, tag)
			}
		}
		if p, ok := parsePercent(s); p < 0 || p > 100 || (!ok && p != 100) {
			t.Fatalf("parsePercent(%q) = %d, %v", s, p, ok)
		}
	})
}

func BenchmarkParseSPF(b *testing.B) {
	rec := "v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.0/24 ip6:2001:db8::/32 a:mail.example.com/28//64 mx include:_spf.example.net include:%{ir}.%{v}._spf.%{d2} exists:%{i}._spf.%{d} redirect=_spf.example.com"
	b.ReportAllocs()
	b.SetBytes(int64(len(rec)))
	for b.Loop() {
		if _, err := ParseSPF(rec); err != nil {
			b.Fatal(err)
		}
	}
}

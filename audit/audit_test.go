package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/mailroute/mailroute/jurisdiction"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/miekg/dns"

	"github.com/mailroute/mailroute/analyzer"
	"github.com/mailroute/mailroute/internal/dnstest"
	"github.com/mailroute/mailroute/internal/golden"
	"github.com/mailroute/mailroute/resolver"
)

// mapLocator places addresses by a fixed table of networks, so no
// geolocation database is needed.
type mapLocator struct {
	nets []netip.Prefix
	locs []analyzer.Location
	seen []netip.Addr
}

func newMapLocator() *mapLocator {
	src := []analyzer.DataSource{{Name: "fixture", Type: "embedded", Built: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}
	l := &mapLocator{}
	add := func(p, country, city string, asn uint, org string) {
		l.nets = append(l.nets, netip.MustParsePrefix(p))
		l.locs = append(l.locs, analyzer.Location{Country: country, City: city, ASN: asn, ASOrg: org, Source: src})
	}
	add("192.0.2.0/24", "DE", "Berlin", 64500, "Example Mail GmbH")
	add("2001:db8:1::/48", "DE", "Berlin", 64500, "Example Mail GmbH")
	add("198.51.100.0/24", "US", "Ashburn", 64501, "Example Net Inc.")
	add("2001:db8:51::/48", "US", "Ashburn", 64501, "Example Net Inc.")
	add("203.0.113.0/24", "IE", "Dublin", 64501, "Example Net Inc.")
	add("198.18.0.0/15", "CH", "Zurich", 64502, "Cloud Example AG")
	return l
}

func (l *mapLocator) Locate(a netip.Addr) analyzer.Location {
	l.seen = append(l.seen, a)
	for i, p := range l.nets {
		if p.Contains(a) {
			return l.locs[i]
		}
	}
	return analyzer.Location{}
}

func fixture(t testing.TB) (*resolver.Client, *dnstest.Server) {
	t.Helper()
	zone, err := os.ReadFile(filepath.Join("testdata", "zone.txt"))
	if err != nil {
		t.Fatal(err)
	}
	srv := dnstest.Start(t, string(zone), dnstest.Options{
		AD:       []string{"_25._tcp.mx1.example.com"},
		Truncate: []string{"big.example.org"},
		ServFail: []string{"servfail.example.org"},
		Drop:     []string{"_dmarc.broken.example.org"},
	})
	c, err := resolver.New(resolver.Options{Server: srv.Addr, Timeout: 200 * time.Millisecond, Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

func home(t testing.TB, s string) jurisdiction.Home {
	t.Helper()
	h, err := jurisdiction.ParseHome(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// goldenDomains are audited for the golden files, in this order.
var goldenDomains = []string{"example.com", "nullmx.example.org", "implicit.example.org", "missing.example.org", "redirect.example.org", "pipes.example.org"}

func TestGolden(t *testing.T) {
	c, _ := fixture(t)
	opts := Options{Locator: newMapLocator(), Home: home(t, "DE")}
	var reports []Report
	for _, d := range goldenDomains {
		reports = append(reports, Check(t.Context(), c, d, opts))
	}
	for _, tt := range []struct {
		file  string
		write func(*bytes.Buffer, []Report) error
	}{
		{"audit.txt", func(b *bytes.Buffer, r []Report) error { return WriteTable(b, r) }},
		{"audit.jsonl", func(b *bytes.Buffer, r []Report) error { return WriteJSON(b, r) }},
		{"audit.md", func(b *bytes.Buffer, r []Report) error { return WriteMarkdown(b, r) }},
	} {
		t.Run(tt.file, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.write(&b, reports); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", tt.file), b.Bytes())
		})
	}
	// The JSON Lines output has one object per domain, each with the schema version.
	var b bytes.Buffer
	if err := WriteJSON(&b, reports); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != len(goldenDomains) {
		t.Fatalf("%d JSON lines, want %d", len(lines), len(goldenDomains))
	}
	for i, line := range lines {
		var got struct {
			SchemaVersion int    `json:"schema_version"`
			Domain        string `json:"domain"`
		}
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if got.SchemaVersion != SchemaVersion || got.Domain != goldenDomains[i] {
			t.Errorf("line %d: schema_version %d domain %q", i+1, got.SchemaVersion, got.Domain)
		}
	}
}

func TestInbound(t *testing.T) {
	c, _ := fixture(t)
	tests := []struct {
		domain     string
		wantStatus string
		wantExists bool
		wantHosts  []string // "pref host addr,addr"
	}{
		{"example.com", InboundMX, true, []string{"10 mx1.example.com 192.0.2.1,2001:db8:1::1", "10 mx2.example.com 192.0.2.2", "20 backup.example.net 198.51.100.7"}},
		{"EXAMPLE.com.", InboundMX, true, []string{"10 mx1.example.com 192.0.2.1,2001:db8:1::1", "10 mx2.example.com 192.0.2.2", "20 backup.example.net 198.51.100.7"}},
		{"nullmx.example.org", InboundNullMX, true, nil},
		{"implicit.example.org", InboundImplicitMX, true, []string{"0 implicit.example.org 192.0.2.50,2001:db8:1::50"}},
		{"nomail.example.org", InboundNoMail, true, nil},
		{"missing.example.org", InboundNXDomain, false, nil},
		{"servfail.example.org", InboundUnknown, true, nil},
		{"bad domain\x1b.example.org", InboundUnknown, true, nil},
		{" . ", InboundUnknown, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			r := Check(t.Context(), c, tt.domain, Options{Locator: newMapLocator()})
			if r.Inbound.Status != tt.wantStatus || r.Exists != tt.wantExists {
				t.Errorf("status %q exists %v, want %q %v (notes %q)", r.Inbound.Status, r.Exists, tt.wantStatus, tt.wantExists, r.Inbound.Notes)
			}
			var got []string
			for _, h := range r.Inbound.MX {
				var addrs []string
				for _, a := range h.Addresses {
					addrs = append(addrs, a.IP.String())
					if a.Location.Country == "" || a.Jurisdiction == jurisdiction.ClassUnknown {
						t.Errorf("%s %s not located: %+v", h.Host, a.IP, a)
					}
				}
				got = append(got, strings.Join([]string{itoa(int(h.Preference)), h.Host, strings.Join(addrs, ",")}, " "))
			}
			if diff := cmp.Diff(tt.wantHosts, got); diff != "" {
				t.Errorf("MX hosts mismatch (-want +got):\n%s", diff)
			}
			if r.Verdict == "" {
				t.Error("empty verdict")
			}
		})
	}
}

func itoa(i int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + jsonNum(i)) }

func jsonNum(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestOutbound(t *testing.T) {
	c, srv := fixture(t)
	type want struct {
		status     string
		all        string
		lookups    int
		overLimit  bool
		voids      int
		overVoid   bool
		authorised []string // "prefix via" of authorised networks
		unexpanded int
		noteHas    string
	}
	tests := []struct {
		domain string
		want   want
	}{
		// a, mx, include, include (nested), exists, ptr, include; redirect
		// is ignored because the record has "all" (RFC 7208 6.1).
		{"example.com", want{status: SPFOK, all: "-all", lookups: 7, authorised: []string{
			"192.0.2.0/24 ", "192.0.2.32/28 ", "192.0.2.1/32 ", "2001:db8:1::1/128 ", "192.0.2.2/32 ", "198.51.100.7/32 ",
			"198.51.100.0/24 include:_spf.example.net", "2001:db8:51::/48 include:_spf.example.net",
			"203.0.113.0/25 include:_spf.example.net>include:_netblocks.example.net",
			"198.18.0.0/15 include:_spf.cloud.example", "10.0.0.0/8 include:_spf.cloud.example",
		}, unexpanded: 2}},
		{"redirect.example.org", want{status: SPFOK, all: "~all", lookups: 4, authorised: []string{
			"198.51.100.0/24 redirect=_spf.example.net", "2001:db8:51::/48 redirect=_spf.example.net",
			"203.0.113.0/25 redirect=_spf.example.net>include:_netblocks.example.net",
		}, unexpanded: 2}},
		{"loop.example.org", want{status: SPFOK, all: "-all", lookups: 2, authorised: []string{
			"192.0.2.77/32 include:loop2.example.org",
		}, noteHas: "loop: include:loop.example.org leads back to loop.example.org"}},
		{"many.example.org", want{status: SPFOK, all: "-all", lookups: 11, overLimit: true, authorised: []string{
			"192.0.2.60/32 ", "192.0.2.1/32 ", "2001:db8:1::1/128 ",
		}, noteHas: "11 DNS-querying terms, more than the limit of 10"}},
		{"void.example.org", want{status: SPFOK, all: "-all", lookups: 3, voids: 3, overVoid: true, authorised: []string{"192.0.2.9/32 "}}},
		{"multi.example.org", want{status: SPFMultiple, noteHas: "2 v=spf1 records"}},
		{"implicit.example.org", want{status: SPFNone}},
		{"big.example.org", want{status: SPFOK, all: "-all", authorised: []string{
			"192.0.2.101/32 ", "192.0.2.102/32 ", "192.0.2.103/32 ", "192.0.2.104/32 ", "192.0.2.105/32 ", "192.0.2.106/32 ", "192.0.2.107/32 ",
			"192.0.2.108/32 ", "192.0.2.109/32 ", "192.0.2.110/32 ", "192.0.2.111/32 ", "192.0.2.112/32 ", "192.0.2.113/32 ", "192.0.2.114/32 ",
		}}},
		{"plusall.example.org", want{status: SPFOK, all: "+all", noteHas: "authorises every address"}},
		{"invalid.example.org", want{status: SPFInvalid, authorised: []string{"192.0.2.1/32 "}, noteHas: `unknown mechanism "foo"`}},
		{"servfail.example.org", want{status: SPFUnknown}},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			o := Check(t.Context(), c, tt.domain, Options{Locator: newMapLocator()}).Outbound
			var auth []string
			for _, n := range o.Networks {
				if n.Authorised {
					auth = append(auth, n.Prefix.String()+" "+strings.Join(n.Via, ">"))
				}
			}
			got := want{status: o.Status, all: o.All, lookups: o.Lookups, overLimit: o.LookupLimitExceeded, voids: o.VoidLookups,
				overVoid: o.VoidLimitExceeded, authorised: auth, unexpanded: len(o.Unexpanded), noteHas: tt.want.noteHas}
			if tt.want.noteHas != "" && !slices.ContainsFunc(o.Notes, func(n string) bool { return strings.Contains(n, tt.want.noteHas) }) {
				t.Errorf("no note contains %q: %q", tt.want.noteHas, o.Notes)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("outbound mismatch (-want +got):\n%s\nnotes: %q", diff, o.Notes)
			}
		})
	}
	if srv.TCP() == 0 {
		t.Error("the truncated TXT answer of big.example.org was not retried over TCP")
	}
}

func TestSPFHardLimit(t *testing.T) {
	// A chain of 50 includes: the audit counts past the limit of 10 and stops
	// at its own limit of 40 instead of following the chain to the end.
	var zone strings.Builder
	zone.WriteString("chain.example.  MX 10 mx.chain.example.\nmx.chain.example. A 192.0.2.1\n")
	zone.WriteString("chain.example. TXT \"v=spf1 include:i0.chain.example -all\"\n")
	for i := range 50 {
		fmt.Fprintf(&zone, "i%d.chain.example. TXT \"v=spf1 ip4:192.0.2.%d include:i%d.chain.example -all\"\n", i, i, i+1)
	}
	srv := dnstest.Start(t, zone.String(), dnstest.Options{})
	c, err := resolver.New(resolver.Options{Server: srv.Addr, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	o := Check(t.Context(), c, "chain.example", Options{}).Outbound
	if o.Lookups != spfHardLimit+1 || !o.LookupLimitExceeded || len(o.Networks) != spfHardLimit {
		t.Errorf("lookups %d (exceeded %v), %d networks; want %d, true, %d", o.Lookups, o.LookupLimitExceeded, len(o.Networks), spfHardLimit+1, spfHardLimit)
	}
	if !slices.ContainsFunc(o.Notes, func(n string) bool { return strings.HasPrefix(n, "expansion stopped") }) {
		t.Errorf("no note says the expansion stopped: %q", o.Notes)
	}
	if n := srv.Count("i45.chain.example", dns.TypeTXT); n != 0 {
		t.Errorf("the audit followed the chain past its limit")
	}
}

func TestShares(t *testing.T) {
	c, _ := fixture(t)
	loc := newMapLocator()
	r := Check(t.Context(), c, "example.com", Options{Locator: loc, Home: home(t, "DE")})
	o := r.Outbound
	// Authorised IPv4: 192.0.2.0/24 (256, covers .32/28, .1, .2), 198.51.100.7,
	// 198.51.100.0/24 (256), 198.18.0.0/15 (131072), 10.0.0.0/8 internal (16777216).
	gotCountry := map[string]uint64{}
	for _, s := range o.ByCountry {
		gotCountry[s.Key] = s.IPv4Addresses
	}
	// 192.0.2.32/28, .1 and .2 lie inside 192.0.2.0/24, 198.51.100.7 inside
	// 198.51.100.0/24: counted once.
	// 10.0.0.0/8 is internal: listed, but not in the shares.
	wantCountry := map[string]uint64{"DE": 256, "US": 256, "IE": 128, "CH": 131072}
	if diff := cmp.Diff(wantCountry, gotCountry); diff != "" {
		t.Errorf("IPv4 addresses by country (-want +got):\n%s", diff)
	}
	if c := o.ByCountry[0]; c.Key != "CH" || c.IPv4Percent != 99.5 || c.Jurisdiction != jurisdiction.ClassAdequate {
		t.Errorf("largest share = %+v, want CH 99.5%% adequate", c)
	}
	var includes []string
	for _, inc := range o.ByInclude {
		includes = append(includes, inc.Include)
	}
	if diff := cmp.Diff([]string{ownRecord, "include:_spf.example.net", "include:_spf.cloud.example"}, includes); diff != "" {
		t.Errorf("includes (-want +got):\n%s", diff)
	}
	if org := o.ByInclude[2].ByOrganisation; len(org) != 1 || org[0].Key != "Cloud Example AG" || org[0].IPv4Percent != 100 {
		t.Errorf("include:_spf.cloud.example organisations = %+v", org)
	}
	for _, a := range loc.seen {
		if analyzer.DefaultInternal(a) {
			t.Errorf("internal address %s was passed to the Locator", a)
		}
	}
	for _, want := range []string{
		"Mail for example.com is received by 3 MX hosts with addresses in DE (Example Mail GmbH) and US (Example Net Inc.).",
		"Receiving addresses outside the EU/EEA: US (Example Net Inc.) [third-country].",
		"Sending networks outside the EU/EEA: CH (Cloud Example AG) [adequate] and US (Example Net Inc.) [third-country].",
		"include:_spf.cloud.example contributes networks of Cloud Example AG in CH.",
		"It also authorises private or non-routable networks (10.0.0.0/8)",
		"DANE for 2 of 3 MX hosts (1 DNSSEC-validated by the resolver)",
		"DMARC p=reject pct=50",
		"Data Privacy Framework",
	} {
		if !strings.Contains(r.Verdict, want) {
			t.Errorf("verdict lacks %q:\n%s", want, r.Verdict)
		}
	}
}

func TestTransport(t *testing.T) {
	c, _ := fixture(t)
	tests := []struct {
		domain    string
		mtaSTS    string // id, "" when absent
		tlsRPT    []string
		dmarc     string // policy
		pct       int
		dane      map[string]bool // host -> validated, for hosts with records
		dmarcNote string
	}{
		{"example.com", "20240101T000000", []string{"mailto:tlsrpt@example.com", "https://report.example.com/tls"}, "reject", 50,
			map[string]bool{"mx1.example.com": true, "mx2.example.com": false}, ""},
		{"pipes.example.org", "", nil, "none", 100, map[string]bool{"mx1.example.com": true}, ""},
		{"broken.example.org", "", nil, "", 0, map[string]bool{"mx1.example.com": true}, ""},
		{"plusall.example.org", "", nil, "", 0, map[string]bool{"mx1.example.com": true}, "no record at _dmarc.plusall.example.org"},
		{"sub.example.com", "", nil, "quarantine", 50, map[string]bool{"mx1.example.com": true},
			"no record at _dmarc.sub.example.com; the organisational domain example.com's record applies (RFC 7489 6.6.3)"},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			start := time.Now()
			tr := Check(t.Context(), c, tt.domain, Options{}).Transport
			if time.Since(start) > 3*time.Second {
				t.Errorf("Check took %v", time.Since(start))
			}
			if tr.MTASTS.ID != tt.mtaSTS || tr.MTASTS.Present != (tt.mtaSTS != "") {
				t.Errorf("MTA-STS = %+v, want id %q", tr.MTASTS, tt.mtaSTS)
			}
			if !slices.ContainsFunc(tr.MTASTS.Notes, func(n string) bool { return strings.HasPrefix(n, "policy not fetched") }) {
				t.Errorf("MTA-STS notes %q do not say the policy was not fetched", tr.MTASTS.Notes)
			}
			if diff := cmp.Diff(tt.tlsRPT, tr.TLSRPT.RUA, cmpopts.EquateEmpty()); diff != "" || tr.TLSRPT.Present != (tt.tlsRPT != nil) {
				t.Errorf("TLS-RPT %+v (-want +got):\n%s", tr.TLSRPT, diff)
			}
			if tr.DMARC.Policy != tt.dmarc || tr.DMARC.Percent != tt.pct {
				t.Errorf("DMARC = %+v, want p=%s pct=%d", tr.DMARC, tt.dmarc, tt.pct)
			}
			wantStatus := StatusOK
			switch {
			case tt.domain == "broken.example.org":
				wantStatus = StatusUnknown
			case tt.dmarc == "":
				wantStatus = StatusMissing
			}
			if tr.DMARC.Status != wantStatus {
				t.Errorf("DMARC status %q, want %q", tr.DMARC.Status, wantStatus)
			}
			if tt.dmarcNote != "" && !slices.Contains(tr.DMARC.Notes, tt.dmarcNote) {
				t.Errorf("DMARC notes %q lack %q", tr.DMARC.Notes, tt.dmarcNote)
			}
			got := map[string]bool{}
			for _, d := range tr.DANE {
				if len(d.Records) > 0 {
					got[d.Host] = d.Validated
				}
			}
			if diff := cmp.Diff(tt.dane, got); diff != "" {
				t.Errorf("DANE (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRenderEscapes(t *testing.T) {
	r := Report{
		SchemaVersion: SchemaVersion,
		Domain:        "evil.example",
		Home:          "EEA",
		Exists:        true,
		Inbound: Inbound{Status: InboundMX, MX: []MXHost{{Preference: 1, Host: "mx\x1b[31m.evil|example", Addresses: []Address{
			{IP: netip.MustParseAddr("192.0.2.1"), Location: analyzer.Location{Country: "DE", ASOrg: "Org | \u202eevil\x07"}, Jurisdiction: jurisdiction.ClassEUEEA},
		}}}},
		Outbound: Outbound{Status: SPFOK, Record: "v=spf1 \x1b]0;title\x07 -all"},
		Verdict:  "Mail \x1b[2J is <b>received</b> | here.",
	}
	var text, md bytes.Buffer
	if err := WriteTable(&text, []Report{r}); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(&md, []Report{r}); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"table": text.String(), "markdown": md.String()} {
		if strings.ContainsAny(out, "\x1b\x07\u202e") {
			t.Errorf("%s output holds control characters:\n%q", name, out)
		}
	}
	for _, line := range strings.Split(md.String(), "\n") {
		if strings.HasPrefix(line, "|") && strings.Contains(line, "Org") {
			if !strings.Contains(line, `Org \| evil`) || strings.Count(line, "|")-strings.Count(line, `\|`) != 9 {
				t.Errorf("markdown row not escaped: %q", line)
			}
		}
	}
	if !strings.Contains(md.String(), "&lt;b&gt;") {
		t.Errorf("markdown verdict not HTML-escaped:\n%s", md.String())
	}
}

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestWriteErrors(t *testing.T) {
	r := []Report{{Domain: "example.com"}}
	for name, write := range map[string]func() error{
		"table":    func() error { return WriteTable(failWriter{}, r) },
		"json":     func() error { return WriteJSON(failWriter{}, r) },
		"markdown": func() error { return WriteMarkdown(failWriter{}, r) },
	} {
		if err := write(); err == nil || !strings.Contains(err.Error(), "example.com") {
			t.Errorf("%s: err = %v, want a write error naming the domain", name, err)
		}
	}
}

func TestCheckCanceled(t *testing.T) {
	c, _ := fixture(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	r := Check(ctx, c, "example.com", Options{})
	if r.Inbound.Status != InboundUnknown {
		t.Errorf("canceled check: inbound status %q, want %q", r.Inbound.Status, InboundUnknown)
	}
}

func BenchmarkCheck(b *testing.B) {
	c, _ := fixture(b)
	opts := Options{Locator: newMapLocator()}
	Check(b.Context(), c, "example.com", opts) // warm the cache: measure the audit, not the fixture server
	b.ReportAllocs()
	for b.Loop() {
		Check(b.Context(), c, "example.com", opts)
	}
}

func TestNoLocator(t *testing.T) {
	c, _ := fixture(t)
	r := Check(t.Context(), c, "example.com", Options{})
	for _, h := range r.Inbound.MX {
		for _, a := range h.Addresses {
			if a.Jurisdiction != jurisdiction.ClassUnknown || a.Location.Country != "" {
				t.Errorf("%s located without a Locator: %+v", a.IP, a)
			}
		}
	}
	if r.Home != "EEA" {
		t.Errorf("default home = %q, want EEA", r.Home)
	}
	for _, want := range []string{"addresses in an unknown country", "Some receiving addresses could not be located.", "Some sending networks could not be located."} {
		if !strings.Contains(r.Verdict, want) {
			t.Errorf("verdict lacks %q:\n%s", want, r.Verdict)
		}
	}
}

// TestUnknownIsNotMissing checks that a failed look-up is reported as
// unknown, with the DNS error, in the statuses, the unknown list, the
// verdict and every output format, and never as missing.
func TestUnknownIsNotMissing(t *testing.T) {
	zone := `
ok.example.      MX  10 mx.ok.example.
mx.ok.example.   A   192.0.2.1
mx2.ok.example.  A   192.0.2.2
ok.example.      TXT "v=spf1 ip4:192.0.2.1 include:_spf.fail.example -all"
mx3.ok.example.  A   192.0.2.3
half.example.    MX  10 mx3.ok.example.
half.example.    MX  20 mx2.ok.example.
half.example.    TXT "v=spf1 -all"
_dmarc.half.example. TXT "v=DMARC1; p=reject"
`
	srv := dnstest.Start(t, zone, dnstest.Options{
		ServFail: []string{"_mta-sts.ok.example", "_smtp._tls.ok.example", "_dmarc.ok.example", "_25._tcp.mx.ok.example", "_spf.fail.example",
			"_mta-sts.half.example", "_25._tcp.mx2.ok.example", "servfail.example"},
	})
	c, err := resolver.New(resolver.Options{Server: srv.Addr, Timeout: 200 * time.Millisecond, Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		domain      string
		wantUnknown []string // checks
		verdictHas  []string
		verdictNot  []string
	}{
		{"ok.example", []string{"SPF expansion", "MTA-STS", "TLS-RPT", "DANE mx.ok.example", "DMARC"},
			[]string{"Could not be checked (DNS error): MTA-STS, TLS-RPT, DANE and DMARC.", "1 look-up of the SPF expansion could not be checked"},
			[]string{"Missing"}},
		{"half.example", []string{"MTA-STS", "DANE mx2.ok.example"},
			[]string{"Missing: TLS-RPT.", "Could not be checked (DNS error): MTA-STS and DANE (1 of 2 MX hosts).", "DMARC p=reject"},
			[]string{"Missing: MTA-STS"}},
		// Only the domain's own name fails; _mta-sts etc. answer NXDOMAIN.
		{"servfail.example", []string{"MX", "SPF", "DANE"},
			[]string{"could not be checked (DNS error), so where it receives mail is unknown", "Its SPF record could not be checked",
				"Missing: MTA-STS, TLS-RPT and DMARC.", "Could not be checked (DNS error): DANE (the MX hosts are unknown)."},
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			r := Check(t.Context(), c, tt.domain, Options{})
			var got []string
			for _, u := range r.Unknown {
				got = append(got, u.Check)
				if !strings.Contains(u.Error, "SERVFAIL") && !strings.Contains(u.Error, "not checked") {
					t.Errorf("%s: error %q does not give the DNS error", u.Check, u.Error)
				}
			}
			if diff := cmp.Diff(tt.wantUnknown, got); diff != "" {
				t.Errorf("unknown checks (-want +got):\n%s", diff)
			}
			for _, want := range tt.verdictHas {
				if !strings.Contains(r.Verdict, want) {
					t.Errorf("verdict lacks %q:\n%s", want, r.Verdict)
				}
			}
			for _, not := range tt.verdictNot {
				if strings.Contains(r.Verdict, not) {
					t.Errorf("verdict has %q:\n%s", not, r.Verdict)
				}
			}
			for name, write := range map[string]func(*bytes.Buffer) error{
				"table":    func(b *bytes.Buffer) error { return WriteTable(b, []Report{r}) },
				"markdown": func(b *bytes.Buffer) error { return WriteMarkdown(b, []Report{r}) },
				"json":     func(b *bytes.Buffer) error { return WriteJSON(b, []Report{r}) },
			} {
				var b bytes.Buffer
				if err := write(&b); err != nil {
					t.Fatal(err)
				}
				want := "unknown (DNS error: "
				if name == "json" {
					want = `"status":"unknown","error":"`
				}
				if !strings.Contains(b.String(), want) {
					t.Errorf("%s output lacks %q:\n%s", name, want, b.String())
				}
				if name == "table" && strings.Contains(b.String(), "| missing |") && tt.domain == "ok.example" {
					t.Errorf("table output calls an unknown check missing:\n%s", b.String())
				}
			}
		})
	}
}

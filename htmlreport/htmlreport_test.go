package htmlreport

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailroute/mailroute/analyzer"
	"github.com/mailroute/mailroute/audit"
	"github.com/mailroute/mailroute/geo"
	"github.com/mailroute/mailroute/geo/geotest"
	"github.com/mailroute/mailroute/internal/golden"
	"github.com/mailroute/mailroute/jurisdiction"
	"github.com/mailroute/mailroute/report"
)

// fixtureNets place the relays of samples/: some with city coordinates (as
// a City database gives them), the rest by country only.
func fixtureNets() []geotest.Network {
	return []geotest.Network{
		{Prefix: "212.227.0.0/16", Country: "DE", CountryName: "Germany", City: "Karlsruhe", InEU: true, Latitude: 49.0069, Longitude: 8.4037, ASN: 8560, ASOrg: "IONOS SE"},
		{Prefix: "217.72.192.0/20", Country: "DE", CountryName: "Germany", City: "Karlsruhe", InEU: true, Latitude: 49.0069, Longitude: 8.4037, ASN: 8560, ASOrg: "IONOS SE"},
		{Prefix: "209.85.128.0/17", Country: "US", CountryName: "United States", ASN: 15169, ASOrg: "GOOGLE"},
		{Prefix: "2a00:1450::/32", Country: "IE", CountryName: "Ireland", City: "Dublin", InEU: true, Latitude: 53.3498, Longitude: -6.2603, ASN: 15169, ASOrg: "GOOGLE"},
		{Prefix: "40.92.0.0/15", Country: "US", CountryName: "United States", ASN: 8075, ASOrg: "MICROSOFT-CORP-MSN-AS-BLOCK"},
		{Prefix: "40.107.0.0/16", Country: "NL", CountryName: "Netherlands", City: "Amsterdam", InEU: true, Latitude: 52.3676, Longitude: 4.9041, ASN: 8075, ASOrg: "MICROSOFT-CORP-MSN-AS-BLOCK"},
		{Prefix: "66.163.160.0/19", Country: "US", CountryName: "United States", ASN: 36646, ASOrg: "YAHOO-NE1"},
		{Prefix: "194.25.134.0/24", Country: "DE", CountryName: "Germany", City: "Darmstadt", InEU: true, Latitude: 49.8728, Longitude: 8.6512, ASN: 3320, ASOrg: "Deutsche Telekom AG"},
		{Prefix: "84.128.0.0/10", Country: "DE", CountryName: "Germany", InEU: true, ASN: 3320, ASOrg: "Deutsche Telekom AG"},
		{Prefix: "93.192.0.0/10", Country: "DE", CountryName: "Germany", InEU: true, ASN: 3320, ASOrg: "Deutsche Telekom AG"},
		{Prefix: "185.67.36.0/22", Country: "DE", CountryName: "Germany", City: "Berlin", InEU: true, Latitude: 52.52, Longitude: 13.405, ASN: 8495, ASOrg: "Posteo e.K."},
		{Prefix: "185.70.40.0/22", Country: "CH", CountryName: "Switzerland", City: "Geneva", Latitude: 46.2044, Longitude: 6.1432, ASN: 62371, ASOrg: "Proton AG"},
		{Prefix: "17.0.0.0/8", Country: "US", CountryName: "United States", City: "Cupertino", Latitude: 37.323, Longitude: -122.0322, ASN: 714, ASOrg: "APPLE-ENGINEERING"},
		{Prefix: "80.241.56.0/21", Country: "DE", CountryName: "Germany", City: "Berlin", InEU: true, Latitude: 52.52, Longitude: 13.405, ASN: 199118, ASOrg: "Heinlein Support GmbH"},
		{Prefix: "54.240.0.0/18", Country: "US", CountryName: "United States", City: "Ashburn", Latitude: 39.0438, Longitude: -77.4874, ASN: 14618, ASOrg: "AMAZON-AES"},
		{Prefix: "45.134.26.0/24", Country: "NL", CountryName: "Netherlands", InEU: true, ASN: 49505, ASOrg: "OOO Network of data-centers Selectel"},
		{Prefix: "185.234.219.0/24", Country: "PL", CountryName: "Poland", InEU: true, ASN: 201814, ASOrg: "MEVSPACE sp. z o.o."},
	}
}

// locator adapts geo.DB to analyzer.Locator as the CLI does.
type locator struct{ db *geo.DB }

func (l locator) Locate(a netip.Addr) analyzer.Location {
	g := l.db.Lookup(a)
	loc := analyzer.Location{Country: g.Country, CountryName: g.CountryName, City: g.City,
		Latitude: g.Latitude, Longitude: g.Longitude, ASN: g.ASN, ASOrg: g.ASOrg}
	for _, s := range g.Sources {
		loc.Source = append(loc.Source, analyzer.DataSource{Name: s.Name, Type: s.Type, Built: s.Built})
	}
	return loc
}

func options(t testing.TB) analyzer.Options {
	t.Helper()
	built := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	nets := fixtureNets()
	db, err := geo.OpenBytes(geotest.City(t, built, nets...), geotest.ASN(t, built, nets...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	home, err := jurisdiction.ParseHome("EEA")
	if err != nil {
		t.Fatal(err)
	}
	return analyzer.Options{Home: home, Locator: locator{db}, Internal: geo.IsInternal}
}

// sampleResults analyses the .eml files of samples/ (sorted, as the CLI
// reads a directory), or only those named.
func sampleResults(t testing.TB, names ...string) []analyzer.Result {
	t.Helper()
	if len(names) == 0 {
		files, err := filepath.Glob("../samples/*.eml")
		if err != nil || len(files) == 0 {
			t.Fatalf("no samples: %v", err)
		}
		for _, f := range files {
			names = append(names, filepath.Base(f))
		}
	}
	opts := options(t)
	var out []analyzer.Result
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join("..", "samples", n))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, analyzer.AnalyzeReader(t.Context(), bytes.NewReader(data), "samples/"+n, opts))
	}
	return out
}

func tracePage(t testing.TB, results []analyzer.Result) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := NewTrace(&b)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func scanPage(t testing.TB, results []analyzer.Result) []byte {
	t.Helper()
	home, _ := jurisdiction.ParseHome("DE")
	agg := report.NewAggregator(report.Options{GroupBy: report.GroupBy{Kind: report.GroupProvider}, Home: home,
		Policy: report.Policy{report.RuleThirdCountry}, Examples: 5})
	for i := range results {
		agg.AddRef(&results[i], "")
	}
	agg.Add(analyzer.Result{Source: "broken.eml", Error: "broken.eml: no Received field", FailReason: analyzer.FailNoReceived}, "")
	var b bytes.Buffer
	if err := WriteScan(&b, agg.Report(), ScanInfo{InputErrors: 1, Problems: []string{"open missing.mbox: no such file"},
		Sources: []string{"GeoLite2-City (mmdb, built 2026-11-01)"}}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// providerReports are two audits as audit.Check returns them: one domain
// with MX hosts, SPF networks and transport records, one that does not
// exist.
func providerReports() []audit.Report {
	lat, lon := 52.52, 13.405
	berlin := analyzer.Location{Country: "DE", City: "Berlin", Latitude: &lat, Longitude: &lon, ASN: 8495, ASOrg: "Posteo e.K."}
	return []audit.Report{
		{
			SchemaVersion: 1, Domain: "posteo.de", Home: "DE", Exists: true,
			Inbound: audit.Inbound{Status: "ok", MX: []audit.MXHost{
				{Preference: 10, Host: "mx01.posteo.de", Addresses: []audit.Address{{IP: netip.MustParseAddr("185.67.36.65"), Location: berlin, Jurisdiction: jurisdiction.ClassHome}}},
				{Preference: 20, Host: "mx02.posteo.de", Addresses: []audit.Address{{IP: netip.MustParseAddr("10.0.0.2"), Internal: true, Jurisdiction: jurisdiction.ClassInternal}}},
			}},
			Outbound: audit.Outbound{Status: "ok", Record: "v=spf1 ip4:185.67.36.0/23 include:_spf.example.com -all", All: "-all", Lookups: 1,
				Networks: []audit.SPFNetwork{
					{Prefix: netip.MustParsePrefix("185.67.36.0/23"), Qualifier: "+", Authorised: true, Term: "ip4:185.67.36.0/23", Domain: "posteo.de", Location: berlin, Jurisdiction: jurisdiction.ClassHome},
					{Prefix: netip.MustParsePrefix("54.240.0.0/18"), Qualifier: "+", Authorised: true, Term: "ip4:54.240.0.0/18", Domain: "_spf.example.com", Via: []string{"include:_spf.example.com"},
						Location: analyzer.Location{Country: "US", ASOrg: "AMAZON-AES"}, Jurisdiction: jurisdiction.ClassThird},
				},
				ByCountry: []audit.Share{{Key: "US", Networks: 1, IPv4Addresses: 16384, IPv4Percent: 97, Jurisdiction: jurisdiction.ClassThird}, {Key: "DE", Networks: 1, IPv4Addresses: 512, IPv4Percent: 3, Jurisdiction: jurisdiction.ClassHome}},
			},
			Transport: audit.Transport{
				MTASTS: audit.MTASTS{Present: true, Record: "v=STSv1; id=2024", ID: "2024"},
				DANE:   []audit.DANE{{Host: "mx01.posteo.de", Name: "_25._tcp.mx01.posteo.de", Validated: true}},
				DMARC:  audit.DMARC{Present: true, Domain: "posteo.de", Record: "v=DMARC1; p=reject", Policy: "reject", Percent: 100},
			},
			Verdict: "Mail to posteo.de is received in Germany (home). Mail from posteo.de may be sent from Germany and the United States <third country>.",
			Notes:   []string{"US: third country"},
		},
		{SchemaVersion: 1, Domain: "no-such.example", Home: "DE", Inbound: audit.Inbound{Status: "nxdomain"}, Verdict: "The domain does not exist."},
	}
}

func providerPage(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteProvider(&b, providerReports()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	results := sampleResults(t)
	for name, got := range map[string][]byte{
		"trace-samples.html": tracePage(t, results),
		"scan-samples.html":  scanPage(t, results),
		"provider.html":      providerPage(t),
		"trace-empty.html":   tracePage(t, nil),
	} {
		t.Run(name, func(t *testing.T) { golden.Check(t, filepath.Join("testdata", name), got) })
	}
}

// TestSelfContained checks what every page must hold: the CSP, no
// reference to anything outside the page, and one script, the package's.
func TestSelfContained(t *testing.T) {
	results := sampleResults(t)
	for name, page := range map[string][]byte{"trace": tracePage(t, results), "scan": scanPage(t, results), "provider": providerPage(t)} {
		s := string(page)
		if !strings.Contains(s, `<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;sha256-`) {
			t.Errorf("%s: no CSP meta tag forbidding loads", name)
		}
		if n := strings.Count(s, "<script"); n != 1 {
			t.Errorf("%s: %d script elements, want 1", name, n)
		}
		// Every reference stays inside the page: href values are
		// fragments, and nothing has a src attribute.
		for _, m := range attrRef.FindAllStringSubmatch(s, -1) {
			if m[1] != "href" || !strings.HasPrefix(m[2], "#") {
				t.Errorf("%s: reference %s=%q leaves the page", name, m[1], m[2])
			}
		}
		for _, bad := range []string{"@import", "url("} {
			if strings.Contains(s, bad) {
				t.Errorf("%s: style sheet loads with %s", name, bad)
			}
		}
	}
}

// attrRef finds attributes that make a browser load or navigate.
var attrRef = regexp.MustCompile(`\s(href|src|srcset|action|formaction|poster|data|xlink:href|background)="([^"]*)"`)

func TestHostileHeadersEscaped(t *testing.T) {
	res := sampleResults(t, "hostile-headers.eml")
	for name, page := range map[string][]byte{"trace": tracePage(t, res), "scan": scanPage(t, res)} {
		s := string(page)
		if n := strings.Count(s, "<script"); n != 1 {
			t.Errorf("%s: %d <script occurrences, want only the page's own", name, n)
		}
		for _, bad := range []string{"<img", "<svg/onload", "<a href=\"javascript:", "\x1b", " onerror=", "</title><script"} {
			if strings.Contains(s, bad) {
				t.Errorf("%s: unescaped %q in the page", name, bad)
			}
		}
		if !strings.Contains(s, "&lt;script&gt;window.mailroutePwned=4&lt;/script&gt;") {
			t.Errorf("%s: the hostile subject is not shown as text", name)
		}
	}
}

func TestLocatedPoints(t *testing.T) {
	p, err := loadPage()
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range sampleResults(t) {
		v := p.traceMessage(1, &res)
		want := 0
		for _, n := range res.Nodes {
			if !n.Internal && n.Location.Country != "" {
				want++
			}
		}
		if len(v.Map.Points) != want || v.Placed != want {
			t.Errorf("%s: %d points (%d placed), want one per located node: %d", res.Source, len(v.Map.Points), v.Placed, want)
		}
		if len(v.Map.Points)+len(v.Unplaced) != len(res.Nodes) {
			t.Errorf("%s: %d points + %d listed beside != %d nodes", res.Source, len(v.Map.Points), len(v.Unplaced), len(res.Nodes))
		}
	}
}

func TestDuration(t *testing.T) {
	for in, want := range map[float64]string{0: "0 s", 59.4: "59 s", 61: "1 min 1 s", 3725: "1 h 2 min", 90000: "1 d 1 h", -3: "-3 s"} {
		if got := duration(&in); got != want {
			t.Errorf("duration(%v) = %q, want %q", in, got, want)
		}
	}
	if got := duration(nil); got != "-" {
		t.Errorf("duration(nil) = %q", got)
	}
}

func BenchmarkWriteScan(b *testing.B) {
	results := sampleResults(b)
	b.ReportAllocs()
	for b.Loop() {
		_ = scanPage(b, results)
	}
}

// FuzzTraceEscaping renders a message whose header-derived strings are
// arbitrary and checks that none can add markup to the page.
func FuzzTraceEscaping(f *testing.F) {
	f.Add("<script>alert(1)</script>", "\"onerror=x", "javascript:alert(1)")
	f.Add("\x1b]0;title\x07", "</title><svg/onload=1>", "a\u202eb")
	f.Add("", "", "")
	f.Fuzz(func(t *testing.T, subject, host, org string) {
		res := analyzer.Result{Source: host, Subject: subject, MessageID: org, FromDomain: host,
			Nodes: []analyzer.Node{
				{Name: host, Organisation: org, Location: analyzer.Location{Country: "DE", City: subject}, Jurisdiction: jurisdiction.Class(org)},
				{Name: subject, Location: analyzer.Location{Country: org}},
			},
			Segments: []analyzer.Segment{{From: 0, To: 1, Protocol: org, Encryption: analyzer.Encryption(subject)}},
			Flags:    []analyzer.Flag{{Code: analyzer.FlagCode(org), Detail: subject}},
			Notes:    []string{host},
		}
		page := string(tracePage(t, []analyzer.Result{res}))
		if n := strings.Count(page, "<script"); n != 1 {
			t.Fatalf("%d <script in the page", n)
		}
		for _, bad := range []string{"<svg/", "<img", "\x1b", "\u202e"} {
			if strings.Contains(page, bad) {
				t.Fatalf("%q in the page", bad)
			}
		}
		if strings.Count(page, "<svg") != 2 { // the shapes and the one map
			t.Fatalf("%d <svg elements, want 2", strings.Count(page, "<svg"))
		}
	})
}

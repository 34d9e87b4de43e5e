package analyzer

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/mailroute/mailroute/analyzer/received"
	"github.com/mailroute/mailroute/jurisdiction"
	"github.com/mailroute/mailroute/operator"
)

// fakeLocator answers from a fixed table and counts calls.
type fakeLocator struct {
	locs  map[netip.Addr]Location
	calls int
}

func (f *fakeLocator) Locate(a netip.Addr) Location {
	f.calls++
	return f.locs[a]
}

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// relay builds a parsed relay field.
func relay(from string, fromIP string, by string, with string, enc Encryption, date string) Received {
	r := Received{Parsed: true, Kind: KindRelay, FromHELO: from, FromRDNS: from, By: by, With: with, TLS: TLS{Encrypted: enc}}
	if fromIP != "" {
		r.FromIP = ip(fromIP)
	}
	if date != "" {
		r.Date = at(date)
	}
	return r
}

// path runs the path builder over fields given bottom (first hop) first, the
// way one reads a trace, and returns the result.
func path(t *testing.T, opts Options, bottomFirst ...Received) Result {
	t.Helper()
	res := newResult("test")
	for i := len(bottomFirst) - 1; i >= 0; i-- {
		rc := bottomFirst[i]
		rc.Index = len(res.Received)
		res.Received = append(res.Received, rc)
	}
	res.buildPath(context.Background(), opts.withDefaults())
	return res
}

func nodeNames(res Result) []string {
	var out []string
	for _, n := range res.Nodes {
		out = append(out, string(n.Role)+":"+n.Name+"@"+n.IP.String())
	}
	return out
}

func flagCodes(res Result) []string {
	var out []string
	for _, f := range res.Flags {
		out = append(out, string(f.Code))
	}
	return out
}

func TestBuildPath(t *testing.T) {
	tests := []struct {
		name      string
		fields    []Received // bottom first
		wantNodes []string
		wantSegs  int
		wantFlags []string
	}{
		{
			name: "three servers",
			fields: []Received{
				relay("client.example", "93.200.1.1", "mout.gmx.net", "ESMTPSA", EncryptionYes, "2026-01-02T10:00:00Z"),
				relay("mout.gmx.net", "212.227.17.5", "mx.posteo.de", "ESMTPS", EncryptionYes, "2026-01-02T10:00:02Z"),
				relay("mx.posteo.de", "185.67.36.1", "mail.posteo.de", "LMTP", EncryptionNo, "2026-01-02T10:00:03Z"),
			},
			wantNodes: []string{"origin:client.example@93.200.1.1", "relay:mout.gmx.net@212.227.17.5", "relay:mx.posteo.de@185.67.36.1", "final:mail.posteo.de@invalid IP"},
			wantSegs:  3,
		},
		{
			name: "amavis loop through localhost is one node",
			fields: []Received{
				relay("out.example.net", "203.0.113.9", "mail.example.org", "ESMTPS", EncryptionYes, "2026-01-02T10:00:00Z"),
				relay("localhost", "127.0.0.1", "mail.example.org", "ESMTP", EncryptionNo, "2026-01-02T10:00:01Z"),
				relay("localhost", "127.0.0.1", "mail.example.org", "ESMTP", EncryptionNo, "2026-01-02T10:00:02Z"),
				relay("mail.example.org", "", "mail.example.org", "LMTP", EncryptionNo, "2026-01-02T10:00:02Z"),
			},
			wantNodes: []string{"origin:out.example.net@203.0.113.9", "final:mail.example.org@invalid IP"},
			wantSegs:  1,
		},
		{
			name: "local submission starts on the server",
			fields: []Received{
				{Parsed: true, Kind: KindLocal, By: "web1.example.org", With: "local", Date: at("2026-01-02T10:00:00Z")},
				relay("web1.example.org", "198.51.100.7", "mx.example.net", "ESMTPS", EncryptionYes, "2026-01-02T10:00:05Z"),
			},
			wantNodes: []string{"origin:web1.example.org@198.51.100.7", "final:mx.example.net@invalid IP"},
			wantSegs:  1,
		},
		{
			name: "forged-looking middle hop",
			fields: []Received{
				relay("pc", "192.168.1.20", "smtp.example.org", "ESMTPSA", EncryptionYes, "2026-01-02T10:00:00Z"),
				relay("mail.google.com", "45.9.8.7", "relay.other.net", "SMTP", EncryptionNo, "2026-01-02T09:00:00Z"),
				relay("relay.other.net", "45.9.8.8", "mx.example.net", "ESMTPS", EncryptionYes, "2026-01-02T10:00:10Z"),
			},
			// Named by what the next relay recorded, not by its own by
			// (issue 11): smtp.example.org is only a claim.
			wantNodes: []string{"origin:pc@192.168.1.20", "relay:mail.google.com@45.9.8.7", "relay:relay.other.net@45.9.8.8", "final:mx.example.net@invalid IP"},
			wantSegs:  3,
			wantFlags: []string{"by-from-mismatch", "time-backwards"},
		},
		{
			name: "public relay hands over from a private address",
			fields: []Received{
				relay("a.example.org", "198.51.100.1", "b.example.org", "ESMTPS", EncryptionYes, ""),
				relay("b.example.org", "10.1.2.3", "c.example.net", "ESMTPS", EncryptionYes, ""),
				relay("c.example.net", "203.0.113.5", "d.example.com", "ESMTPS", EncryptionYes, ""),
			},
			wantNodes: []string{"origin:a.example.org@198.51.100.1", "relay:b.example.org@10.1.2.3", "relay:c.example.net@203.0.113.5", "final:d.example.com@invalid IP"},
			wantSegs:  3,
			wantFlags: []string{"private-handover"},
		},
		{
			name: "first field without a by clause still makes a hop",
			fields: []Received{
				relay("a.example.org", "198.51.100.1", "", "SMTP", EncryptionNo, ""),
				relay("relay.example.org", "198.51.100.2", "mx.example.net", "ESMTPS", EncryptionYes, ""),
			},
			wantNodes: []string{"origin:a.example.org@198.51.100.1", "relay:relay.example.org@198.51.100.2", "final:mx.example.net@invalid IP"},
			wantSegs:  2,
		},
		{
			name: "unparsed field is flagged and skipped",
			fields: []Received{
				relay("a.example.org", "198.51.100.1", "b.example.org", "ESMTPS", EncryptionYes, ""),
				{Parsed: false, Raw: "garbage"},
				relay("b.example.org", "198.51.100.2", "c.example.org", "ESMTPS", EncryptionYes, ""),
			},
			wantNodes: []string{"origin:a.example.org@198.51.100.1", "relay:b.example.org@198.51.100.2", "final:c.example.org@invalid IP"},
			wantSegs:  2,
			wantFlags: []string{"unparsed"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := path(t, Options{}, tt.fields...)
			if got := nodeNames(res); !slices.Equal(got, tt.wantNodes) {
				t.Errorf("nodes:\n got %q\nwant %q", got, tt.wantNodes)
			}
			if len(res.Segments) != tt.wantSegs {
				t.Errorf("segments = %d, want %d", len(res.Segments), tt.wantSegs)
			}
			got := flagCodes(res)
			slices.Sort(got)
			if !slices.Equal(got, tt.wantFlags) && !(len(got) == 0 && len(tt.wantFlags) == 0) {
				t.Errorf("flags = %q, want %q (%+v)", got, tt.wantFlags, res.Flags)
			}
			for i, s := range res.Segments {
				if s.From != i || s.To != i+1 {
					t.Errorf("segment %d joins %d->%d", i, s.From, s.To)
				}
			}
		})
	}
}

func TestJurisdictionAndSummary(t *testing.T) {
	loc := &fakeLocator{locs: map[netip.Addr]Location{
		ip("93.200.1.1"):   {Country: "DE", ASOrg: "Deutsche Telekom AG"},
		ip("212.227.17.5"): {Country: "DE", City: "Karlsruhe", ASOrg: "1&1 Mail & Media GmbH"},
		ip("54.240.8.1"):   {Country: "US", ASOrg: "AMAZON-02"},
		ip("185.67.36.1"):  {Country: "NL"},
	}}
	home, err := jurisdiction.ParseHome("DE")
	if err != nil {
		t.Fatal(err)
	}
	res := path(t, Options{Home: home, Locator: loc},
		relay("pc", "192.168.0.10", "mail.gmx.net", "ESMTPSA", EncryptionYes, "2026-01-02T10:00:00Z"),
		relay("mail.gmx.net", "93.200.1.1", "relay.amazonses.com", "ESMTPS", EncryptionYes, "2026-01-02T10:00:02Z"),
		relay("relay.amazonses.com", "54.240.8.1", "mx.posteo.de", "SMTP", EncryptionNo, "2026-01-02T10:00:05Z"),
		relay("mx.posteo.de", "185.67.36.1", "mail.posteo.de", "", EncryptionUnknown, "2026-01-02T10:00:06Z"),
	)
	var js []jurisdiction.Class
	for _, n := range res.Nodes {
		js = append(js, n.Jurisdiction)
	}
	want := []jurisdiction.Class{jurisdiction.ClassInternal, jurisdiction.ClassHome, jurisdiction.ClassThird, jurisdiction.ClassEUEEA, jurisdiction.ClassUnknown}
	if !slices.Equal(js, want) {
		t.Fatalf("jurisdictions = %v, want %v", js, want)
	}
	if loc.calls != 3 {
		t.Errorf("locator called %d times, want 3 (internal and unaddressed nodes are never located)", loc.calls)
	}
	s := res.Summary
	if s.Hops != 4 || s.Relays != 4 || s.PlaintextSegments != 1 || s.UnknownSegments != 1 || s.EncryptedSegments != 2 {
		t.Errorf("summary counts = %+v", s)
	}
	if !s.LeftHome || !s.LeftEUEEA || !s.ThirdCountry {
		t.Errorf("left home/eea/third = %v/%v/%v, want all true", s.LeftHome, s.LeftEUEEA, s.ThirdCountry)
	}
	if got, want := s.Countries, []string{"DE", "US", "NL"}; !slices.Equal(got, want) {
		t.Errorf("countries = %v, want %v", got, want)
	}
	if got, want := s.Organisations, []string{"Deutsche Telekom AG", "AMAZON-02", "posteo.de"}; !slices.Equal(got, want) {
		t.Errorf("organisations = %v, want %v", got, want)
	}
	if s.TransitSeconds == nil || *s.TransitSeconds != 6 {
		t.Errorf("transit = %v, want 6", s.TransitSeconds)
	}
	if d := res.Segments[2].DelaySeconds; d == nil || *d != 3 {
		t.Errorf("delay of segment 2 = %v, want 3", d)
	}
	if !slices.ContainsFunc(res.Notes, func(n string) bool { return strings.Contains(n, "Data Privacy Framework") }) {
		t.Errorf("notes lack the US DPF explanation: %q", res.Notes)
	}
	if !slices.ContainsFunc(res.Nodes[len(res.Nodes)-1].Notes, func(n string) bool { return strings.Contains(n, "not in the headers") }) {
		t.Errorf("final node does not say its address is unknown: %+v", res.Nodes[len(res.Nodes)-1])
	}
}

func TestTooManyReceived(t *testing.T) {
	var b strings.Builder
	for i := range MaxReceived + 1 {
		b.WriteString("Received: from a" + strings.Repeat("x", i%3) + ".example.org ([198.51.100.1]) by b.example.org with ESMTP; Thu, 1 Jan 2026 10:00:00 +0000\n")
	}
	b.WriteString("Subject: loop\n\n")
	res := Analyze(context.Background(), []byte(b.String()), "loop", Options{})
	if !slices.Contains(flagCodes(res), "too-many-received") {
		t.Errorf("flags = %v, want too-many-received", flagCodes(res))
	}
	if len(res.Received) != MaxReceived+1 {
		t.Errorf("kept %d Received fields, want all %d", len(res.Received), MaxReceived+1)
	}
}

func TestDefaultInternal(t *testing.T) {
	for addr, want := range map[string]bool{
		"10.1.2.3": true, "192.168.0.1": true, "127.0.0.1": true, "100.64.0.1": true, "100.128.0.1": false,
		"169.254.1.1": true, "fe80::1": true, "fd00::1": true, "::1": true, "0.0.0.0": true, "224.0.0.1": true,
		"192.0.2.1": false, "2001:db8::1": false, "8.8.8.8": false, "::ffff:10.0.0.1": true,
	} {
		if got := DefaultInternal(netip.MustParseAddr(addr)); got != want {
			t.Errorf("DefaultInternal(%s) = %v, want %v", addr, got, want)
		}
	}
}

// TestSummaryOutsideEEAIgnoresHome: "left the EU/EEA" and "third country"
// follow from each node's country, whatever --home says. Before, a Swiss
// node with home CH was "home" and the message never left the EU/EEA.
func TestSummaryOutsideEEAIgnoresHome(t *testing.T) {
	loc := &fakeLocator{locs: map[netip.Addr]Location{
		ip("93.200.1.1"):  {Country: "DE"},
		ip("185.70.40.1"): {Country: "CH"},
		ip("54.240.8.1"):  {Country: "US"},
	}}
	chain := func(country string) []Received {
		ips := map[string]string{"DE": "93.200.1.1", "CH": "185.70.40.1", "US": "54.240.8.1"}
		return []Received{
			relay("pc", "192.168.0.10", "mail.example", "ESMTPSA", EncryptionYes, "2026-01-02T10:00:00Z"),
			relay("mail.example", ips[country], "mx.example", "ESMTPS", EncryptionYes, "2026-01-02T10:00:02Z"),
		}
	}
	tests := []struct {
		home, country            string
		leftHome, leftEEA, third bool
	}{
		{"DE", "DE", false, false, false},
		{"CH", "CH", false, true, false},
		{"DE", "CH", true, true, false},
		{"US", "US", false, true, true},
		{"DE", "US", true, true, true},
		{"US", "DE", true, false, false},
		{"EEA", "CH", true, true, false},
	}
	for _, tt := range tests {
		home, err := jurisdiction.ParseHome(tt.home)
		if err != nil {
			t.Fatal(err)
		}
		s := path(t, Options{Home: home, Locator: loc}, chain(tt.country)...).Summary
		if s.LeftHome != tt.leftHome || s.LeftEUEEA != tt.leftEEA || s.ThirdCountry != tt.third {
			t.Errorf("home %s, relay in %s: left home/EU-EEA/third = %v/%v/%v, want %v/%v/%v",
				tt.home, tt.country, s.LeftHome, s.LeftEUEEA, s.ThirdCountry, tt.leftHome, tt.leftEEA, tt.third)
		}
	}
}

// TestNamesByEvidence is issue 11's case 5: a node is named by what the
// receiving relay recorded; a self-declared name the next relay contradicts
// or did not confirm is claimed and gives no organisation.
func TestNamesByEvidence(t *testing.T) {
	forged, err := os.ReadFile("../samples/forged-gmail-to-tonline.eml")
	if err != nil {
		t.Fatal(err)
	}
	heloOnly := "Received: from mx.example.net (mx.example.net [198.51.100.9]) by mail.example.org with ESMTPS id 1; Thu, 1 Jan 2026 10:00:05 +0000\n" +
		"Received: from [141.98.10.94] (helo=lists.sourceforge.net) by mx.example.net with esmtp id 2; Thu, 1 Jan 2026 10:00:00 +0000\n" +
		"From: a@example.org\n\n"
	confirmed := "Received: from mout.gmx.net (mout.gmx.net [212.227.15.19]) by mx02.posteo.de with ESMTPS id 1; Thu, 1 Jan 2026 10:00:05 +0000\n" +
		"Received: from [192.168.1.2] ([217.235.88.142]) by mail.gmx.net with ESMTPSA id 2; Thu, 1 Jan 2026 10:00:00 +0000\n" +
		"From: a@gmx.de\n\n"
	tests := []struct {
		name string
		hdr  string
		want []string // "name claimed=B claimed_names org" per node
	}{
		{"forged gmail", string(forged), []string{
			"mail.google.com claimed=true [] ",
			"mail.gmail-accounts-verify.com claimed=true [smtp-relay.gmail.com] ",
			"mx01.t-online.de claimed=false [] t-online.de",
		}},
		{"helo only", heloOnly, []string{
			"lists.sourceforge.net claimed=true [] ",
			"mx.example.net claimed=false [] example.net",
			"mail.example.org claimed=false [] example.org",
		}},
		{"confirmed", confirmed, []string{
			"[192.168.1.2] claimed=true [] ",
			"mail.gmx.net claimed=false [] gmx.net",
			"mx02.posteo.de claimed=false [] posteo.de",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Analyze(t.Context(), []byte(tt.hdr), "m.eml", Options{})
			var got []string
			for _, n := range res.Nodes {
				got = append(got, fmt.Sprintf("%s claimed=%v %v %s", n.Name, n.Claimed, n.ClaimedNames, n.Organisation))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("nodes (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMaxNodes checks that maxNodes bounds the nodes of every sample.
func TestMaxNodes(t *testing.T) {
	for i, hdr := range seedHeaders(t) {
		r := Analyze(context.Background(), hdr, "sample", Options{})
		if n := maxNodes(r.Received); len(r.Nodes) > n {
			t.Errorf("sample %d: %d nodes, maxNodes says at most %d", i, len(r.Nodes), n)
		}
	}
}

// BenchmarkBuildPath measures what follows the Received parser: describe,
// path building, enrichment, checks, summary and parties, with the
// operators table, on the samples. The header and Received fields are
// parsed once outside the loop.
func BenchmarkBuildPath(b *testing.B) {
	tab, err := operator.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	type parsed struct {
		h  Header
		rs []Received
	}
	var msgs []parsed
	for _, m := range seedMessages(b) {
		hdr, err := ReadHeader(bytes.NewReader(m), 0)
		if err != nil {
			b.Fatal(err)
		}
		h, _ := ParseHeader(hdr, func(name []byte) bool { return wantField(name, nil) })
		var rs []Received
		for i, v := range h.Values("Received") {
			rc := received.Parse(v)
			rc.Index = i
			rs = append(rs, rc)
		}
		if len(rs) > 0 {
			msgs = append(msgs, parsed{h, rs})
		}
	}
	if len(msgs) == 0 {
		b.Fatal("no samples with Received fields")
	}
	opts := Options{Operators: tab}.withDefaults()
	ctx := context.Background()
	rs := make([]Received, 0, MaxReceived)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m := msgs[i%len(msgs)]
		res := newResult("bench")
		res.describe(m.h, nil)
		// A fresh copy: build appends warnings to the fields.
		rs = rs[:0]
		for _, rc := range m.rs {
			rc.Warnings = slices.Clip(rc.Warnings)
			rs = append(rs, rc)
		}
		res.Received = rs
		res.buildPath(ctx, opts)
		i++
	}
}

// TestIsLowerASCIIName checks the eight-bytes-at-a-time test against
// what it promises: s is ASCII and hostName would leave it as it is, for
// every byte value at every position of names of several lengths.
func TestIsLowerASCIIName(t *testing.T) {
	ref := func(s string) bool {
		ascii := !strings.ContainsFunc(s, func(r rune) bool { return r >= utf8.RuneSelf })
		return ascii && strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), ".")) == s
	}
	base := "mail-wr1-f54.google.com.example.net"
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, len(base)} {
		for pos := range n {
			for c := range 256 {
				b := []byte(base[:n])
				b[pos] = byte(c)
				s := string(b)
				if got, want := isLowerASCIIName(s), ref(s); got != want {
					t.Fatalf("isLowerASCIIName(%q) = %v, want %v", s, got, want)
				}
			}
		}
	}
}

// TestLowerName checks the eight-bytes-at-a-time lowering against
// strings.ToLower for every byte value at every position of names of
// several lengths, around the word size and the stack buffer's.
func TestLowerName(t *testing.T) {
	base := strings.Repeat("Mail-WR1-F54.Google.COM.example.NET.", 3)
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 31, 63, 64, 65, len(base)} {
		for pos := range n {
			for c := range 256 {
				b := []byte(base[:n])
				b[pos] = byte(c)
				s := string(b)
				if got, want := lowerName(s), strings.ToLower(s); got != want {
					t.Fatalf("lowerName(%q) = %q, want %q", s, got, want)
				}
			}
		}
	}
}

// BenchmarkAnalyzeInto is the scan's way of analysing: one result whose
// memory every message reuses (AnalyzeInto), with the operators table and
// a locator, so that the allocations the reuse cannot save show.
func BenchmarkAnalyzeInto(b *testing.B) {
	tab, err := operator.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	hdrs := seedHeaders(b)
	var loc byteLocator
	for i := range loc {
		loc[i] = spreadLocator{}.Locate(netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}))
	}
	opts := Options{Operators: tab, Locator: &loc, Domains: NewDomainCache(0)}.withDefaults()
	ctx := context.Background()
	var res Result
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		AnalyzeInto(ctx, hdrs[i%len(hdrs)], "bench", opts, &res)
		i++
	}
}

// byteLocator places addresses by their last byte, from a table: a
// locator that allocates nothing.
type byteLocator [256]Location

func (l *byteLocator) Locate(a netip.Addr) Location { return l[a.As16()[15]] }

// TestTrimBrackets checks trimBrackets against strings.Trim.
func TestTrimBrackets(t *testing.T) {
	for _, s := range []string{"", "[", "]", "[]", "][", "[[]]", "[192.0.2.1]", "[IPv6:::1]", "a[b]c", "[a", "a]", "[]a[]", "[ä]", "\xff[", "]\xff"} {
		if got, want := trimBrackets(s), strings.Trim(s, "[]"); got != want {
			t.Errorf("trimBrackets(%q) = %q, want %q", s, got, want)
		}
	}
}

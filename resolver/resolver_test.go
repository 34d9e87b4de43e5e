package resolver

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/miekg/dns"

	"github.com/mailroute/mailroute/analyzer"
	"github.com/mailroute/mailroute/internal/dnstest"
)

var _ analyzer.Resolver = (*Client)(nil)

const zone = `
$ORIGIN example.com.
mail          A     192.0.2.10
mail          AAAA  2001:db8::10
liar          A     192.0.2.99
both          A     192.0.2.13
dual          A     192.0.2.20
dual          A     192.0.2.20
dual          AAAA  2001:db8::20
Upper         A     192.0.2.30
noaddr        TXT   "no addresses here"
big           TXT   "first part " "second part"
big           TXT   "another record"
@             MX    20 mx-b
@             MX    10 mx-z
@             MX    20 mx-a
nullmx        MX    0 .
_25._tcp.mx-a TLSA  3 1 1 ABCDEF0123
_25._tcp.mx-b TLSA  3 1 1 abcdef0123
broken        A     192.0.2.66
silent        A     192.0.2.67
alias         CNAME mail

$ORIGIN 2.0.192.in-addr.arpa.
10  PTR mail.example.com.
11  PTR liar.example.com.
12  PTR gone.example.com.
13  PTR aaa-unconfirmed.example.com.
13  PTR both.example.com.
14  PTR silent.example.com.

0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. PTR mail.example.com.
`

var testOpts = dnstest.Options{
	AD:       []string{"_25._tcp.mx-a.example.com"},
	Truncate: []string{"big.example.com", "dual.example.com"},
	ServFail: []string{"broken.example.com", "15.2.0.192.in-addr.arpa"},
	Drop:     []string{"silent.example.com", "16.2.0.192.in-addr.arpa"},
}

func newClient(t *testing.T, addr string, opts Options) *Client {
	t.Helper()
	opts.Server = addr
	if opts.Timeout == 0 {
		opts.Timeout = 200 * time.Millisecond
	}
	if opts.Retries == 0 {
		opts.Retries = 1
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestQuery(t *testing.T) {
	srv := dnstest.Start(t, zone, testOpts)
	c := newClient(t, srv.Addr, Options{})
	tests := []struct {
		name     string
		qtype    uint16
		wantErr  error
		wantMsg  string
		wantRRs  int
		wantAD   bool
		wantTCP  bool
		wantCode int
	}{
		{name: "mail.example.com", qtype: dns.TypeA, wantRRs: 1},
		{name: "MAIL.Example.COM.", qtype: dns.TypeAAAA, wantRRs: 1},
		{name: "mail.example.com", qtype: dns.TypeMX, wantRRs: 0},
		{name: "_tcp.mx-a.example.com", qtype: dns.TypeTXT, wantRRs: 0}, // empty non-terminal: NODATA
		{name: "nothere.example.com", qtype: dns.TypeA, wantErr: ErrNXDOMAIN, wantMsg: "A nothere.example.com: NXDOMAIN", wantCode: dns.RcodeNameError},
		{name: "broken.example.com", qtype: dns.TypeA, wantErr: ErrSERVFAIL, wantMsg: "A broken.example.com: SERVFAIL", wantCode: dns.RcodeServerFailure},
		{name: "silent.example.com", qtype: dns.TypeA, wantErr: ErrTimeout, wantMsg: "A silent.example.com: timeout after 2 tries"},
		{name: "big.example.com", qtype: dns.TypeTXT, wantRRs: 2, wantTCP: true},
		{name: "_25._tcp.mx-a.example.com", qtype: dns.TypeTLSA, wantRRs: 1, wantAD: true},
		{name: "_25._tcp.mx-b.example.com", qtype: dns.TypeTLSA, wantRRs: 1},
		{name: "bad name.example.com", qtype: dns.TypeA, wantErr: ErrInvalidName, wantMsg: "A bad name.example.com: invalid name"},
		{name: strings.Repeat("a", 64) + ".example.com", qtype: dns.TypeA, wantErr: ErrInvalidName},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s", tt.name, dns.TypeToString[tt.qtype]), func(t *testing.T) {
			ans, err := c.Query(t.Context(), tt.name, tt.qtype)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantMsg != "" && err.Error() != tt.wantMsg {
				t.Errorf("err = %q, want %q", err.Error(), tt.wantMsg)
			}
			var qe *Error
			if err != nil && !errors.As(err, &qe) {
				t.Errorf("err %T is not *Error", err)
			}
			if len(ans.RRs) != tt.wantRRs {
				t.Errorf("got %d RRs, want %d: %v", len(ans.RRs), tt.wantRRs, ans.RRs)
			}
			if ans.AuthenticatedData != tt.wantAD {
				t.Errorf("AD = %v, want %v", ans.AuthenticatedData, tt.wantAD)
			}
			if ans.UsedTCP != tt.wantTCP || ans.Truncated != tt.wantTCP {
				t.Errorf("UsedTCP, Truncated = %v, %v, want %v", ans.UsedTCP, ans.Truncated, tt.wantTCP)
			}
			if err != nil && tt.wantCode != 0 && ans.Rcode != tt.wantCode {
				t.Errorf("Rcode = %d, want %d", ans.Rcode, tt.wantCode)
			}
		})
	}
	if srv.TCP() != 1 {
		t.Errorf("server saw %d TCP queries, want 1 (big.example.com TXT)", srv.TCP())
	}
}

func TestNoEDNSServer(t *testing.T) {
	srv := dnstest.Start(t, zone, dnstest.Options{RejectEDNS: true})
	c := newClient(t, srv.Addr, Options{})
	ans, err := c.Query(t.Context(), "mail.example.com", dns.TypeA)
	if err != nil || len(ans.RRs) != 1 {
		t.Fatalf("Query = %v, %v; want one A record after falling back to plain DNS", ans.RRs, err)
	}
	if n := srv.Count("mail.example.com", dns.TypeA); n != 2 {
		t.Errorf("server saw %d queries, want 2 (EDNS, then plain)", n)
	}
}

func TestReverse(t *testing.T) {
	srv := dnstest.Start(t, zone, testOpts)
	c := newClient(t, srv.Addr, Options{})
	a := netip.MustParseAddr
	tests := []struct {
		addr string
		want analyzer.DNSInfo
	}{
		{"192.0.2.10", analyzer.DNSInfo{PTR: "mail.example.com", FCrDNS: "pass", Addrs: []netip.Addr{a("192.0.2.10"), a("2001:db8::10")}}},
		{"::ffff:192.0.2.10", analyzer.DNSInfo{PTR: "mail.example.com", FCrDNS: "pass", Addrs: []netip.Addr{a("192.0.2.10"), a("2001:db8::10")}}},
		{"2001:db8::10", analyzer.DNSInfo{PTR: "mail.example.com", FCrDNS: "pass", Addrs: []netip.Addr{a("192.0.2.10"), a("2001:db8::10")}}},
		{"192.0.2.11", analyzer.DNSInfo{PTR: "liar.example.com", FCrDNS: "fail", Addrs: []netip.Addr{a("192.0.2.99")}}},
		{"192.0.2.12", analyzer.DNSInfo{PTR: "gone.example.com", FCrDNS: "fail", Notes: []string{"A gone.example.com: NXDOMAIN"}}},
		{"192.0.2.13", analyzer.DNSInfo{PTR: "both.example.com", FCrDNS: "pass", Addrs: []netip.Addr{a("192.0.2.13")}}},
		{"192.0.2.14", analyzer.DNSInfo{PTR: "silent.example.com", FCrDNS: "fail", Notes: []string{"A silent.example.com: timeout after 2 tries", "AAAA silent.example.com: timeout after 2 tries"}}},
		{"192.0.2.15", analyzer.DNSInfo{Notes: []string{"PTR 15.2.0.192.in-addr.arpa: SERVFAIL"}}},
		{"192.0.2.16", analyzer.DNSInfo{Notes: []string{"PTR 16.2.0.192.in-addr.arpa: timeout after 2 tries"}}},
		{"192.0.2.17", analyzer.DNSInfo{FCrDNS: "none", Notes: []string{"PTR 17.2.0.192.in-addr.arpa: NXDOMAIN"}}},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			got := c.Reverse(t.Context(), a(tt.addr))
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty(), cmpopts.EquateComparable(netip.Addr{})); diff != "" {
				t.Errorf("Reverse(%s) mismatch (-want +got):\n%s", tt.addr, diff)
			}
		})
	}
	t.Run("invalid", func(t *testing.T) {
		got := c.Reverse(t.Context(), netip.Addr{})
		if got.FCrDNS != "" || len(got.Notes) != 1 {
			t.Errorf("Reverse(invalid) = %+v", got)
		}
	})
}

func TestForward(t *testing.T) {
	srv := dnstest.Start(t, zone, testOpts)
	c := newClient(t, srv.Addr, Options{})
	a := netip.MustParseAddr
	tests := []struct {
		name string
		want analyzer.DNSInfo
	}{
		{"mail.example.com", analyzer.DNSInfo{Addrs: []netip.Addr{a("192.0.2.10"), a("2001:db8::10")}}},
		{"dual.example.com", analyzer.DNSInfo{Addrs: []netip.Addr{a("192.0.2.20"), a("2001:db8::20")}}},
		{"upper.EXAMPLE.com.", analyzer.DNSInfo{Addrs: []netip.Addr{a("192.0.2.30")}}},
		{"alias.example.com", analyzer.DNSInfo{Addrs: []netip.Addr{a("192.0.2.10"), a("2001:db8::10")}}},
		{"noaddr.example.com", analyzer.DNSInfo{}},
		{"missing.example.com", analyzer.DNSInfo{Notes: []string{"A missing.example.com: NXDOMAIN"}}},
		{"broken.example.com", analyzer.DNSInfo{Notes: []string{"A broken.example.com: SERVFAIL", "AAAA broken.example.com: SERVFAIL"}}},
		{"silent.example.com", analyzer.DNSInfo{Notes: []string{"A silent.example.com: timeout after 2 tries", "AAAA silent.example.com: timeout after 2 tries"}}},
		{"-.\x00", analyzer.DNSInfo{Notes: []string{"A -.\x00: invalid name", "AAAA -.\x00: invalid name"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.Forward(t.Context(), tt.name)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty(), cmpopts.EquateComparable(netip.Addr{})); diff != "" {
				t.Errorf("Forward(%q) mismatch (-want +got):\n%s", tt.name, diff)
			}
		})
	}
}

func TestLookupMX(t *testing.T) {
	srv := dnstest.Start(t, zone, testOpts)
	c := newClient(t, srv.Addr, Options{})
	tests := []struct {
		name    string
		want    []MX
		wantErr error
	}{
		{"example.com", []MX{{10, "mx-z.example.com"}, {20, "mx-a.example.com"}, {20, "mx-b.example.com"}}, nil},
		{"nullmx.example.com", []MX{{0, "."}}, nil},
		{"mail.example.com", nil, nil},
		{"nothere.example.com", nil, ErrNXDOMAIN},
		{"broken.example.com", nil, ErrSERVFAIL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.LookupMX(t.Context(), tt.name)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("LookupMX mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLookupTXTAndTLSA(t *testing.T) {
	srv := dnstest.Start(t, zone, testOpts)
	c := newClient(t, srv.Addr, Options{})
	txt, err := c.LookupTXT(t.Context(), "big.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"first part second part", "another record"}, txt); diff != "" {
		t.Errorf("LookupTXT mismatch (-want +got):\n%s", diff)
	}
	tests := []struct {
		name   string
		want   []TLSA
		wantAD bool
	}{
		{"_25._tcp.mx-a.example.com", []TLSA{{3, 1, 1, "abcdef0123"}}, true},
		{"_25._tcp.mx-b.example.com", []TLSA{{3, 1, 1, "abcdef0123"}}, false},
		{"_25._tcp.mx-z.example.com", nil, false},
	}
	for _, tt := range tests {
		got, ad, err := c.LookupTLSA(t.Context(), tt.name)
		if err != nil && tt.want != nil {
			t.Fatalf("LookupTLSA(%s): %v", tt.name, err)
		}
		if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" || ad != tt.wantAD {
			t.Errorf("LookupTLSA(%s) AD = %v (want %v), mismatch (-want +got):\n%s", tt.name, ad, tt.wantAD, diff)
		}
	}
	if s := (TLSA{3, 1, 1, "ab"}).String(); s != "3 1 1 ab" {
		t.Errorf("TLSA.String() = %q", s)
	}
}

func TestTimeoutSilentServer(t *testing.T) {
	addr := dnstest.StartSilent(t)
	tests := []struct {
		retries   int
		wantTries int
	}{
		{-1, 1},
		{1, 2},
		{2, 3},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.retries), func(t *testing.T) {
			c := newClient(t, addr, Options{Timeout: 100 * time.Millisecond, Retries: tt.retries})
			start := time.Now()
			info := c.Reverse(t.Context(), netip.MustParseAddr("212.227.17.5"))
			elapsed := time.Since(start)
			want := fmt.Sprintf("PTR 5.17.227.212.in-addr.arpa: timeout after %d %s", tt.wantTries, plural(tt.wantTries, "try", "tries"))
			if len(info.Notes) != 1 || info.Notes[0] != want || info.FCrDNS != "" {
				t.Errorf("Reverse = %+v, want note %q", info, want)
			}
			// A guard against hanging or ignoring Options.Timeout, not a
			// speed test: with the default timeout the tries alone would take
			// at least wantTries*DefaultTimeout, so the limit sits just below
			// that; the slack up to it is for a shared, loaded machine under
			// -race (1.7 s for one 100 ms try was seen at load 17).
			limit := time.Duration(tt.wantTries)*DefaultTimeout - 100*time.Millisecond
			if elapsed > limit {
				t.Errorf("took %v, want at most %v", elapsed, limit)
			}
		})
	}
}

func TestContextCanceled(t *testing.T) {
	addr := dnstest.StartSilent(t)
	c := newClient(t, addr, Options{Timeout: 5 * time.Second})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Query(ctx, "example.com", dns.TypeA)
	if err == nil || errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want a context error, not a cached timeout", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("canceled query took %v", time.Since(start))
	}
	c.mu.Lock()
	n := len(c.cache)
	c.mu.Unlock()
	if n != 0 {
		t.Errorf("canceled query left %d cache entries", n)
	}
}

func TestCache(t *testing.T) {
	srv := dnstest.Start(t, zone, dnstest.Options{Delay: 20 * time.Millisecond})
	c := newClient(t, srv.Addr, Options{})
	tests := []struct {
		name  string
		qtype uint16
	}{
		{"mail.example.com", dns.TypeA},
		{"nothere.example.com", dns.TypeA}, // negative answers are cached too
		{"mail.example.com", dns.TypeMX},   // NODATA
	}
	for _, tt := range tests {
		for range 3 {
			_, _ = c.Query(t.Context(), tt.name, tt.qtype)
		}
		_, _ = c.Query(t.Context(), strings.ToUpper(tt.name)+".", tt.qtype)
		if n := srv.Count(tt.name, tt.qtype); n != 1 {
			t.Errorf("%s %s reached the server %d times, want 1", tt.name, dns.TypeToString[tt.qtype], n)
		}
	}
	// Single flight: concurrent equal questions go out once.
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { _, _ = c.Query(t.Context(), "dual.example.com", dns.TypeAAAA) })
	}
	wg.Wait()
	if n := srv.Count("dual.example.com", dns.TypeAAAA); n != 1 {
		t.Errorf("20 concurrent equal queries reached the server %d times, want 1", n)
	}
}

func TestMaxInFlight(t *testing.T) {
	for _, limit := range []int{1, 3} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			srv := dnstest.Start(t, zone, dnstest.Options{Delay: 30 * time.Millisecond})
			// No retry: a retransmission on a loaded machine would count twice.
			c := newClient(t, srv.Addr, Options{MaxInFlight: limit, Timeout: 10 * time.Second, Retries: -1})
			var wg sync.WaitGroup
			for i := range 12 {
				wg.Go(func() { _, _ = c.Query(t.Context(), fmt.Sprintf("n%d.example.com", i), dns.TypeA) })
			}
			wg.Wait()
			if got := srv.MaxInFlight(); got > limit || got < 1 {
				t.Errorf("server saw %d queries in flight, want at most %d", got, limit)
			}
			if limit > 1 && srv.MaxInFlight() < 2 {
				t.Errorf("queries never overlapped: the test proves nothing")
			}
			if srv.Total() != 12 {
				t.Errorf("server saw %d queries, want 12", srv.Total())
			}
		})
	}
}

func TestNew(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "resolv.conf")
	if err := os.WriteFile(conf, []byte("# test\nnameserver 192.0.2.53\nnameserver 192.0.2.54\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	v6conf := filepath.Join(dir, "resolv6.conf")
	if err := os.WriteFile(v6conf, []byte("nameserver 2001:db8::53\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.conf")
	if err := os.WriteFile(empty, []byte("search example.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		opts    Options
		want    string
		wantErr bool
	}{
		{Options{ResolvConf: conf}, "192.0.2.53:53", false},
		{Options{ResolvConf: v6conf}, "[2001:db8::53]:53", false},
		{Options{Server: "192.0.2.1"}, "192.0.2.1:53", false},
		{Options{Server: "192.0.2.1:5353"}, "192.0.2.1:5353", false},
		{Options{Server: "[2001:db8::1]"}, "[2001:db8::1]:53", false},
		{Options{ResolvConf: filepath.Join(dir, "missing")}, "", true},
		{Options{ResolvConf: empty}, "", true},
	}
	for _, tt := range tests {
		c, err := New(tt.opts)
		if (err != nil) != tt.wantErr {
			t.Errorf("New(%+v) err = %v, want error %v", tt.opts, err, tt.wantErr)
			continue
		}
		if err == nil && c.Server() != tt.want {
			t.Errorf("New(%+v).Server() = %q, want %q", tt.opts, c.Server(), tt.want)
		}
	}
}

func BenchmarkQueryCached(b *testing.B) {
	srv := dnstest.Start(b, zone, dnstest.Options{})
	c, err := New(Options{Server: srv.Addr})
	if err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	if _, err := c.Query(ctx, "mail.example.com", dns.TypeA); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Query(ctx, "mail.example.com", dns.TypeA); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReverse(b *testing.B) {
	srv := dnstest.Start(b, zone, dnstest.Options{})
	c, err := New(Options{Server: srv.Addr})
	if err != nil {
		b.Fatal(err)
	}
	addr := netip.MustParseAddr("192.0.2.10")
	b.ReportAllocs()
	for b.Loop() {
		c.Reverse(b.Context(), addr)
	}
}

func TestParseServer(t *testing.T) {
	tests := []struct {
		in, want string // want "" means an error
	}{
		{"192.0.2.1", "192.0.2.1:53"},
		{"192.0.2.1:5353", "192.0.2.1:5353"},
		{"[2001:db8::1]", "[2001:db8::1]:53"},
		{"2001:db8::1", "[2001:db8::1]:53"},
		{"[2001:db8::1]:853", "[2001:db8::1]:853"},
		{"dns.example.org:53", "dns.example.org:53"},
		{"bogus", ""},
		{"127.0.0.1:99999", ""},
		{"127.0.0.1:0", ""},
		{"127.0.0.1:", ""},
		{"127.0.0.1:dns", ""},
		{"127.0.0.1:+53", ""},
		{":53", ""},
		{"foo bar:53", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, err := ParseServer(tt.in)
		if tt.want == "" {
			if err == nil || !strings.Contains(err.Error(), "HOST:PORT") {
				t.Errorf("ParseServer(%q) = %q, %v; want an error saying HOST:PORT", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseServer(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := New(Options{Server: "127.0.0.1:99999"}); err == nil {
		t.Error("New accepted port 99999")
	}
}

func TestValidateName(t *testing.T) {
	for name, ok := range map[string]bool{
		"posteo.de": true, "posteo.de.": true, "xn--bcher-kva.example": true, "_dmarc.example.com": true,
		"foo bar": false, "": false, ".": false, "a\x1b[31m.example": false, "bücher.example": false,
		strings.Repeat("a", 64) + ".example": false,
	} {
		if err := ValidateName(name); (err == nil) != ok {
			t.Errorf("ValidateName(%q) = %v, want ok %v", name, err, ok)
		}
	}
}

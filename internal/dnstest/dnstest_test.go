package dnstest

import (
	"testing"
	"time"

	"github.com/miekg/dns"
)

const zone = `
$ORIGIN example.com.
www        A     192.0.2.1
alias      CNAME www
_25._tcp.mx TLSA 3 1 1 abcd
big        TXT   "big"
`

func TestServer(t *testing.T) {
	srv := Start(t, zone, Options{
		AD:       []string{"www.example.com."},
		Truncate: []string{"BIG.example.com"},
		ServFail: []string{"broken.example.com"},
		Drop:     []string{"silent.example.com"},
	})
	tests := []struct {
		net       string
		name      string
		qtype     uint16
		wantRcode int
		wantRRs   int
		wantAD    bool
		wantTC    bool
		wantDrop  bool
	}{
		{"udp", "www.example.com.", dns.TypeA, dns.RcodeSuccess, 1, true, false, false},
		{"tcp", "WWW.example.com.", dns.TypeA, dns.RcodeSuccess, 1, true, false, false},
		{"udp", "www.example.com.", dns.TypeAAAA, dns.RcodeSuccess, 0, true, false, false},
		{"udp", "alias.example.com.", dns.TypeA, dns.RcodeSuccess, 2, false, false, false},
		{"udp", "_tcp.mx.example.com.", dns.TypeA, dns.RcodeSuccess, 0, false, false, false},
		{"udp", "nope.example.com.", dns.TypeA, dns.RcodeNameError, 0, false, false, false},
		{"udp", "broken.example.com.", dns.TypeA, dns.RcodeServerFailure, 0, false, false, false},
		{"udp", "big.example.com.", dns.TypeTXT, dns.RcodeSuccess, 0, false, true, false},
		{"tcp", "big.example.com.", dns.TypeTXT, dns.RcodeSuccess, 1, false, false, false},
		{"udp", "silent.example.com.", dns.TypeA, 0, 0, false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.net+"/"+tt.name+"/"+dns.TypeToString[tt.qtype], func(t *testing.T) {
			c := &dns.Client{Net: tt.net, Timeout: 300 * time.Millisecond}
			m := new(dns.Msg)
			m.SetQuestion(tt.name, tt.qtype)
			resp, _, err := c.ExchangeContext(t.Context(), m, srv.Addr)
			if tt.wantDrop {
				if err == nil {
					t.Fatalf("got an answer from a dropped name: %v", resp)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if resp.Rcode != tt.wantRcode || len(resp.Answer) != tt.wantRRs || resp.AuthenticatedData != tt.wantAD || resp.Truncated != tt.wantTC {
				t.Errorf("rcode %d, %d RRs, AD %v, TC %v; want %d, %d, %v, %v", resp.Rcode, len(resp.Answer), resp.AuthenticatedData, resp.Truncated,
					tt.wantRcode, tt.wantRRs, tt.wantAD, tt.wantTC)
			}
			if tt.wantRcode != dns.RcodeServerFailure && !resp.Authoritative {
				t.Error("answer without the AA bit")
			}
		})
	}
	if n := srv.Count("www.example.com", dns.TypeA); n != 2 {
		t.Errorf("Count(www A) = %d, want 2", n)
	}
	if srv.TCP() != 2 || srv.Total() != len(tests) {
		t.Errorf("TCP() = %d, Total() = %d; want 2, %d", srv.TCP(), srv.Total(), len(tests))
	}
}

func TestParseZoneError(t *testing.T) {
	if _, err := ParseZone("www.example.com. A not-an-address", "."); err == nil {
		t.Error("ParseZone accepted a bad A record")
	}
}

func TestStartSilent(t *testing.T) {
	addr := StartSilent(t)
	c := &dns.Client{Timeout: 100 * time.Millisecond}
	m := new(dns.Msg)
	m.SetQuestion("example.com.", dns.TypeA)
	start := time.Now()
	if _, _, err := c.ExchangeContext(t.Context(), m, addr); err == nil {
		t.Fatal("the silent server answered")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("timeout took %v", d)
	}
}

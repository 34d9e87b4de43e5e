// Package dnstest runs a small authoritative DNS server on 127.0.0.1 for
// tests. It serves fixture zones written in RFC 1035 master-file format and
// can be told to misbehave for chosen names (SERVFAIL, truncated UDP answers,
// silence) so that clients can be tested without touching the network.
//
// Typical use:
//
//	srv := dnstest.Start(t, `
//	example.com.      MX   10 mx1.example.com.
//	mx1.example.com.  A    192.0.2.10
//	`, dnstest.Options{ServFail: []string{"broken.example.com"}})
//	client := resolver.New(resolver.Options{Server: srv.Addr, Timeout: 200 * time.Millisecond})
//
// The server listens on UDP and TCP on the same port, answers authoritatively
// (AA bit), returns NXDOMAIN for names that do not exist in the zone and
// NODATA for names that exist with other types (including empty
// non-terminals). It counts the queries it receives, so tests can check
// caching and concurrency limits.
package dnstest

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Options changes how the server answers. Names are compared
// case-insensitively and may be given with or without the trailing dot.
type Options struct {
	// Origin is the origin for relative names in the zone text; default ".".
	Origin string
	// AD names get answers with the AD (authenticated data) bit set, as a
	// validating resolver would send for DNSSEC-signed data.
	AD []string
	// Truncate names get an empty answer with the TC bit over UDP; over TCP
	// they get the full answer.
	Truncate []string
	// ServFail names get SERVFAIL.
	ServFail []string
	// Drop names get no answer at all, so the client times out.
	Drop []string
	// Delay is waited before each answer (or drop); use it to make queries
	// overlap when testing concurrency limits.
	Delay time.Duration
	// RejectEDNS answers FORMERR to every query with an EDNS0 OPT record,
	// as some old servers and middleboxes do.
	RejectEDNS bool
}

// Server is a running fixture server. Its methods are safe for concurrent use.
type Server struct {
	// Addr is "127.0.0.1:port"; the same port serves UDP and TCP.
	Addr string

	records  map[string][]dns.RR // lower-case FQDN owner -> records
	names    map[string]bool     // owners and their ancestors (empty non-terminals)
	ad       map[string]bool
	truncate map[string]bool
	servfail map[string]bool
	drop     map[string]bool
	delay    time.Duration
	noEDNS   bool

	mu          sync.Mutex
	counts      map[queryKey]int
	tcp         int
	inFlight    int
	maxInFlight int
}

type queryKey struct {
	name  string
	qtype uint16
}

// canon returns the lower-case fully qualified form of name.
func canon(name string) string { return strings.ToLower(dns.Fqdn(name)) }

func set(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[canon(n)] = true
	}
	return m
}

// ParseZone parses zone text in master-file format. A missing $TTL defaults
// to 300 seconds. It is exported so tests can check their fixtures.
func ParseZone(zone, origin string) ([]dns.RR, error) {
	if origin == "" {
		origin = "."
	}
	zp := dns.NewZoneParser(strings.NewReader(zone), dns.Fqdn(origin), "fixture")
	zp.SetDefaultTTL(300)
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		return nil, fmt.Errorf("parse fixture zone: %w", err)
	}
	return rrs, nil
}

// Start parses zone, starts the server on 127.0.0.1 and stops it when the
// test ends. A zone that does not parse fails the test.
func Start(t testing.TB, zone string, opts Options) *Server {
	t.Helper()
	rrs, err := ParseZone(zone, opts.Origin)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{
		records:  make(map[string][]dns.RR),
		names:    make(map[string]bool),
		ad:       set(opts.AD),
		truncate: set(opts.Truncate),
		servfail: set(opts.ServFail),
		drop:     set(opts.Drop),
		delay:    opts.Delay,
		noEDNS:   opts.RejectEDNS,
		counts:   make(map[queryKey]int),
	}
	for _, rr := range rrs {
		owner := canon(rr.Header().Name)
		s.records[owner] = append(s.records[owner], rr)
		for i, end := 0, false; !end; i, end = dns.NextLabel(owner, i) {
			s.names[owner[i:]] = true
		}
	}
	udp, tcp := listenPair(t)
	s.Addr = udp.LocalAddr().String()
	mux := dns.NewServeMux()
	mux.HandleFunc(".", s.serve)
	for _, srv := range []*dns.Server{
		{PacketConn: udp, Handler: mux},
		{Listener: tcp, Handler: mux},
	} {
		var ready sync.WaitGroup
		ready.Add(1)
		srv.NotifyStartedFunc = ready.Done
		errc := make(chan error, 1)
		go func() { errc <- srv.ActivateAndServe() }()
		started := make(chan struct{})
		go func() { ready.Wait(); close(started) }()
		select {
		case <-started:
		case err := <-errc:
			t.Fatalf("start fixture DNS server: %v", err)
		case <-time.After(5 * time.Second):
			t.Fatal("start fixture DNS server: not started after 5s")
		}
		t.Cleanup(func() { _ = srv.Shutdown() })
	}
	return s
}

// listenPair opens a UDP socket on 127.0.0.1 and a TCP listener on the same
// port, retrying with a new port when the TCP port happens to be taken.
func listenPair(t testing.TB) (net.PacketConn, net.Listener) {
	t.Helper()
	var lastErr error
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("listen udp: %v", err)
		}
		l, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, l
		}
		lastErr = err
		_ = pc.Close()
	}
	t.Fatalf("listen tcp on the udp port: %v", lastErr)
	return nil, nil
}

func (s *Server) serve(w dns.ResponseWriter, req *dns.Msg) {
	udp := w.LocalAddr().Network() == "udp"
	var q dns.Question
	if len(req.Question) == 1 {
		q = req.Question[0]
	}
	name := canon(q.Name)

	s.mu.Lock()
	s.counts[queryKey{name, q.Qtype}]++
	if !udp {
		s.tcp++
	}
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	s.mu.Unlock()
	if s.delay > 0 {
		time.Sleep(s.delay)
	}
	m := s.answer(req, name, udp)
	// Leave the in-flight count before writing, so a client that sends its
	// next query as soon as it has this answer is not counted twice.
	s.mu.Lock()
	s.inFlight--
	s.mu.Unlock()
	if m != nil {
		_ = w.WriteMsg(m)
	}
}

// answer builds the response to req, or nil to drop it.
func (s *Server) answer(req *dns.Msg, name string, udp bool) *dns.Msg {
	if s.drop[name] {
		return nil
	}
	var q dns.Question
	if len(req.Question) == 1 {
		q = req.Question[0]
	}
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	m.RecursionAvailable = true
	opt := req.IsEdns0()
	if opt != nil && !s.noEDNS {
		m.SetEdns0(1232, opt.Do())
	}
	switch {
	case len(req.Question) != 1, opt != nil && s.noEDNS:
		m.Rcode = dns.RcodeFormatError
	case s.servfail[name]:
		m.Rcode = dns.RcodeServerFailure
		m.Authoritative = false
	case !s.names[name]:
		m.Rcode = dns.RcodeNameError
	case udp && s.truncate[name]:
		m.Truncated = true
	default:
		m.Answer = s.lookup(q.Name, q.Qtype)
		m.AuthenticatedData = s.ad[name]
	}
	return m
}

// lookup returns the records of name and qtype, following CNAMEs inside the
// fixture (at most 8) as a recursive resolver would.
func (s *Server) lookup(qname string, qtype uint16) []dns.RR {
	var out []dns.RR
	owner := qname
	for range 8 {
		var cname *dns.CNAME
		for _, rr := range s.records[canon(owner)] {
			t := rr.Header().Rrtype
			if t != qtype && qtype != dns.TypeANY && t != dns.TypeCNAME {
				continue
			}
			c := dns.Copy(rr)
			c.Header().Name = owner // echo the question's case
			out = append(out, c)
			if cn, ok := rr.(*dns.CNAME); ok && qtype != dns.TypeCNAME {
				cname = cn
			}
		}
		if cname == nil {
			break
		}
		owner = cname.Target
	}
	return out
}

// Count returns how many queries for name and qtype reached the server.
func (s *Server) Count(name string, qtype uint16) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[queryKey{canon(name), qtype}]
}

// Total returns how many queries reached the server over UDP and TCP.
func (s *Server) Total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.counts {
		n += c
	}
	return n
}

// TCP returns how many queries arrived over TCP.
func (s *Server) TCP() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tcp
}

// MaxInFlight returns the largest number of queries the server was handling
// at the same time.
func (s *Server) MaxInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxInFlight
}

// StartSilent starts a UDP socket on 127.0.0.1 that reads and discards every
// packet, and returns its address: a server that never answers, for testing
// timeouts. It is closed when the test ends.
func StartSilent(t testing.TB) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen udp: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 65535)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = pc.Close()
		<-done
	})
	return pc.LocalAddr().String()
}

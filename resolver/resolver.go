// Package resolver asks the DNS questions mailroute needs (PTR, A, AAAA, MX,
// TXT, TLSA) of one recursive resolver. It caches answers for the run
// (including negative answers), sends each distinct question at most once at
// a time, bounds the number of queries in flight, times out and retries, and
// falls back to TCP when a UDP answer is truncated.
//
// Nothing here is used unless the user asks for DNS look-ups; a DNS failure
// never fails a message: the high-level methods return notes instead of
// errors.
package resolver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

// Defaults for Options.
const (
	DefaultTimeout     = 2 * time.Second
	DefaultRetries     = 2
	DefaultMaxInFlight = 8
	DefaultResolvConf  = "/etc/resolv.conf"
	// udpSize is the EDNS0 buffer size advertised (DNS flag day 2020).
	udpSize = 1232
)

// Options configures a Client. Zero values mean the defaults.
type Options struct {
	// Server is the resolver as "host:port" (a bare host gets port 53). When
	// empty, the first nameserver of ResolvConf is used.
	Server string
	// ResolvConf is the resolv.conf read when Server is empty; default
	// /etc/resolv.conf.
	ResolvConf string
	// Timeout bounds each try of a query; default 2s.
	Timeout time.Duration
	// Retries is how many more times a query that timed out is sent; 0 means
	// the default (2, so at most 3 tries), a negative value means no retry.
	Retries int
	// MaxInFlight bounds the queries waiting for an answer at the same time;
	// default 8.
	MaxInFlight int
}

// Client is a caching DNS stub client. It is safe for concurrent use; the
// cache lives as long as the Client.
type Client struct {
	server  string
	timeout time.Duration
	tries   int
	sem     chan struct{}
	udp     *dns.Client
	tcp     *dns.Client

	mu    sync.Mutex
	cache map[cacheKey]*call
}

type cacheKey struct {
	name  string
	qtype uint16
}

// call is one question's answer, shared by every caller asking it. done is
// closed when ans and err are set.
type call struct {
	done chan struct{}
	ans  Answer
	err  error
}

// New returns a Client for opts. It fails only when no server is given and
// none can be read from resolv.conf.
func New(opts Options) (*Client, error) {
	server := opts.Server
	if server == "" {
		path := opts.ResolvConf
		if path == "" {
			path = DefaultResolvConf
		}
		conf, err := dns.ClientConfigFromFile(path)
		if err != nil {
			return nil, fmt.Errorf("read resolver configuration: %w", err)
		}
		if len(conf.Servers) == 0 {
			return nil, fmt.Errorf("read resolver configuration %s: no nameserver", path)
		}
		server = net.JoinHostPort(conf.Servers[0], conf.Port)
	} else {
		var err error
		if server, err = ParseServer(server); err != nil {
			return nil, err
		}
	}
	c := &Client{
		server:  server,
		timeout: opts.Timeout,
		tries:   1 + opts.Retries,
		cache:   make(map[cacheKey]*call),
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	switch {
	case opts.Retries == 0:
		c.tries = 1 + DefaultRetries
	case opts.Retries < 0:
		c.tries = 1
	}
	n := opts.MaxInFlight
	if n <= 0 {
		n = DefaultMaxInFlight
	}
	c.sem = make(chan struct{}, n)
	c.udp = &dns.Client{Net: "udp", UDPSize: udpSize, Timeout: c.timeout}
	c.tcp = &dns.Client{Net: "tcp", Timeout: c.timeout}
	return c, nil
}

// ParseServer checks a resolver address given by the user and returns it as
// "host:port": an IP address alone gets port 53; anything else must be
// HOST:PORT with a port from 1 to 65535 and a host that is an IP address or
// a valid host name. A bare name such as "bogus" is an error, not a host to
// look up, so a typo fails at once instead of as a timeout on every query.
func ParseServer(s string) (string, error) {
	bad := func(why string) error {
		return fmt.Errorf("resolver address %q: %s (want HOST:PORT, e.g. 127.0.0.1:53 or [::1]:53)", s, why)
	}
	if s == "" {
		return "", bad("empty")
	}
	if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")); err == nil {
		return net.JoinHostPort(a.String(), "53"), nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", bad("no port")
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || port[0] == '+' {
		return "", bad(fmt.Sprintf("port %q is not a number from 1 to 65535", port))
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if a.Zone() == "" {
			host = a.String()
		}
		return net.JoinHostPort(host, strconv.Itoa(n)), nil
	}
	if host == "" || ValidateName(host) != nil {
		return "", bad(fmt.Sprintf("host %q is neither an IP address nor a host name", host))
	}
	return net.JoinHostPort(host, strconv.Itoa(n)), nil
}

// ValidateName reports whether name (with or without the trailing dot) can
// be asked in the DNS: printable ASCII, labels of at most 63 bytes, at most
// 253 bytes in all. Internationalised names must be in A-label form.
func ValidateName(name string) error {
	if name == "" || name == "." {
		return fmt.Errorf("invalid domain name %q: empty", name)
	}
	if !validName(strings.ToLower(dns.Fqdn(name))) {
		return fmt.Errorf("invalid domain name %q: want letters, digits, hyphens and dots (IDNs in A-label form, xn--...)", name)
	}
	return nil
}

// Server returns the "host:port" of the resolver the client asks.
func (c *Client) Server() string { return c.server }

// Answer is the useful part of a DNS response.
type Answer struct {
	Name  string   // the question name, fully qualified and lower case
	Type  uint16   // the question type
	RRs   []dns.RR // the answer section (may hold CNAMEs and RRSIGs)
	Rcode int
	// AuthenticatedData is the AD bit: the resolver says it validated the
	// answer with DNSSEC. It means something only if the path to the
	// resolver is trusted.
	AuthenticatedData bool
	// Truncated says the UDP answer was truncated; UsedTCP that the answer
	// came over TCP as a result.
	Truncated bool
	UsedTCP   bool
}

// Sentinel errors matched by errors.Is on an *Error.
var (
	ErrNXDOMAIN    = errors.New("NXDOMAIN")
	ErrSERVFAIL    = errors.New("SERVFAIL")
	ErrRcode       = errors.New("error response code")
	ErrTimeout     = errors.New("timeout")
	ErrInvalidName = errors.New("invalid name")
)

// Error is a failed query. Use errors.Is with ErrNXDOMAIN, ErrSERVFAIL,
// ErrRcode (any other error rcode, including SERVFAIL and NXDOMAIN),
// ErrTimeout or ErrInvalidName to tell the cases apart.
type Error struct {
	Name  string // question name as asked, without the trailing dot
	Type  uint16
	Rcode int   // response code when an answer came, else -1
	Tries int   // tries made when the query timed out
	Err   error // underlying network error, if any
}

func (e *Error) Error() string {
	q := dns.TypeToString[e.Type] + " " + e.Name
	switch {
	case errors.Is(e, ErrInvalidName):
		return q + ": invalid name"
	case errors.Is(e, ErrTimeout):
		return fmt.Sprintf("%s: timeout after %d %s", q, e.Tries, plural(e.Tries, "try", "tries"))
	case e.Rcode >= 0:
		return q + ": " + rcodeString(e.Rcode)
	case e.Err != nil:
		return q + ": " + netErrorText(e.Err)
	}
	return q + ": failed"
}

// netErrorText returns the reason of a network error without the local
// socket addresses ("read udp 127.0.0.1:41234->127.0.0.1:53: read:
// connection refused" becomes "connection refused"), so messages are short
// and the same on every run.
func netErrorText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno.Error()
	}
	return err.Error()
}

// Unwrap returns the underlying network error.
func (e *Error) Unwrap() error { return e.Err }

// Is matches the sentinel errors of this package.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNXDOMAIN:
		return e.Rcode == dns.RcodeNameError
	case ErrSERVFAIL:
		return e.Rcode == dns.RcodeServerFailure
	case ErrRcode:
		return e.Rcode > 0
	case ErrTimeout:
		return e.Tries > 0
	case ErrInvalidName:
		return e.Rcode < 0 && e.Tries == 0 && e.Err == nil
	}
	return false
}

func rcodeString(rc int) string {
	if s, ok := dns.RcodeToString[rc]; ok {
		return s
	}
	return fmt.Sprintf("rcode %d", rc)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Query asks for name and qtype, from the cache when the question was asked
// before. An answer with an error rcode is an *Error (the Answer is still
// returned); an empty NOERROR answer (NODATA) is not an error. Timeouts are
// cached too, so a dead server costs the wait once per question; a canceled
// context is not cached.
func (c *Client) Query(ctx context.Context, name string, qtype uint16) (Answer, error) {
	fq := strings.ToLower(dns.Fqdn(name))
	if !validName(fq) {
		return Answer{Name: fq, Type: qtype}, &Error{Name: strings.TrimSuffix(name, "."), Type: qtype, Rcode: -1}
	}
	key := cacheKey{fq, qtype}
	for {
		c.mu.Lock()
		cl, ok := c.cache[key]
		if !ok {
			// The cache outlives the message the name came from, whose
			// memory a scan reuses (analyzer.AnalyzeInto): it keeps a copy.
			fq = strings.Clone(fq)
			key = cacheKey{fq, qtype}
			cl = &call{done: make(chan struct{})}
			c.cache[key] = cl
			c.mu.Unlock()
			cl.ans, cl.err = c.exchange(ctx, fq, qtype)
			if cl.err != nil && !errors.Is(cl.err, ErrRcode) && ctxDone(ctx) {
				// Canceled, not answered: forget it so a later caller with a
				// live context asks again.
				c.mu.Lock()
				delete(c.cache, key)
				c.mu.Unlock()
			}
			close(cl.done)
			return cl.ans, cl.err
		}
		c.mu.Unlock()
		select {
		case <-cl.done:
		case <-ctx.Done():
			return Answer{Name: fq, Type: qtype}, fmt.Errorf("%s %s: %w", dns.TypeToString[qtype], strings.TrimSuffix(fq, "."), ctx.Err())
		}
		c.mu.Lock()
		_, still := c.cache[key]
		c.mu.Unlock()
		if still {
			return cl.ans, cl.err
		}
		// The asker's context was canceled; ask again with ours.
	}
}

// exchange sends one question, retrying on timeout and over TCP when the UDP
// answer is truncated.
func (c *Client) exchange(ctx context.Context, fq string, qtype uint16) (Answer, error) {
	ans := Answer{Name: fq, Type: qtype}
	qerr := &Error{Name: strings.TrimSuffix(fq, "."), Type: qtype, Rcode: -1}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		qerr.Err = ctx.Err()
		return ans, qerr
	}
	defer func() { <-c.sem }()

	m := new(dns.Msg)
	m.SetQuestion(fq, qtype)
	m.SetEdns0(udpSize, true) // DO bit: ask for DNSSEC so the AD bit means something
	m.AuthenticatedData = true

	var (
		resp *dns.Msg
		err  error
	)
	tries := 0
	for tries < c.tries {
		tries++
		resp, _, err = c.udp.ExchangeContext(ctx, m, c.server)
		if err == nil || !isTimeout(err) || ctxDone(ctx) {
			break
		}
	}
	if err == nil && resp.Rcode == dns.RcodeFormatError && resp.IsEdns0() == nil {
		// RFC 6891 7: a server that does not know EDNS answers FORMERR
		// without an OPT record; ask again without EDNS.
		plain := m.Copy()
		plain.Extra = nil
		plain.AuthenticatedData = false
		if r2, _, err2 := c.udp.ExchangeContext(ctx, plain, c.server); err2 == nil {
			resp, m = r2, plain
		}
	}
	if err == nil && resp.Truncated {
		ans.Truncated = true
		ans.UsedTCP = true
		resp, _, err = c.tcp.ExchangeContext(ctx, m, c.server)
		if err != nil && isTimeout(err) {
			tries = 1
		}
	}
	if err != nil {
		if isTimeout(err) && !ctxDone(ctx) {
			qerr.Tries = tries
		}
		qerr.Err = err
		return ans, qerr
	}
	ans.RRs = resp.Answer
	ans.Rcode = resp.Rcode
	ans.AuthenticatedData = resp.AuthenticatedData
	if resp.Rcode != dns.RcodeSuccess {
		qerr.Rcode = resp.Rcode
		return ans, qerr
	}
	return ans, nil
}

// ctxDone reports whether ctx is canceled or past its deadline (a network
// timeout set from the deadline can fire before ctx.Err says so).
func ctxDone(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	d, ok := ctx.Deadline()
	return ok && !time.Now().Before(d)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// validName reports whether the fully qualified name can be asked: a valid
// DNS name of printable ASCII (names taken from mail headers are untrusted;
// internationalised names must already be in A-label form).
func validName(fq string) bool {
	for i := 0; i < len(fq); i++ {
		if c := fq[i]; c <= ' ' || c >= 0x7f {
			return false
		}
	}
	_, ok := dns.IsDomainName(fq)
	return ok && len(fq) <= 254
}

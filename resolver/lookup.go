package resolver

import (
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailroute/mailroute/analyzer"
)

// maxPTRNames bounds how many PTR names are confirmed forward, as RFC 7208
// 5.5 bounds them for the SPF ptr mechanism.
const maxPTRNames = 10

// FCrDNS results in analyzer.DNSInfo.
const (
	FCrDNSPass = "pass" // a PTR name resolves back to the address
	FCrDNSFail = "fail" // PTR names exist but none resolves back to the address
	FCrDNSNone = "none" // no PTR name (NXDOMAIN or NODATA)
)

// Reverse looks up the PTR names of addr and confirms them forward
// (forward-confirmed reverse DNS): FCrDNS is "pass" when the A/AAAA
// addresses of a PTR name include addr, "fail" when PTR names exist but none
// confirms, "none" when there is no PTR name, and empty when the PTR look-up
// itself failed (SERVFAIL, timeout). PTR is the confirmed name, or the first
// name in sorted order; Addrs are that name's addresses. Failures go into
// Notes; Reverse never fails.
func (c *Client) Reverse(ctx context.Context, addr netip.Addr) analyzer.DNSInfo {
	var info analyzer.DNSInfo
	addr = addr.Unmap().WithZone("")
	if !addr.IsValid() {
		info.Notes = append(info.Notes, "PTR: no valid address to look up")
		return info
	}
	arpa, err := dns.ReverseAddr(addr.String())
	if err != nil {
		info.Notes = append(info.Notes, "PTR "+addr.String()+": "+err.Error())
		return info
	}
	names, err := c.lookupPTR(ctx, arpa)
	switch {
	case errors.Is(err, ErrNXDOMAIN):
		info.FCrDNS = FCrDNSNone
		info.Notes = append(info.Notes, err.Error())
		return info
	case err != nil:
		info.Notes = append(info.Notes, err.Error())
		return info
	case len(names) == 0:
		info.FCrDNS = FCrDNSNone
		return info
	}
	if len(names) > maxPTRNames {
		info.Notes = append(info.Notes, "PTR "+strings.TrimSuffix(arpa, ".")+": more than 10 names, only the first 10 confirmed")
		names = names[:maxPTRNames]
	}
	info.FCrDNS = FCrDNSFail
	info.PTR = names[0]
	var firstAddrs []netip.Addr
	notes := info.Notes // kept on a pass: problems with unconfirmed names are noise then
	for i, name := range names {
		addrs, err := c.LookupAddrs(ctx, name)
		if err != nil {
			info.Notes = append(info.Notes, ErrorNotes(err)...)
		}
		if i == 0 {
			firstAddrs = addrs
		}
		if slices.Contains(addrs, addr) {
			info.FCrDNS = FCrDNSPass
			info.PTR = name
			info.Addrs = addrs
			info.Notes = notes
			return info
		}
	}
	info.Addrs = firstAddrs
	return info
}

// lookupPTR returns the sorted, de-duplicated PTR names of arpa without the
// trailing dot.
func (c *Client) lookupPTR(ctx context.Context, arpa string) ([]string, error) {
	ans, err := c.Query(ctx, arpa, dns.TypePTR)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, rr := range ans.RRs {
		if p, ok := rr.(*dns.PTR); ok {
			names = append(names, hostName(p.Ptr))
		}
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// Forward looks up the A and AAAA addresses of name, sorted. Failures go
// into Notes; Forward never fails.
func (c *Client) Forward(ctx context.Context, name string) analyzer.DNSInfo {
	var info analyzer.DNSInfo
	addrs, err := c.LookupAddrs(ctx, name)
	info.Addrs = addrs
	if err != nil {
		info.Notes = append(info.Notes, ErrorNotes(err)...)
	}
	return info
}

// ErrorNotes returns the messages of err as notes, one per error joined in
// it (errors.Join), for reports that list DNS problems line by line.
func ErrorNotes(err error) []string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, e.Error())
		}
		return out
	}
	return []string{err.Error()}
}

// LookupAddrs returns the A and AAAA addresses of name, sorted and
// de-duplicated. A name that does not exist gives an *Error matching
// ErrNXDOMAIN; when only one of the two look-ups fails, the addresses of the
// other come back with its error. A name with no addresses (NODATA) gives
// no addresses and no error.
func (c *Client) LookupAddrs(ctx context.Context, name string) ([]netip.Addr, error) {
	type result struct {
		addrs []netip.Addr
		err   error
	}
	aaaa := make(chan result, 1)
	go func() {
		addrs, err := c.lookupIP(ctx, name, dns.TypeAAAA)
		aaaa <- result{addrs, err}
	}()
	addrs, errA := c.lookupIP(ctx, name, dns.TypeA)
	r6 := <-aaaa
	addrs = append(addrs, r6.addrs...)
	slices.SortFunc(addrs, func(a, b netip.Addr) int { return a.Compare(b) })
	addrs = slices.Compact(addrs)
	switch {
	case errA == nil:
		return addrs, r6.err
	case r6.err == nil:
		return addrs, errA
	case errors.Is(errA, ErrNXDOMAIN) && errors.Is(r6.err, ErrNXDOMAIN):
		return addrs, errA // one note for one fact: the name does not exist
	}
	return addrs, errors.Join(errA, r6.err)
}

func (c *Client) lookupIP(ctx context.Context, name string, qtype uint16) ([]netip.Addr, error) {
	ans, err := c.Query(ctx, name, qtype)
	if err != nil {
		return nil, err
	}
	var addrs []netip.Addr
	for _, rr := range ans.RRs {
		var a netip.Addr
		switch v := rr.(type) {
		case *dns.A:
			a, _ = netip.AddrFromSlice(v.A.To4())
		case *dns.AAAA:
			a, _ = netip.AddrFromSlice(v.AAAA.To16())
		}
		if a.IsValid() {
			addrs = append(addrs, a.Unmap())
		}
	}
	return addrs, nil
}

// MX is one mail exchanger.
type MX struct {
	Preference uint16 `json:"preference"`
	// Host is the exchanger without the trailing dot; "." is the null MX of
	// RFC 7505 ("this domain accepts no mail").
	Host string `json:"host"`
}

// LookupMX returns the MX records of name ordered by preference, ties by host
// name. NODATA gives no records and no error.
func (c *Client) LookupMX(ctx context.Context, name string) ([]MX, error) {
	ans, err := c.Query(ctx, name, dns.TypeMX)
	if err != nil {
		return nil, err
	}
	var mxs []MX
	for _, rr := range ans.RRs {
		if m, ok := rr.(*dns.MX); ok {
			h := hostName(m.Mx)
			if m.Mx == "." {
				h = "."
			}
			mxs = append(mxs, MX{Preference: m.Preference, Host: h})
		}
	}
	slices.SortFunc(mxs, func(a, b MX) int {
		return cmp.Or(cmp.Compare(a.Preference, b.Preference), strings.Compare(a.Host, b.Host))
	})
	return slices.Compact(mxs), nil
}

// LookupTXT returns the TXT records of name, each with its character strings
// concatenated (RFC 7208 3.3), in the order of the answer. Bytes outside
// printable ASCII are in the \DDD form of miekg/dns.
func (c *Client) LookupTXT(ctx context.Context, name string) ([]string, error) {
	ans, err := c.Query(ctx, name, dns.TypeTXT)
	if err != nil {
		return nil, err
	}
	var txts []string
	for _, rr := range ans.RRs {
		if t, ok := rr.(*dns.TXT); ok {
			txts = append(txts, strings.Join(t.Txt, ""))
		}
	}
	return txts, nil
}

// TLSA is one DANE TLSA record (RFC 6698).
type TLSA struct {
	Usage        uint8  `json:"usage"`
	Selector     uint8  `json:"selector"`
	MatchingType uint8  `json:"matching_type"`
	Data         string `json:"data"` // certificate association data, lower-case hex
}

// String returns the record in presentation form, e.g. "3 1 1 ab12...".
func (t TLSA) String() string {
	return strings.Join([]string{itoa(t.Usage), itoa(t.Selector), itoa(t.MatchingType), t.Data}, " ")
}

func itoa(u uint8) string { return strconv.Itoa(int(u)) }

// LookupTLSA returns the TLSA records of name (e.g. "_25._tcp.mx.example.com")
// and whether the resolver set the AD bit on the answer, i.e. says it
// validated it with DNSSEC.
func (c *Client) LookupTLSA(ctx context.Context, name string) ([]TLSA, bool, error) {
	ans, err := c.Query(ctx, name, dns.TypeTLSA)
	if err != nil {
		return nil, false, err
	}
	var out []TLSA
	for _, rr := range ans.RRs {
		if t, ok := rr.(*dns.TLSA); ok {
			data := strings.ToLower(t.Certificate)
			if _, err := hex.DecodeString(data); err != nil {
				data = "(invalid hex)"
			}
			out = append(out, TLSA{Usage: t.Usage, Selector: t.Selector, MatchingType: t.MatchingType, Data: data})
		}
	}
	return out, ans.AuthenticatedData, nil
}

// hostName returns a DNS name lower case without the trailing dot.
func hostName(s string) string {
	return strings.ToLower(strings.TrimSuffix(s, "."))
}

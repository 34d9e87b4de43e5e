package audit

import (
	"cmp"
	"errors"
	"fmt"
	"github.com/mailroute/mailroute/jurisdiction"
	"math"
	"net/netip"
	"slices"
	"strings"

	"github.com/mailroute/mailroute/analyzer"
	"github.com/mailroute/mailroute/resolver"
)

// SPF limits (RFC 7208 4.6.4).
const (
	spfLookupLimit = 10 // DNS-querying terms per evaluation
	spfVoidLimit   = 2  // look-ups answering NXDOMAIN or nothing
	spfMXLimit     = 10 // MX hosts looked up per mx term
	// spfHardLimit stops the audit's own expansion; it goes on past the
	// evaluators' limit to show what the record was meant to authorise.
	spfHardLimit = 40
)

// Outbound is what the domain's SPF record authorises to send its mail.
type Outbound struct {
	Status string `json:"status"` // one of the SPF* constants
	Error  string `json:"error"`  // the DNS error when Status is unknown
	Record string `json:"record"`
	// All is the "all" term that ends the evaluation of the domain's record
	// (after redirects), e.g. "-all"; empty when there is none.
	All                 string          `json:"all"`
	Lookups             int             `json:"dns_lookups"`
	LookupLimitExceeded bool            `json:"lookup_limit_exceeded"`
	VoidLookups         int             `json:"void_lookups"`
	VoidLimitExceeded   bool            `json:"void_limit_exceeded"`
	Networks            []SPFNetwork    `json:"networks"`
	Unexpanded          []SPFUnexpanded `json:"unexpanded"`
	// ByCountry, ByOrganisation and ByInclude summarise the authorised
	// networks (see Share).
	ByCountry      []Share        `json:"by_country"`
	ByOrganisation []Share        `json:"by_organisation"`
	ByInclude      []IncludeShare `json:"by_include"`
	// LookupErrors are the DNS look-ups of the expansion that failed
	// (SERVFAIL, timeout): what those terms authorise is unknown, so the
	// networks listed may be incomplete.
	LookupErrors []string `json:"lookup_errors"`
	Notes        []string `json:"notes"`
}

// SPFNetwork is one network found by expanding the SPF record.
type SPFNetwork struct {
	Prefix netip.Prefix `json:"prefix"`
	// Qualifier is the term's own qualifier; Authorised says it and every
	// include leading to it are "+", so a message from the network passes.
	Qualifier  string `json:"qualifier"`
	Authorised bool   `json:"authorised"`
	Term       string `json:"term"`   // the term that gave it, e.g. "ip4:192.0.2.0/24" or "mx"
	Domain     string `json:"domain"` // the domain whose record holds the term
	// Via is the chain of include and redirect terms from the audited
	// domain's record, e.g. ["include:_spf.example.net"]; empty for terms of
	// the domain's own record.
	Via []string `json:"via"`
	// Location is where the network's first address is; the rest of a
	// large network may be elsewhere.
	Location     analyzer.Location  `json:"location"`
	Internal     bool               `json:"internal"`
	Jurisdiction jurisdiction.Class `json:"jurisdiction"`
}

// SPFUnexpanded is a term the audit names but does not expand.
type SPFUnexpanded struct {
	Term   string   `json:"term"`
	Domain string   `json:"domain"`
	Via    []string `json:"via"`
	Reason string   `json:"reason"`
}

// Share is the part of the authorised networks in one country or
// organisation. Shares are measured in IPv4 addresses (by prefix length; a
// network inside another authorised network is not counted again); IPv6
// networks are only counted, as their sizes (a /32 against a /64) say
// nothing about how many hosts send. A network is placed by its first
// address. Internal (private, non-routable) networks are left out.
type Share struct {
	Key           string  `json:"key"` // country code or organisation; "unknown" when not located
	Networks      int     `json:"networks"`
	IPv4Addresses uint64  `json:"ipv4_addresses"`
	IPv4Percent   float64 `json:"ipv4_percent"` // of all authorised IPv4 addresses in the group, one decimal
	IPv6Networks  int     `json:"ipv6_networks"`
	// Jurisdiction is the class of the country (ByCountry only).
	Jurisdiction jurisdiction.Class `json:"jurisdiction,omitempty"`
}

// IncludeShare summarises the networks one top-level term contributes:
// "include:x" or "redirect=x", or "(own record)" for the domain's own ip4,
// ip6, a and mx terms.
type IncludeShare struct {
	Include        string  `json:"include"`
	Networks       int     `json:"networks"`
	IPv4Addresses  uint64  `json:"ipv4_addresses"`
	IPv6Networks   int     `json:"ipv6_networks"`
	ByCountry      []Share `json:"by_country"`
	ByOrganisation []Share `json:"by_organisation"`
}

// ownRecord is the IncludeShare key for the domain's own terms.
const ownRecord = "(own record)"

type expander struct {
	a        *auditor
	out      *Outbound
	stopped  bool
	mxLimits int
}

// outbound finds and expands the domain's SPF record.
func (a *auditor) outbound(domain string) Outbound {
	out := Outbound{}
	rec, status, notes := a.spfRecord(domain)
	out.Status, out.Notes = status, notes
	if status == SPFUnknown {
		out.Error, out.Notes = strings.Join(notes, "; "), nil
	}
	if rec == "" {
		if status == SPFNone {
			out.Notes = append(out.Notes, "no SPF record: receivers cannot tell authorised senders from forgers")
		}
		return out
	}
	out.Record = rec
	e := &expander{a: a, out: &out}
	if !e.expand(domain, rec, nil, []string{domain}, true) {
		out.Status = SPFInvalid
	}
	if out.Lookups > spfLookupLimit {
		out.LookupLimitExceeded = true
		out.Notes = append(out.Notes, fmt.Sprintf("%d DNS-querying terms, more than the limit of %d (RFC 7208 4.6.4): receivers return permerror", out.Lookups, spfLookupLimit))
	}
	if out.VoidLookups > spfVoidLimit {
		out.VoidLimitExceeded = true
		out.Notes = append(out.Notes, fmt.Sprintf("%d void look-ups, more than the limit of %d (RFC 7208 4.6.4): receivers may return permerror", out.VoidLookups, spfVoidLimit))
	}
	summarise(&out)
	return out
}

// spfRecord returns the single v=spf1 record of domain.
func (a *auditor) spfRecord(domain string) (string, string, []string) {
	txts, err := a.c.LookupTXT(a.ctx, domain)
	if err != nil {
		if errors.Is(err, resolver.ErrNXDOMAIN) {
			return "", SPFNone, []string{err.Error()}
		}
		return "", SPFUnknown, []string{err.Error()}
	}
	var recs []string
	for _, t := range txts {
		if IsSPF(t) {
			recs = append(recs, t)
		}
	}
	switch len(recs) {
	case 0:
		return "", SPFNone, nil
	case 1:
		return recs[0], SPFOK, nil
	}
	slices.Sort(recs)
	return "", SPFMultiple, []string{fmt.Sprintf("%d v=spf1 records at %s: receivers return permerror (RFC 7208 4.5): %s", len(recs), domain, strings.Join(recs, " | "))}
}

// note adds a note to the outbound report.
func (e *expander) note(format string, args ...any) {
	e.out.Notes = append(e.out.Notes, fmt.Sprintf(format, args...))
}

// lookup counts one DNS-querying term and reports whether expansion may go
// on.
func (e *expander) lookup(t SPFTerm, domain string) bool {
	if e.stopped {
		return false
	}
	e.out.Lookups++
	if e.out.Lookups > spfHardLimit {
		e.stopped = true
		e.note("expansion stopped at %q in the record of %s: more than %d DNS-querying terms", t.Raw, domain, spfHardLimit)
		return false
	}
	return true
}

// expand walks the record of domain. via is the chain of include/redirect
// terms leading to it, stack the domains being expanded (for loops), pass
// whether every include on the way had the "+" qualifier. It reports whether
// the record parsed.
func (e *expander) expand(domain, rec string, via, stack []string, pass bool) bool {
	parsed, err := ParseSPF(rec)
	ok := err == nil
	if err != nil {
		e.note("record of %s: %v (receivers return permerror)", domain, err)
	}
	topLevel := true // reached from the audited domain by redirects only
	for _, v := range via {
		if !strings.HasPrefix(v, "redirect=") {
			topLevel = false
		}
	}
	var redirect *SPFTerm
	hasAll := false
	for _, t := range parsed.Terms {
		if e.stopped {
			return ok
		}
		switch t.Mechanism {
		case "all":
			hasAll = true
			if topLevel && e.out.All == "" {
				e.out.All = qualified(t)
			}
			if t.Qualifier == "+" && pass {
				e.note("%s in the record of %s authorises every address on the Internet", t.Raw, domain)
			}
		case "ip4", "ip6":
			e.add(t.Prefix, t, domain, via, pass)
		case "include":
			if !e.lookup(t, domain) {
				return ok
			}
			if t.Macro {
				e.unexpanded(t, domain, via, "the domain-spec holds macros, which depend on the message")
				continue
			}
			e.follow(t, "include:"+t.Domain, t.Domain, via, stack, pass && t.Qualifier == "+")
		case "a", "mx":
			if !e.lookup(t, domain) {
				return ok
			}
			target := cmp.Or(t.Domain, domain)
			if t.Macro {
				e.unexpanded(t, domain, via, "the domain-spec holds macros, which depend on the message")
				continue
			}
			e.hosts(t, target, domain, via, pass)
		case "ptr":
			if !e.lookup(t, domain) {
				return ok
			}
			e.unexpanded(t, domain, via, "ptr matches the connecting client's reverse DNS, so it cannot be listed (and RFC 7208 5.5 says not to use it)")
		case "exists":
			if !e.lookup(t, domain) {
				return ok
			}
			e.unexpanded(t, domain, via, "exists depends on the message (usually through macros) and cannot be listed")
		}
		if t.Modifier == "redirect" {
			redirect = &t
		}
	}
	if redirect != nil && !hasAll { // RFC 7208 6.1: redirect is ignored when "all" is present
		if !e.lookup(*redirect, domain) {
			return ok
		}
		if redirect.Macro {
			e.unexpanded(*redirect, domain, via, "the domain-spec holds macros, which depend on the message")
			return ok
		}
		e.follow(*redirect, "redirect="+redirect.Domain, redirect.Domain, via, stack, pass)
	}
	return ok
}

// follow expands the record of an include or redirect target.
func (e *expander) follow(t SPFTerm, step, target string, via, stack []string, pass bool) {
	target = strings.ToLower(strings.TrimSuffix(target, "."))
	chain := append(slices.Clone(via), step)
	if slices.Contains(stack, target) {
		e.note("loop: %s leads back to %s (via %s); not followed", t.Raw, target, strings.Join(chain, " > "))
		return
	}
	rec, status, notes := e.a.spfRecord(target)
	switch status {
	case SPFOK:
		e.expand(target, rec, chain, append(slices.Clone(stack), target), pass)
	case SPFNone:
		if len(notes) > 0 && strings.HasSuffix(notes[0], "NXDOMAIN") || len(notes) == 0 {
			e.out.VoidLookups++
		}
		e.note("%s (via %s): no SPF record at %s: receivers return permerror", t.Raw, strings.Join(chain, " > "), target)
	case SPFUnknown:
		for _, n := range notes {
			e.lookupError("%s (via %s): %s", t.Raw, strings.Join(chain, " > "), n)
		}
	default:
		for _, n := range notes {
			e.note("%s (via %s): %s", t.Raw, strings.Join(chain, " > "), n)
		}
	}
}

// lookupError records a failed look-up of the expansion.
func (e *expander) lookupError(format string, args ...any) {
	e.out.LookupErrors = append(e.out.LookupErrors, fmt.Sprintf(format, args...))
}

// hosts expands an a or mx term into networks.
func (e *expander) hosts(t SPFTerm, target, domain string, via []string, pass bool) {
	var names []string
	if t.Mechanism == "mx" {
		mxs, err := e.a.c.LookupMX(e.a.ctx, target)
		if err != nil {
			if errors.Is(err, resolver.ErrNXDOMAIN) {
				e.out.VoidLookups++
				e.note("%s in the record of %s: %v", t.Raw, domain, err)
			} else {
				e.lookupError("%s in the record of %s: %v", t.Raw, domain, err)
			}
			return
		}
		for _, mx := range mxs {
			if mx.Host != "." {
				names = append(names, mx.Host)
			}
		}
		if len(names) == 0 {
			e.out.VoidLookups++
		}
		if len(names) > spfMXLimit {
			e.note("%s in the record of %s: %d MX hosts, more than %d (RFC 7208 4.6.4): receivers return permerror", t.Raw, domain, len(names), spfMXLimit)
			names = names[:spfMXLimit]
		}
	} else {
		names = []string{target}
	}
	for _, name := range names {
		addrs, err := e.a.c.LookupAddrs(e.a.ctx, name)
		if err != nil {
			if errors.Is(err, resolver.ErrNXDOMAIN) && t.Mechanism == "a" {
				e.out.VoidLookups++
			}
			for _, part := range errorParts(err) {
				if lookupFailed(part) {
					e.lookupError("%s in the record of %s: %v", t.Raw, domain, part)
				} else {
					e.note("%s in the record of %s: %v", t.Raw, domain, part)
				}
			}
		} else if len(addrs) == 0 && t.Mechanism == "a" {
			e.out.VoidLookups++
		}
		for _, ip := range addrs {
			bits := ip.BitLen()
			if ip.Is4() && t.CIDR4 >= 0 {
				bits = t.CIDR4
			} else if ip.Is6() && t.CIDR6 >= 0 {
				bits = t.CIDR6
			}
			e.add(netip.PrefixFrom(ip, bits).Masked(), t, domain, via, pass)
		}
	}
}

func (e *expander) unexpanded(t SPFTerm, domain string, via []string, reason string) {
	e.out.Unexpanded = append(e.out.Unexpanded, SPFUnexpanded{Term: t.Raw, Domain: domain, Via: slices.Clone(via), Reason: reason})
}

func (e *expander) add(p netip.Prefix, t SPFTerm, domain string, via []string, pass bool) {
	if !p.IsValid() {
		return
	}
	if slices.ContainsFunc(e.out.Networks, func(n SPFNetwork) bool {
		return n.Prefix == p && n.Term == t.Raw && n.Domain == domain && slices.Equal(n.Via, via)
	}) {
		return // "a a" or two MX hosts on one address: listed once
	}
	first := p.Masked().Addr()
	ad := e.a.address(first)
	e.out.Networks = append(e.out.Networks, SPFNetwork{
		Prefix:       p,
		Qualifier:    t.Qualifier,
		Authorised:   pass && t.Qualifier == "+",
		Term:         t.Raw,
		Domain:       domain,
		Via:          slices.Clone(via),
		Location:     ad.Location,
		Internal:     ad.Internal,
		Jurisdiction: ad.Jurisdiction,
	})
}

func qualified(t SPFTerm) string {
	if t.Qualifier == "+" && !strings.HasPrefix(t.Raw, "+") {
		return "+" + t.Mechanism
	}
	return t.Qualifier + t.Mechanism
}

// summarise fills the shares of the authorised networks.
func summarise(out *Outbound) {
	var auth []SPFNetwork
	groups := map[string][]SPFNetwork{}
	var order []string
	for _, n := range out.Networks {
		if !n.Authorised || n.Internal {
			continue // private networks are not Internet senders; the verdict names them
		}
		auth = append(auth, n)
		key := ownRecord
		if len(n.Via) > 0 {
			key = n.Via[0]
		}
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], n)
	}
	uniq := outermost(auth)
	out.ByCountry = shares(uniq, countryKey, true)
	out.ByOrganisation = shares(uniq, orgKey, false)
	for _, key := range order {
		g := outermost(groups[key])
		is := IncludeShare{Include: key, ByCountry: shares(g, countryKey, true), ByOrganisation: shares(g, orgKey, false)}
		for _, n := range g {
			is.Networks++
			if n.Prefix.Addr().Is4() {
				is.IPv4Addresses += v4Size(n.Prefix)
			} else {
				is.IPv6Networks++
			}
		}
		out.ByInclude = append(out.ByInclude, is)
	}
}

func countryKey(n SPFNetwork) string {
	switch {
	case n.Internal:
		return "internal"
	case n.Location.Country == "":
		return "unknown"
	}
	return n.Location.Country
}

func orgKey(n SPFNetwork) string {
	switch {
	case n.Internal:
		return "internal"
	case n.Location.ASOrg == "":
		return "unknown"
	}
	return n.Location.ASOrg
}

func v4Size(p netip.Prefix) uint64 { return uint64(1) << (32 - p.Bits()) }

// shares groups networks by key, largest IPv4 share first, then most IPv6
// networks, then by key.
func shares(nets []SPFNetwork, key func(SPFNetwork) string, byCountry bool) []Share {
	idx := map[string]int{}
	var out []Share
	var total uint64
	for _, n := range nets {
		k := key(n)
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, Share{Key: k})
			if byCountry {
				out[i].Jurisdiction = n.Jurisdiction
			}
		}
		out[i].Networks++
		if n.Prefix.Addr().Is4() {
			s := v4Size(n.Prefix)
			out[i].IPv4Addresses += s
			total += s
		} else {
			out[i].IPv6Networks++
		}
	}
	for i := range out {
		if total > 0 {
			out[i].IPv4Percent = math.Round(float64(out[i].IPv4Addresses)*1000/float64(total)) / 10
		}
	}
	slices.SortFunc(out, func(a, b Share) int {
		return cmp.Or(cmp.Compare(b.IPv4Addresses, a.IPv4Addresses), cmp.Compare(b.IPv6Networks, a.IPv6Networks), strings.Compare(a.Key, b.Key))
	})
	return out
}

// outermost returns the networks not contained in another of the list (a
// /28 inside a /24 is dropped; equal prefixes are kept once), so that
// addresses are counted once. Order is kept.
func outermost(nets []SPFNetwork) []SPFNetwork {
	var out []SPFNetwork
	for i, n := range nets {
		covered := false
		for j, m := range nets {
			if i == j || m.Prefix.Addr().Is4() != n.Prefix.Addr().Is4() {
				continue
			}
			if m.Prefix.Bits() < n.Prefix.Bits() && m.Prefix.Contains(n.Prefix.Addr()) ||
				m.Prefix == n.Prefix && j < i {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, n)
		}
	}
	return out
}

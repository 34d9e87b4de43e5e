package audit

import (
	"cmp"
	"fmt"
	"github.com/mailroute/mailroute/jurisdiction"
	"math"
	"slices"
	"strings"
)

// place is a country with the organisations and jurisdiction class seen there.
type place struct {
	country string // "" = not located
	class   jurisdiction.Class
	orgs    []string
}

// places groups located addresses by country (sorted), with their
// organisations (sorted).
func places(locs []Address) []place {
	var out []place
	for _, l := range locs {
		if l.Internal {
			continue
		}
		i := slices.IndexFunc(out, func(p place) bool { return p.country == l.Location.Country })
		if i < 0 {
			out = append(out, place{country: l.Location.Country, class: l.Jurisdiction})
			i = len(out) - 1
		}
		if o := l.Location.ASOrg; o != "" && !slices.Contains(out[i].orgs, o) {
			out[i].orgs = append(out[i].orgs, o)
		}
	}
	for i := range out {
		slices.Sort(out[i].orgs)
	}
	slices.SortFunc(out, func(a, b place) int { return strings.Compare(a.country, b.country) })
	return out
}

func (p place) String() string {
	c := cmp.Or(p.country, "an unknown country")
	if len(p.orgs) == 0 {
		return c
	}
	return c + " (" + strings.Join(p.orgs, ", ") + ")"
}

// join lists items as "a, b and c".
func join(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// outside describes the places outside the home jurisdiction and the EU/EEA.
func outside(what string, ps []place, home jurisdiction.Home) string {
	var third, eea []string
	unknown := 0
	for _, p := range ps {
		switch p.class {
		case jurisdiction.ClassHome, jurisdiction.ClassInternal:
		case jurisdiction.ClassEUEEA:
			eea = append(eea, p.country)
		case jurisdiction.ClassUnknown:
			unknown++
		default:
			third = append(third, p.String()+" ["+string(p.class)+"]")
		}
	}
	var s []string
	if len(third) > 0 {
		s = append(s, fmt.Sprintf("%s outside the EU/EEA: %s.", what, join(third)))
	}
	if len(eea) > 0 {
		s = append(s, fmt.Sprintf("%s in the EU/EEA but outside the home jurisdiction (%s): %s.", what, home, join(eea)))
	}
	if unknown > 0 {
		s = append(s, fmt.Sprintf("Some %s could not be located.", strings.ToLower(what)))
	}
	if len(third) == 0 && len(eea) == 0 && unknown == 0 && len(ps) > 0 {
		s = append(s, fmt.Sprintf("All %s are in the home jurisdiction (%s).", strings.ToLower(what), home))
	}
	return strings.Join(s, " ")
}

// verdict writes the paragraph a security officer can paste into a report.
func verdict(r Report, home jurisdiction.Home) string {
	d := r.Domain
	var s []string
	switch r.Inbound.Status {
	case InboundNXDomain:
		return d + " does not exist in the DNS (NXDOMAIN): there is nothing to audit."
	case InboundNullMX:
		s = append(s, d+" publishes a null MX (RFC 7505): it receives no mail.")
	case InboundNoMail:
		s = append(s, d+" has neither MX nor address records: it cannot receive mail.")
	case InboundUnknown:
		s = append(s, "The MX look-up for "+d+" could not be checked (DNS error), so where it receives mail is unknown.")
	default:
		var addrs []Address
		for _, h := range r.Inbound.MX {
			addrs = append(addrs, h.Addresses...)
		}
		ps := places(addrs)
		how := "by " + plural(len(r.Inbound.MX), "MX host", "MX hosts")
		if r.Inbound.Status == InboundImplicitMX {
			how = "at the domain's own address (no MX record, implicit MX)"
		}
		if len(ps) == 0 {
			s = append(s, fmt.Sprintf("Mail for %s is received %s with no public address found.", d, how))
		} else {
			parts := make([]string, len(ps))
			for i, p := range ps {
				parts[i] = p.String()
			}
			s = append(s, fmt.Sprintf("Mail for %s is received %s with addresses in %s.", d, how, join(parts)))
			s = append(s, outside("Receiving addresses", ps, home))
		}
		var failed []string
		for _, h := range r.Inbound.MX {
			if h.Error != "" {
				failed = append(failed, h.Host)
			}
		}
		if len(failed) > 0 {
			s = append(s, fmt.Sprintf("The addresses of %s could not be checked (DNS error), so where it receives mail is not fully known.", join(failed)))
		}
	}

	o := r.Outbound
	switch o.Status {
	case SPFNone:
		s = append(s, "No SPF record is published, so receivers cannot tell its legitimate senders from forgers.")
	case SPFMultiple:
		s = append(s, "It publishes more than one SPF record, which receivers treat as an error (permerror).")
	case SPFUnknown:
		s = append(s, "Its SPF record could not be checked (DNS error), so from where its mail may be sent is unknown.")
	default:
		s = append(s, spfSentence(o, home)...)
	}
	if n := len(o.LookupErrors); n > 0 {
		s = append(s, fmt.Sprintf("%s of the SPF expansion could not be checked (DNS error), so the sending networks listed may be incomplete.", plural(n, "look-up", "look-ups")))
	}

	s = append(s, transportSentence(r.Transport, r.Inbound.Status == InboundUnknown))
	for _, n := range r.Notes {
		s = append(s, n+".")
	}
	return strings.Join(slices.DeleteFunc(s, func(x string) bool { return x == "" }), " ")
}

func spfSentence(o Outbound, home jurisdiction.Home) []string {
	var s []string
	if o.Status == SPFInvalid {
		s = append(s, "Its SPF record has errors (receivers return permerror); what it was meant to authorise follows.")
	}
	// Count as the shares do: public networks, each address once.
	var nets []Address
	for _, n := range o.Networks {
		if n.Authorised && !n.Internal {
			nets = append(nets, Address{IP: n.Prefix.Addr(), Location: n.Location, Jurisdiction: n.Jurisdiction})
		}
	}
	v4, v6, count := uint64(0), 0, 0
	for _, c := range o.ByCountry {
		v4 += c.IPv4Addresses
		v6 += c.IPv6Networks
		count += c.Networks
	}
	ending := ""
	if o.All != "" {
		ending = " (ending " + o.All + ")"
	}
	if count == 0 {
		s = append(s, "Its SPF record"+ending+" authorises no public network.")
	} else {
		var shares []string
		for i, c := range o.ByCountry {
			if i == 5 {
				shares = append(shares, "others")
				break
			}
			part := c.Key
			switch {
			case c.IPv4Addresses > 0 && c.IPv4Percent < 0.1:
				part += " <0.1%"
			case c.IPv4Addresses > 0:
				part += fmt.Sprintf(" %.1f%%", c.IPv4Percent)
			default:
				part += " (IPv6 only)"
			}
			shares = append(shares, part)
		}
		size := []string{plural(int(min(v4, math.MaxInt32)), "IPv4 address", "IPv4 addresses")}
		if v4 > math.MaxInt32 {
			size[0] = fmt.Sprintf("%d IPv4 addresses", v4)
		}
		if v6 > 0 {
			size = append(size, plural(v6, "IPv6 network", "IPv6 networks"))
		}
		s = append(s, fmt.Sprintf("Its SPF record%s authorises %s (%s); by country, as share of IPv4 addresses: %s.",
			ending, plural(count, "network", "networks"), strings.Join(size, ", "), strings.Join(shares, ", ")))
		s = append(s, outside("Sending networks", places(nets), home))
		for _, inc := range o.ByInclude {
			if inc.Include == ownRecord {
				continue
			}
			var orgs, countries []string
			for _, org := range inc.ByOrganisation {
				if org.Key != "internal" {
					orgs = append(orgs, org.Key)
				}
			}
			for _, c := range inc.ByCountry {
				if c.Key != "internal" {
					countries = append(countries, c.Key)
				}
			}
			if len(orgs) > 0 {
				s = append(s, fmt.Sprintf("%s contributes networks of %s in %s.", inc.Include, join(orgs), join(countries)))
			}
		}
		var private []string
		for _, n := range o.Networks {
			if n.Authorised && n.Internal && !slices.Contains(private, n.Prefix.String()) {
				private = append(private, n.Prefix.String())
			}
		}
		if len(private) > 0 {
			s = append(s, fmt.Sprintf("It also authorises private or non-routable networks (%s), from which no Internet host can send.", join(private)))
		}
	}
	if o.LookupLimitExceeded {
		s = append(s, fmt.Sprintf("The record needs %d DNS look-ups, more than the 10 allowed, so receivers reject it as an error.", o.Lookups))
	}
	if len(o.Unexpanded) > 0 {
		s = append(s, fmt.Sprintf("%s (exists, ptr or macros) cannot be listed.", plural(len(o.Unexpanded), "term", "terms")))
	}
	if o.All == "+all" {
		s = append(s, "It ends with +all, which authorises every address on the Internet.")
	}
	return s
}

// transportSentence says which protections are published, which are
// missing and which could not be checked; mxUnknown says the MX hosts, and
// so DANE, are unknown.
func transportSentence(t Transport, mxUnknown bool) string {
	var have, missing, unknown []string
	sort := func(status, name, haveText string) {
		switch status {
		case StatusOK:
			have = append(have, haveText)
		case StatusUnknown:
			unknown = append(unknown, name)
		default:
			missing = append(missing, name)
		}
	}
	sort(t.MTASTS.Status, "MTA-STS", "MTA-STS (policy not fetched)")
	sort(t.TLSRPT.Status, "TLS-RPT", "TLS-RPT")
	withTLSA, validated, failed := 0, 0, 0
	for _, d := range t.DANE {
		switch {
		case len(d.Records) > 0:
			withTLSA++
			if d.Validated {
				validated++
			}
		case d.Status == StatusUnknown:
			failed++
		}
	}
	switch {
	case len(t.DANE) == 0 && mxUnknown:
		unknown = append(unknown, "DANE (the MX hosts are unknown)")
	case len(t.DANE) == 0:
	case withTLSA == 0 && failed == 0:
		missing = append(missing, "DANE")
	case withTLSA == 0 && failed == len(t.DANE):
		unknown = append(unknown, "DANE")
	case withTLSA == 0:
		unknown = append(unknown, fmt.Sprintf("DANE (%d of %d MX hosts)", failed, len(t.DANE)))
	case validated == withTLSA:
		have = append(have, fmt.Sprintf("DANE for %d of %d MX hosts (DNSSEC-validated by the resolver)", withTLSA, len(t.DANE)))
	case validated == 0:
		have = append(have, fmt.Sprintf("DANE TLSA records for %d of %d MX hosts, not DNSSEC-validated by the resolver (so not usable)", withTLSA, len(t.DANE)))
	default:
		have = append(have, fmt.Sprintf("DANE for %d of %d MX hosts (%d DNSSEC-validated by the resolver)", withTLSA, len(t.DANE), validated))
	}
	if withTLSA > 0 && failed > 0 {
		unknown = append(unknown, fmt.Sprintf("DANE for %d of %d MX hosts", failed, len(t.DANE)))
	}
	p := "DMARC p=" + cmp.Or(t.DMARC.Policy, "(invalid)")
	if t.DMARC.Policy == "none" {
		p += " (monitoring only)"
	}
	if t.DMARC.Percent < 100 {
		p += fmt.Sprintf(" pct=%d", t.DMARC.Percent)
	}
	sort(t.DMARC.Status, "DMARC", p)
	var s []string
	if len(have) > 0 {
		s = append(s, "Transport protections published: "+join(have)+".")
	}
	if len(missing) > 0 {
		s = append(s, "Missing: "+join(missing)+".")
	}
	if len(unknown) > 0 {
		s = append(s, "Could not be checked (DNS error): "+join(unknown)+".")
	}
	return strings.Join(s, " ")
}

// notChecked starts the Error of an Unknown that was not looked up at all
// because what it depends on is unknown.
const notChecked = "not checked: "

// unknowns lists what could not be checked in r, in report order.
func unknowns(r Report) []Unknown {
	var u []Unknown
	add := func(check, err string) { u = append(u, Unknown{Check: check, Error: err}) }
	if r.Inbound.Status == InboundUnknown {
		add("MX", r.Inbound.Error)
	}
	for _, h := range r.Inbound.MX {
		if h.Error != "" {
			add("MX host "+h.Host+" addresses", h.Error)
		}
	}
	if !r.Exists {
		return u
	}
	if r.Outbound.Status == SPFUnknown {
		add("SPF", r.Outbound.Error)
	}
	for _, e := range r.Outbound.LookupErrors {
		add("SPF expansion", e)
	}
	t := r.Transport
	if t.MTASTS.Status == StatusUnknown {
		add("MTA-STS", t.MTASTS.Error)
	}
	if t.TLSRPT.Status == StatusUnknown {
		add("TLS-RPT", t.TLSRPT.Error)
	}
	if r.Inbound.Status == InboundUnknown && len(t.DANE) == 0 {
		add("DANE", notChecked+"the MX hosts are unknown")
	}
	for _, d := range t.DANE {
		if d.Status == StatusUnknown {
			add("DANE "+d.Host, d.Error)
		}
	}
	if t.DMARC.Status == StatusUnknown {
		add("DMARC", t.DMARC.Error)
	}
	return u
}

// jurisdictionNotes returns the explanations (home.Note) for the countries
// seen, in country order.
func (a *auditor) jurisdictionNotes(r Report) []string {
	var countries []string
	for _, h := range r.Inbound.MX {
		for _, ad := range h.Addresses {
			countries = append(countries, ad.Location.Country)
		}
	}
	for _, n := range r.Outbound.Networks {
		if n.Authorised {
			countries = append(countries, n.Location.Country)
		}
	}
	slices.Sort(countries)
	var notes []string
	for _, c := range slices.Compact(countries) {
		if c == "" {
			continue
		}
		if n := a.home.Note(c); n != "" && !slices.Contains(notes, n) {
			notes = append(notes, n)
		}
	}
	return notes
}

// nz returns s, or an empty slice for nil, so JSON shows [] not null.
func nz[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// normalise replaces nil slices by empty ones for stable JSON.
func normalise(r *Report) {
	r.Notes = nz(r.Notes)
	r.Unknown = nz(r.Unknown)
	r.Inbound.MX = nz(r.Inbound.MX)
	r.Inbound.Notes = nz(r.Inbound.Notes)
	for i := range r.Inbound.MX {
		h := &r.Inbound.MX[i]
		h.Addresses = nz(h.Addresses)
		h.Notes = nz(h.Notes)
		for j := range h.Addresses {
			h.Addresses[j].Location.Source = nz(h.Addresses[j].Location.Source)
		}
	}
	o := &r.Outbound
	o.Networks, o.Unexpanded, o.Notes = nz(o.Networks), nz(o.Unexpanded), nz(o.Notes)
	o.LookupErrors = nz(o.LookupErrors)
	o.ByCountry, o.ByOrganisation, o.ByInclude = nz(o.ByCountry), nz(o.ByOrganisation), nz(o.ByInclude)
	for i := range o.Networks {
		o.Networks[i].Via = nz(o.Networks[i].Via)
		o.Networks[i].Location.Source = nz(o.Networks[i].Location.Source)
	}
	for i := range o.Unexpanded {
		o.Unexpanded[i].Via = nz(o.Unexpanded[i].Via)
	}
	t := &r.Transport
	t.MTASTS.Notes = nz(t.MTASTS.Notes)
	t.TLSRPT.RUA, t.TLSRPT.Notes = nz(t.TLSRPT.RUA), nz(t.TLSRPT.Notes)
	t.DMARC.RUA, t.DMARC.Notes = nz(t.DMARC.RUA), nz(t.DMARC.Notes)
	t.DANE = nz(t.DANE)
	for i := range t.DANE {
		t.DANE[i].Records, t.DANE[i].Notes = nz(t.DANE[i].Records), nz(t.DANE[i].Notes)
	}
}

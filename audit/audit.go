// Package audit checks a domain's published mail set-up in the DNS for
// "mailroute provider": where its mail is received (MX), from where it may
// be sent (SPF, expanded), which transport protections it publishes
// (MTA-STS, TLS-RPT, DANE, DMARC), where those places are and which of them
// lie outside the user's home jurisdiction or the EU/EEA.
//
// It only reads the DNS through a resolver.Client; it does not connect to
// the mail servers and does not fetch the MTA-STS policy over HTTPS.
package audit

import (
	"context"
	"errors"
	"github.com/mailroute/mailroute/jurisdiction"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"golang.org/x/net/publicsuffix"

	"github.com/mailroute/mailroute/analyzer"
	"github.com/mailroute/mailroute/resolver"
)

// SchemaVersion is the version of the JSON form of Report. Version 2 added
// status and error to every check, unknown to the report, error to inbound,
// MX hosts and outbound, lookup_errors to outbound, and the "unknown"
// inbound and SPF status in place of "error".
const SchemaVersion = 2

// Check statuses of MTA-STS, TLS-RPT, DANE and DMARC. A DNS error is not an
// absence: what could not be looked up is unknown, never missing.
const (
	StatusOK      = "ok"      // the record was found
	StatusMissing = "missing" // the DNS answered: there is no (usable) record
	StatusUnknown = "unknown" // the look-up failed (SERVFAIL, timeout, refused): Error says why
)

// Inbound statuses.
const (
	InboundMX         = "mx"          // MX records found
	InboundNullMX     = "null-mx"     // RFC 7505: the domain accepts no mail
	InboundImplicitMX = "implicit-mx" // no MX: the domain's own A/AAAA receive (RFC 5321 5.1)
	InboundNoMail     = "none"        // no MX and no address: nowhere to deliver
	InboundNXDomain   = "nxdomain"    // the domain does not exist
	InboundUnknown    = "unknown"     // the look-up failed (SERVFAIL, timeout): Error says why
)

// SPF statuses.
const (
	SPFOK       = "ok"       // one v=spf1 record
	SPFNone     = "none"     // no v=spf1 record
	SPFMultiple = "multiple" // more than one v=spf1 record: permerror (RFC 7208 4.5)
	SPFInvalid  = "invalid"  // the record does not parse: permerror
	SPFUnknown  = "unknown"  // the look-up failed: Error says why
)

// Options are the inputs of Check besides the domain.
type Options struct {
	// Locator geolocates public addresses; nil leaves locations empty.
	Locator analyzer.Locator
	// Home is the user's home jurisdiction; the zero Home means EEA.
	Home jurisdiction.Home
	// IsInternal reports addresses that must not be geolocated (private,
	// loopback, ...); nil means analyzer.DefaultInternal.
	IsInternal func(netip.Addr) bool
}

// Report is the audit of one domain.
type Report struct {
	SchemaVersion int       `json:"schema_version"`
	Domain        string    `json:"domain"`
	Home          string    `json:"home"`
	Exists        bool      `json:"exists"`
	Inbound       Inbound   `json:"inbound"`
	Outbound      Outbound  `json:"outbound"`
	Transport     Transport `json:"transport"`
	Verdict       string    `json:"verdict"`
	Notes         []string  `json:"notes"` // jurisdiction explanations and other remarks
	// Unknown lists what could not be checked because a DNS look-up failed;
	// empty when everything was answered. A report with entries here is
	// incomplete: the CLI exits 3.
	Unknown []Unknown `json:"unknown"`
}

// Unknown is one check that could not be made.
type Unknown struct {
	Check string `json:"check"` // e.g. "MX", "SPF", "MTA-STS", "DANE mx1.example.com"
	Error string `json:"error"` // the DNS error
}

// Address is one address of a mail host with where it is.
type Address struct {
	IP           netip.Addr         `json:"ip"`
	Internal     bool               `json:"internal"`
	Location     analyzer.Location  `json:"location"`
	Jurisdiction jurisdiction.Class `json:"jurisdiction"`
}

// MXHost is one mail exchanger of the domain.
type MXHost struct {
	Preference uint16    `json:"preference"`
	Host       string    `json:"host"`
	Addresses  []Address `json:"addresses"`
	// Error is the DNS error of the address look-up when it failed (not
	// when the name does not exist): the host's addresses are then unknown
	// or incomplete.
	Error string   `json:"error"`
	Notes []string `json:"notes"`
}

// Inbound is where the domain receives mail.
type Inbound struct {
	Status string   `json:"status"` // one of the Inbound* constants
	Error  string   `json:"error"`  // the DNS error when Status is unknown
	MX     []MXHost `json:"mx"`     // by preference, ties by name; the domain itself for implicit-mx
	Notes  []string `json:"notes"`
}

// Transport is the transport security the domain publishes.
type Transport struct {
	MTASTS MTASTS `json:"mta_sts"`
	TLSRPT TLSRPT `json:"tls_rpt"`
	DANE   []DANE `json:"dane"` // one per MX host
	DMARC  DMARC  `json:"dmarc"`
}

// MTASTS is the _mta-sts TXT record (RFC 8461 3.1). The HTTPS policy is not
// fetched, so its mode is unknown.
type MTASTS struct {
	Status  string   `json:"status"` // StatusOK, StatusMissing or StatusUnknown
	Error   string   `json:"error"`  // the DNS error when Status is unknown
	Present bool     `json:"present"`
	Record  string   `json:"record"`
	ID      string   `json:"id"`
	Notes   []string `json:"notes"`
}

// TLSRPT is the _smtp._tls TXT record (RFC 8460 3).
type TLSRPT struct {
	Status  string   `json:"status"` // StatusOK, StatusMissing or StatusUnknown
	Error   string   `json:"error"`  // the DNS error when Status is unknown
	Present bool     `json:"present"`
	Record  string   `json:"record"`
	RUA     []string `json:"rua"`
	Notes   []string `json:"notes"`
}

// DANE is the TLSA record set of one MX host (RFC 7672).
type DANE struct {
	Status  string          `json:"status"` // StatusOK (TLSA records), StatusMissing or StatusUnknown
	Error   string          `json:"error"`  // the DNS error when Status is unknown
	Host    string          `json:"host"`
	Name    string          `json:"name"` // _25._tcp.<host>
	Records []resolver.TLSA `json:"records"`
	// Validated is the resolver's AD bit on the TLSA answer: it says it
	// validated the records with DNSSEC. DANE without DNSSEC is void.
	Validated bool     `json:"validated"`
	Notes     []string `json:"notes"`
}

// DMARC is the _dmarc TXT record (RFC 7489 6.3).
type DMARC struct {
	Status          string   `json:"status"` // StatusOK, StatusMissing or StatusUnknown
	Error           string   `json:"error"`  // the DNS error when Status is unknown
	Present         bool     `json:"present"`
	Domain          string   `json:"domain"` // where the record was found: the domain or its organisational domain
	Record          string   `json:"record"`
	Policy          string   `json:"policy"`           // p=
	SubdomainPolicy string   `json:"subdomain_policy"` // sp=, empty when not given (then p= applies)
	Percent         int      `json:"percent"`          // pct=, 100 when not given
	RUA             []string `json:"rua"`
	Notes           []string `json:"notes"`
}

// Check audits domain. It never fails: DNS problems are reported in the
// Report's statuses and notes. It asks the DNS only through c.
func Check(ctx context.Context, c *resolver.Client, domain string, opts Options) Report {
	a := newAuditor(ctx, c, opts)
	domain = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(domain), "."))
	r := Report{
		SchemaVersion: SchemaVersion,
		Domain:        domain,
		Home:          a.home.String(),
		Exists:        true,
	}
	if domain == "" {
		r.Exists = false
		r.Inbound = Inbound{Status: InboundUnknown, Error: "no domain given", Notes: []string{"no domain given"}}
		r.Unknown = unknowns(r)
		r.Verdict = "No domain was given."
		normalise(&r)
		return r
	}
	r.Inbound = a.inbound(domain)
	if r.Inbound.Status == InboundNXDomain {
		r.Exists = false
		r.Outbound = Outbound{Status: SPFNone, Notes: []string{"not checked: the domain does not exist"}}
		r.Transport = Transport{MTASTS: MTASTS{Status: StatusMissing}, TLSRPT: TLSRPT{Status: StatusMissing},
			DMARC: DMARC{Status: StatusMissing}}
	} else {
		r.Outbound = a.outbound(domain)
		r.Transport = a.transport(domain, r.Inbound.MX)
	}
	r.Notes = a.jurisdictionNotes(r)
	r.Unknown = unknowns(r)
	r.Verdict = verdict(r, a.home)
	normalise(&r)
	return r
}

// auditor holds what one Check needs.
type auditor struct {
	ctx        context.Context
	c          *resolver.Client
	loc        analyzer.Locator
	home       jurisdiction.Home
	isInternal func(netip.Addr) bool
	located    map[netip.Addr]analyzer.Location
}

func newAuditor(ctx context.Context, c *resolver.Client, opts Options) *auditor {
	a := &auditor{ctx: ctx, c: c, loc: opts.Locator, home: opts.Home, isInternal: opts.IsInternal,
		located: map[netip.Addr]analyzer.Location{}}
	if a.home.String() == "" {
		a.home, _ = jurisdiction.ParseHome("EEA")
	}
	if a.isInternal == nil {
		a.isInternal = analyzer.DefaultInternal
	}
	return a
}

// address locates and classifies one address.
func (a *auditor) address(ip netip.Addr) Address {
	ip = ip.Unmap()
	ad := Address{IP: ip, Internal: a.isInternal(ip)}
	if !ad.Internal {
		ad.Location = a.locate(ip)
	}
	ad.Jurisdiction = a.home.Classify(ad.Location.Country, ad.Internal)
	return ad
}

func (a *auditor) locate(ip netip.Addr) analyzer.Location {
	if a.loc == nil {
		return analyzer.Location{}
	}
	if l, ok := a.located[ip]; ok {
		return l
	}
	l := a.loc.Locate(ip)
	l.ViaDNS = true
	a.located[ip] = l
	return l
}

// inbound looks up the MX records and their addresses.
func (a *auditor) inbound(domain string) Inbound {
	in := Inbound{Status: InboundMX}
	mxs, err := a.c.LookupMX(a.ctx, domain)
	switch {
	case errors.Is(err, resolver.ErrNXDOMAIN):
		in.Status = InboundNXDomain
		in.Notes = append(in.Notes, "the domain does not exist (NXDOMAIN)")
		return in
	case err != nil:
		in.Status = InboundUnknown
		in.Error = err.Error()
		return in
	}
	if len(mxs) == 0 {
		// RFC 5321 5.1: no MX means the domain itself is the exchanger.
		addrs, err := a.c.LookupAddrs(a.ctx, domain)
		failed := lookupFailed(err)
		if err != nil && !failed {
			in.Notes = append(in.Notes, resolver.ErrorNotes(err)...)
		}
		if len(addrs) == 0 && failed {
			// Not an absence: whether the domain has addresses is unknown.
			in.Status = InboundUnknown
			in.Error = err.Error()
			in.Notes = append(in.Notes, "no MX record, and the look-up of the domain's own addresses (implicit MX) failed")
			return in
		}
		if len(addrs) == 0 {
			in.Status = InboundNoMail
			in.Notes = append(in.Notes, "no MX and no A/AAAA record: mail cannot be delivered")
			return in
		}
		in.Status = InboundImplicitMX
		in.Notes = append(in.Notes, "no MX record: mail goes to the domain's own A/AAAA addresses (implicit MX, RFC 5321 5.1)")
		host := MXHost{Host: domain}
		if failed {
			host.Error = err.Error()
		}
		for _, ip := range addrs {
			host.Addresses = append(host.Addresses, a.address(ip))
		}
		in.MX = []MXHost{host}
		return in
	}
	if len(mxs) == 1 && mxs[0].Host == "." {
		in.Status = InboundNullMX
		in.Notes = append(in.Notes, "null MX (RFC 7505): the domain accepts no mail")
		return in
	}
	if i := slices.IndexFunc(mxs, func(m resolver.MX) bool { return m.Host == "." }); i >= 0 {
		in.Notes = append(in.Notes, "a null MX among other MX records is invalid (RFC 7505 3); it is ignored")
		mxs = slices.Delete(mxs, i, i+1)
	}
	// Look the hosts up in parallel (the client bounds the queries in
	// flight), keep them in MX order.
	type found struct {
		addrs []netip.Addr
		err   error
	}
	results := make([]found, len(mxs))
	var wg sync.WaitGroup
	for i, mx := range mxs {
		wg.Go(func() {
			addrs, err := a.c.LookupAddrs(a.ctx, mx.Host)
			results[i] = found{addrs, err}
		})
	}
	wg.Wait()
	for i, mx := range mxs {
		host := MXHost{Preference: mx.Preference, Host: mx.Host}
		if _, err := netip.ParseAddr(mx.Host); err == nil {
			host.Notes = append(host.Notes, "the MX target is an address literal, not a host name (RFC 5321 5.1 wants a name)")
		}
		addrs, err := results[i].addrs, results[i].err
		switch {
		case err != nil && lookupFailed(err):
			host.Error = err.Error()
		case err != nil:
			host.Notes = append(host.Notes, resolver.ErrorNotes(err)...)
		}
		if len(addrs) == 0 && err == nil {
			host.Notes = append(host.Notes, "no A/AAAA record")
		}
		for _, ip := range addrs {
			host.Addresses = append(host.Addresses, a.address(ip))
		}
		in.MX = append(in.MX, host)
	}
	return in
}

// transport looks up MTA-STS, TLS-RPT, DANE and DMARC.
func (a *auditor) transport(domain string, mx []MXHost) Transport {
	var t Transport

	t.MTASTS.Notes = []string{"policy not fetched: its mode and MX patterns (https://mta-sts." + domain + "/.well-known/mta-sts.txt) were not checked"}
	txt := a.oneTXT("_mta-sts."+domain, "v=STSv1")
	t.MTASTS.Status, t.MTASTS.Error = txt.status, txt.err
	if txt.rec != "" {
		t.MTASTS.Present, t.MTASTS.Record = true, txt.rec
		t.MTASTS.ID, _ = tagValue(ParseTags(txt.rec), "id")
		if t.MTASTS.ID == "" {
			t.MTASTS.Notes = append(t.MTASTS.Notes, "the record has no id (RFC 8461 3.1)")
		}
	} else {
		t.MTASTS.Notes = append(t.MTASTS.Notes, txt.notes...)
	}

	txt = a.oneTXT("_smtp._tls."+domain, "v=TLSRPTv1")
	t.TLSRPT.Status, t.TLSRPT.Error = txt.status, txt.err
	if txt.rec != "" {
		t.TLSRPT.Present, t.TLSRPT.Record = true, txt.rec
		rua, _ := tagValue(ParseTags(txt.rec), "rua")
		t.TLSRPT.RUA = splitURIs(rua)
		if len(t.TLSRPT.RUA) == 0 {
			t.TLSRPT.Notes = append(t.TLSRPT.Notes, "the record has no rua (RFC 8460 3)")
		}
	} else {
		t.TLSRPT.Notes = append(t.TLSRPT.Notes, txt.notes...)
	}

	t.DANE = make([]DANE, len(mx))
	var wg sync.WaitGroup
	for i, h := range mx {
		wg.Go(func() { t.DANE[i] = a.dane(h.Host) })
	}
	wg.Wait()

	t.DMARC = a.dmarc(domain)
	return t
}

// dmarc looks up the DMARC record of domain, falling back to its
// organisational domain (RFC 7489 6.6.3) when the domain has none; a
// subdomain then inherits the organisational domain's sp= policy. A failed
// look-up is not an absence: it does not fall back, the status is unknown.
func (a *auditor) dmarc(domain string) DMARC {
	d := DMARC{Status: StatusMissing}
	txt := a.oneTXT("_dmarc."+domain, "v=DMARC1")
	from := domain
	if txt.rec == "" {
		d.Notes = append(d.Notes, txt.notes...)
		if txt.status == StatusUnknown {
			d.Status, d.Error = StatusUnknown, txt.err
			return d
		}
		org, err := publicsuffix.EffectiveTLDPlusOne(domain)
		if err != nil || org == domain {
			return d
		}
		if txt = a.oneTXT("_dmarc."+org, "v=DMARC1"); txt.rec == "" {
			d.Notes = append(d.Notes, txt.notes...)
			d.Status, d.Error = txt.status, txt.err
			return d
		}
		from = org
	}
	rec := txt.rec
	d.Status = StatusOK
	d.Present, d.Record, d.Domain = true, rec, from
	tags := ParseTags(rec)
	d.Policy, _ = tagValue(tags, "p")
	d.SubdomainPolicy, _ = tagValue(tags, "sp")
	if from != domain {
		d.Notes = append(d.Notes, "no record at _dmarc."+domain+"; the organisational domain "+from+"'s record applies (RFC 7489 6.6.3)")
		if d.SubdomainPolicy != "" {
			d.Policy = d.SubdomainPolicy
		}
	}
	d.Percent = 100
	if pct, ok := tagValue(tags, "pct"); ok {
		n, ok := parsePercent(pct)
		if !ok {
			d.Notes = append(d.Notes, "pct="+pct+" is not 0-100; 100 assumed")
		}
		d.Percent = n
	}
	rua, _ := tagValue(tags, "rua")
	d.RUA = splitURIs(rua)
	switch strings.ToLower(d.Policy) {
	case "none", "quarantine", "reject":
		d.Policy = strings.ToLower(d.Policy)
	default:
		d.Notes = append(d.Notes, "p= is missing or invalid (RFC 7489 6.3)")
	}
	return d
}

// dane looks up the TLSA records of one MX host (RFC 7672 2.2).
func (a *auditor) dane(host string) DANE {
	d := DANE{Status: StatusMissing, Host: host, Name: "_25._tcp." + host}
	recs, ad, err := a.c.LookupTLSA(a.ctx, d.Name)
	switch {
	case errors.Is(err, resolver.ErrNXDOMAIN):
	case err != nil:
		d.Status, d.Error = StatusUnknown, err.Error()
	default:
		d.Records, d.Validated = recs, ad && len(recs) > 0
		if len(recs) > 0 {
			d.Status = StatusOK
		}
		if len(recs) > 0 && !ad {
			d.Notes = append(d.Notes, "the resolver did not set the AD bit: the records are not DNSSEC-validated, so senders will not use them (RFC 7672 2.2)")
		}
	}
	return d
}

// lookupFailed reports whether err is a failed look-up (SERVFAIL, timeout,
// refused, ...) rather than an answer saying the name does not exist: with
// a failure the truth is unknown. For errors joined by LookupAddrs, any
// failed part counts.
func lookupFailed(err error) bool {
	if err == nil {
		return false
	}
	return slices.ContainsFunc(errorParts(err), func(e error) bool { return !errors.Is(e, resolver.ErrNXDOMAIN) })
}

// errorParts returns the errors joined in err (errors.Join), or err alone.
func errorParts(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func parsePercent(s string) (int, bool) {
	n := 0
	if s == "" || len(s) > 3 {
		return 100, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 100, false
		}
		n = n*10 + int(s[i]-'0')
	}
	if n > 100 {
		return 100, false
	}
	return n, true
}

// txtResult is what oneTXT found.
type txtResult struct {
	rec    string   // the record, "" when there is none or it is unknown
	status string   // StatusOK, StatusMissing or StatusUnknown
	err    string   // the DNS error when status is StatusUnknown
	notes  []string // why there is no record, when the DNS answered
}

// oneTXT returns the one TXT record at name whose text starts with version
// (case-insensitive, followed by ";", space or the end). An NXDOMAIN or
// NODATA answer, or TXT records none (or more than one) of which is the
// version, are an absence (missing, with notes saying why); any other
// failure leaves it unknown.
func (a *auditor) oneTXT(name, version string) txtResult {
	txts, err := a.c.LookupTXT(a.ctx, name)
	if err != nil {
		if errors.Is(err, resolver.ErrNXDOMAIN) {
			return txtResult{status: StatusMissing, notes: []string{"no record at " + name}}
		}
		return txtResult{status: StatusUnknown, err: err.Error()}
	}
	var found []string
	for _, t := range txts {
		if len(t) >= len(version) && strings.EqualFold(t[:len(version)], version) &&
			(len(t) == len(version) || t[len(version)] == ';' || t[len(version)] == ' ') {
			found = append(found, t)
		}
	}
	switch len(found) {
	case 0:
		return txtResult{status: StatusMissing, notes: []string{"no " + version + " record at " + name}}
	case 1:
		return txtResult{rec: found[0], status: StatusOK}
	}
	return txtResult{status: StatusMissing, notes: []string{"more than one " + version + " record at " + name + ": treated as none"}}
}

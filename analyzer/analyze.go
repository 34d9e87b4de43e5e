package analyzer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/mailroute/mailroute/jurisdiction"
	"github.com/mailroute/mailroute/mailbox"
	"io"
	"mime"
	"net/mail"
	"net/netip"
	"net/textproto"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/mailroute/mailroute/analyzer/received"
)

// MaxReceived is the number of Received fields beyond which a message is
// flagged as a probable loop (as mox and RFC 5321 6.3 suggest, 100).
const MaxReceived = 100

// DefaultMaxSkew is the clock skew tolerated between consecutive Received
// dates before time is flagged as running backwards.
const DefaultMaxSkew = 5 * time.Minute

// Options controls Analyze. The zero value analyses without geolocation or DNS
// against the EEA as home.
type Options struct {
	// MaxHeaderBytes caps the header section (mailbox.DefaultMaxHeaderBytes when 0).
	MaxHeaderBytes int
	// Home is the home jurisdiction; the zero Home means EEA.
	Home jurisdiction.Home
	// Locator geolocates public relay addresses; nil means no geolocation.
	Locator Locator
	// Internal reports non-global addresses (never geolocated); nil means a
	// built-in check with net/netip.
	Internal func(netip.Addr) bool
	// Resolver, when set, is asked for PTR/FCrDNS of relay addresses and for
	// the addresses of relays the headers name without one.
	Resolver Resolver
	// KeepHeaders names extra header fields to copy into Result.Headers.
	KeepHeaders []string
	// MaxSkew is the tolerated clock skew (DefaultMaxSkew when 0).
	MaxSkew time.Duration
	// Operators, when set, names the company that runs each node (see
	// Node.Operator); nil means organisations from the ASN data and host
	// names alone.
	Operators Operators
	// Placements, when set, corrects the country of nodes whose host names
	// say the embedded or country-level data placed them wrongly (see
	// Location.Placement); nil means the geolocation data stands.
	Placements Placements
	// Domains, when set, remembers the registrable domains of host names
	// across the messages analysed with it (see DomainCache); nil means
	// they are worked out per message.
	Domains *DomainCache
}

func (o Options) withDefaults() Options {
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = mailbox.DefaultMaxHeaderBytes
	}
	if o.Home.IsZero() {
		o.Home, _ = jurisdiction.ParseHome("EEA")
	}
	if o.Internal == nil {
		o.Internal = DefaultInternal
	}
	if o.MaxSkew <= 0 {
		o.MaxSkew = DefaultMaxSkew
	}
	return o
}

// DefaultInternal is the check used when no fuller one (geo.IsInternal, from
// the IANA special-purpose registries) is given: addresses that are not
// global unicast (loopback, link-local, multicast, unspecified), private
// (RFC 1918, RFC 4193) or shared (CGNAT, RFC 6598). IPv4-mapped addresses
// are judged by their IPv4 address.
func DefaultInternal(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsGlobalUnicast() || a.IsPrivate() {
		return true
	}
	b := a.As16()
	return a.Is4() && b[12] == 100 && b[13]&0xc0 == 64 // 100.64.0.0/10
}

// AnalyzeReader reads the header section of one message from r (the body is
// never read) and analyses it. source names the message in results and errors.
func AnalyzeReader(ctx context.Context, r io.Reader, source string, opts Options) Result {
	opts = opts.withDefaults()
	hdr, err := ReadHeader(r, opts.MaxHeaderBytes)
	if err != nil {
		res := newResult(source)
		switch {
		case errors.Is(err, mailbox.ErrHeaderTooLarge):
			res.fail(FailHeaderTooLarge, fmt.Sprintf("%s: header section exceeds %d bytes", source, opts.MaxHeaderBytes))
		default:
			res.fail(FailUnreadable, fmt.Sprintf("%s: %v", source, err))
		}
		return res
	}
	return Analyze(ctx, hdr, source, opts)
}

func newResult(source string) Result {
	var r Result
	r.reset(source)
	return r
}

// reset makes r the empty result of the message source, keeping the memory
// of its slices and its jurisdiction counts for reuse (see AnalyzeInto).
func (r *Result) reset(source string) {
	j := r.Summary.Jurisdictions
	if j == nil {
		j = map[jurisdiction.Class]int{}
	}
	clear(j)
	*r = Result{
		SchemaVersion: SchemaVersion,
		Source:        source,
		scratch:       r.scratch,
		Received:      emptied(r.Received),
		Nodes:         emptied(r.Nodes),
		Segments:      emptied(r.Segments),
		Flags:         emptied(r.Flags),
		Parties:       emptied(r.Parties),
		Filters:       emptied(r.Filters),
		Notes:         emptied(r.Notes),
		Warnings:      emptied(r.Warnings),
		DKIMDomains:   emptied(r.DKIMDomains),
		Summary: Summary{
			Organisations:  emptied(r.Summary.Organisations),
			Countries:      emptied(r.Summary.Countries),
			TLSVersions:    emptied(r.Summary.TLSVersions),
			Jurisdictions:  j,
			BodyEncryption: "none",
		},
	}
}

// emptied returns s with length 0 and its memory, or an empty non-nil
// slice (JSON [], not null) when s is nil.
func emptied[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s[:0]
}

func (r *Result) fail(reason, msg string) {
	r.FailReason = reason
	r.Error = msg
}

// Analyze analyses the header section of one message (as returned by
// ReadHeader). It never fails: problems are reported in the Result.
func Analyze(ctx context.Context, header []byte, source string, opts Options) Result {
	var res Result
	AnalyzeInto(ctx, header, source, opts, &res)
	return res
}

// AnalyzeInto is Analyze writing the result into *res. It reuses the memory
// res holds from an earlier result, its slices and the text of its header
// fields, which most of its strings are parts of, so a batch of messages
// costs fewer allocations; nothing of what res held before may be in use
// any more, not even a string (a copy of an earlier Result shares that
// memory too; Node.Clone and strings.Clone make copies that do not). The
// result is the one Analyze returns.
func AnalyzeInto(ctx context.Context, header []byte, source string, opts Options, res *Result) {
	opts = opts.withDefaults()
	res.reset(source)
	if len(header) > opts.MaxHeaderBytes {
		res.fail(FailHeaderTooLarge, fmt.Sprintf("%s: header section exceeds %d bytes", source, opts.MaxHeaderBytes))
		return
	}
	h, warnings := parseHeader(header, func(name []byte) bool { return wantField(name, opts.KeepHeaders) || wantFilterField(name) }, &res.scratch)
	for _, w := range warnings {
		res.Warnings = append(res.Warnings, w)
	}
	nReceived := res.describe(h, opts.KeepHeaders)

	if nReceived == 0 {
		if len(h.Fields) == 0 {
			res.fail(FailUnreadable, fmt.Sprintf("%s: no header fields found", source))
		} else {
			res.fail(FailNoReceived, fmt.Sprintf("%s: no Received field", source))
		}
		return
	}
	// The Received fields, topmost first, parsed in place.
	res.Received = slices.Grow(res.Received, nReceived)[:nReceived]
	i := 0
	for k := range h.Fields {
		if f := &h.Fields[k]; f.Key == "Received" {
			res.Received[i] = received.Parse(f.Value)
			res.Received[i].Index = i
			i++
		}
	}
	if nReceived > MaxReceived {
		res.Flags = append(res.Flags, Flag{Code: FlagTooManyReceived, Received: -1,
			Detail: fmt.Sprintf("%d Received fields (more than %d suggests a mail loop)", nReceived, MaxReceived)})
	}
	res.buildPath(ctx, opts)
	res.filters(h)
}

// buildPath builds nodes and segments from the parsed Received fields,
// enriches and checks them, and summarises. opts must have its defaults.
func (r *Result) buildPath(ctx context.Context, opts Options) {
	b := pathBuilder{opts: opts, res: r}
	b.build()
	b.enrich(ctx)
	b.check()
	r.summarise()
	r.parties(opts)
}

// wantField reports the header fields Analyze reads.
func wantField(name []byte, keep []string) bool {
	var std string
	switch len(name) {
	case 4:
		if bytes.EqualFold(name, []byte("From")) || bytes.EqualFold(name, []byte("Date")) {
			return true
		}
	case 7:
		std = "Subject"
	case 8:
		std = "Received"
	case 10:
		std = "Message-Id"
	case 11:
		std = "Return-Path"
	case 12:
		std = "Content-Type"
	case 14:
		std = "Dkim-Signature"
	}
	if std != "" && bytes.EqualFold(name, []byte(std)) {
		return true
	}
	for _, k := range keep {
		if bytes.EqualFold(name, []byte(k)) {
			return true
		}
	}
	return false
}

// describe fills the message-level fields from the header and returns the
// number of its Received fields.
func (r *Result) describe(h Header, keep []string) int {
	// One pass over the fields finds the first of each field read here,
	// as h.Get would (six calls of it walked all fields six times), the
	// DKIM signatures in order and the number of Received fields.
	var v describeFields
	for i := range h.Fields {
		v.add(&h.Fields[i], r)
	}
	r.MessageID = strings.Trim(strings.TrimSpace(v.get(fieldMessageID)), "<>")
	r.Subject = decodeWords(v.get(fieldSubject))
	if d := v.get(fieldDate); d != "" {
		// The Received date scanner reads RFC 5322 dates and the obsolete and
		// broken forms clients write, without net/mail's error allocations.
		if t, ok := received.ParseDate(d); ok {
			r.Date = t.UTC().Format(time.RFC3339)
		}
	}
	r.FromDomain = addressDomain(v.get(fieldFrom))
	r.ReturnPathDomain = addressDomain(v.get(fieldReturnPath))
	r.Summary.BodyEncryption = bodyEncryption(v.get(fieldContentType))
	for _, k := range keep {
		ck := textproto.CanonicalMIMEHeaderKey(k)
		if v := h.Get(ck); v != "" {
			if r.Headers == nil {
				r.Headers = map[string]string{}
			}
			r.Headers[ck] = decodeWords(v)
		}
	}
	return v.received
}

// The fields describe reads, by index into describeFields.
const (
	fieldMessageID = iota
	fieldSubject
	fieldDate
	fieldFrom
	fieldReturnPath
	fieldContentType
	numDescribeFields
)

// describeFields collects the first value of each field describe reads.
type describeFields struct {
	value    [numDescribeFields]string
	seen     [numDescribeFields]bool
	received int // Received fields seen
}

// add takes field f into v, counting Received fields, and adds a DKIM
// signature's domain to r. The keys of a
// Header from ParseHeader are canonical (and ASCII), so exact comparison
// is the case-insensitive one.
func (v *describeFields) add(f *Field, r *Result) {
	i := -1
	switch f.Key {
	case "Received":
		v.received++
		return
	case "Dkim-Signature":
		if d := tagValue(f.Value, "d"); d != "" && !slices.Contains(r.DKIMDomains, d) {
			r.DKIMDomains = append(r.DKIMDomains, d)
		}
		return
	case "Message-Id":
		i = fieldMessageID
	case "Subject":
		i = fieldSubject
	case "Date":
		i = fieldDate
	case "From":
		i = fieldFrom
	case "Return-Path":
		i = fieldReturnPath
	case "Content-Type":
		i = fieldContentType
	default:
		return
	}
	if !v.seen[i] {
		v.value[i], v.seen[i] = f.Value, true
	}
}

// get returns the first value of field i, "" when there is none.
func (v *describeFields) get(i int) string { return v.value[i] }

// decodeWords decodes RFC 2047 encoded words, keeping the input when it
// cannot.
func decodeWords(s string) string {
	if !strings.Contains(s, "=?") {
		return s
	}
	d, err := (&mime.WordDecoder{}).DecodeHeader(s)
	if err != nil {
		return s
	}
	return d
}

// addressDomain returns the lower-case domain of the first address in an
// address header, or "".
func addressDomain(v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	var addr string
	if i := strings.LastIndexByte(v, '<'); i >= 0 && strings.HasSuffix(v, ">") && strings.IndexByte(v[i:], '@') > 0 && !strings.ContainsAny(v[i+1:len(v)-1], "<>\" ") {
		// Fast path for the usual "Name <local@domain>"; the domain is all
		// that is needed, so the display name need not be decoded.
		addr = v[i+1 : len(v)-1]
	} else if a, err := mail.ParseAddress(v); err == nil {
		addr = a.Address
	} else if l, err := mail.ParseAddressList(v); err == nil && len(l) > 0 {
		addr = l[0].Address
	} else {
		// Lenient: take what looks like an address.
		addr = v
		if i := strings.LastIndexByte(addr, '<'); i >= 0 {
			addr = addr[i+1:]
		}
		addr = strings.TrimRight(addr, "> \t")
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return ""
	}
	d := strings.ToLower(strings.Trim(addr[at+1:], " .>[]"))
	if strings.ContainsAny(d, " \t<>\"") {
		return ""
	}
	return d
}

// tagValue returns the value of tag name in a DKIM-style tag list
// ("v=1; d=example.org; ...").
func tagValue(list, name string) string {
	for part := range strings.SplitSeq(list, ";") {
		k, v, ok := strings.Cut(part, "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), name) {
			v = strings.TrimSpace(v)
			if strings.IndexFunc(v, unicode.IsSpace) >= 0 {
				// A folded value: the white space inside goes too.
				v = strings.Join(strings.Fields(v), "")
			}
			return strings.ToLower(v)
		}
	}
	return ""
}

// bodyEncryption says whether the top-level body is PGP/MIME or S/MIME
// encrypted (RFC 3156, RFC 8551), from the Content-Type alone.
func bodyEncryption(ct string) string {
	// The media type is the text before the first ";" (as
	// mime.ParseMediaType and the fall-back below read it): only there can
	// the words of an encrypted type stand.
	base, _, _ := strings.Cut(ct, ";")
	if !containsFold(base, "encrypted") && !containsFold(base, "pkcs7") {
		return "none" // the common case, without parsing parameters
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
	}
	switch mt {
	case "multipart/encrypted":
		if p := strings.ToLower(params["protocol"]); p == "" || strings.Contains(p, "pgp") {
			return "pgp"
		}
		return "smime"
	case "application/pkcs7-mime", "application/x-pkcs7-mime":
		if st := strings.ToLower(params["smime-type"]); st == "" || st == "enveloped-data" || st == "authenveloped-data" {
			return "smime"
		}
	}
	return "none"
}

// containsFold reports whether s contains the lower-case ASCII word sub,
// ignoring ASCII case. It compares bytes, not strings.EqualFold on every
// window (the profile showed that as most of describe): a window of
// len(sub) bytes holding a multi-byte rune has fewer runes than sub, so
// EqualFold could only ever match ASCII there too.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		j := 0
		for j < len(sub) && lowerASCII(s[i+j]) == sub[j] {
			j++
		}
		if j == len(sub) {
			return true
		}
	}
	return false
}

// lowerASCII returns c in lower case when it is an ASCII upper-case letter.
func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

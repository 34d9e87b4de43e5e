package report

import (
	"fmt"
	"net/textproto"
	"strings"
	"unicode/utf8"

	"github.com/mailroute/mailroute/analyzer"
)

// GroupKind is what the rows of the report are keyed by.
type GroupKind string

// Group kinds.
const (
	// GroupProvider groups by the sending provider: the sender domain mapped
	// through the provider table (see BuiltinProviders), or its registrable
	// domain when no rule matches.
	GroupProvider GroupKind = "provider"
	// GroupSenderDomain groups by the registrable domain of the sender.
	GroupSenderDomain GroupKind = "sender-domain"
	// GroupFirstOrg groups by the organisation of the first public relay:
	// the first node from the origin side that is not internal and has an
	// organisation.
	GroupFirstOrg GroupKind = "first-org"
	// GroupDir groups by the input sub-folder the caller names in Add.
	GroupDir GroupKind = "dir"
	// GroupHeader groups by the value of one header field, which the
	// analyser must keep (Result.Headers, canonical key).
	GroupHeader GroupKind = "header"
)

// GroupBy says how results are grouped into rows. The zero value groups by
// provider.
type GroupBy struct {
	Kind   GroupKind
	Header string // canonical MIME header key, for GroupHeader only
}

// ParseGroupBy parses a --group-by value: "provider" (also ""),
// "sender-domain", "first-org", "dir" or "header:NAME".
func ParseGroupBy(s string) (GroupBy, error) {
	v := strings.TrimSpace(s)
	if name, ok := cutPrefixFold(v, "header:"); ok {
		name = strings.TrimSpace(name)
		if name == "" {
			return GroupBy{}, fmt.Errorf("group by %q: missing header name after header:", s)
		}
		for i := 0; i < len(name); i++ {
			// RFC 5322 2.2: field names are printable US-ASCII except colon.
			if c := name[i]; c <= ' ' || c >= 0x7f || c == ':' {
				return GroupBy{}, fmt.Errorf("group by %q: invalid character %q in header name", s, rune(c))
			}
		}
		return GroupBy{Kind: GroupHeader, Header: textproto.CanonicalMIMEHeaderKey(name)}, nil
	}
	switch k := GroupKind(strings.ToLower(v)); k {
	case "", GroupProvider:
		return GroupBy{Kind: GroupProvider}, nil
	case GroupSenderDomain, GroupFirstOrg, GroupDir:
		return GroupBy{Kind: k}, nil
	}
	return GroupBy{}, fmt.Errorf("group by %q: want provider, sender-domain, first-org, dir or header:NAME", s)
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// String returns the --group-by form, e.g. "provider" or "header:X-Mailer".
func (g GroupBy) String() string {
	switch g.Kind {
	case "":
		return string(GroupProvider)
	case GroupHeader:
		return "header:" + g.Header
	}
	return string(g.Kind)
}

// Title is the heading of the group column.
func (g GroupBy) Title() string {
	switch g.Kind {
	case GroupSenderDomain:
		return "Sender domain"
	case GroupFirstOrg:
		return "First organisation"
	case GroupDir:
		return "Folder"
	case GroupHeader:
		return g.Header
	}
	return "Provider"
}

// Placeholder group names for results that lack the grouping value.
const (
	NoSender    = "(no sender domain)"
	NoFirstOrg  = "(no public organisation)"
	TopDir      = "(top level)"
	NoHeader    = "(header absent)"
	EmptyHeader = "(header empty)"
	OtherGroups = "(other)"
)

// maxKeyLen caps a group name taken from a header value or folder name, in
// bytes.
const maxKeyLen = 200

// senderDomain returns the sender's domain, trimmed but not yet lower-cased
// (see normaliseDomain): From, then Return-Path, then the first DKIM signing
// domain.
func senderDomain(res *analyzer.Result) string {
	if d := trimDomain(res.FromDomain); d != "" {
		return d
	}
	if d := trimDomain(res.ReturnPathDomain); d != "" {
		return d
	}
	for _, d := range res.DKIMDomains {
		if d := trimDomain(d); d != "" {
			return d
		}
	}
	return ""
}

// firstOrg returns the organisation of the first public node from the
// origin side. Nodes are in path order from the origin; a list that starts
// with the final server is read backwards.
func firstOrg(nodes []analyzer.Node) string {
	n := len(nodes)
	reverse := n > 1 && nodes[0].Role == analyzer.RoleFinal
	for i := range n {
		nd := &nodes[i]
		if reverse {
			nd = &nodes[n-1-i]
		}
		if nd.Internal || strings.TrimSpace(nd.Organisation) == "" {
			continue
		}
		return nd.Organisation
	}
	return ""
}

// key returns the group name of one result.
func (a *Aggregator) key(res *analyzer.Result, dir string) string {
	switch a.opts.GroupBy.Kind {
	case GroupSenderDomain:
		if d := a.cached(senderDomain(res), func(d string) string { return registrable(normaliseDomain(d)) }); d != "" {
			return d
		}
		return NoSender
	case GroupFirstOrg:
		if o := firstOrg(res.Nodes); o != "" {
			return clip(o)
		}
		return NoFirstOrg
	case GroupDir:
		// Trailing slashes only: an absolute directory argument (one
		// group per argument) keeps its leading one.
		d := strings.TrimRight(strings.TrimSpace(dir), "/")
		if d == "" || d == "." {
			return TopDir
		}
		return clip(d)
	case GroupHeader:
		v, ok := res.Headers[a.opts.GroupBy.Header]
		if !ok {
			return NoHeader
		}
		v = strings.TrimSpace(v)
		if v == "" {
			return EmptyHeader
		}
		return clip(collapseSpace(v))
	}
	if g := a.cached(senderDomain(res), a.providers.Group); g != "" {
		return g
	}
	return NoSender
}

// maxDomainCache bounds the Aggregator's cache of domain -> group name.
const maxDomainCache = 4096

// cached returns f(domain), remembering up to maxDomainCache answers: the
// public suffix look-up and lower-casing allocate, and sender domains repeat.
func (a *Aggregator) cached(domain string, f func(string) string) string {
	if g, ok := a.domainCache[domain]; ok {
		return g
	}
	if len(a.domainCache) >= maxDomainCache {
		return f(domain)
	}
	domain = strings.Clone(domain) // see keepString
	g := f(domain)
	a.domainCache[domain] = g
	return g
}

// keepString returns a copy of s, clipped: for the strings the Aggregator
// keeps beyond the result they came from. Most of a result's strings are
// parts of its message's header text, which one such string would keep
// alive for the whole run: a mailbox of many senders, organisations or TLS
// spellings would hold the headers of thousands of messages.
func keepString(s string) string { return strings.Clone(clip(s)) }

// clip cuts s to maxKeyLen bytes at a rune boundary.
func clip(s string) string {
	if len(s) <= maxKeyLen {
		return s
	}
	cut := maxKeyLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// collapseSpace replaces runs of white space (folded header lines) by one
// space; it returns s itself when there is nothing to collapse.
func collapseSpace(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\t' || c == '\r' || c == '\n' || (c == ' ' && i+1 < len(s) && s[i+1] == ' ') {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

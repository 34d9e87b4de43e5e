package analyzer

import (
	"context"
	"encoding/binary"
	"fmt"
	"github.com/mailroute/mailroute/internal/domain"
	"github.com/mailroute/mailroute/jurisdiction"
	"github.com/mailroute/mailroute/operator"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// pathBuilder turns the parsed Received fields of one message into nodes and
// segments.
type pathBuilder struct {
	opts Options
	res  *Result
	// hosts memoises what is asked about host names for this message
	// (domain.Registrable, Operators.Host): the same few names are asked
	// about by several steps, for several nodes. A short list serves
	// ordinary traces; a map takes over for traces with many hosts. The
	// list is an array, not a slice into one, so that a pathBuilder on
	// the stack stays there (no allocation for it).
	hosts   [maxHostList]hostInfo
	nHosts  int
	hostMap map[string]*hostInfo
	// rcNames are the normalised names of the first maxNamed Received
	// fields (by position), set by build for check.
	rcNames [maxNamed]names
	named   uint16 // bit k: rcNames[k] is set
	// operators holds the NodeOperator values of the message's nodes,
	// one allocation for all of them.
	operators []NodeOperator
}

// hostInfo is what is known about one host name of a message; each answer
// is looked up when first asked for.
type hostInfo struct {
	host   string
	domain string // domain.Registrable(host), when domainOK
	op     operator.Operator
	// domainOK and opDone say domain and op (with opOK) are known.
	domainOK, opDone, opOK bool
}

// maxHostList is the number of memoised host names kept in the list
// before the map takes over: more than most messages name.
const maxHostList = 8

// maxNamed is the number of Received fields whose names build keeps for
// check; check normalises the names of any further ones again.
const maxNamed = 16 // the bits of pathBuilder.named

// maxDomainList is the number of nodes beyond which summarise keeps the
// organisations it has seen in a map.
const maxDomainList = 16

// info returns the memo entry for host, adding it when new. The pointer
// stays valid for the message.
func (b *pathBuilder) info(host string) *hostInfo {
	if b.hostMap != nil {
		hi, ok := b.hostMap[host]
		if !ok {
			hi = &hostInfo{host: host}
			b.hostMap[host] = hi
		}
		return hi
	}
	for i := range b.nHosts {
		if b.hosts[i].host == host {
			return &b.hosts[i]
		}
	}
	if b.nHosts < maxHostList {
		b.hosts[b.nHosts] = hostInfo{host: host}
		b.nHosts++
		return &b.hosts[b.nHosts-1]
	}
	// The map holds copies: a pointer into b.hosts in it would move b to
	// the heap.
	b.hostMap = make(map[string]*hostInfo, 4*maxHostList)
	for i := range b.hosts {
		hi := b.hosts[i]
		b.hostMap[hi.host] = &hi
	}
	hi := &hostInfo{host: host}
	b.hostMap[host] = hi
	return hi
}

// domain returns domain.Registrable(host), memoised per message and, through
// Options.Domains, per run.
func (b *pathBuilder) domain(host string) string {
	hi := b.info(host)
	if !hi.domainOK {
		hi.domain, hi.domainOK = b.opts.Domains.Registrable(host), true
	}
	return hi.domain
}

// operator returns b.opts.Operators.Host(host), memoised per message (the
// table is immutable). Without a table it reports false.
func (b *pathBuilder) operator(host string) (operator.Operator, bool) {
	ops := b.opts.Operators
	if ops == nil {
		return operator.Operator{}, false
	}
	hi := b.info(host)
	if !hi.opDone {
		if hw, ok := ops.(hostWithin); ok && isNormalHost(host) {
			hi.op, hi.opOK = hw.HostWithin(host, b.domain(host))
		} else {
			hi.op, hi.opOK = ops.Host(host)
		}
		hi.opDone = true
	}
	return hi.op, hi.opOK
}

// hostWithin is implemented by *operator.Table: Host for a name in normal
// form whose registrable domain the caller knows (here: from the memo), so
// that domain.Registrable is not computed a second time inside Host.
type hostWithin interface {
	HostWithin(name, registrable string) (operator.Operator, bool)
}

// isNormalHost reports whether host is in the form operator.Table.Host
// looks names up in: unchanged by domain.Normalise, without brackets.
func isNormalHost(host string) bool {
	return host != "" && host[0] != '[' && host[len(host)-1] != ']' &&
		(isLowerASCIIName(host) || domain.Normalise(host) == host) // the first settles most names without a copy
}

// names are the host names of one Received field, normalised by hostName
// once for all the steps that compare them.
type names struct {
	by, helo, rdns string
}

func namesOf(rc *Received) names {
	return names{by: hostName(rc.By), helo: hostName(rc.FromHELO), rdns: hostName(rc.FromRDNS)}
}

// namesAt returns the names of the parsed Received field at position k,
// kept by build when it could.
func (b *pathBuilder) namesAt(k int) names {
	if k < maxNamed && b.named&(1<<k) != 0 {
		return b.rcNames[k]
	}
	return namesOf(&b.res.Received[k])
}

// from is the sender's name as the receiver recorded it: the reverse name,
// else the HELO.
func (nm names) from() string {
	if nm.rdns != "" {
		return nm.rdns
	}
	return nm.helo
}

// build walks the Received fields from the bottom (the first hop) to the
// top. Each relay field "from A by B" adds node B and the segment A -> B; the
// address of B is the from-address recorded by the next relay up. Fields that
// stay inside one machine (loopback re-injection, content filters, local
// delivery) are merged into the node that holds the message.
func (b *pathBuilder) build() {
	res := b.res
	rs := res.Received
	// Node is large (some 360 bytes): allocate room for the nodes the
	// fields can make, not one per field.
	n := maxNodes(rs)
	res.Nodes = slices.Grow(res.Nodes[:0], n)
	res.Segments = slices.Grow(res.Segments[:0], max(n-1, 0)) // one per node after the origin
	for k := len(rs) - 1; k >= 0; k-- {
		rc := &rs[k]
		if !rc.Parsed {
			res.Flags = append(res.Flags, Flag{Code: FlagUnparsed, Received: rc.Index,
				Detail: "this Received field could not be understood; it is not part of the path"})
			continue
		}
		nm := namesOf(rc)
		if k < maxNamed {
			b.rcNames[k] = nm
			b.named |= 1 << k
		}
		by := nm.by
		if len(res.Nodes) == 0 {
			if b.addOrigin(rc, nm, k+1) {
				// The message started on this machine.
				continue
			}
		} else if b.sameMachine(rc, nm) {
			cur := &res.Nodes[len(res.Nodes)-1]
			cur.Received = append(cur.Received, rc.Index)
			if cur.Name == "" || isLocalName(cur.Name) {
				if by != "" && !isLocalName(by) {
					cur.Name = by
				}
			}
			continue
		}
		if by == "" {
			rc.Warnings = append(rc.Warnings, "no by clause: the receiving host is unnamed")
		}
		// The sending node is the current last node; learn its address from
		// what this receiver recorded.
		prev := &res.Nodes[len(res.Nodes)-1]
		if rc.FromIP.IsValid() && prev.IP != rc.FromIP {
			// The address the next relay saw wins over the one the node
			// gave for itself in its own by clause (GMX's "by mail.gmx.net
			// (mrgmx005 [212.227.17.190])"): it is where the message left.
			if prev.IP.IsValid() {
				prev.Notes = append(prev.Notes, alsoKnownAs(prev.IP))
			}
			prev.IP = rc.FromIP
			prev.rdns = rc.FromRDNS
		}
		b.nameByEvidence(prev, rc, nm)
		res.Nodes = append(res.Nodes, Node{Name: by, IP: rc.ByIP, Role: RoleRelay, Received: b.startReceived(rc.Index, k+1)})
		enc := rc.TLS.Encrypted
		if enc == EncryptionNo && !hasFrom(rc) {
			// "Received: by host with SMTP id ..." records no network peer
			// (a hand-over inside the provider): plaintext on which network
			// cannot be said.
			enc = EncryptionUnknown
		}
		res.Segments = append(res.Segments, Segment{
			From:          len(res.Nodes) - 2,
			To:            len(res.Nodes) - 1,
			Received:      rc.Index,
			Protocol:      rc.With,
			Encryption:    enc,
			TLSVersion:    rc.TLS.Version,
			Cipher:        rc.TLS.Cipher,
			Authenticated: rc.Auth != "", // the parser sets Auth for ESMTPA/ESMTPSA/LMTPA... too
		})
	}
	if n := len(res.Nodes); n > 0 {
		res.Nodes[n-1].Received = slices.Clip(res.Nodes[n-1].Received)
	}
	if n := len(res.Nodes); n > 1 {
		res.Nodes[n-1].Role = RoleFinal
		// The origin is named by the first relay's record; when the next
		// relay contradicted that relay's own name, its record is no
		// evidence either.
		if o := &res.Nodes[0]; o.Role == RoleOrigin && len(res.Nodes[1].ClaimedNames) > 0 && o.Name != "" {
			o.Claimed = true
		}
	}
	b.delays()
}

// nameByEvidence names the sending node prev by what the receiving relay
// recorded in rc (its reverse name, else the HELO it was given), not by what
// prev said about itself. Its own by name is kept when the record confirms
// it (nameMatches); when the record names another host, the own name becomes
// a claimed name and the recorded one the node's name; when the receiver
// recorded no name at all, the own name stays, as a claim.
func (b *pathBuilder) nameByEvidence(prev *Node, rc *Received, nm names) {
	recorded := nm.from()
	recordedClaimed := rc.FromRDNS == "" // a HELO is the sender's own word
	switch {
	case prev.Role == RoleOrigin:
		// addOrigin named it from this very field.
	case prev.Name == "":
		prev.Name, prev.Claimed = recorded, recorded != "" && recordedClaimed
	case recorded == "":
		prev.Claimed = true
	case b.nameMatches(prev.Name, rc, nm):
		// Confirmed by the receiver.
	default:
		prev.ClaimedNames = append(prev.ClaimedNames, prev.Name)
		prev.Notes = append(prev.Notes, fmt.Sprintf("called itself %s, but the next relay recorded it as %s: the self-declared name is only a claim", prev.Name, recorded))
		prev.Name, prev.Claimed = recorded, recordedClaimed
	}
}

// maxNodes is the most nodes build can make of rs: two for the lowest
// parsed field (the origin and its receiver), one for each parsed field
// above it, except the fields sameMachine always merges into the node
// below (local pick-ups, transfers from a loopback address).
func maxNodes(rs []Received) int {
	n := 0
	for k := len(rs) - 1; k >= 0; k-- {
		rc := &rs[k]
		switch {
		case !rc.Parsed:
		case n == 0:
			n = 2
		case rc.Kind == KindLocal, rc.FromIP.IsValid() && rc.FromIP.Unmap().IsLoopback():
		default:
			n++
		}
	}
	return n
}

// startReceived returns the Received list of a new node, holding idx;
// left is the number of fields not yet walked, idx's included. The lists
// of a message share one block: the list of the last node grows in place
// as fields are merged into it, so the list of the node before the new one
// is clipped to its length and the new list starts after it.
func (b *pathBuilder) startReceived(idx, left int) []int {
	var rest []int
	if n := len(b.res.Nodes); n > 0 {
		prev := &b.res.Nodes[n-1]
		rest = prev.Received[len(prev.Received):] // empty, with the rest of the block as capacity
		prev.Received = slices.Clip(prev.Received)
	}
	if cap(rest) == 0 {
		rest = make([]int, 0, left)
	}
	return append(rest, idx)
}

// alsoKnownAs is the note for a node whose own by clause gave another
// address (a), without fmt's boxing of a.
func alsoKnownAs(a netip.Addr) string {
	const pre, post = "also known as ", " (from its own Received field)"
	buf := make([]byte, 0, len(pre)+len(post)+46) // 46: the longest IPv6 text without zone
	buf = append(buf, pre...)
	buf = a.AppendTo(buf)
	buf = append(buf, post...)
	return string(buf)
}

// hasFrom reports whether a field names the client it received from.
func hasFrom(rc *Received) bool {
	return rc.FromIP.IsValid() || rc.FromHELO != "" || rc.FromRDNS != ""
}

// addOrigin adds the first node: the client that handed the message to the
// first server, or the machine it was written on for local submissions. It
// reports whether the origin is the receiving host of rc itself (a local
// submission, a field without a from part, or a host handing to itself such
// as Exchange's "from X ... by X with mapi").
// left is the number of fields not yet walked, rc's included.
func (b *pathBuilder) addOrigin(rc *Received, nm names, left int) bool {
	n := Node{Role: RoleOrigin}
	by := nm.by
	self := by != "" && (strings.EqualFold(nm.helo, by) || strings.EqualFold(nm.rdns, by))
	if rc.Kind == KindLocal || !hasFrom(rc) || self {
		n.Received = b.startReceived(rc.Index, left)
		n.Name = by
		n.IP = rc.ByIP
		n.Notes = append(n.Notes, "the message was submitted on this machine")
	} else {
		n.Name = nm.from()
		// Without a reverse name the receiver recorded, the name is the
		// client's HELO: its own claim.
		n.Claimed = rc.FromRDNS == "" && n.Name != ""
		n.IP = rc.FromIP
		n.rdns = rc.FromRDNS
		n.Received = []int{} // the origin wrote no field; rc belongs to the first relay
		b.res.Nodes = append(b.res.Nodes, n)
		return false
	}
	b.res.Nodes = append(b.res.Nodes, n)
	return true
}

// sameMachine reports whether a field records a transfer inside the machine
// that holds the message: a local pick-up, a loop through localhost (content
// filters such as amavis on port 10024), or a host handing to itself (LMTP
// delivery on the same host).
func (b *pathBuilder) sameMachine(rc *Received, nm names) bool {
	cur := &b.res.Nodes[len(b.res.Nodes)-1]
	by := nm.by
	if rc.Kind == KindLocal {
		return true
	}
	if rc.FromIP.IsValid() && rc.FromIP.Unmap().IsLoopback() {
		return true
	}
	if !rc.FromIP.IsValid() && isLocalName(nm.from()) {
		return true
	}
	if by == "" || isLocalName(by) {
		return !rc.FromIP.IsValid() || (cur.IP.IsValid() && rc.FromIP == cur.IP)
	}
	if strings.EqualFold(by, cur.Name) && cur.Role != RoleOrigin {
		// The same host received it twice: a re-injection, unless it came
		// from a different address.
		return !rc.FromIP.IsValid() || !cur.IP.IsValid() || rc.FromIP == cur.IP || b.opts.Internal(rc.FromIP)
	}
	return false
}

// delays fills segment delays from consecutive Received dates.
func (b *pathBuilder) delays() {
	res := b.res
	var delays []float64
	for i := range res.Segments {
		seg := &res.Segments[i]
		t := res.Received[seg.Received].Date
		// The time the message arrived at the sending node: the latest date
		// among the fields merged into it.
		var prev time.Time
		for _, idx := range res.Nodes[seg.From].Received {
			if d := res.Received[idx].Date; !d.IsZero() && d.After(prev) {
				prev = d
			}
		}
		if !t.IsZero() && !prev.IsZero() {
			if delays == nil {
				delays = make([]float64, len(res.Segments)) // one block for the message
			}
			delays[i] = t.Sub(prev).Seconds()
			seg.DelaySeconds = &delays[i]
		}
	}
}

// enrich adds DNS evidence (when asked), locations, organisations and
// jurisdictions to the nodes.
func (b *pathBuilder) enrich(ctx context.Context) {
	res := b.res
	for i := range res.Nodes {
		n := &res.Nodes[i]
		if n.IP.IsValid() {
			n.IP = n.IP.Unmap()
			n.Internal = b.opts.Internal(n.IP)
		}
		locate := n.IP // the address whose location stands for the node
		if n.Internal {
			locate = netip.Addr{}
		}
		if b.opts.Resolver != nil {
			if a := b.resolve(ctx, n); a.IsValid() {
				locate = a
			}
		}
		if locate.IsValid() && b.opts.Locator != nil {
			viaDNS := n.Location.ViaDNS
			n.Location = b.opts.Locator.Locate(locate)
			n.Location.ViaDNS = viaDNS
			b.place(n)
		}
		if n.Location.Source == nil {
			n.Location.Source = []DataSource{}
		}
		b.nameOrganisation(n)
		if !n.IP.IsValid() && n.Role == RoleFinal {
			n.Notes = append(n.Notes, "the final server's address is not in the headers")
		}
		n.Jurisdiction = b.opts.Home.Classify(n.Location.Country, n.Internal && !n.Location.ViaDNS)
		// The note depends on the country alone: a node in the country of
		// the node before it has nothing to add.
		if c := n.Location.Country; i == 0 || c != res.Nodes[i-1].Location.Country {
			if note := b.opts.Home.Note(c); note != "" && !slices.Contains(res.Notes, note) {
				res.Notes = append(res.Notes, note)
			}
		}
	}
}

// resolve asks the Resolver about one node: PTR with forward confirmation
// for a public address the headers give no reverse name for, and the
// addresses of a named node whose address the headers do not give or give
// only as a private one (the final server; a provider's MX seen from inside).
// It returns a public address found through DNS to locate the node by.
func (b *pathBuilder) resolve(ctx context.Context, n *Node) netip.Addr {
	switch {
	case n.IP.IsValid() && !n.Internal:
		if n.rdns != "" {
			return netip.Addr{}
		}
		info := b.opts.Resolver.Reverse(ctx, n.IP)
		n.DNS = &info
		if n.Name == "" && info.PTR != "" {
			n.Name = info.PTR
		}
	case n.Name != "" && strings.Contains(n.Name, ".") && !isLocalName(n.Name) && !isAddressLiteral(n.Name) && b.domain(n.Name) != "":
		info := b.opts.Resolver.Forward(ctx, n.Name)
		n.DNS = &info
		for _, a := range info.Addrs {
			a = a.Unmap()
			if b.opts.Internal(a) {
				continue
			}
			n.Location.ViaDNS = true
			if !n.IP.IsValid() {
				n.IP = a
				n.Notes = append(n.Notes, fmt.Sprintf("address %s found through DNS (A/AAAA of %s), not in the headers", a, n.Name))
			} else {
				n.Notes = append(n.Notes, fmt.Sprintf("located by %s, the public address of %s in DNS; the headers give only the internal %s", a, n.Name, n.IP))
			}
			return a
		}
	}
	return netip.Addr{}
}

// check adds the consistency flags. None of them removes a hop.
func (b *pathBuilder) check() {
	res := b.res
	for i := 1; i < len(res.Segments); i++ {
		seg := &res.Segments[i]
		rc := &res.Received[seg.Received]
		sender := &res.Nodes[seg.From]
		// The sender named itself as a by; the receiver names it as from.
		own := sender.Name
		if len(sender.ClaimedNames) > 0 {
			own = sender.ClaimedNames[0]
		}
		if own != "" && !b.nameMatches(own, rc, b.namesAt(seg.Received)) {
			res.Flags = append(res.Flags, Flag{Code: FlagByFromMismatch, Received: rc.Index,
				Detail: fmt.Sprintf("the previous relay called itself %q but this field names the sender %q", own, firstNonEmpty(rc.FromRDNS, rc.FromHELO, addrText(rc.FromIP)))})
		}
		// A relay handing over to another organisation's server from a
		// private address: over the internet the receiver would have seen a
		// public one, so the field is forged or the hop is not what it says.
		if rc.FromIP.IsValid() && b.opts.Internal(rc.FromIP) && !rc.FromIP.Unmap().IsLoopback() {
			recv := &res.Nodes[seg.To]
			sd, rd := b.domain(sender.Name), b.domain(recv.Name)
			if sd != "" && rd != "" && sd != rd {
				res.Flags = append(res.Flags, Flag{Code: FlagPrivateHandover, Received: rc.Index,
					Detail: fmt.Sprintf("relay %s (%s) handed the message to %s (%s) from private address %s", sender.Name, sd, recv.Name, rd, rc.FromIP)})
			}
		}
	}
	// Time must not run backwards (bottom to top) beyond the skew: each
	// dated field is compared with the nearest dated field below it.
	var last time.Time
	lastIdx := -1
	for k := len(res.Received) - 1; k >= 0; k-- {
		d := res.Received[k].Date
		if d.IsZero() {
			continue
		}
		if !last.IsZero() && d.Before(last.Add(-b.opts.MaxSkew)) {
			res.Flags = append(res.Flags, Flag{Code: FlagTimeBackwards, Received: k,
				Detail: fmt.Sprintf("dated %s, %s before Received #%d below it", d.Format(time.RFC3339), last.Sub(d).Round(time.Second), lastIdx)})
		}
		last, lastIdx = d, k
	}
}

// nameMatches reports whether the from part of rc plausibly names the host
// called name: same name, same first label, same registrable domain, or an
// address that equals the name. nm are the names of rc.
func (b *pathBuilder) nameMatches(name string, rc *Received, nm names) bool {
	cands := [2]string{nm.rdns, nm.helo}
	if rc.FromIP.IsValid() {
		if a, ok := addressLiteral(name); ok && a.Unmap() == rc.FromIP.Unmap() {
			return true
		}
	}
	known := false
	nameDomain := b.domain(name)
	for _, c := range cands {
		if c == "" || !strings.Contains(c, ".") || isAddressLiteral(c) {
			continue // an unqualified name or an address literal names nothing to compare
		}
		known = true
		if strings.EqualFold(c, name) || strings.EqualFold(firstLabel(c), firstLabel(name)) {
			return true
		}
		// Same registrable domain, or the same organisation under another
		// suffix (sourceforge.com / sourceforge.net).
		if d := b.domain(c); d != "" && (d == nameDomain || firstLabel(d) == firstLabel(nameDomain) || sameOperator(d, nameDomain) || b.sameCompany(c, name)) {
			return true
		}
	}
	// A field that names no sender cannot contradict.
	return !known || isLocalName(name) || !strings.Contains(name, ".")
}

// summarise computes the per-message accounting.
func (r *Result) summarise() {
	s := &r.Summary
	s.Hops = len(r.Segments)
	var orgSeen map[string]bool // for long traces, where a linear search would be quadratic
	if len(r.Nodes) > maxDomainList {
		orgSeen = make(map[string]bool)
	}
	// Organisations and countries are at most one per node, TLS versions
	// one per segment: one block for the three lists. The full slice
	// expressions keep an append from running into the next list.
	// A reused result (AnalyzeInto) may have room enough already.
	if n, m := len(r.Nodes), len(r.Segments); n+m > 0 && len(s.Organisations)+len(s.Countries)+len(s.TLSVersions) == 0 &&
		(cap(s.Organisations) < n || cap(s.Countries) < n || cap(s.TLSVersions) < m) {
		buf := make([]string, 2*n+m)
		s.Organisations, s.Countries, s.TLSVersions = buf[:0:n], buf[n:n:2*n], buf[2*n:2*n:2*n+m]
	}
	for i := range r.Nodes {
		n := &r.Nodes[i]
		if n.Role != RoleOrigin {
			s.Relays++
		}
		if o := n.Organisation; o != "" {
			if orgSeen == nil && !slices.Contains(s.Organisations, o) || orgSeen != nil && !orgSeen[o] {
				s.Organisations = append(s.Organisations, o)
				if orgSeen != nil {
					orgSeen[o] = true
				}
			}
		}
		if c := n.Location.Country; c != "" && !slices.Contains(s.Countries, c) {
			s.Countries = append(s.Countries, c)
		}
		s.Jurisdictions[n.Jurisdiction]++
		// Leaving home depends on the home set; leaving the EU/EEA and
		// reaching a third country depend on the node's country alone, so
		// that with --home CH a Swiss node still counts as outside the
		// EU/EEA, and with --home US an American one as a third country.
		switch n.Jurisdiction {
		case jurisdiction.ClassThird, jurisdiction.ClassAdequate, jurisdiction.ClassEUEEA:
			s.LeftHome = true
		}
		if located := n.Jurisdiction != jurisdiction.ClassInternal && n.Jurisdiction != jurisdiction.ClassUnknown; located {
			c := n.Location.Country
			s.LeftEUEEA = s.LeftEUEEA || jurisdiction.OutsideEEA(c)
			s.ThirdCountry = s.ThirdCountry || jurisdiction.ThirdCountry(c)
		}
	}
	for i := range r.Segments {
		seg := &r.Segments[i]
		switch seg.Encryption {
		case EncryptionYes:
			s.EncryptedSegments++
		case EncryptionNo:
			s.PlaintextSegments++
		default:
			s.UnknownSegments++
		}
		if v := seg.TLSVersion; v != "" && !slices.Contains(s.TLSVersions, v) {
			s.TLSVersions = append(s.TLSVersions, v)
		}
	}
	slices.Sort(s.TLSVersions)
	// Transit: the date of the last (topmost) dated Received field minus
	// that of the first (lowest), when at least two fields are dated. Dates
	// that run backwards give a negative transit, kept as such and flagged,
	// never turned into a positive one.
	var first, last time.Time
	dated, firstIdx, lastIdx := 0, -1, -1
	for k := range r.Received {
		d := r.Received[k].Date
		if d.IsZero() {
			continue
		}
		dated++
		if lastIdx < 0 {
			last, lastIdx = d, k
		}
		first, firstIdx = d, k
	}
	if dated >= 2 {
		t := last.Sub(first).Seconds()
		s.TransitSeconds = &t
		if t < 0 {
			r.Flags = append(r.Flags, Flag{Code: FlagNegativeTransit, Received: -1,
				Detail: fmt.Sprintf("the last Received field (#%d) is dated %s before the first (#%d): the dates run backwards", lastIdx, first.Sub(last).Round(time.Second), firstIdx)})
		}
	}
	s.Flags = len(r.Flags)
}

// hostName normalises a host name: no trailing dot, no surrounding brackets
// for names, lower case.
func hostName(s string) string {
	if isLowerASCIIName(s) {
		return s // the usual case, in one pass instead of three
	}
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, ".")
	return lowerName(s)
}

// lowerName is strings.ToLower for host names. ASCII names of eight to
// maxLowerName bytes, the ones that are not lower-case already (Exchange
// Online's upper-case server names, HELOs), are lowered eight bytes at a
// time into a stack buffer and copied out once: strings.ToLower appends
// them a byte at a time to a strings.Builder. Other names are left to it.
func lowerName(s string) string {
	const (
		maxLowerName = 64
		high         = 0x8080808080808080
	)
	n := len(s)
	if n < 8 || n > maxLowerName {
		return strings.ToLower(s)
	}
	var buf [maxLowerName]byte
	var upper uint64
	for i := 0; ; i += 8 {
		if i+8 > n {
			// The last eight bytes, overlapping the word before:
			// lowering a byte twice does no harm.
			i = n - 8
		}
		x := binary.LittleEndian.Uint64([]byte(s[i : i+8]))
		if x&high != 0 {
			return strings.ToLower(s)
		}
		u := upperBytes(x)
		upper |= u
		binary.LittleEndian.PutUint64(buf[i:i+8], x|u>>2) // 0x80>>2 is 'a'-'A'
		if i == n-8 {
			break
		}
	}
	if upper == 0 {
		return s // as strings.ToLower does
	}
	return string(buf[:n])
}

// isLowerASCIIName reports whether hostName would return s unchanged
// because s is ASCII without upper-case letters, with no white space at
// either end and no trailing dot.
func isLowerASCIIName(s string) bool {
	if s == "" {
		return true
	}
	if c := s[0]; c == ' ' || c >= '\t' && c <= '\r' {
		return false
	}
	if c := s[len(s)-1]; c == '.' || c == ' ' || c >= '\t' && c <= '\r' {
		return false
	}
	if n := len(s); n >= 8 {
		for i := 0; i+8 < n; i += 8 {
			if upperOrNonASCII8(binary.LittleEndian.Uint64([]byte(s[i : i+8]))) {
				return false
			}
		}
		// The last eight bytes, overlapping the word before: testing a
		// few bytes twice is cheaper than a byte loop over the rest.
		return !upperOrNonASCII8(binary.LittleEndian.Uint64([]byte(s[n-8:])))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || c >= 'A' && c <= 'Z' {
			return false
		}
	}
	return true
}

// upperOrNonASCII8 reports whether any of the eight bytes of x is an ASCII
// upper-case letter or not ASCII: isLowerASCIIName runs for every host name
// of every Received field, and a byte at a time showed in the profile.
func upperOrNonASCII8(x uint64) bool {
	const high = 0x8080808080808080
	// When a byte is not ASCII, x's own high bit answers, and what the
	// carries did to upperBytes' sums does not matter: one test, no
	// branch between the two.
	return (x|upperBytes(x))&high != 0
}

// upperBytes returns the high bit of each byte of x that is an ASCII
// upper-case letter, for x whose eight bytes are ASCII.
func upperBytes(x uint64) uint64 {
	const (
		ones = 0x0101010101010101
		high = 0x8080808080808080
	)
	// Every byte is below 0x80, so neither sum carries into the next byte:
	// the high bit of a byte of ge is set when it is >= 'A', of gt when it
	// is > 'Z'.
	ge := x + (0x80-'A')*ones
	gt := x + (0x80-'Z'-1)*ones
	return ge &^ gt & high
}

// isLocalName reports names that stand for the machine itself.
func isLocalName(s string) bool {
	// Every local name starts with l, 1, : or i, after the brackets. An
	// ASCII first byte is the first byte of the lower-case form too, so a
	// name starting with any other ASCII byte needs no strings.ToLower,
	// nor the brackets at its end trimmed.
	i := 0
	for i < len(s) && (s[i] == '[' || s[i] == ']') {
		i++
	}
	if i == len(s) {
		return false
	}
	switch c := s[i]; {
	case c >= utf8.RuneSelf, c == 'l', c == 'L', c == '1', c == ':', c == 'i', c == 'I':
	default:
		return false
	}
	s = strings.ToLower(trimBrackets(s[i:]))
	switch s {
	case "localhost", "localhost.localdomain", "127.0.0.1", "::1", "ipv6:::1", "local":
		return true
	}
	return strings.HasPrefix(s, "localhost.")
}

// sameOperator reports whether two registrable domains are host-name domains
// of the same large mail operator, whose relays name themselves under
// several domains (smtp.gmail.com hands to mail-sor-f41.google.com; Exchange
// Online mixes outlook.com, office365.com and exchangelabs.com).
func sameOperator(a, b string) bool {
	group := func(d string) int {
		switch d {
		case "google.com", "gmail.com", "googlemail.com":
			return 1
		case "outlook.com", "office365.com", "exchangelabs.com", "microsoft.com":
			return 2
		case "yahoo.com", "yahoodns.net", "yahoo.net", "aol.com":
			return 3
		case "icloud.com", "me.com", "apple.com":
			return 4
		case "amazonses.com", "amazonaws.com":
			return 5
		}
		return 0
	}
	ga := group(a)
	return ga != 0 && ga == group(b)
}

// trimBrackets is strings.Trim(s, "[]") without the set of cut bytes
// strings.Trim makes on every call: it runs for most host names of a path.
func trimBrackets(s string) string {
	i, j := 0, len(s)
	for i < j && (s[i] == '[' || s[i] == ']') {
		i++
	}
	for j > i && (s[j-1] == '[' || s[j-1] == ']') {
		j--
	}
	return s[i:j]
}

// isAddressLiteral reports a host written as an address: "[192.0.2.1]",
// "192.0.2.1", "[IPv6:2001:db8::1]".
func isAddressLiteral(s string) bool {
	_, ok := addressLiteral(s)
	return ok
}

// addressLiteral parses a host written as an address. Names are rejected
// before parsing: net/netip allocates an error for every failure.
func addressLiteral(s string) (netip.Addr, bool) {
	s = trimBrackets(s)
	if len(s) > 5 && strings.EqualFold(s[:5], "ipv6:") {
		s = s[5:]
	}
	if s == "" || !(s[0] >= '0' && s[0] <= '9' || strings.IndexByte(s, ':') >= 0) {
		return netip.Addr{}, false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '.' || c == ':' || c == '%') {
			return netip.Addr{}, false
		}
	}
	a, err := netip.ParseAddr(s)
	return a, err == nil
}

func firstLabel(s string) string {
	s, _, _ = strings.Cut(hostName(s), ".")
	return s
}

// addrText is the address as text, or "" when there is none (where
// netip.Addr.String gives "invalid IP").
func addrText(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// firstNonEmpty returns the first of ss that is not empty, or "".
func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

package analyzer

import (
	"slices"

	"github.com/mailroute/mailroute/internal/domain"
	"github.com/mailroute/mailroute/jurisdiction"
	"github.com/mailroute/mailroute/operator"
)

// Side is which end of the path a party belongs to.
type Side string

// Sides of a party.
const (
	SideSender       Side = "sender"       // the client and the sending provider
	SideIntermediary Side = "intermediary" // lists, forwarders, gateways, sending services, unknown relays between the providers
	SideRecipient    Side = "recipient"    // the receiving provider
	SideBoth         Side = "both"         // one provider sent and received the message
)

// Party kinds.
const (
	PartyClient   = "client"   // the machine the message was handed over from first
	PartyProvider = "provider" // a mailbox provider or the sender's or recipient's own servers
	PartyRelay    = "relay"    // an intermediary the operators table gives no role
	// Intermediaries with a role in the operators table are of that kind:
	// "list", "gateway", "bulk", "forwarder".
)

// Party is a group of consecutive nodes of a path run by one operator in one
// role: who could read the message in clear, where, and how it came and
// went.
type Party struct {
	Side Side   `json:"side"`
	Kind string `json:"kind"` // client, provider, relay, list, gateway, bulk, forwarder
	// Operator is the organisation of the party's nodes (the operator's
	// name when the operators table knows it); empty when unknown.
	Operator string `json:"operator"`
	// OperatorCountry is the operator's home country from the operators
	// table, empty when the table does not know the operator;
	// OperatorJurisdiction is its class against the home jurisdiction.
	OperatorCountry      string             `json:"operator_country"`
	OperatorJurisdiction jurisdiction.Class `json:"operator_jurisdiction"`
	Nodes                []int              `json:"nodes"`    // node indexes, in path order
	Machines             int                `json:"machines"` // len(Nodes)
	Countries            []string           `json:"countries"`
	// Jurisdiction is the least protected class among the party's located
	// nodes (third-country, then adequate, eu-eea, home); internal when all
	// its nodes are internal, unknown when none is located.
	Jurisdiction jurisdiction.Class `json:"jurisdiction"`
	// EncryptionIn and EncryptionOut are the encryption of the transfer
	// into the party's first node and out of its last node; nil when there
	// is none (the sender's first party, the recipient's party).
	EncryptionIn  *Encryption `json:"encryption_in"`
	EncryptionOut *Encryption `json:"encryption_out"`
	// EncryptionInside sums up the transfers between the party's own nodes:
	// "no" when one is plaintext, "unknown" when one is unknown, else
	// "yes"; nil when the party is one machine.
	EncryptionInside *Encryption `json:"encryption_inside"`
}

// partyKey is what makes consecutive nodes one party: the organisation,
// and the intermediary role when the operators table gives one (Google's
// mailbox servers and Google Groups are two parties).
type partyKey struct {
	org  string
	role string
}

func nodeKey(n *Node) partyKey {
	k := partyKey{org: n.Organisation}
	role := n.hostRole // a machine in a hosting network does what its host name says
	if role == "" && n.Operator != nil {
		role = n.Operator.Role
	}
	if operator.Role(role).Intermediary() {
		k.role = role
	}
	return k
}

// isClient reports an origin that handed the message over from outside
// (no Received field of its own) and that the operators table does not know
// as a mail server: a user's machine, even on its provider's access network.
func isClient(n *Node) bool {
	return n.Role == RoleOrigin && len(n.Received) == 0 &&
		(n.Operator == nil || n.Operator.Role == string(operator.RoleHosting))
}

// parties groups the nodes of r into parties. Consecutive nodes with one
// key (organisation, and intermediary role) are one run; a node without an
// organisation (an internal or unnamed machine) joins the run before it.
// Then:
//   - the origin's run is the client when the operators table does not
//     know the origin (or knows it as hosting) and it holds no other named
//     node; an origin that handed the message over from outside is a run
//     of its own even when its network's operator runs the next node (a
//     user's machine on Deutsche Telekom's access network, sending through
//     T-Online);
//   - the next run is the sending provider, the last run the recipient's
//     provider, every run in between an intermediary;
//   - when the sending provider's run is also the last one, it is both
//     sides if the sender's domain (From, else Return-Path) belongs to its
//     operator, else the recipient's side alone (a client that handed the
//     message straight to the recipient's provider).
func (r *Result) parties(opts Options) {
	nodes := r.Nodes
	r.Parties = emptied(r.Parties)
	if len(nodes) == 0 {
		return
	}
	type run struct {
		key        partyKey
		start, end int // node indexes, end exclusive
	}
	var runBuf [8]run // enough for most paths, without an allocation
	runs := runBuf[:0]
	for i := range nodes {
		k := nodeKey(&nodes[i])
		if i > 0 && (k.org == "" || k == runs[len(runs)-1].key) && !(i == 1 && isClient(&nodes[0])) {
			runs[len(runs)-1].end = i + 1
			continue
		}
		runs = append(runs, run{key: k, start: i, end: i + 1})
	}
	o := &nodes[0]
	client := len(runs) >= 2 && o.Role == RoleOrigin &&
		(o.Operator == nil || o.Operator.Role == string(operator.RoleHosting)) &&
		(runs[0].end == 1 || allUnnamed(nodes[1:runs[0].end]))
	first, last := 0, len(runs)-1
	if client {
		first = 1
	}
	both := first == last && (!client || r.senderIs(runs[first].key.org, opts.Operators))
	// The segment into and out of each node, so that long traces stay
	// linear; scratch, on the stack for paths of up to 16 nodes.
	var linkBuf [2 * 16]int
	links := linkBuf[:0]
	if 2*len(nodes) <= len(linkBuf) {
		links = linkBuf[:2*len(nodes)]
	} else {
		links = make([]int, 2*len(nodes))
	}
	into, out := links[:len(nodes)], links[len(nodes):]
	for i := range nodes {
		into[i], out[i] = -1, -1
	}
	for i, sg := range r.Segments {
		if sg.To >= 0 && sg.To < len(nodes) {
			into[sg.To] = i
		}
		if sg.From >= 0 && sg.From < len(nodes) {
			out[sg.From] = i
		}
	}
	// Each party is written over the party at its place in the list of a
	// result AnalyzeInto reuses, and takes over the memory of that one's
	// node indexes, countries and encryption values when it is room
	// enough (b.reuse); the rest comes from blocks.
	r.Parties = slices.Grow(r.Parties[:0], len(runs))[:len(runs)]
	var b partyBlocks
	for i, ru := range runs {
		p := &r.Parties[i]
		b.reuse(p, ru.end-ru.start, len(nodes)-ru.start, len(runs)-i)
		p.Operator = ru.key.org
		for j := ru.start; j < ru.end; j++ {
			p.Nodes[j-ru.start] = j
		}
		switch {
		case i < first:
			p.Side, p.Kind = SideSender, PartyClient
		case i == last && both:
			p.Side, p.Kind = SideBoth, PartyProvider
		case i == last:
			p.Side, p.Kind = SideRecipient, PartyProvider
		case i == first:
			p.Side, p.Kind = SideSender, PartyProvider
		default:
			p.Side, p.Kind = SideIntermediary, PartyRelay
			if ru.key.role != "" {
				p.Kind = ru.key.role
			}
		}
		r.describeParty(p, opts.Home, into, out, &b)
	}
}

func allUnnamed(nodes []Node) bool {
	for i := range nodes {
		if nodes[i].Organisation != "" {
			return false
		}
	}
	return true
}

// senderIs reports whether the sender's domain (From, else Return-Path)
// belongs to org: its operator's name, or its registrable domain.
func (r *Result) senderIs(org string, ops Operators) bool {
	d := r.FromDomain
	if d == "" {
		d = r.ReturnPathDomain
	}
	if d == "" || org == "" {
		return false
	}
	if ops != nil {
		if op, ok := ops.Host(d); ok {
			return op.Name == org
		}
	}
	return domain.Registrable(d) == org
}

// partyBlocks hands out the memory the parties of a message point to:
// their node indexes, countries and encryption values. The memory of the
// party a new one is written over (in a result AnalyzeInto reuses) is
// free, and its own: no two parties share memory, the parts of a block
// being cut with full slice expressions. What it lacks comes from one
// block each for the parties still to come.
type partyBlocks struct {
	idx       []int
	countries []string
	enc       []Encryption
	// was are the EncryptionIn, EncryptionOut and EncryptionInside of the
	// party being described, before reuse reset it.
	was [3]*Encryption
	// parties is the number of parties still to come, the one being
	// described included.
	parties int
}

// reuse resets *p for a party of m nodes, nodesLeft of them from this
// party on, and parties parties from this one on: its Nodes of length m,
// its Countries empty with room for m.
func (b *partyBlocks) reuse(p *Party, m, nodesLeft, parties int) {
	nodes, countries := p.Nodes, p.Countries
	b.was = [3]*Encryption{p.EncryptionIn, p.EncryptionOut, p.EncryptionInside}
	b.parties = parties
	if cap(nodes) < m {
		if len(b.idx) < m {
			b.idx = make([]int, nodesLeft)
		}
		nodes, b.idx = b.idx[:m:m], b.idx[m:]
	}
	if cap(countries) < m {
		if len(b.countries) < m {
			b.countries = make([]string, nodesLeft)
		}
		countries, b.countries = b.countries[:0:m], b.countries[m:]
	}
	*p = Party{Nodes: nodes[:m], Countries: countries[:0]}
}

// encryption returns a pointer to a copy of e: was, the value the field
// pointed to before reuse, when there was one.
func (b *partyBlocks) encryption(was *Encryption, e Encryption) *Encryption {
	if was != nil {
		*was = e
		return was
	}
	if len(b.enc) == 0 {
		b.enc = make([]Encryption, 3*b.parties)
	}
	p := &b.enc[0]
	*p, b.enc = e, b.enc[1:]
	return p
}

// describeParty fills the machines, countries, jurisdictions and transfer
// encryption of a party whose Nodes are set; into and out give the segment
// into and out of each node (-1 for none). Countries, when not nil, is the
// empty list to fill, with room for one country per node.
func (r *Result) describeParty(p *Party, home jurisdiction.Home, into, out []int, b *partyBlocks) {
	p.Machines = len(p.Nodes)
	if p.Countries == nil {
		p.Countries = []string{}
	}
	p.Jurisdiction = ""
	for _, i := range p.Nodes {
		n := &r.Nodes[i]
		if c := n.Location.Country; c != "" && !slices.Contains(p.Countries, c) {
			p.Countries = append(p.Countries, c)
		}
		if jurisdictionRank(n.Jurisdiction) > jurisdictionRank(p.Jurisdiction) {
			p.Jurisdiction = n.Jurisdiction
		}
		if n.Operator != nil && p.OperatorCountry == "" && n.Operator.Name == p.Operator {
			p.OperatorCountry = n.Operator.Country
		}
	}
	if p.Jurisdiction == "" {
		p.Jurisdiction = jurisdiction.ClassUnknown
	}
	p.OperatorJurisdiction = home.Classify(p.OperatorCountry, false)
	first, last := p.Nodes[0], p.Nodes[len(p.Nodes)-1]
	if i := into[first]; i >= 0 {
		p.EncryptionIn = b.encryption(b.was[0], r.Segments[i].Encryption)
	}
	if i := out[last]; i >= 0 {
		p.EncryptionOut = b.encryption(b.was[1], r.Segments[i].Encryption)
	}
	// Inside: "no" when one transfer is plaintext, else "unknown" when one
	// is unknown, else "yes"; none when no transfer is inside.
	inside, e := false, EncryptionYes
	for _, j := range p.Nodes[:len(p.Nodes)-1] {
		i := out[j]
		if i < 0 {
			continue
		}
		inside = true
		if x := r.Segments[i].Encryption; x == EncryptionNo {
			e = EncryptionNo
			break
		} else if x != EncryptionYes {
			e = EncryptionUnknown
		}
	}
	if inside {
		p.EncryptionInside = b.encryption(b.was[2], e)
	}
}

// jurisdictionRank orders classes for the class of a party: a located node
// outranks an unlocated one, and among located ones the less protected
// class wins.
func jurisdictionRank(j jurisdiction.Class) int {
	switch j {
	case jurisdiction.ClassInternal:
		return 1
	case jurisdiction.ClassUnknown:
		return 2
	case jurisdiction.ClassHome:
		return 3
	case jurisdiction.ClassEUEEA:
		return 4
	case jurisdiction.ClassAdequate:
		return 5
	case jurisdiction.ClassThird:
		return 6
	}
	return 0
}

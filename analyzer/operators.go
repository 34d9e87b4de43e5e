package analyzer

import (
	"fmt"
	"strings"

	"github.com/mailroute/mailroute/operator"
)

// Operators names the company that runs a machine, from its host name or
// its AS number. *operator.Table implements it; Options.Operators passes
// one in.
type Operators interface {
	Host(name string) (operator.Operator, bool)
	ASN(n uint) (operator.Operator, bool)
}

// Organisation sources (Node.OrgSource).
const (
	// OrgSourceASN: the ASN data answered; the organisation is the
	// operators table's name for that AS number, else the AS organisation.
	OrgSourceASN = "asn"
	// OrgSourceTable: the operators table named the node's host name.
	OrgSourceTable = "operators-table"
	// OrgSourceDomain: the registrable domain of the node's host name.
	OrgSourceDomain = "domain"
)

// NodeOperator is the company that runs a node, as the operators table
// says.
type NodeOperator struct {
	Name    string `json:"name"`
	Country string `json:"country"` // ISO 3166-1 alpha-2 code of the company's home country
	Role    string `json:"role"`    // mailbox, bulk, gateway, list, forwarder or hosting (see package operator)
}

// nameOrganisation sets the node's operator and organisation. The ASN data
// answers first, when it has an answer: a host name can be forged (a
// client's HELO, a by clause below the trust boundary), the address the
// next relay saw much less. So the organisation is
//   - the operators table's name for the node's AS number;
//   - else, when the ASN data names an organisation: the operator of the
//     node's host name if the AS organisation names it too ("Posteo e.K."
//     for posteo.de), else the AS organisation itself;
//   - else the operators table's name for the host name;
//   - else the registrable domain of the host name.
//
// So one company has one name whichever source answered, as far as the
// table knows it.
func (b *pathBuilder) nameOrganisation(n *Node) {
	var byASN, byHost operator.Operator
	var asnOK, hostOK bool
	if ops := b.opts.Operators; ops != nil {
		if n.Location.ASN != 0 {
			byASN, asnOK = ops.ASN(n.Location.ASN)
		}
		// A self-declared (claimed) name says nothing about who runs
		// the host: only the address's ASN data may answer then.
		if n.Name != "" && !n.Claimed {
			byHost, hostOK = b.operator(n.Name)
		}
	}
	set := func(op operator.Operator, source string) {
		n.Operator = b.newOperator(NodeOperator{Name: op.Name, Country: op.Country, Role: string(op.Role)})
		n.Organisation, n.OrgSource = op.Name, source
	}
	switch {
	case asnOK:
		if hostOK && byHost.Name == byASN.Name {
			byASN.Role = byHost.Role // the host rule says more precisely what the machine does
		}
		set(byASN, OrgSourceASN)
		if hostOK && byHost.Name != byASN.Name {
			n.Notes = append(n.Notes, fmt.Sprintf("the host name points to %s, but the ASN data says %s", byHost.Name, byASN.Name))
			n.hostRole = string(byHost.Role)
		}
	case n.Location.ASOrg != "" && hostOK && mentions(n.Location.ASOrg, byHost.Name):
		set(byHost, OrgSourceASN)
	case n.Location.ASOrg != "":
		n.Organisation, n.OrgSource = n.Location.ASOrg, OrgSourceASN
		if hostOK {
			n.Notes = append(n.Notes, fmt.Sprintf("the host name points to %s, but the ASN data says %s", byHost.Name, n.Location.ASOrg))
			n.hostRole = string(byHost.Role) // what the machine does, for its party's kind
		}
	case hostOK:
		set(byHost, OrgSourceTable)
	case n.Claimed:
	default:
		if d := b.domain(n.Name); d != "" {
			n.Organisation, n.OrgSource = d, OrgSourceDomain
		}
	}
}

// mentions reports whether an AS organisation names the operator: a word of
// the operator's name of four or more letters or digits occurs in it,
// ignoring case ("POSTEO e.K." and "Posteo", "SENDGRID" and "Twilio
// SendGrid").
func mentions(asOrg, name string) bool {
	org := strings.ToLower(asOrg)
	for w := range strings.FieldsFuncSeq(strings.ToLower(name), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	}) {
		if len(w) >= 4 && strings.Contains(org, w) {
			return true
		}
	}
	return false
}

// sameCompany reports whether the operators table names one company for
// both host names (smtp.gmail.com and mail-sor-f41.google.com, a Proofpoint
// gateway and its ppops.net filter host). Without a table it reports false.
func (b *pathBuilder) sameCompany(a, c string) bool {
	oa, okA := b.operator(a)
	if !okA {
		return false
	}
	oc, okC := b.operator(c)
	return okC && oa.Name == oc.Name
}

// newOperator returns a pointer to a copy of op, taken from one block for
// the message's nodes (each node has at most one operator).
func (b *pathBuilder) newOperator(op NodeOperator) *NodeOperator {
	if len(b.operators) == cap(b.operators) {
		b.operators = make([]NodeOperator, 0, max(len(b.res.Nodes), 1))
	}
	b.operators = append(b.operators, op)
	return &b.operators[len(b.operators)-1]
}

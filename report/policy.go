package report

import (
	"fmt"
	"strings"

	"github.com/mailroute/mailroute/analyzer"
	"github.com/mailroute/mailroute/jurisdiction"
	"github.com/mailroute/mailroute/operator"
)

// Rule is one --fail-on condition. A message violates a rule when its path
// shows the condition; a group violates it when any of its messages does.
type Rule string

// Policy rules.
const (
	// RuleOutsideHome: a node of the path is outside the home jurisdiction
	// (Summary.LeftHome).
	RuleOutsideHome Rule = "outside-home"
	// RuleThirdCountry: a node is in a third country without an adequacy
	// decision (Summary.ThirdCountry).
	RuleThirdCountry Rule = "third-country"
	// RulePlaintext: at least one segment was not encrypted.
	RulePlaintext Rule = "plaintext"
	// RuleUnknownEncryption: at least one segment's encryption is unknown.
	RuleUnknownEncryption Rule = "unknown-encryption"
	// RuleThirdPartyGateway: an operator other than the sender's and the
	// recipient's providers read the message as a security gateway (see
	// thirdPartyGateway).
	RuleThirdPartyGateway Rule = "third-party-gateway"
)

// ruleDef is one row of the rule table: a new rule is one entry here (the
// counters, ParsePolicy, the help text and the shell completion read the
// table) and one case in violates and unverifiable.
type ruleDef struct {
	rule Rule
	help string // what violates it, for --help
}

// ruleTable is the canonical order of rules.
var ruleTable = [...]ruleDef{
	{RuleOutsideHome, "a relay outside the home jurisdiction"},
	{RuleThirdCountry, "a relay in a third country (no EU adequacy decision)"},
	{RulePlaintext, "a transfer without TLS"},
	{RuleUnknownEncryption, "a transfer whose encryption is unknown"},
	{RuleThirdPartyGateway, "a security gateway run by neither the sender's nor the recipient's provider"},
}

// violates reports whether the message shows the rule's condition. (A
// switch, not functions in ruleTable: a call through a function value makes
// the result escape, and scan's every result would be a heap allocation.)
func (d *ruleDef) violates(r *analyzer.Result) bool {
	switch d.rule {
	case RuleOutsideHome:
		return r.Summary.LeftHome
	case RuleThirdCountry:
		return r.Summary.ThirdCountry
	case RulePlaintext:
		return r.Summary.PlaintextSegments > 0
	case RuleUnknownEncryption:
		return r.Summary.UnknownSegments > 0
	case RuleThirdPartyGateway:
		return thirdPartyGateway(r)
	}
	return false
}

// unverifiable reports whether a message that does not violate the rule
// still cannot be shown to keep it, because what the rule looks at is
// unknown (rules decided on what is known never are).
func (d *ruleDef) unverifiable(r *analyzer.Result) bool {
	switch d.rule {
	case RuleOutsideHome, RuleThirdCountry:
		return unknownLocation(r)
	case RulePlaintext:
		return r.Summary.UnknownSegments > 0
	}
	return false
}

// numRules is the number of rules, for per-rule counters.
const numRules = len(ruleTable)

// unknownLocation reports whether a node of the path could not be located
// (jurisdiction unknown): whether the message stayed at home is then not
// known.
func unknownLocation(r *analyzer.Result) bool {
	return r.Summary.Jurisdictions[jurisdiction.ClassUnknown] > 0
}

// thirdPartyGateway reports whether a security gateway outside the sender's
// and the recipient's providers read the message: an intermediary party of
// kind gateway, or a gateway filter finding tied to a node of the path (a
// finding tied to no node could have been written by anyone and is not
// counted), whose operator is not the operator of a sender-side or
// recipient-side provider. A gateway of unknown operator counts as outside.
func thirdPartyGateway(r *analyzer.Result) bool {
	var providers []string
	for i := range r.Parties {
		p := &r.Parties[i]
		if p.Kind == analyzer.PartyProvider && p.Side != analyzer.SideIntermediary && p.Operator != "" {
			providers = append(providers, p.Operator)
		}
	}
	outside := func(op string) bool {
		if op == "" {
			return true
		}
		for _, p := range providers {
			if strings.EqualFold(p, op) {
				return false
			}
		}
		return true
	}
	for i := range r.Parties {
		p := &r.Parties[i]
		if p.Side == analyzer.SideIntermediary && p.Kind == string(operator.RoleGateway) && outside(p.Operator) {
			return true
		}
	}
	for i := range r.Filters {
		f := &r.Filters[i]
		if f.Gateway && (f.Node != nil || !f.Unverified) && outside(f.Operator) {
			return true
		}
	}
	return false
}

// ruleIndex returns the index of r in ruleTable, or -1.
func ruleIndex(r Rule) int {
	for i := range ruleTable {
		if ruleTable[i].rule == r {
			return i
		}
	}
	return -1
}

// Rules returns the --fail-on rules in canonical order (for completion).
func Rules() []Rule {
	out := make([]Rule, numRules)
	for i := range ruleTable {
		out[i] = ruleTable[i].rule
	}
	return out
}

// RuleNames returns the rule names in canonical order.
func RuleNames() []string {
	out := make([]string, numRules)
	for i := range ruleTable {
		out[i] = string(ruleTable[i].rule)
	}
	return out
}

// RulesHelp describes the rules for --help, one "name: what violates it"
// line each, indented by indent.
func RulesHelp(indent string) string {
	var b strings.Builder
	w := 0
	for i := range ruleTable {
		w = max(w, len(ruleTable[i].rule))
	}
	for i := range ruleTable {
		fmt.Fprintf(&b, "%s%-*s  %s\n", indent, w, ruleTable[i].rule, ruleTable[i].help)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// Policy is the set of rules the user asked to fail on, in canonical order
// (outside-home, third-country, plaintext, unknown-encryption,
// third-party-gateway). The empty
// Policy checks nothing.
type Policy []Rule

// ParsePolicy parses a comma-separated --fail-on list, e.g.
// "third-country,plaintext". Repeated rules count once; "" gives the empty
// Policy.
func ParsePolicy(s string) (Policy, error) {
	var set [numRules]bool
	for part := range strings.SplitSeq(s, ",") {
		p := strings.ToLower(strings.TrimSpace(part))
		if p == "" {
			continue
		}
		i := ruleIndex(Rule(p))
		if i < 0 {
			return nil, fmt.Errorf("fail-on %q: unknown rule %q (want %s)", s, part, strings.Join(RuleNames(), ", "))
		}
		set[i] = true
	}
	var p Policy
	for i, on := range set {
		if on {
			p = append(p, ruleTable[i].rule)
		}
	}
	return p, nil
}

// Has reports whether the policy includes r.
func (p Policy) Has(r Rule) bool {
	for _, x := range p {
		if x == r {
			return true
		}
	}
	return false
}

// String returns the policy in --fail-on form.
func (p Policy) String() string {
	s := make([]string, len(p))
	for i, r := range p {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// Violation counts the messages of a group that violate one rule (or, in
// Row.CannotVerify, that cannot be shown to keep it).
type Violation struct {
	Rule     Rule `json:"rule"`
	Messages int  `json:"messages"`
}

// policyCounts are the per-rule counters of a group.
type policyCounts struct {
	violations   [numRules]int
	cannotVerify [numRules]int
	// unverified counts the messages that cannot be verified for at least
	// one rule (and violate none).
	unverified int
}

// add evaluates one message against the policy.
func (c *policyCounts) add(res *analyzer.Result, policy Policy) {
	if len(policy) == 0 {
		return
	}
	violated, unknown := false, false
	for i := range ruleTable {
		d := &ruleTable[i]
		if !policy.Has(d.rule) {
			continue
		}
		switch {
		case d.violates(res):
			c.violations[i]++
			violated = true
		case d.unverifiable(res):
			c.cannotVerify[i]++
			unknown = true
		}
	}
	if unknown && !violated {
		c.unverified++
	}
}

// results returns the rules violated and the rules that could not be
// verified, each with its message count, in canonical order.
func (c *policyCounts) results() (violations, cannotVerify []Violation) {
	for i := range ruleTable {
		if n := c.violations[i]; n > 0 {
			violations = append(violations, Violation{Rule: ruleTable[i].rule, Messages: n})
		}
		if n := c.cannotVerify[i]; n > 0 {
			cannotVerify = append(cannotVerify, Violation{Rule: ruleTable[i].rule, Messages: n})
		}
	}
	return violations, cannotVerify
}

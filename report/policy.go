package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mailroute/mailroute/analyzer"
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
)

// allRules is the canonical order of rules.
func allRules() []Rule {
	return []Rule{RuleOutsideHome, RuleThirdCountry, RulePlaintext, RuleUnknownEncryption}
}

// violates reports whether the summary of one message violates r.
func (r Rule) violates(s *analyzer.Summary) bool {
	switch r {
	case RuleOutsideHome:
		return s.LeftHome
	case RuleThirdCountry:
		return s.ThirdCountry
	case RulePlaintext:
		return s.PlaintextSegments > 0
	case RuleUnknownEncryption:
		return s.UnknownSegments > 0
	}
	return false
}

// Policy is the set of rules the user asked to fail on, in canonical order
// (outside-home, third-country, plaintext, unknown-encryption). The empty
// Policy checks nothing.
type Policy []Rule

// ParsePolicy parses a comma-separated --fail-on list, e.g.
// "third-country,plaintext". Repeated rules count once; "" gives the empty
// Policy.
func ParsePolicy(s string) (Policy, error) {
	var set [4]bool
	all := allRules()
	for part := range strings.SplitSeq(s, ",") {
		p := strings.ToLower(strings.TrimSpace(part))
		if p == "" {
			continue
		}
		i := slices.Index(all, Rule(p))
		if i < 0 {
			return nil, fmt.Errorf("fail-on %q: unknown rule %q (want outside-home, third-country, plaintext or unknown-encryption)", s, part)
		}
		set[i] = true
	}
	var p Policy
	for i, on := range set {
		if on {
			p = append(p, all[i])
		}
	}
	return p, nil
}

// Has reports whether the policy includes r.
func (p Policy) Has(r Rule) bool { return slices.Contains(p, r) }

// String returns the policy in --fail-on form.
func (p Policy) String() string {
	s := make([]string, len(p))
	for i, r := range p {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// Violation counts the messages of a group that violate one rule.
type Violation struct {
	Rule     Rule `json:"rule"`
	Messages int  `json:"messages"`
}

package report

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/publicsuffix"

	"github.com/mailroute/mailroute/internal/safe"
	"github.com/mailroute/mailroute/operator"
)

// ProviderRule maps a domain pattern to the name of a mail provider.
//
// A Pattern is either a domain suffix or a brand wildcard:
//
//   - "gmx.net" (or ".gmx.net", or "*.gmx.net": all three mean the same)
//     matches gmx.net and every name below it, such as mail.gmx.net. When
//     several suffixes match, the longest wins.
//   - "hotmail.*" matches a registrable domain whose first label is
//     "hotmail" under any public suffix: hotmail.com, hotmail.de,
//     hotmail.co.uk, but not hotmail.example.com.
//
// Patterns are compared in lower case, without a trailing dot. Internationalised
// domain names must be written in their ASCII (xn--) form.
type ProviderRule struct {
	Pattern  string
	Provider string
}

// Providers maps sender domains to provider names: rules from a providers
// file first, then the operators table (operator.Builtin), so that the
// provider of a sender domain and the operator of a relay host are named
// by one table. The zero value is not usable; use NewProviders. A
// Providers is safe for concurrent reads.
type Providers struct {
	user providerLayer
	ops  *operator.Table
}

type providerLayer struct {
	suffix map[string]string // "gmx.net" -> "United Internet"
	brand  map[string]string // "hotmail" (from "hotmail.*") -> "Microsoft"
}

// NewProviders returns the built-in table with the given rules added; a rule
// overrides any built-in rule that would match the same domain. Later rules
// replace earlier ones with the same pattern. Patterns are normalised as
// ParseProviders does; a rule with an invalid pattern is an error.
func NewProviders(rules []ProviderRule) (*Providers, error) {
	ops, err := operator.Builtin()
	if err != nil {
		return nil, fmt.Errorf("providers: %w", err)
	}
	return NewProvidersFrom(ops, rules)
}

// NewProvidersFrom is NewProviders with the operators table given: its
// domain rules are the built-in layer.
func NewProvidersFrom(ops *operator.Table, rules []ProviderRule) (*Providers, error) {
	p := &Providers{ops: ops, user: providerLayer{suffix: map[string]string{}, brand: map[string]string{}}}
	for _, r := range rules {
		pat, brand, err := normalisePattern(r.Pattern)
		if err != nil {
			return nil, err
		}
		name, err := checkProviderName(r.Provider)
		if err != nil {
			return nil, fmt.Errorf("pattern %q: %w", r.Pattern, err)
		}
		if brand {
			p.user.brand[pat] = name
		} else {
			p.user.suffix[pat] = name
		}
	}
	return p, nil
}

// Lookup returns the provider that sends mail for domain, or ok == false when
// no rule matches. The domain is compared in lower case without a trailing
// dot; a subdomain matches its parent's rule. User rules are tried first
// (longest suffix, then brand wildcard), then the operators table
// (operator.Table.Host).
func (p *Providers) Lookup(domain string) (provider string, ok bool) {
	d := normaliseDomain(domain)
	if d == "" {
		return "", false
	}
	l := &p.user
	// Longest suffix first: d itself, then each parent at a label boundary.
	for s := d; s != ""; {
		if name, found := l.suffix[s]; found {
			return name, true
		}
		dot := strings.IndexByte(s, '.')
		if dot < 0 {
			break
		}
		s = s[dot+1:]
	}
	if len(l.brand) > 0 {
		reg := registrable(d)
		if dot := strings.IndexByte(reg, '.'); dot > 0 {
			if name, found := l.brand[reg[:dot]]; found {
				return name, true
			}
		}
	}
	if p.ops != nil {
		if op, found := p.ops.Host(d); found {
			return op.Name, true
		}
	}
	return "", false
}

// Group returns the provider name for domain when a rule matches, and the
// registrable domain otherwise (the domain itself when it has none, e.g. a
// bare public suffix or a single label). An empty domain gives "".
func (p *Providers) Group(domain string) string {
	if name, ok := p.Lookup(domain); ok {
		return name
	}
	return registrable(normaliseDomain(domain))
}

// registrable returns the registrable domain (eTLD+1) of an already
// normalised domain, or the domain itself when it has none.
func registrable(d string) string {
	if d == "" {
		return ""
	}
	reg, err := publicsuffix.EffectiveTLDPlusOne(d)
	if err != nil {
		return d
	}
	return reg
}

// normaliseDomain lower-cases d and removes surrounding space, angle
// brackets, a leading "@" and a trailing dot.
func normaliseDomain(d string) string {
	return lowerASCII(trimDomain(d))
}

// trimDomain removes surrounding space, angle brackets, a leading "@" and a
// trailing dot.
func trimDomain(d string) string {
	d = strings.TrimSpace(d)
	d = strings.TrimPrefix(d, "@")
	d = strings.Trim(d, "<>[]")
	return strings.TrimSuffix(d, ".")
}

// lowerASCII lower-cases ASCII letters and returns s itself when it has none
// in upper case (no allocation in the common case).
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// normalisePattern checks a rule pattern and returns it in lower case, with
// brand == true for "name.*" patterns (then pat is just "name").
func normalisePattern(s string) (pat string, brand bool, err error) {
	p := lowerASCII(strings.TrimSpace(s))
	p = strings.TrimPrefix(p, "*.")
	p = strings.TrimPrefix(p, ".")
	p = strings.TrimSuffix(p, ".")
	if rest, ok := strings.CutSuffix(p, ".*"); ok {
		p, brand = rest, true
		if strings.Contains(p, ".") {
			return "", false, fmt.Errorf("pattern %q: a wildcard pattern is one label followed by .*", s)
		}
	}
	if p == "" {
		return "", false, fmt.Errorf("pattern %q: empty domain", s)
	}
	if len(p) > 253 {
		return "", false, fmt.Errorf("pattern %q: longer than 253 characters", s)
	}
	for label := range strings.SplitSeq(p, ".") {
		if label == "" {
			return "", false, fmt.Errorf("pattern %q: empty label", s)
		}
		if len(label) > 63 {
			return "", false, fmt.Errorf("pattern %q: label longer than 63 characters", s)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return "", false, fmt.Errorf("pattern %q: invalid character %q (use letters, digits, '-', '_' and the xn-- form of international names)", s, rune(c))
			}
		}
	}
	return p, brand, nil
}

// maxProviderName is the longest provider name accepted, in bytes.
const maxProviderName = 100

// checkProviderName returns the trimmed name or an error when it is empty,
// too long, not UTF-8 or contains control characters.
func checkProviderName(s string) (string, error) {
	name := strings.TrimSpace(s)
	switch {
	case name == "":
		return "", errors.New("missing provider name")
	case len(name) > maxProviderName:
		return "", fmt.Errorf("provider name longer than %d bytes", maxProviderName)
	case !utf8.ValidString(name):
		return "", errors.New("provider name is not valid UTF-8")
	}
	for _, r := range name {
		if unicode.IsControl(r) || safe.IsBidi(r) {
			return "", fmt.Errorf("provider name contains control character %U", r)
		}
	}
	return name, nil
}

// ProvidersError is a problem on one line of a providers file.
type ProvidersError struct {
	Line int // 1-based
	Err  error
}

func (e *ProvidersError) Error() string { return fmt.Sprintf("providers line %d: %v", e.Line, e.Err) }

// Unwrap returns the underlying error.
func (e *ProvidersError) Unwrap() error { return e.Err }

// Limits of a providers file.
const (
	maxProvidersLine  = 4096
	maxProvidersRules = 100000
)

// ParseProviders reads a providers file: one rule per line, a domain pattern
// (see ProviderRule), white space (spaces or tabs), and the provider name,
// which may contain spaces. Blank lines are ignored; "#" starts a comment at
// the beginning of a line or after white space. Example:
//
//	# our own relays and a reseller
//	example.org        Example GmbH
//	mail.example.net   Example GmbH
//	hotmail.*          Microsoft (consumer)
//
// A pattern given twice is an error, as is a line longer than 4096 bytes or
// more than 100000 rules. Errors are *ProvidersError values naming the line.
func ParseProviders(r io.Reader) ([]ProviderRule, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 512), maxProvidersLine)
	var rules []ProviderRule
	seen := map[string]int{} // normalised pattern (brand patterns keep ".*") -> line
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if line == 1 {
			text = strings.TrimPrefix(text, "\uFEFF")
		}
		text = stripComment(text)
		if strings.TrimSpace(text) == "" {
			continue
		}
		fields := strings.Fields(text)
		pat, brand, err := normalisePattern(fields[0])
		if err != nil {
			return nil, &ProvidersError{Line: line, Err: err}
		}
		if len(fields) < 2 {
			return nil, &ProvidersError{Line: line, Err: fmt.Errorf("pattern %q: missing provider name", fields[0])}
		}
		rest := strings.TrimSpace(text)
		rest = strings.TrimSpace(rest[len(fields[0]):])
		name, err := checkProviderName(rest)
		if err != nil {
			return nil, &ProvidersError{Line: line, Err: fmt.Errorf("pattern %q: %w", fields[0], err)}
		}
		key := pat
		if brand {
			key += ".*"
		}
		if prev, dup := seen[key]; dup {
			return nil, &ProvidersError{Line: line, Err: fmt.Errorf("pattern %q already given on line %d", fields[0], prev)}
		}
		if len(rules) >= maxProvidersRules {
			return nil, &ProvidersError{Line: line, Err: fmt.Errorf("more than %d rules", maxProvidersRules)}
		}
		seen[key] = line
		rules = append(rules, ProviderRule{Pattern: key, Provider: name})
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &ProvidersError{Line: line + 1, Err: fmt.Errorf("line longer than %d bytes", maxProvidersLine)}
		}
		return nil, fmt.Errorf("read providers: %w", err)
	}
	return rules, nil
}

// stripComment removes a "#" comment that starts the line or follows white
// space.
func stripComment(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t') {
			return s[:i]
		}
	}
	return s
}

// Package operator names the company that runs a mail machine, from its host
// name or its AS number, using a reviewable table of rules (operators.txt,
// embedded; see Builtin and Parse).
//
// One company is one name: Google's relays call themselves google.com,
// gmail.com or 1e100.net and sit in AS15169, and all of these answer
// "Google". That is what lets a report count one company once, where the
// registrable domains of its host names would count it several times.
package operator

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mailroute/mailroute/internal/domain"
	"github.com/mailroute/mailroute/internal/safe"
)

// Role is what an operator's machines under one rule do for mail.
type Role string

// Roles of a rule (see operators.txt).
const (
	RoleMailbox   Role = "mailbox"   // a mailbox or groupware provider
	RoleBulk      Role = "bulk"      // a bulk, marketing or transactional sending service, or an outbound relay service
	RoleGateway   Role = "gateway"   // a security gateway or filtering service in front of a mailbox
	RoleList      Role = "list"      // a mailing-list host
	RoleForwarder Role = "forwarder" // a forwarding service
	RoleHosting   Role = "hosting"   // a cloud, hosting or access network: the machine is a customer's
)

// Roles returns every role, in the order operators.txt documents them.
func Roles() []Role {
	return []Role{RoleMailbox, RoleBulk, RoleGateway, RoleList, RoleForwarder, RoleHosting}
}

// Intermediary reports whether machines of this role stand between the
// sender's and the recipient's providers: sending services, gateways,
// lists and forwarders.
func (r Role) Intermediary() bool {
	switch r {
	case RoleBulk, RoleGateway, RoleList, RoleForwarder:
		return true
	}
	return false
}

// Operator is the company that runs a machine, as one rule of the table
// says.
type Operator struct {
	Name    string // e.g. "Google"; the same for every rule of one company
	Country string // ISO 3166-1 alpha-2 code of the company's home country
	Role    Role   // what the machines under the matching rule do
}

// Rule is one line of a table: a domain pattern or an AS number, and the
// operator it names.
type Rule struct {
	// Pattern is a domain suffix ("google.com") or a brand wildcard
	// ("hotmail.*"), lower case; empty for an AS rule.
	Pattern string
	// ASN is the AS number of an AS rule, 0 for a domain rule.
	ASN      uint
	Operator Operator
	Line     int // line of the table the rule is on
}

// Table answers which operator runs a host or an AS. It is immutable after
// Parse and safe for concurrent use.
type Table struct {
	date   string
	suffix map[string]Operator // "google.com" -> Google
	brand  map[string]Operator // "hotmail" (from "hotmail.*") -> Microsoft
	asn    map[uint]Operator
	rules  []Rule
}

//go:embed operators.txt
var builtinText string

// Builtin parses the embedded table (operator/operators.txt). Its error is
// only possible when that file is broken, which the package tests rule out.
func Builtin() (*Table, error) {
	t, err := Parse(strings.NewReader(builtinText))
	if err != nil {
		return nil, fmt.Errorf("built-in operators table: %w", err)
	}
	return t, nil
}

// Date returns the date the table's header states ("# date: 2026-12-02"),
// or "" when it states none.
func (t *Table) Date() string { return t.date }

// Rules returns the table's rules in file order. The slice is a copy.
func (t *Table) Rules() []Rule { return append([]Rule(nil), t.rules...) }

// Host returns the operator of the machine called name. The rules are
// tried from the full name up to its registrable domain (internal/domain):
// the longest matching suffix wins, then a brand wildcard on the
// registrable domain's first label. A name without a registrable domain
// (an address, an unqualified or local name) has no operator.
func (t *Table) Host(name string) (Operator, bool) {
	h := strings.Trim(domain.Normalise(name), "[]")
	return t.HostWithin(h, domain.Registrable(h))
}

// HostWithin is Host for a caller that has already normalised the name
// and found its registrable domain, and would otherwise pay for
// domain.Registrable twice: name must be in normal form (unchanged by
// domain.Normalise, without surrounding brackets) and reg must be
// domain.Registrable(name). Host(name) is HostWithin(name, reg) then.
func (t *Table) HostWithin(name, reg string) (Operator, bool) {
	h := name
	if reg == "" {
		return Operator{}, false
	}
	for s := h; len(s) >= len(reg); {
		if op, ok := t.suffix[s]; ok {
			return op, true
		}
		dot := strings.IndexByte(s, '.')
		if dot < 0 {
			break
		}
		s = s[dot+1:]
	}
	if dot := strings.IndexByte(reg, '.'); dot > 0 {
		if op, ok := t.brand[reg[:dot]]; ok {
			return op, true
		}
	}
	return Operator{}, false
}

// ASN returns the operator of autonomous system n.
func (t *Table) ASN(n uint) (Operator, bool) {
	op, ok := t.asn[n]
	return op, ok
}

// ParseError is a problem on one line of a table.
type ParseError struct {
	Line int // 1-based
	Err  error
}

func (e *ParseError) Error() string { return fmt.Sprintf("operators line %d: %v", e.Line, e.Err) }

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

// Limits of a table.
const (
	maxLine  = 4096
	maxRules = 100000
	maxName  = 100 // bytes of an operator name
)

// Parse reads a table: one rule per line, "PATTERN COUNTRY ROLE NAME"
// separated by white space, where PATTERN is a domain suffix, a brand
// wildcard ("name.*") or an AS number ("AS15169"), COUNTRY an ISO 3166-1
// alpha-2 code, ROLE one of Roles, and NAME the rest of the line. "#"
// starts a comment at the beginning of a line or after white space; a
// comment line "# date: YYYY-MM-DD" dates the table. Example:
//
//	# date: 2026-12-02
//	google.com   US  mailbox  Google
//	hotmail.*    US  mailbox  Microsoft
//	AS15169      US  mailbox  Google
//
// A pattern given twice, one name with two countries, a line longer than
// 4096 bytes or more than 100000 rules are errors. Errors are *ParseError
// values naming the line.
func Parse(r io.Reader) (*Table, error) {
	t := &Table{suffix: map[string]Operator{}, brand: map[string]Operator{}, asn: map[uint]Operator{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 512), maxLine)
	seen := map[string]int{}    // pattern key -> line
	country := map[string]int{} // name -> line of its first rule
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if line == 1 {
			text = strings.TrimPrefix(text, "\uFEFF")
		}
		if d, ok := dateLine(text); ok && t.date == "" {
			t.date = d
		}
		text = stripComment(text)
		if strings.TrimSpace(text) == "" {
			continue
		}
		rule, key, err := parseRule(text)
		if err != nil {
			return nil, &ParseError{Line: line, Err: err}
		}
		rule.Line = line
		if prev, dup := seen[key]; dup {
			return nil, &ParseError{Line: line, Err: fmt.Errorf("pattern %q already given on line %d", key, prev)}
		}
		if first, ok := country[rule.Operator.Name]; ok {
			if c := t.rules[first].Operator.Country; c != rule.Operator.Country {
				return nil, &ParseError{Line: line, Err: fmt.Errorf("operator %q has country %s here but %s on line %d", rule.Operator.Name, rule.Operator.Country, c, t.rules[first].Line)}
			}
		} else {
			country[rule.Operator.Name] = len(t.rules)
		}
		if len(t.rules) >= maxRules {
			return nil, &ParseError{Line: line, Err: fmt.Errorf("more than %d rules", maxRules)}
		}
		seen[key] = line
		t.rules = append(t.rules, rule)
		switch {
		case rule.Pattern == "":
			t.asn[rule.ASN] = rule.Operator
		case strings.HasSuffix(rule.Pattern, ".*"):
			t.brand[strings.TrimSuffix(rule.Pattern, ".*")] = rule.Operator
		default:
			t.suffix[rule.Pattern] = rule.Operator
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &ParseError{Line: line + 1, Err: fmt.Errorf("line longer than %d bytes", maxLine)}
		}
		return nil, fmt.Errorf("read operators: %w", err)
	}
	return t, nil
}

// parseRule parses one rule line without its comment and returns the rule
// and the key that must be unique in the table.
func parseRule(text string) (Rule, string, error) {
	fields, rest := splitFields(text, 3)
	if len(fields) < 3 || strings.TrimSpace(rest) == "" {
		return Rule{}, "", fmt.Errorf("want PATTERN COUNTRY ROLE NAME, got %d field(s)", len(fields)+min(1, len(strings.TrimSpace(rest))))
	}
	var rule Rule
	key, err := parsePattern(fields[0], &rule)
	if err != nil {
		return Rule{}, "", err
	}
	cc := fields[1]
	if len(cc) != 2 || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z' {
		return Rule{}, "", fmt.Errorf("pattern %s: country %q is not an ISO 3166-1 alpha-2 code in upper case", fields[0], cc)
	}
	role := Role(fields[2])
	known := false
	for _, r := range Roles() {
		known = known || r == role
	}
	if !known {
		return Rule{}, "", fmt.Errorf("pattern %s: unknown role %q (want mailbox, bulk, gateway, list, forwarder or hosting)", fields[0], fields[2])
	}
	name, err := checkName(rest)
	if err != nil {
		return Rule{}, "", fmt.Errorf("pattern %s: %w", fields[0], err)
	}
	rule.Operator = Operator{Name: name, Country: cc, Role: role}
	return rule, key, nil
}

// splitFields returns up to n fields of s separated by spaces or tabs, and
// the rest of s after them.
func splitFields(s string, n int) (fields []string, rest string) {
	rest = s
	for len(fields) < n {
		rest = strings.TrimLeft(rest, " \t")
		if rest == "" {
			break
		}
		end := strings.IndexAny(rest, " \t")
		if end < 0 {
			end = len(rest)
		}
		fields = append(fields, rest[:end])
		rest = rest[end:]
	}
	return fields, rest
}

// parsePattern fills rule.Pattern or rule.ASN from s and returns the
// pattern's unique key.
func parsePattern(s string, rule *Rule) (string, error) {
	if len(s) > 2 && (s[:2] == "AS" || s[:2] == "as") && s[2] >= '0' && s[2] <= '9' {
		n, err := strconv.ParseUint(s[2:], 10, 32)
		if err != nil || n == 0 {
			return "", fmt.Errorf("pattern %q: not an AS number (want AS1 to AS4294967295)", s)
		}
		rule.ASN = uint(n)
		return "AS" + strconv.FormatUint(n, 10), nil
	}
	p := strings.ToLower(s)
	p = strings.TrimPrefix(p, "*.")
	p = strings.TrimPrefix(p, ".")
	p = strings.TrimSuffix(p, ".")
	brand := false
	if rest, ok := strings.CutSuffix(p, ".*"); ok {
		p, brand = rest, true
		if strings.Contains(p, ".") {
			return "", fmt.Errorf("pattern %q: a wildcard pattern is one label followed by .*", s)
		}
	}
	if p == "" {
		return "", fmt.Errorf("pattern %q: empty domain", s)
	}
	if len(p) > 253 {
		return "", fmt.Errorf("pattern %q: longer than 253 characters", s)
	}
	for label := range strings.SplitSeq(p, ".") {
		if label == "" {
			return "", fmt.Errorf("pattern %q: empty label", s)
		}
		if len(label) > 63 {
			return "", fmt.Errorf("pattern %q: label longer than 63 characters", s)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return "", fmt.Errorf("pattern %q: invalid character %q (use letters, digits, '-', '_' and the xn-- form of international names)", s, rune(c))
			}
		}
	}
	if brand {
		p += ".*"
	} else if domain.Registrable(p) == "" {
		return "", fmt.Errorf("pattern %q: not at or below a registrable domain (a public suffix or a single label)", s)
	}
	rule.Pattern = p
	return p, nil
}

// checkName returns the trimmed name or an error when it is empty, too
// long, not UTF-8 or contains control or bidirectional characters.
func checkName(s string) (string, error) {
	name := strings.TrimSpace(s)
	switch {
	case name == "":
		return "", errors.New("missing operator name")
	case len(name) > maxName:
		return "", fmt.Errorf("operator name longer than %d bytes", maxName)
	case !utf8.ValidString(name):
		return "", errors.New("operator name is not valid UTF-8")
	}
	for _, r := range name {
		if unicode.IsControl(r) || safe.IsBidi(r) {
			return "", fmt.Errorf("operator name contains control character %U", r)
		}
	}
	return name, nil
}

// dateLine returns the date of a "# date: YYYY-MM-DD" comment line.
func dateLine(s string) (string, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), "#")
	if !ok {
		return "", false
	}
	rest, ok = strings.CutPrefix(strings.TrimSpace(rest), "date:")
	if !ok {
		return "", false
	}
	d := strings.TrimSpace(rest)
	if len(d) != 10 || d[4] != '-' || d[7] != '-' {
		return "", false
	}
	return d, true
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

// Package placement corrects where the free geolocation data places mail
// machines it is known to place wrongly, from a dated, sourced table
// (placement.txt, embedded; see Builtin and Parse).
//
// The embedded country data and country-level databases place many of
// Microsoft's Exchange Online machines in the United States, where the
// company is registered, though their host names say which Microsoft 365
// geography they serve (EUR, GBR, CHE, ...). A rule names a geography code
// and its area: one country, or UN M.49 regions. A located country inside
// the area stands; one outside it gives way to the area's country, or to
// "unknown" when the area spans several countries (EUR is Europe, the
// Middle East and Africa, not the EU).
package placement

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/language"
)

// Area is where the machines of one rule are.
type Area struct {
	// Country is the ISO 3166-1 alpha-2 code when the area is one
	// country, else "".
	Country string
	// Regions are the UN M.49 codes of a multi-country area ("150").
	Regions []string
	// Name says what the area is, e.g. "Europe, Middle East and Africa".
	Name string

	regions []language.Region
}

// Contains reports whether the ISO 3166-1 alpha-2 country lies in the area.
func (a Area) Contains(country string) bool {
	if a.Country != "" {
		return strings.EqualFold(country, a.Country)
	}
	r, err := language.ParseRegion(country)
	if err != nil || !r.IsCountry() {
		return false
	}
	for _, reg := range a.regions {
		if reg.Contains(r) {
			return true
		}
	}
	return false
}

// Rule is one line of a table.
type Rule struct {
	Kind string // "microsoft-geo"
	Key  string // the geography code, upper case ("EUR")
	Area Area
	Line int // line of the table the rule is on
}

// Table answers where a machine is by the evidence of its host name. It is
// immutable after Parse and safe for concurrent use.
type Table struct {
	checked string
	geo     map[string]Rule // "EUR" -> rule
}

//go:embed placement.txt
var builtin string

// Builtin parses the embedded table.
func Builtin() (*Table, error) {
	t, err := Parse(strings.NewReader(builtin))
	if err != nil {
		return nil, fmt.Errorf("built-in placement table: %w", err)
	}
	return t, nil
}

// Checked is the date the table says it was checked ("2026-12-03").
func (t *Table) Checked() string { return t.checked }

// Rules returns the table's rules in no particular order.
func (t *Table) Rules() []Rule {
	rs := make([]Rule, 0, len(t.geo))
	for _, r := range t.geo {
		rs = append(rs, r)
	}
	return rs
}

// Host returns the rule for a host name, when the name is an Exchange
// Online name with a geography code the table knows.
func (t *Table) Host(name string) (Rule, bool) {
	code := MicrosoftGeo(name)
	if code == "" {
		return Rule{}, false
	}
	r, ok := t.geo[code]
	return r, ok
}

// Parse reads a table in the format placement.txt documents. Errors name
// the line.
func Parse(r io.Reader) (*Table, error) {
	t := &Table{geo: map[string]Rule{}}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(text, "#") {
			if d, ok := strings.CutPrefix(text, "# checked:"); ok && t.checked == "" {
				t.checked = strings.TrimSpace(d)
			}
			continue
		}
		if text == "" {
			continue
		}
		rule, err := parseRule(text)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		rule.Line = line
		if prev, dup := t.geo[rule.Key]; dup {
			return nil, fmt.Errorf("line %d: %s %s already on line %d", line, rule.Kind, rule.Key, prev.Line)
		}
		t.geo[rule.Key] = rule
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read placement table: %w", err)
	}
	if t.checked == "" {
		return nil, errors.New("no \"# checked: DATE\" line")
	}
	return t, nil
}

func parseRule(text string) (Rule, error) {
	f := strings.Fields(text)
	if len(f) < 4 {
		return Rule{}, fmt.Errorf("want KIND CODE AREA NAME, got %q", text)
	}
	if f[0] != "microsoft-geo" {
		return Rule{}, fmt.Errorf("unknown kind %q (want microsoft-geo)", f[0])
	}
	code := f[1]
	if len(code) != 3 || strings.ToUpper(code) != code || !isLetters(code) {
		return Rule{}, fmt.Errorf("geography code %q: want three upper-case letters", code)
	}
	area, err := parseArea(f[2])
	if err != nil {
		return Rule{}, err
	}
	area.Name = strings.Join(f[3:], " ")
	return Rule{Kind: f[0], Key: code, Area: area}, nil
}

// parseArea reads one ISO 3166-1 alpha-2 code or comma-separated UN M.49
// region codes.
func parseArea(s string) (Area, error) {
	if len(s) == 2 {
		r, err := language.ParseRegion(s)
		if err != nil || !r.IsCountry() || r.ISO3() == "ZZZ" || r.Canonicalize() != r {
			return Area{}, fmt.Errorf("area %q: not an ISO 3166-1 alpha-2 country code", s)
		}
		return Area{Country: s}, nil
	}
	var a Area
	for code := range strings.SplitSeq(s, ",") {
		if len(code) != 3 || !isDigits(code) {
			return Area{}, fmt.Errorf("area %q: want a country code or UN M.49 region codes", s)
		}
		r, err := language.ParseRegion(code)
		if err != nil || r.IsCountry() || r.String() != code {
			return Area{}, fmt.Errorf("area %q: %q is not a UN M.49 region", s, code)
		}
		a.Regions = append(a.Regions, code)
		a.regions = append(a.regions, r)
	}
	return a, nil
}

// MicrosoftGeo returns the Microsoft 365 geography code (upper case, "EUR")
// in an Exchange Online host name, or "" when name is not one of the four
// forms placement.txt lists: the label before prod.outlook.com ("eurprd02",
// "gbrp265"), the EOP label before prod.protection.outlook.com
// ("eop-eur01"), a front end's label before mail.protection.outlook.com
// ("vi1eur04ft012") and an outbound relay's label before
// outbound.protection.outlook.com ("eur05-vi1-obe"). Tenants' own names
// (contoso-com.mail.protection.outlook.com) carry no code.
func MicrosoftGeo(name string) string {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	var code string
	switch {
	case strings.HasSuffix(name, ".prod.protection.outlook.com"):
		l := lastLabel(strings.TrimSuffix(name, ".prod.protection.outlook.com"))
		if rest, ok := strings.CutPrefix(l, "eop-"); ok {
			code = letters3(rest, "")
		}
	case strings.HasSuffix(name, ".prod.outlook.com"):
		l := lastLabel(strings.TrimSuffix(name, ".prod.outlook.com"))
		if c := letters3(l, "prd"); c != "" {
			code = c
		} else {
			code = letters3(l, "p")
		}
	case strings.HasSuffix(name, ".mail.protection.outlook.com"):
		l := strings.TrimSuffix(name, ".mail.protection.outlook.com")
		if !strings.Contains(l, ".") {
			code = frontEndGeo(l)
		}
	case strings.HasSuffix(name, ".outbound.protection.outlook.com"):
		l := strings.TrimSuffix(name, ".outbound.protection.outlook.com")
		if site, ok := strings.CutSuffix(l, "-obe"); ok && !strings.Contains(l, ".") {
			if c, rest, ok := strings.Cut(site, "-"); ok && rest != "" && isAlnum(rest) {
				code = letters3(c, "")
			}
		}
	}
	return strings.ToUpper(code)
}

// letters3 returns the first three bytes of l when they are letters and
// the rest is sep followed by at least one digit and only digits.
func letters3(l, sep string) string {
	if len(l) < 3 || !isLetters(l[:3]) {
		return ""
	}
	rest, ok := strings.CutPrefix(l[3:], sep)
	if !ok || rest == "" || !isDigits(rest) {
		return ""
	}
	return l[:3]
}

// frontEndGeo reads "vi1eur04ft012": two or three letters, digits, the
// three-letter code, digits, "ft", digits.
func frontEndGeo(l string) string {
	i := 0
	for i < len(l) && isLetter(l[i]) {
		i++
	}
	if i < 2 || i > 3 {
		return ""
	}
	j := i
	for j < len(l) && isDigit(l[j]) {
		j++
	}
	if j == i || j+3 > len(l) || !isLetters(l[j:j+3]) {
		return ""
	}
	code := l[j : j+3]
	k := j + 3
	m := k
	for m < len(l) && isDigit(l[m]) {
		m++
	}
	rest, ok := strings.CutPrefix(l[m:], "ft")
	if m == k || !ok || rest == "" || !isDigits(rest) {
		return ""
	}
	return code
}

func lastLabel(s string) string {
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }

func isLetters(s string) bool {
	for i := range len(s) {
		if !isLetter(s[i]) {
			return false
		}
	}
	return s != ""
}

func isDigits(s string) bool {
	for i := range len(s) {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func isAlnum(s string) bool {
	for i := range len(s) {
		if !isLetter(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	return true
}

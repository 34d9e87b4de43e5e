package audit

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// maxSPFLen bounds the SPF record text parsed; TXT records can be 64 KiB,
// SPF records are expected to fit 512-byte answers (RFC 7208 3.4).
const maxSPFLen = 8192

// SPFRecord is a parsed SPF record (RFC 7208 4.6, 12): its terms in order.
type SPFRecord struct {
	Terms []SPFTerm
}

// SPFTerm is one mechanism or modifier of an SPF record.
type SPFTerm struct {
	// Qualifier is "+", "-", "~" or "?" for mechanisms ("+" when not
	// written), empty for modifiers.
	Qualifier string
	// Mechanism is all, include, a, mx, ptr, ip4, ip6 or exists; empty for
	// a modifier.
	Mechanism string
	// Modifier is the modifier's name (redirect, exp or an unknown one),
	// lower case; empty for a mechanism.
	Modifier string
	// Domain is the domain-spec as written (for modifiers: the value); empty
	// when the mechanism uses the current domain.
	Domain string
	// Prefix is the network of ip4 and ip6, masked.
	Prefix netip.Prefix
	// CIDR4 and CIDR6 are the dual-cidr-length of a and mx; -1 when absent.
	CIDR4, CIDR6 int
	// Macro says the domain-spec holds macros (RFC 7208 7), which depend on
	// the message being checked and are not expanded here.
	Macro bool
	// Raw is the term as written.
	Raw string
}

// QueriesDNS reports whether the term counts towards the limit of 10 DNS
// look-ups (RFC 7208 4.6.4).
func (t SPFTerm) QueriesDNS() bool {
	switch t.Mechanism {
	case "include", "a", "mx", "ptr", "exists":
		return true
	}
	return t.Modifier == "redirect"
}

// IsSPF reports whether a TXT record is an SPF version 1 record: "v=spf1"
// (any case) alone or followed by a space (RFC 7208 4.5).
func IsSPF(txt string) bool {
	if len(txt) < 6 || !strings.EqualFold(txt[:6], "v=spf1") {
		return false
	}
	return len(txt) == 6 || txt[6] == ' '
}

// ParseSPF parses an SPF record. It is lenient about spacing (any white
// space separates terms) and strict about terms: an unknown mechanism, a bad
// address or CIDR length, a malformed macro or a repeated redirect or exp is
// an error (an SPF evaluator's permerror). On error the terms parsed so far
// are returned with it.
func ParseSPF(txt string) (SPFRecord, error) {
	var rec SPFRecord
	if len(txt) > maxSPFLen {
		return rec, fmt.Errorf("spf record: %d bytes, more than %d", len(txt), maxSPFLen)
	}
	if !IsSPF(txt) {
		return rec, errors.New(`spf record: does not start with "v=spf1"`)
	}
	seen := map[string]bool{}
	for raw := range strings.FieldsSeq(txt[6:]) {
		t, err := parseTerm(raw)
		if err != nil {
			return rec, fmt.Errorf("spf term %q: %w", raw, err)
		}
		if t.Modifier == "redirect" || t.Modifier == "exp" {
			if seen[t.Modifier] {
				return rec, fmt.Errorf("spf term %q: %s given twice (RFC 7208 6)", raw, t.Modifier)
			}
			seen[t.Modifier] = true
		}
		rec.Terms = append(rec.Terms, t)
	}
	return rec, nil
}

func parseTerm(raw string) (SPFTerm, error) {
	t := SPFTerm{Raw: raw, CIDR4: -1, CIDR6: -1}
	// A modifier is name "=" value, the name starting with a letter
	// (RFC 7208 12); a mechanism never holds "=" before ":" or "/".
	if i := strings.IndexAny(raw, "=:/"); i > 0 && raw[i] == '=' && isName(raw[:i]) {
		t.Modifier = strings.ToLower(raw[:i])
		t.Domain = raw[i+1:]
		macro, err := checkMacroString(t.Domain)
		if err != nil {
			return t, err
		}
		t.Macro = macro
		if (t.Modifier == "redirect" || t.Modifier == "exp") && t.Domain == "" {
			return t, errors.New("empty domain-spec")
		}
		return t, nil
	}
	t.Qualifier = "+"
	rest := raw
	if rest != "" && strings.ContainsRune("+-~?", rune(rest[0])) {
		t.Qualifier = rest[:1]
		rest = rest[1:]
	}
	name := rest
	arg, hasArg := "", false
	if i := strings.IndexAny(rest, ":/"); i >= 0 {
		name = rest[:i]
		if rest[i] == ':' {
			arg, hasArg = rest[i+1:], true
		} else {
			arg = rest[i:] // a cidr-length without a domain-spec
		}
	}
	t.Mechanism = strings.ToLower(name)
	switch t.Mechanism {
	case "all":
		if arg != "" || hasArg {
			return t, errors.New("all takes no argument")
		}
	case "include", "exists":
		if !hasArg || arg == "" {
			return t, fmt.Errorf("%s needs a domain-spec", t.Mechanism)
		}
		return t, t.setDomain(arg)
	case "ptr":
		if hasArg {
			if arg == "" {
				return t, errors.New("empty domain-spec")
			}
			return t, t.setDomain(arg)
		}
		if arg != "" {
			return t, errors.New("ptr takes no cidr-length")
		}
	case "a", "mx":
		spec, err := t.setDualCIDR(arg)
		if err != nil {
			return t, err
		}
		if hasArg {
			if spec == "" {
				return t, errors.New("empty domain-spec")
			}
			return t, t.setDomain(spec)
		} else if spec != "" {
			return t, errors.New("unexpected text after the mechanism")
		}
	case "ip4", "ip6":
		if !hasArg {
			return t, fmt.Errorf("%s needs an address", t.Mechanism)
		}
		return t, t.setNetwork(arg)
	default:
		return t, fmt.Errorf("unknown mechanism %q", name)
	}
	return t, nil
}

// isName reports whether s is a modifier name: ALPHA *( ALPHA / DIGIT / "-"
// / "_" / "." ).
func isName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		switch {
		case c >= 'a' && c <= 'z':
		case i > 0 && (s[i] >= '0' && s[i] <= '9' || s[i] == '-' || s[i] == '_' || s[i] == '.'):
		default:
			return false
		}
	}
	return s != ""
}

func (t *SPFTerm) setDomain(spec string) error {
	macro, err := checkMacroString(spec)
	if err != nil {
		return err
	}
	t.Domain, t.Macro = spec, macro
	if !macro && !strings.Contains(strings.Trim(spec, "."), ".") {
		return fmt.Errorf("domain-spec %q is not a domain name", spec)
	}
	return nil
}

// setDualCIDR takes "/n", "//m" or "/n//m" off the end of arg (RFC 7208
// 5.6) and returns the rest.
func (t *SPFTerm) setDualCIDR(arg string) (string, error) {
	if i := strings.LastIndex(arg, "//"); i >= 0 && allDigits(arg[i+2:]) {
		n, err := cidrLen(arg[i+2:], 128)
		if err != nil {
			return arg, err
		}
		t.CIDR6, arg = n, arg[:i]
	}
	if i := strings.LastIndexByte(arg, '/'); i >= 0 && allDigits(arg[i+1:]) {
		n, err := cidrLen(arg[i+1:], 32)
		if err != nil {
			return arg, err
		}
		t.CIDR4, arg = n, arg[:i]
	}
	if strings.HasSuffix(arg, "/") || (arg != "" && arg[0] == '/') {
		return arg, fmt.Errorf("bad cidr-length in %q", t.Raw)
	}
	return arg, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func cidrLen(s string, maxLen int) (int, error) {
	if len(s) > 1 && s[0] == '0' { // RFC 7208 5.6: no leading zeros
		return 0, fmt.Errorf("cidr-length %q has a leading zero", s)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > maxLen {
		return 0, fmt.Errorf("cidr-length %q out of range 0-%d", s, maxLen)
	}
	return n, nil
}

func (t *SPFTerm) setNetwork(arg string) error {
	addrText, lenText, hasLen := strings.Cut(arg, "/")
	addr, err := netip.ParseAddr(addrText)
	if err != nil || addr.Zone() != "" {
		return fmt.Errorf("bad %s address %q", t.Mechanism, addrText)
	}
	if (t.Mechanism == "ip4") != addr.Is4() {
		return fmt.Errorf("%s address %q is of the wrong family", t.Mechanism, addrText)
	}
	bits := addr.BitLen()
	if hasLen {
		if bits, err = cidrLen(lenText, addr.BitLen()); err != nil {
			return err
		}
	}
	t.Prefix = netip.PrefixFrom(addr, bits).Masked()
	return nil
}

// checkMacroString validates a macro-string (RFC 7208 7.1) and reports
// whether it holds macros that need expanding. "%%", "%_" and "%-" are
// escapes, not macros.
func checkMacroString(s string) (bool, error) {
	macro := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e {
			return macro, fmt.Errorf("character %q not allowed in a domain-spec", c)
		}
		if c != '%' {
			continue
		}
		if i+1 >= len(s) {
			return macro, errors.New("lone % at the end")
		}
		switch s[i+1] {
		case '%', '_', '-':
			i++
		case '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return macro, errors.New("unterminated macro")
			}
			if err := checkMacro(s[i+2 : i+end]); err != nil {
				return macro, err
			}
			macro = true
			i += end
		default:
			return macro, fmt.Errorf("bad macro %q", s[i:i+2])
		}
	}
	return macro, nil
}

// checkMacro validates the inside of "%{...}": macro-letter *DIGIT ["r"]
// *delimiter.
func checkMacro(m string) error {
	if m == "" || !strings.ContainsRune("slodiphcrtvSLODIPHCRTV", rune(m[0])) {
		return fmt.Errorf("bad macro letter in %%{%s}", m)
	}
	i := 1
	for i < len(m) && m[i] >= '0' && m[i] <= '9' {
		i++
	}
	if i < len(m) && (m[i] == 'r' || m[i] == 'R') {
		i++
	}
	for ; i < len(m); i++ {
		if !strings.ContainsRune(".-+,/_=", rune(m[i])) {
			return fmt.Errorf("bad delimiter in %%{%s}", m)
		}
	}
	return nil
}

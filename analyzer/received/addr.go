package received

import (
	"net/netip"
	"strings"
)

// commentAddr finds the address of a host in a by-clause comment: a
// bracketed address anywhere in it, or the whole comment being an address.
// Version strings such as "(Scalix 10.0.1.3)" are not taken.
func commentAddr(c string) (netip.Addr, bool) {
	c = trimSpace(c)
	if a, _, ok := parseIP(c); ok {
		return a, true
	}
	for i := 0; i < len(c); i++ {
		if c[i] != '[' {
			continue
		}
		j := strings.IndexByte(c[i:], ']')
		if j < 0 {
			break
		}
		if a, _, ok := parseIP(c[i : i+j+1]); ok {
			return a, true
		}
		i += j
	}
	return netip.Addr{}, false
}

// splitHostIP splits "name[1.2.3.4]" or "name[1.2.3.4]:25". ok is false
// when s has no bracket; name is s when the bracket is not an address.
func splitHostIP(s string) (name string, addr netip.Addr, ok bool) {
	i := strings.IndexByte(s, '[')
	if i < 0 {
		return s, netip.Addr{}, false
	}
	a, _, good := parseIP(s[i:])
	if !good {
		return s, netip.Addr{}, false
	}
	return s[:i], a, true
}

// parseIP parses the address forms found in Received fields (RFC 5321 4.1.3
// address literals and what servers write besides): "1.2.3.4",
// "[1.2.3.4]", "[1.2.3.4]:25", "[1.2.3.4:25]", "1.2.3.4:25", "1.2.3.4.25",
// "[IPv6:2001:db8::1]", "::ffff:1.2.3.4" (unmapped), "fe80::1%eth0" (zone
// dropped). The port is 0 when absent.
func parseIP(s string) (netip.Addr, uint16, bool) {
	var port uint16
	for len(s) > 3 && s[0] == '[' && s[1] == '[' && s[len(s)-1] == ']' && s[len(s)-2] == ']' {
		s = s[1 : len(s)-1]
	}
	if len(s) > 0 && s[0] == '[' {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return netip.Addr{}, 0, false
		}
		if tail := s[end+1:]; tail != "" {
			if tail[0] != ':' && tail[0] != '.' {
				return netip.Addr{}, 0, false
			}
			pn, ok := parsePort(tail[1:])
			if !ok {
				return netip.Addr{}, 0, false
			}
			port = pn
		}
		s = unwrapLiteral(s[1:end])
		if len(s) > 5 && hasPrefixFold(s, "IPv6:") {
			s = s[5:]
		}
	}
	if s == "" || len(s) > 64 {
		return netip.Addr{}, 0, false
	}
	if c := s[0]; !ipByte[c] || c == '.' {
		return netip.Addr{}, 0, false
	}
	// One pass: cut the zone at "%" ("fe80::1%eth0") and check the bytes
	// before it (most words fail at their second byte, before a search for
	// "%" would have ended).
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '%' {
			s = s[:i]
			break
		} else if !ipByte[c] {
			return netip.Addr{}, 0, false
		}
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), port, true
	}
	// IPv4 with a port: "1.2.3.4:25" or "1.2.3.4.25".
	if i := strings.LastIndexByte(s, ':'); i > 0 && strings.IndexByte(s[:i], ':') < 0 {
		if a, err := netip.ParseAddr(s[:i]); err == nil && a.Is4() {
			if pn, ok := parsePort(s[i+1:]); ok && port == 0 {
				return a, pn, true
			}
		}
		return netip.Addr{}, 0, false
	}
	if strings.Count(s, ".") == 4 && strings.IndexByte(s, ':') < 0 {
		i := strings.LastIndexByte(s, '.')
		if a, err := netip.ParseAddr(s[:i]); err == nil {
			if pn, ok := parsePort(s[i+1:]); ok && port == 0 {
				return a, pn, true
			}
		}
	}
	return netip.Addr{}, 0, false
}

// ipByte marks the bytes of an address: hex digits, ":" and ".".
var ipByte = func() (t [256]bool) {
	for _, c := range "0123456789abcdefABCDEF:." {
		t[c] = true
	}
	return t
}()

func parsePort(s string) (uint16, bool) {
	if s == "" || len(s) > 5 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	if n > 65535 {
		return 0, false
	}
	return uint16(n), true
}

// Package domain answers one question about host names: their registrable
// domain, by one rule that every part of mailroute shares.
//
// The rule: the registrable domain of a host is its public suffix plus one
// label, where the public suffix comes from the ICANN section of the Public
// Suffix List only (golang.org/x/net/publicsuffix). The private section is
// ignored on purpose: it lists suffixes such as compute-1.amazonaws.com,
// blogspot.com or herokuapp.com, under which every customer host would
// become an organisation of its own, where mailroute asks who runs the
// machine (amazonaws.com). Names that are addresses, unqualified, public
// suffixes themselves or under no delegated top-level domain (.lan, .local,
// .internal) have no registrable domain.
package domain

import (
	"net/netip"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// Registrable returns the registrable domain of host in lower case, or ""
// when it has none (see the package doc for the rule). A trailing dot and
// surrounding brackets are ignored.
func Registrable(host string) string {
	host = Normalise(host)
	host = strings.Trim(host, "[]")
	if host == "" || !strings.Contains(host, ".") || isAddress(host) || hasNonNameByte(host) {
		return ""
	}
	if ps, icann := publicsuffix.PublicSuffix(host); icann {
		if len(ps) >= len(host) {
			return "" // the host is a public suffix itself
		}
		// The registrable domain is the last label before the suffix and
		// the suffix: a tail of host, so no new string is built.
		return host[labelStart(host[:len(host)-len(ps)-1]):]
	}
	// The suffix PublicSuffix found is a private one (or the default rule
	// for an unknown top-level domain): walk up to the longest ICANN suffix.
	// host itself was just found not to be one, so the walk starts at its
	// second label.
	for i := strings.IndexByte(host, '.') + 1; i < len(host); {
		suffix := host[i:]
		if ps, icann := publicsuffix.PublicSuffix(suffix); icann && ps == suffix {
			return host[labelStart(host[:i-1]):]
		}
		dot := strings.IndexByte(suffix, '.')
		if dot < 0 {
			break
		}
		i += dot + 1
	}
	return ""
}

// Normalise returns a host name without surrounding white space or a
// trailing dot, in lower case.
func Normalise(host string) string {
	host = strings.TrimSpace(host)
	host = strings.TrimSuffix(host, ".")
	return strings.ToLower(host)
}

// hasNonNameByte reports an ASCII byte that no host name holds: anything
// but letters, digits, '-', '_' and '.' (bytes above ASCII are allowed, for
// internationalised names). Without this, " 0" or "]" could become a label
// of a registrable domain (found by FuzzRegistrable: "0. 0.uA", ".].AC").
func hasNonNameByte(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' {
			continue
		}
		return true
	}
	return false
}

// labelStart returns the index in s where its last label starts.
func labelStart(s string) int {
	return strings.LastIndexByte(s, '.') + 1
}

// isAddress reports a host written as an IPv4 or IPv6 address (an
// "IPv6:" prefix allowed). Names are rejected before netip parses them.
func isAddress(s string) bool {
	if len(s) > 5 && strings.EqualFold(s[:5], "ipv6:") {
		s = s[5:]
	}
	if s == "" || !(s[0] >= '0' && s[0] <= '9' || strings.IndexByte(s, ':') >= 0) {
		return false
	}
	v6 := strings.IndexByte(s, ':') >= 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' || c == '.' {
			continue
		}
		// Without a colon only an IPv4 address can parse, and it has
		// digits and dots alone: "1e100.net" would otherwise reach
		// netip, which allocates an error for it.
		if !v6 || !(c >= 'a' && c <= 'f' || c == ':' || c == '%') {
			return false
		}
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

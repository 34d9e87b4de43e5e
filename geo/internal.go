package geo

import (
	"encoding/binary"
	"net/netip"
)

// special is one entry of the special-purpose address table.
type special struct {
	prefix netip.Prefix
	global bool   // the registry's "Globally Reachable" column
	name   string // registry name and defining RFC
}

// specialPurpose is the address table IsInternal consults, first match wins,
// so the globally reachable exceptions come before the blocks that hold them.
// It is read-only.
//
// Sources:
//   - IANA IPv4 Special-Purpose Address Registry
//     https://www.iana.org/assignments/iana-ipv4-special-registry/ (RFC 6890)
//   - IANA IPv6 Special-Purpose Address Registry
//     https://www.iana.org/assignments/iana-ipv6-special-registry/ (RFC 6890)
//   - IANA IPv4 Multicast Address Space Registry (224.0.0.0/4, RFC 5771)
//   - IANA IPv6 Address Space Registry: only 2000::/3 is global unicast; the
//     rest is reserved by the IETF, unique-local, link-local, site-local
//     (deprecated) or multicast.
//
// Entries whose "Globally Reachable" column says N/A (6to4 2002::/16, Teredo
// 2001::/32) are treated as not global, as Python's ipaddress does. IPv4-mapped
// IPv6 addresses (::ffff:0:0/96) are judged by their IPv4 address and so have
// no entry.
var specialPurpose = [...]special{
	// IPv4: globally reachable exceptions inside non-global blocks.
	{prefix: netip.MustParsePrefix("192.0.0.9/32"), global: true, name: "Port Control Protocol Anycast (RFC 7723)"},
	{prefix: netip.MustParsePrefix("192.0.0.10/32"), global: true, name: "Traversal Using Relays around NAT Anycast (RFC 8155)"},
	// IPv4: not globally reachable.
	{prefix: netip.MustParsePrefix("0.0.0.0/8"), global: false, name: "\"This network\" (RFC 791)"},
	{prefix: netip.MustParsePrefix("10.0.0.0/8"), global: false, name: "Private-Use (RFC 1918)"},
	{prefix: netip.MustParsePrefix("100.64.0.0/10"), global: false, name: "Shared Address Space, CGNAT (RFC 6598)"},
	{prefix: netip.MustParsePrefix("127.0.0.0/8"), global: false, name: "Loopback (RFC 1122)"},
	{prefix: netip.MustParsePrefix("169.254.0.0/16"), global: false, name: "Link Local (RFC 3927)"},
	{prefix: netip.MustParsePrefix("172.16.0.0/12"), global: false, name: "Private-Use (RFC 1918)"},
	{prefix: netip.MustParsePrefix("192.0.0.0/24"), global: false, name: "IETF Protocol Assignments (RFC 6890; holds DS-Lite 192.0.0.0/29, dummy 192.0.0.8, NAT64 discovery 192.0.0.170-171)"},
	{prefix: netip.MustParsePrefix("192.0.2.0/24"), global: false, name: "Documentation TEST-NET-1 (RFC 5737)"},
	{prefix: netip.MustParsePrefix("192.88.99.0/24"), global: false, name: "Deprecated 6to4 Relay Anycast (RFC 7526)"},
	{prefix: netip.MustParsePrefix("192.168.0.0/16"), global: false, name: "Private-Use (RFC 1918)"},
	{prefix: netip.MustParsePrefix("198.18.0.0/15"), global: false, name: "Benchmarking (RFC 2544)"},
	{prefix: netip.MustParsePrefix("198.51.100.0/24"), global: false, name: "Documentation TEST-NET-2 (RFC 5737)"},
	{prefix: netip.MustParsePrefix("203.0.113.0/24"), global: false, name: "Documentation TEST-NET-3 (RFC 5737)"},
	{prefix: netip.MustParsePrefix("224.0.0.0/4"), global: false, name: "Multicast (RFC 5771)"},
	{prefix: netip.MustParsePrefix("240.0.0.0/4"), global: false, name: "Reserved (RFC 1112), includes Limited Broadcast 255.255.255.255 (RFC 919)"},
	// IPv4 registry entries that are globally reachable and lie outside the
	// blocks above need no entry: 192.31.196.0/24 AS112-v4 (RFC 7535),
	// 192.52.193.0/24 AMT (RFC 7450), 192.175.48.0/24 Direct Delegation AS112
	// (RFC 7534).

	// IPv6: globally reachable exceptions inside non-global blocks.
	{prefix: netip.MustParsePrefix("2001:1::1/128"), global: true, name: "Port Control Protocol Anycast (RFC 7723)"},
	{prefix: netip.MustParsePrefix("2001:1::2/128"), global: true, name: "Traversal Using Relays around NAT Anycast (RFC 8155)"},
	{prefix: netip.MustParsePrefix("2001:1::3/128"), global: true, name: "DNS-SD Service Registration Protocol Anycast (RFC 9665)"},
	{prefix: netip.MustParsePrefix("2001:3::/32"), global: true, name: "AMT (RFC 7450)"},
	{prefix: netip.MustParsePrefix("2001:4:112::/48"), global: true, name: "AS112-v6 (RFC 7535)"},
	{prefix: netip.MustParsePrefix("2001:20::/28"), global: true, name: "ORCHIDv2 (RFC 7343)"},
	{prefix: netip.MustParsePrefix("2001:30::/28"), global: true, name: "Drone Remote ID Protocol Entity Tags (RFC 9374)"},
	{prefix: netip.MustParsePrefix("64:ff9b::/96"), global: true, name: "IPv4-IPv6 Translation (RFC 6052)"},
	// IPv6: not globally reachable.
	{prefix: netip.MustParsePrefix("::/128"), global: false, name: "Unspecified Address (RFC 4291)"},
	{prefix: netip.MustParsePrefix("::1/128"), global: false, name: "Loopback Address (RFC 4291)"},
	{prefix: netip.MustParsePrefix("64:ff9b:1::/48"), global: false, name: "IPv4-IPv6 Translation, local use (RFC 8215)"},
	{prefix: netip.MustParsePrefix("100::/64"), global: false, name: "Discard-Only Address Block (RFC 6666)"},
	{prefix: netip.MustParsePrefix("100:0:0:1::/64"), global: false, name: "Dummy IPv6 Prefix (RFC 9780)"},
	{prefix: netip.MustParsePrefix("2001::/23"), global: false, name: "IETF Protocol Assignments (RFC 2928; holds Teredo 2001::/32, Benchmarking 2001:2::/48, ORCHID 2001:10::/28)"},
	{prefix: netip.MustParsePrefix("2001:db8::/32"), global: false, name: "Documentation (RFC 3849)"},
	{prefix: netip.MustParsePrefix("2002::/16"), global: false, name: "6to4 (RFC 3056)"},
	{prefix: netip.MustParsePrefix("3fff::/20"), global: false, name: "Documentation (RFC 9637)"},
	{prefix: netip.MustParsePrefix("5f00::/16"), global: false, name: "Segment Routing SIDs (RFC 9602)"},
	{prefix: netip.MustParsePrefix("fc00::/7"), global: false, name: "Unique-Local (RFC 4193)"},
	{prefix: netip.MustParsePrefix("fe80::/10"), global: false, name: "Link-Local Unicast (RFC 4291)"},
	{prefix: netip.MustParsePrefix("fec0::/10"), global: false, name: "Site-Local, deprecated (RFC 3879)"},
	{prefix: netip.MustParsePrefix("ff00::/8"), global: false, name: "Multicast (RFC 4291)"},
	{prefix: netip.MustParsePrefix("::/3"), global: false, name: "Reserved by IETF, outside global unicast 2000::/3 (RFC 4291)"},
	{prefix: netip.MustParsePrefix("4000::/2"), global: false, name: "Reserved by IETF, outside global unicast 2000::/3 (RFC 4291)"},
	{prefix: netip.MustParsePrefix("8000::/1"), global: false, name: "Reserved by IETF, outside global unicast 2000::/3 (RFC 4291)"},
	// 2620:4f:8000::/48 Direct Delegation AS112 (RFC 7534) is globally
	// reachable and inside 2000::/3: no entry needed.
}

// IsInternal reports whether addr is not globally reachable according to the
// IANA special-purpose address registries: private, loopback, link-local,
// shared (CGNAT), unspecified, documentation, benchmarking, multicast,
// reserved and the like. An IPv4-mapped IPv6 address is judged by its IPv4
// address; a zone is ignored. The zero Addr is not an address and reports
// false.
func IsInternal(addr netip.Addr) bool {
	_, internal := specialEntry(addr)
	return internal
}

// specialMatcher is specialPurpose as integers and masks, for speed.
type specialMatcher struct {
	v4 []match4
	v6 []match6
}

type match4 struct {
	addr, mask uint32
	i          int // index into specialPurpose
}

type match6 struct {
	hi, lo, mhi, mlo uint64
	i                int
}

// specialMatch is built once from the specialPurpose table; read-only.
var specialMatch = newSpecialMatcher()

func newSpecialMatcher() specialMatcher {
	var m specialMatcher
	for i, s := range specialPurpose {
		a, bits := s.prefix.Addr(), s.prefix.Bits()
		if a.Is4() {
			b := a.As4()
			m.v4 = append(m.v4, match4{binary.BigEndian.Uint32(b[:]), ^uint32(0) << (32 - bits), i})
			continue
		}
		hi, lo := split16(a)
		mhi, mlo := ^uint64(0), ^uint64(0)
		if bits < 64 {
			mhi, mlo = ^uint64(0)<<(64-bits), 0
		} else if bits < 128 {
			mlo = ^uint64(0) << (128 - bits)
		}
		m.v6 = append(m.v6, match6{hi, lo, mhi, mlo, i})
	}
	return m
}

func split16(a netip.Addr) (hi, lo uint64) {
	b := a.As16()
	return binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
}

// specialEntry returns the table entry that decides addr, and whether addr
// is internal.
func specialEntry(addr netip.Addr) (special, bool) {
	if !addr.IsValid() {
		return special{}, false
	}
	addr = addr.Unmap()
	if addr.Is4() {
		b := addr.As4()
		a := binary.BigEndian.Uint32(b[:])
		for _, m := range specialMatch.v4 {
			if (a^m.addr)&m.mask == 0 {
				s := specialPurpose[m.i]
				return s, !s.global
			}
		}
		return special{}, false
	}
	hi, lo := split16(addr)
	for _, m := range specialMatch.v6 {
		if (hi^m.hi)&m.mhi == 0 && (lo^m.lo)&m.mlo == 0 {
			s := specialPurpose[m.i]
			return s, !s.global
		}
	}
	return special{}, false
}

package geo

import "net/netip"

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
	{netip.MustParsePrefix("192.0.0.9/32"), true, "Port Control Protocol Anycast (RFC 7723)"},
	{netip.MustParsePrefix("192.0.0.10/32"), true, "Traversal Using Relays around NAT Anycast (RFC 8155)"},
	// IPv4: not globally reachable.
	{netip.MustParsePrefix("0.0.0.0/8"), false, "\"This network\" (RFC 791)"},
	{netip.MustParsePrefix("10.0.0.0/8"), false, "Private-Use (RFC 1918)"},
	{netip.MustParsePrefix("100.64.0.0/10"), false, "Shared Address Space, CGNAT (RFC 6598)"},
	{netip.MustParsePrefix("127.0.0.0/8"), false, "Loopback (RFC 1122)"},
	{netip.MustParsePrefix("169.254.0.0/16"), false, "Link Local (RFC 3927)"},
	{netip.MustParsePrefix("172.16.0.0/12"), false, "Private-Use (RFC 1918)"},
	{netip.MustParsePrefix("192.0.0.0/24"), false, "IETF Protocol Assignments (RFC 6890; holds DS-Lite 192.0.0.0/29, dummy 192.0.0.8, NAT64 discovery 192.0.0.170-171)"},
	{netip.MustParsePrefix("192.0.2.0/24"), false, "Documentation TEST-NET-1 (RFC 5737)"},
	{netip.MustParsePrefix("192.88.99.0/24"), false, "Deprecated 6to4 Relay Anycast (RFC 7526)"},
	{netip.MustParsePrefix("192.168.0.0/16"), false, "Private-Use (RFC 1918)"},
	{netip.MustParsePrefix("198.18.0.0/15"), false, "Benchmarking (RFC 2544)"},
	{netip.MustParsePrefix("198.51.100.0/24"), false, "Documentation TEST-NET-2 (RFC 5737)"},
	{netip.MustParsePrefix("203.0.113.0/24"), false, "Documentation TEST-NET-3 (RFC 5737)"},
	{netip.MustParsePrefix("224.0.0.0/4"), false, "Multicast (RFC 5771)"},
	{netip.MustParsePrefix("240.0.0.0/4"), false, "Reserved (RFC 1112), includes Limited Broadcast 255.255.255.255 (RFC 919)"},
	// IPv4 registry entries that are globally reachable and lie outside the
	// blocks above need no entry: 192.31.196.0/24 AS112-v4 (RFC 7535),
	// 192.52.193.0/24 AMT (RFC 7450), 192.175.48.0/24 Direct Delegation AS112
	// (RFC 7534).

	// IPv6: globally reachable exceptions inside non-global blocks.
	{netip.MustParsePrefix("2001:1::1/128"), true, "Port Control Protocol Anycast (RFC 7723)"},
	{netip.MustParsePrefix("2001:1::2/128"), true, "Traversal Using Relays around NAT Anycast (RFC 8155)"},
	{netip.MustParsePrefix("2001:1::3/128"), true, "DNS-SD Service Registration Protocol Anycast (RFC 9665)"},
	{netip.MustParsePrefix("2001:3::/32"), true, "AMT (RFC 7450)"},
	{netip.MustParsePrefix("2001:4:112::/48"), true, "AS112-v6 (RFC 7535)"},
	{netip.MustParsePrefix("2001:20::/28"), true, "ORCHIDv2 (RFC 7343)"},
	{netip.MustParsePrefix("2001:30::/28"), true, "Drone Remote ID Protocol Entity Tags (RFC 9374)"},
	{netip.MustParsePrefix("64:ff9b::/96"), true, "IPv4-IPv6 Translation (RFC 6052)"},
	// IPv6: not globally reachable.
	{netip.MustParsePrefix("::/128"), false, "Unspecified Address (RFC 4291)"},
	{netip.MustParsePrefix("::1/128"), false, "Loopback Address (RFC 4291)"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), false, "IPv4-IPv6 Translation, local use (RFC 8215)"},
	{netip.MustParsePrefix("100::/64"), false, "Discard-Only Address Block (RFC 6666)"},
	{netip.MustParsePrefix("100:0:0:1::/64"), false, "Dummy IPv6 Prefix (RFC 9780)"},
	{netip.MustParsePrefix("2001::/23"), false, "IETF Protocol Assignments (RFC 2928; holds Teredo 2001::/32, Benchmarking 2001:2::/48, ORCHID 2001:10::/28)"},
	{netip.MustParsePrefix("2001:db8::/32"), false, "Documentation (RFC 3849)"},
	{netip.MustParsePrefix("2002::/16"), false, "6to4 (RFC 3056)"},
	{netip.MustParsePrefix("3fff::/20"), false, "Documentation (RFC 9637)"},
	{netip.MustParsePrefix("5f00::/16"), false, "Segment Routing SIDs (RFC 9602)"},
	{netip.MustParsePrefix("fc00::/7"), false, "Unique-Local (RFC 4193)"},
	{netip.MustParsePrefix("fe80::/10"), false, "Link-Local Unicast (RFC 4291)"},
	{netip.MustParsePrefix("fec0::/10"), false, "Site-Local, deprecated (RFC 3879)"},
	{netip.MustParsePrefix("ff00::/8"), false, "Multicast (RFC 4291)"},
	{netip.MustParsePrefix("::/3"), false, "Reserved by IETF, outside global unicast 2000::/3 (RFC 4291)"},
	{netip.MustParsePrefix("4000::/2"), false, "Reserved by IETF, outside global unicast 2000::/3 (RFC 4291)"},
	{netip.MustParsePrefix("8000::/1"), false, "Reserved by IETF, outside global unicast 2000::/3 (RFC 4291)"},
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
	_, ok := specialEntry(addr)
	return ok
}

// specialEntry returns the table entry that decides addr, and whether addr
// is internal.
func specialEntry(addr netip.Addr) (special, bool) {
	if !addr.IsValid() {
		return special{}, false
	}
	addr = addr.Unmap().WithZone("")
	for _, s := range specialPurpose {
		if s.prefix.Contains(addr) {
			return s, !s.global
		}
	}
	return special{}, false
}

package geo

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

func TestIsInternal(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		// 0.0.0.0/8 "this network"
		{"0.0.0.0", true}, {"0.255.255.255", true}, {"1.0.0.0", false},
		// 10.0.0.0/8
		{"9.255.255.255", false}, {"10.0.0.0", true}, {"10.255.255.255", true}, {"11.0.0.0", false},
		// 100.64.0.0/10 CGNAT
		{"100.63.255.255", false}, {"100.64.0.0", true}, {"100.127.255.255", true}, {"100.128.0.0", false},
		// 127.0.0.0/8
		{"126.255.255.255", false}, {"127.0.0.1", true}, {"127.255.255.255", true}, {"128.0.0.0", false},
		// 169.254.0.0/16
		{"169.253.255.255", false}, {"169.254.0.0", true}, {"169.254.255.255", true}, {"169.255.0.0", false},
		// 172.16.0.0/12
		{"172.15.255.255", false}, {"172.16.0.0", true}, {"172.31.255.255", true}, {"172.32.0.0", false},
		// 192.0.0.0/24 with its globally reachable anycast exceptions
		{"191.255.255.255", false}, {"192.0.0.0", true}, {"192.0.0.7", true}, {"192.0.0.8", true},
		{"192.0.0.9", false}, {"192.0.0.10", false}, {"192.0.0.11", true}, {"192.0.0.170", true},
		{"192.0.0.171", true}, {"192.0.0.255", true}, {"192.0.1.0", false},
		// 192.0.2.0/24 TEST-NET-1
		{"192.0.2.0", true}, {"192.0.2.255", true}, {"192.0.3.0", false},
		// globally reachable registry entries
		{"192.31.196.1", false}, {"192.52.193.1", false}, {"192.175.48.1", false},
		// 192.88.99.0/24 deprecated 6to4 relay anycast
		{"192.88.98.255", false}, {"192.88.99.0", true}, {"192.88.99.255", true}, {"192.88.100.0", false},
		// 192.168.0.0/16
		{"192.167.255.255", false}, {"192.168.0.0", true}, {"192.168.255.255", true}, {"192.169.0.0", false},
		// 198.18.0.0/15 benchmarking
		{"198.17.255.255", false}, {"198.18.0.0", true}, {"198.19.255.255", true}, {"198.20.0.0", false},
		// 198.51.100.0/24 TEST-NET-2
		{"198.51.99.255", false}, {"198.51.100.0", true}, {"198.51.100.255", true}, {"198.51.101.0", false},
		// 203.0.113.0/24 TEST-NET-3
		{"203.0.112.255", false}, {"203.0.113.0", true}, {"203.0.113.255", true}, {"203.0.114.0", false},
		// 224.0.0.0/4 multicast, 240.0.0.0/4 reserved, limited broadcast
		{"223.255.255.255", false}, {"224.0.0.0", true}, {"239.255.255.255", true}, {"240.0.0.0", true},
		{"255.255.255.254", true}, {"255.255.255.255", true},
		// public IPv4
		{"8.8.8.8", false}, {"212.227.17.5", false}, {"81.2.69.160", false},
		// IPv4-mapped: judged by the IPv4 address
		{"::ffff:10.0.0.1", true}, {"::ffff:127.0.0.1", true}, {"::ffff:8.8.8.8", false}, {"::ffff:0:0", true},

		// IPv6 unspecified, loopback, the rest of ::/3
		{"::", true}, {"::1", true}, {"::2", true}, {"::8.8.8.8", true},
		// 64:ff9b::/96 well-known NAT64 prefix is globally reachable; 64:ff9b:1::/48 is not
		{"64:ff9b::", false}, {"64:ff9b::808:808", false}, {"64:ff9b::ffff:ffff", false},
		{"64:ff9b::1:0:0", true}, {"64:ff9b:1::1", true}, {"64:ff9b:1:ffff:ffff:ffff:ffff:ffff", true},
		// 100::/64 discard-only, 100:0:0:1::/64 dummy
		{"100::", true}, {"100::ffff:ffff:ffff:ffff", true}, {"100:0:0:1::1", true},
		// start of global unicast 2000::/3
		{"1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true}, {"2000::", false},
		// 2001::/23 IETF protocol assignments and its exceptions
		{"2001::", true}, {"2001:0:4136:e378:8000:63bf:3fff:fdd2", true}, // Teredo
		{"2001:1::", true}, {"2001:1::1", false}, {"2001:1::2", false}, {"2001:1::3", false}, {"2001:1::4", true},
		{"2001:2::1", true}, {"2001:2:0:ffff::1", true}, // benchmarking
		{"2001:3::", false}, {"2001:3:ffff:ffff:ffff:ffff:ffff:ffff", false}, // AMT
		{"2001:4:112::", false}, {"2001:4:112:ffff::1", false}, {"2001:4:113::1", true}, // AS112-v6
		{"2001:10::1", true},                                                  // ORCHID (deprecated)
		{"2001:1f:ffff:ffff:ffff:ffff:ffff:ffff", true}, {"2001:20::", false}, // ORCHIDv2
		{"2001:2f:ffff:ffff:ffff:ffff:ffff:ffff", false}, {"2001:30::", false}, // Drone Remote ID
		{"2001:3f:ffff:ffff:ffff:ffff:ffff:ffff", false}, {"2001:40::", true},
		{"2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", true}, {"2001:200::", false},
		// 2001:db8::/32 documentation
		{"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", false}, {"2001:db8::", true},
		{"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true}, {"2001:db9::", false},
		// 2002::/16 6to4
		{"2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false}, {"2002::", true}, {"2002:c000:204::1", true},
		{"2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true}, {"2003::", false},
		// AS112 direct delegation
		{"2620:4f:8000::1", false},
		// 3fff::/20 documentation
		{"3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false}, {"3fff::", true},
		{"3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", true}, {"3fff:1000::", false},
		// end of 2000::/3, 5f00::/16 SRv6
		{"3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false}, {"4000::", true}, {"5f00::1", true},
		// fc00::/7 ULA, fe80::/10 link-local, fec0::/10 site-local, ff00::/8 multicast
		{"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true}, {"fc00::", true}, {"fd12:3456:789a::1", true},
		{"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true}, {"fe80::", true}, {"fe80::1", true},
		{"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true}, {"fec0::1", true}, {"feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true},
		{"ff00::", true}, {"ff02::1", true}, {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true},
		// public IPv6
		{"2a00:1450:4001:82b::200e", false}, {"2606:4700:4700::1111", false}, {"2a01:4f8::1", false},
		// zones are ignored
		{"fe80::1%eth0", true}, {"2a00:1450::1%eth0", false},
	}
	for _, tt := range tests {
		addr := netip.MustParseAddr(tt.addr)
		if got := IsInternal(addr); got != tt.want {
			e, _ := specialEntry(addr)
			t.Errorf("IsInternal(%s) = %v, want %v (entry %q)", tt.addr, got, tt.want, e.name)
		}
	}
	if IsInternal(netip.Addr{}) {
		t.Error("IsInternal(zero Addr) = true, want false")
	}
}

// TestSpecialPurposeTable checks the table itself: canonical prefixes, a
// reference on every entry, no entry hidden behind an earlier one, and the
// first and last address of every block judged by that block unless an
// earlier exception covers them.
func TestSpecialPurposeTable(t *testing.T) {
	for i, s := range specialPurpose {
		if s.prefix != s.prefix.Masked() {
			t.Errorf("entry %d %s is not canonical", i, s.prefix)
		}
		if !strings.Contains(s.name, "RFC ") {
			t.Errorf("entry %d %s has no RFC reference: %q", i, s.prefix, s.name)
		}
		for j, earlier := range specialPurpose[:i] {
			if earlier.prefix.Bits() <= s.prefix.Bits() && earlier.prefix.Overlaps(s.prefix) {
				t.Errorf("entry %d %s is hidden by entry %d %s", i, s.prefix, j, earlier.prefix)
			}
		}
		first := s.prefix.Addr()
		last := lastAddr(s.prefix)
		for _, a := range []netip.Addr{first, last} {
			got, internal := specialEntry(a)
			if got.prefix.Bits() > s.prefix.Bits() {
				continue // an exception inside the block decides
			}
			if got.prefix != s.prefix || internal == s.global {
				t.Errorf("%s (in %s) decided by %s internal=%v", a, s.prefix, got.prefix, internal)
			}
		}
	}
}

// lastAddr returns the last address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func TestNormCountry(t *testing.T) {
	tests := []struct{ in, want string }{
		{"DE", "DE"}, {"de", "DE"}, {"Us", "US"}, {"ZZ", ""}, {"zz", ""}, {"XX", ""}, {"--", ""},
		{"", ""}, {"D", ""}, {"DEU", ""}, {"D1", ""}, {"é", ""}, {"\x00\x00", ""},
	}
	for _, tt := range tests {
		if got := normCountry(tt.in); got != tt.want {
			t.Errorf("normCountry(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestVersionDate(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"v1.0.20260915", time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC)},
		{"v1.0.20240101", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"20251231", time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)},
		{"v1.0.0", time.Time{}},
		{"v1.0.20261332", time.Time{}},
		{"", time.Time{}},
		{".", time.Time{}},
	}
	for _, tt := range tests {
		if got := versionDate(tt.in); !got.Equal(tt.want) {
			t.Errorf("versionDate(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestMonthsBetween(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 12, 0, 0, 0, time.UTC) }
	tests := []struct {
		a, b time.Time
		want int
	}{
		{d(2026, 1, 2), d(2026, 1, 2), 0},
		{d(2026, 1, 2), d(2026, 2, 1), 0},
		{d(2026, 1, 2), d(2026, 2, 2), 1},
		{d(2026, 1, 31), d(2026, 3, 1), 1},
		{d(2025, 11, 30), d(2026, 6, 1), 6},
		{d(2025, 12, 1), d(2027, 1, 1), 13},
	}
	for _, tt := range tests {
		if got := monthsBetween(tt.a, tt.b); got != tt.want {
			t.Errorf("monthsBetween(%s, %s) = %d, want %d", tt.a.Format(time.DateOnly), tt.b.Format(time.DateOnly), got, tt.want)
		}
	}
}

func TestKindOf(t *testing.T) {
	tests := []struct {
		dbType string
		want   kind
	}{
		{"GeoLite2-City", kindCity}, {"GeoIP2-City", kindCity}, {"GeoIP2-City-Europe", kindCity},
		{"GeoIP2-Precision-City", kindCity}, {"DBIP-City-Lite", kindCity}, {"DBIP-Location (compat=City)", kindCity},
		{"GeoLite2-Country", kindCountry}, {"GeoIP2-Country", kindCountry}, {"DBIP-Country-Lite", kindCountry},
		{"DBIP-Country", kindCountry},
		{"GeoLite2-ASN", kindASN}, {"DBIP-ASN-Lite (compat=GeoLite2-ASN)", kindASN},
		{"GeoIP2-ISP", kindISP}, {"GeoIP2-Precision-ISP", kindISP},
		{"GeoIP2-Enterprise", kindEnterprise}, {"DBIP-ISP (compat=Enterprise)", kindEnterprise},
		{"DBIP-Location-ISP (compat=Enterprise)", kindEnterprise},
		{"GeoIP2-Anonymous-IP", kindNone}, {"GeoIP2-Domain", kindNone}, {"GeoIP2-Connection-Type", kindNone}, {"", kindNone},
	}
	for _, tt := range tests {
		if got := kindOf(tt.dbType); got != tt.want {
			t.Errorf("kindOf(%q) = %d, want %d", tt.dbType, got, tt.want)
		}
	}
}

// TestCacheBounded checks that the cache stops growing at its cap and that
// look-ups past the cap still answer.
func TestCacheBounded(t *testing.T) {
	db, err := Open(Options{SearchDirs: []string{}, CacheSize: 256})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := range 4096 {
		a := netip.AddrFrom4([4]byte{8, 8, byte(i >> 8), byte(i)})
		if got := db.Lookup(a); got.Country != "US" {
			t.Fatalf("Lookup(%s).Country = %q, want US", a, got.Country)
		}
	}
	n := db.cache.len()
	if n > 256+cacheShards || n < 128 {
		t.Errorf("cache holds %d entries, want about 256", n)
	}
	if db.cache.full.Load() == 0 {
		t.Error("cache never reported being full")
	}
	if db.Lookup(netip.MustParseAddr("10.0.0.1")); db.cache.len() != n {
		t.Error("internal address was cached")
	}
}

func TestCacheSkipsInternal(t *testing.T) {
	db, err := Open(Options{SearchDirs: []string{}, CacheSize: 1024})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, a := range []string{"10.0.0.1", "::1", "fe80::1%eth0", "::ffff:192.168.0.1"} {
		db.Lookup(netip.MustParseAddr(a))
	}
	if n := db.cache.len(); n != 0 {
		t.Errorf("cache holds %d internal addresses", n)
	}
	db.Lookup(netip.MustParseAddr("::ffff:8.8.8.8"))
	db.Lookup(netip.MustParseAddr("8.8.8.8"))
	if n := db.cache.len(); n != 1 {
		t.Errorf("mapped and plain address use %d cache entries, want 1", n)
	}
}

// TestEmbeddedNotCached checks that the embedded data alone gets no cache
// unless one is asked for.
func TestEmbeddedNotCached(t *testing.T) {
	for _, tt := range []struct {
		size int
		want bool
	}{{0, false}, {-1, false}, {1024, true}} {
		db, err := Open(Options{SearchDirs: []string{}, CacheSize: tt.size})
		if err != nil {
			t.Fatal(err)
		}
		db.Lookup(netip.MustParseAddr("8.8.8.8"))
		if got := db.cache.len() == 1; got != tt.want {
			t.Errorf("CacheSize %d: cached %v, want %v", tt.size, got, tt.want)
		}
		db.Close()
	}
}

// TestSpecialMatcher checks the integer matcher against a plain scan of the
// table with netip.Prefix.Contains, on random addresses and on the first and
// last address of every entry and their neighbours.
func TestSpecialMatcher(t *testing.T) {
	slow := func(a netip.Addr) bool {
		a = a.Unmap().WithZone("")
		for _, s := range specialPurpose {
			if s.prefix.Contains(a) {
				return !s.global
			}
		}
		return false
	}
	var addrs []netip.Addr
	for _, s := range specialPurpose {
		first, last := s.prefix.Addr(), lastAddr(s.prefix)
		addrs = append(addrs, first, last, first.Prev(), last.Next())
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b [16]byte
		binary.BigEndian.PutUint64(b[:8], r.Uint64())
		binary.BigEndian.PutUint64(b[8:], r.Uint64())
		addrs = append(addrs, netip.AddrFrom16(b), netip.AddrFrom4([4]byte(b[:4])))
	}
	for _, a := range addrs {
		if !a.IsValid() {
			continue
		}
		if got, want := IsInternal(a), slow(a); got != want {
			t.Errorf("IsInternal(%s) = %v, plain scan says %v", a, got, want)
		}
	}
}

// TestIPv4OnlyDatabase checks that IPv6 look-ups in an IPv4-only database
// find nothing instead of failing.
func TestIPv4OnlyDatabase(t *testing.T) {
	for _, dbType := range []string{"GeoLite2-City", "GeoLite2-ASN"} {
		tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: dbType, IPVersion: 4, RecordSize: 24})
		if err != nil {
			t.Fatal(err)
		}
		_, n, _ := net.ParseCIDR("81.2.69.0/24")
		rec := mmdbtype.Map{
			"country":                  mmdbtype.Map{"iso_code": mmdbtype.String("GB")},
			"autonomous_system_number": mmdbtype.Uint32(20712),
		}
		if err := tree.Insert(n, rec); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := tree.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		city, asn := buf.Bytes(), []byte(nil)
		if dbType == "GeoLite2-ASN" {
			city, asn = nil, city
		}
		db, err := OpenBytes(city, asn)
		if err != nil {
			t.Fatal(err)
		}
		if loc := db.Lookup(netip.MustParseAddr("81.2.69.1")); len(loc.Sources) != 1 || (loc.Country != "GB" && loc.ASN != 20712) {
			t.Errorf("%s: Lookup(81.2.69.1) = %+v", dbType, loc)
		}
		if loc := db.Lookup(netip.MustParseAddr("2a00:1450::1")); len(loc.Sources) != 0 {
			t.Errorf("%s: Lookup(IPv6) = %+v, want nothing", dbType, loc)
		}
		db.Close()
	}
}

package geo_test

import (
	"net/netip"
	"testing"

	"github.com/mailroute/mailroute/geo"
	"github.com/mailroute/mailroute/geo/geotest"
)

// FuzzLookup checks look-ups of arbitrary addresses through fixture
// databases: no panic, internal addresses get nothing else, country codes are
// upper-case pairs, a cached answer equals the first.
func FuzzLookup(f *testing.F) {
	for _, s := range []string{"81.2.69.160", "::ffff:10.0.0.1", "2a00:1450:4001::1", "fe80::1%eth0", "0.0.0.0", "ff02::1"} {
		a := netip.MustParseAddr(s)
		b, _ := a.MarshalBinary()
		f.Add(b)
	}
	db, err := geo.OpenBytes(geotest.City(f, built, cityNets...), geotest.ASN(f, built, asnNets...))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var a netip.Addr
		if err := a.UnmarshalBinary(b); err != nil {
			return
		}
		loc := db.Lookup(a)
		if loc.Internal != geo.IsInternal(a) {
			t.Fatalf("Lookup(%s).Internal = %v, IsInternal = %v", a, loc.Internal, geo.IsInternal(a))
		}
		if loc.Internal && (loc.Country != "" || loc.ASN != 0 || len(loc.Sources) != 0) {
			t.Fatalf("internal %s got data: %+v", a, loc)
		}
		if c := loc.Country; c != "" && (len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z') {
			t.Fatalf("Lookup(%s).Country = %q", a, c)
		}
		if again := db.Lookup(a); again.Country != loc.Country || again.ASN != loc.ASN || again.Network != loc.Network {
			t.Fatalf("second Lookup(%s) = %+v, first %+v", a, again, loc)
		}
	})
}

// FuzzOpenBytes checks that damaged database files give an error or a
// working DB, never a panic. The seeds are a few KiB, so run it with a short
// -fuzzminimizetime (e.g. 2s) or the fuzzer spends its time minimizing.
func FuzzOpenBytes(f *testing.F) {
	f.Add(geotest.City(f, built, cityNets...))
	f.Add(geotest.Country(f, built, cityNets[:2]...))
	f.Add(geotest.Build(f, "DBIP-City-Lite", built, cityNets[:1]...))
	f.Add([]byte("\xab\xcd\xefMaxMind.com"))
	addrs := []netip.Addr{
		netip.MustParseAddr("81.2.69.160"), netip.MustParseAddr("212.227.17.5"),
		netip.MustParseAddr("2a00:1450:4001::1"), netip.MustParseAddr("1.1.1.1"),
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		db, err := geo.OpenBytes(data, nil)
		if err != nil {
			return
		}
		defer db.Close()
		for _, a := range addrs {
			db.Lookup(a)
		}
	})
}

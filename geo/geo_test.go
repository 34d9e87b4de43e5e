package geo_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mailroute/mailroute/geo"
	"github.com/mailroute/mailroute/geo/geotest"
	"github.com/mailroute/mailroute/internal/golden"
)

// eq lets go-cmp compare netip values.
var eq = cmpopts.EquateComparable(netip.Prefix{}, netip.Addr{})

var (
	built = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

	cityNets = []geotest.Network{
		{Prefix: "81.2.69.0/24", Country: "GB", CountryName: "United Kingdom", City: "London"},
		{Prefix: "212.227.0.0/16", Country: "DE", CountryName: "Germany", City: "Karlsruhe", InEU: true},
		{Prefix: "2a00:1450:4001::/48", Country: "DE", CountryName: "Germany", City: "Frankfurt am Main", InEU: true, Latitude: 50.1109, Longitude: 8.6821},
		{Prefix: "1.1.1.0/24", Country: "au", CountryName: "Australia"}, // lower case on purpose
		{Prefix: "5.6.7.0/24", Country: "ZZ"},                           // placeholder code
		{Prefix: "10.0.0.0/8", Country: "US", City: "must not be used"}, // internal: never consulted
		{Prefix: "fc00::/7", Country: "US", City: "must not be used"},
	}
	asnNets = []geotest.Network{
		{Prefix: "81.2.69.0/24", ASN: 20712, ASOrg: "Andrews & Arnold Ltd"},
		{Prefix: "212.227.0.0/16", ASN: 8560, ASOrg: "IONOS SE"},
		{Prefix: "2a00:1450::/32", ASN: 15169, ASOrg: "GOOGLE"},
		{Prefix: "8.8.8.0/24", ASN: 15169, ASOrg: "GOOGLE"},
	}
)

// fixtureDB opens the fixture City and ASN databases from memory.
func fixtureDB(t testing.TB) *geo.DB {
	t.Helper()
	db, err := geo.OpenBytes(geotest.City(t, built, cityNets...), geotest.ASN(t, built, asnNets...))
	if err != nil {
		t.Fatalf("OpenBytes: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestLookup(t *testing.T) {
	db := fixtureDB(t)
	city := geo.Source{Name: "GeoLite2-City", Type: geo.TypeMMDB, Built: built}
	asn := geo.Source{Name: "GeoLite2-ASN", Type: geo.TypeMMDB, Built: built}
	tests := []struct {
		name string
		addr string
		want geo.Location
	}{
		{"ipv4 city and asn", "81.2.69.160", geo.Location{
			Country: "GB", CountryName: "United Kingdom", City: "London", ASN: 20712, ASOrg: "Andrews & Arnold Ltd",
			Network: netip.MustParsePrefix("81.2.69.0/24"), Sources: []geo.Source{city, asn},
		}},
		{"ipv4 in eu", "212.227.17.5", geo.Location{
			Country: "DE", CountryName: "Germany", City: "Karlsruhe", ASN: 8560, ASOrg: "IONOS SE", InEU: true,
			Network: netip.MustParsePrefix("212.227.0.0/16"), Sources: []geo.Source{city, asn},
		}},
		{"ipv4-mapped ipv6", "::ffff:81.2.69.1", geo.Location{
			Country: "GB", CountryName: "United Kingdom", City: "London", ASN: 20712, ASOrg: "Andrews & Arnold Ltd",
			Network: netip.MustParsePrefix("81.2.69.0/24"), Sources: []geo.Source{city, asn},
		}},
		{"ipv6", "2a00:1450:4001:82b::200e", geo.Location{
			Country: "DE", CountryName: "Germany", City: "Frankfurt am Main", ASN: 15169, ASOrg: "GOOGLE", InEU: true,
			Latitude: ptr(50.1109), Longitude: ptr(8.6821),
			Network: netip.MustParsePrefix("2a00:1450:4001::/48"), Sources: []geo.Source{city, asn},
		}},
		{"ipv6 with zone", "2a00:1450:4001::1%eth0", geo.Location{
			Country: "DE", CountryName: "Germany", City: "Frankfurt am Main", ASN: 15169, ASOrg: "GOOGLE", InEU: true,
			Latitude: ptr(50.1109), Longitude: ptr(8.6821),
			Network: netip.MustParsePrefix("2a00:1450:4001::/48"), Sources: []geo.Source{city, asn},
		}},
		{"ipv6 asn only", "2a00:1450:4002::1", geo.Location{
			ASN: 15169, ASOrg: "GOOGLE", Network: netip.MustParsePrefix("2a00:1450::/32"), Sources: []geo.Source{asn},
		}},
		{"asn only", "8.8.8.8", geo.Location{
			ASN: 15169, ASOrg: "GOOGLE", Network: netip.MustParsePrefix("8.8.8.0/24"), Sources: []geo.Source{asn},
		}},
		{"city only, code upper-cased", "1.1.1.1", geo.Location{
			Country: "AU", CountryName: "Australia", Network: netip.MustParsePrefix("1.1.1.0/24"), Sources: []geo.Source{city},
		}},
		{"placeholder country", "5.6.7.8", geo.Location{
			Network: netip.MustParsePrefix("5.6.7.0/24"), Sources: []geo.Source{city},
		}},
		{"not found ipv4", "9.9.9.9", geo.Location{}},
		{"not found ipv6", "2a01:4f8::1", geo.Location{}},
		{"private, data never consulted", "10.1.2.3", geo.Location{Internal: true}},
		{"ula, data never consulted", "fd00::1", geo.Location{Internal: true}},
		{"mapped private", "::ffff:192.168.1.1", geo.Location{Internal: true}},
		{"loopback v6", "::1", geo.Location{Internal: true}},
		{"link-local with zone", "fe80::1%eth0", geo.Location{Internal: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := netip.MustParseAddr(tt.addr)
			for i := range 2 { // the second look-up comes from the cache
				if diff := cmp.Diff(tt.want, db.Lookup(addr), eq); diff != "" {
					t.Errorf("Lookup(%s) #%d mismatch (-want +got):\n%s", tt.addr, i, diff)
				}
			}
		})
	}
	if got := db.Lookup(netip.Addr{}); !cmp.Equal(got, geo.Location{}, eq) {
		t.Errorf("Lookup(zero Addr) = %+v, want zero", got)
	}
}

// TestLookupGolden records look-ups through fixture databases of several
// types in testdata/lookup.golden.
func TestLookupGolden(t *testing.T) {
	enterprise := []geotest.Network{
		{Prefix: "81.2.69.0/24", Country: "GB", CountryName: "United Kingdom", City: "London", ASN: 20712, ASOrg: "Andrews & Arnold Ltd"},
		{Prefix: "212.227.0.0/16", Country: "DE", CountryName: "Germany", City: "Karlsruhe", InEU: true, ASN: 8560, ASOrg: "IONOS SE"},
		{Prefix: "8.8.8.0/24", ASN: 15169, ASOrg: "GOOGLE"},
	}
	dbs := []struct {
		name      string
		city, asn []byte
	}{
		{"GeoLite2-City+GeoLite2-ASN", geotest.City(t, built, cityNets...), geotest.ASN(t, built, asnNets...)},
		{"GeoLite2-Country", geotest.Country(t, built, cityNets...), nil},
		{"GeoIP2-Country", geotest.Build(t, "GeoIP2-Country", built, cityNets...), nil},
		{"DBIP-City-Lite+DBIP-ASN-Lite", geotest.Build(t, "DBIP-City-Lite", built, cityNets...),
			geotest.Build(t, "DBIP-ASN-Lite (compat=GeoLite2-ASN)", built, asnNets...)},
		{"DBIP-Country-Lite", geotest.Build(t, "DBIP-Country-Lite", built, cityNets...), nil},
		{"GeoIP2-ISP", nil, geotest.Build(t, "GeoIP2-ISP", built, asnNets...)},
		{"GeoIP2-Enterprise", geotest.Build(t, "GeoIP2-Enterprise", built, enterprise...), nil},
		{"GeoLite2-Country+GeoIP2-Enterprise for ASN", geotest.Country(t, built, cityNets...),
			geotest.Build(t, "GeoIP2-Enterprise", built, enterprise...)},
	}
	addrs := []string{"81.2.69.160", "212.227.17.5", "2a00:1450:4001::5", "8.8.8.8", "1.1.1.1", "9.9.9.9", "10.0.0.1"}
	var b strings.Builder
	for _, d := range dbs {
		db, err := geo.OpenBytes(d.city, d.asn)
		if err != nil {
			t.Fatalf("%s: OpenBytes: %v", d.name, err)
		}
		fmt.Fprintf(&b, "# %s\n", d.name)
		for _, a := range addrs {
			loc := db.Lookup(netip.MustParseAddr(a))
			j, err := json.Marshal(loc)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s %s\n", a, j)
		}
		db.Close()
	}
	golden.Check(t, filepath.Join("testdata", "lookup.golden"), []byte(b.String()))
}

// sourceSummary is "name path" per source, for comparing discovery results.
func sourceSummary(db *geo.DB, root string) []string {
	var out []string
	for _, s := range db.Sources() {
		p := s.Path
		if rel, err := filepath.Rel(root, p); err == nil && p != "" {
			p = filepath.ToSlash(rel)
		}
		out = append(out, s.Type+" "+s.Name+" "+p)
	}
	return out
}

func TestOpenDiscovery(t *testing.T) {
	city := func(t testing.TB, name string) []byte {
		return geotest.City(t, built, geotest.Network{Prefix: "81.2.69.0/24", Country: "GB", City: name})
	}
	asn := func(t testing.TB, org string) []byte {
		return geotest.ASN(t, built, geotest.Network{Prefix: "81.2.69.0/24", ASN: 1, ASOrg: org})
	}
	type layout map[string][]byte // relative path -> content
	tests := []struct {
		name        string
		files       func(t testing.TB) layout
		opts        func(root string) geo.Options
		wantSources []string
		wantCity    string // City of 81.2.69.1
		wantWarn    []string
	}{
		{
			name: "flags beat env dir and search dirs",
			files: func(t testing.TB) layout {
				return layout{
					"flag/city.mmdb": city(t, "flag"), "flag/asn.mmdb": asn(t, "flag"),
					"env/GeoLite2-City.mmdb": city(t, "env"), "env/GeoLite2-ASN.mmdb": asn(t, "env"),
					"sys/GeoLite2-City.mmdb": city(t, "sys"),
				}
			},
			opts: func(root string) geo.Options {
				return geo.Options{
					CityDB: filepath.Join(root, "flag/city.mmdb"), ASNDB: filepath.Join(root, "flag/asn.mmdb"),
					Dir: filepath.Join(root, "env"), SearchDirs: []string{filepath.Join(root, "sys")},
				}
			},
			wantSources: []string{"mmdb GeoLite2-City flag/city.mmdb", "mmdb GeoLite2-ASN flag/asn.mmdb"},
			wantCity:    "flag",
		},
		{
			name: "city flag, asn from env dir",
			files: func(t testing.TB) layout {
				return layout{"flag/c.mmdb": city(t, "flag"), "env/GeoLite2-ASN.mmdb": asn(t, "env"), "env/GeoLite2-City.mmdb": city(t, "env")}
			},
			opts: func(root string) geo.Options {
				return geo.Options{CityDB: filepath.Join(root, "flag/c.mmdb"), Dir: filepath.Join(root, "env"), SearchDirs: []string{}}
			},
			wantSources: []string{"mmdb GeoLite2-City flag/c.mmdb", "mmdb GeoLite2-ASN env/GeoLite2-ASN.mmdb"},
			wantCity:    "flag",
		},
		{
			name: "env dir beats search dirs",
			files: func(t testing.TB) layout {
				return layout{"env/GeoLite2-City.mmdb": city(t, "env"), "sys/GeoLite2-City.mmdb": city(t, "sys"), "sys/GeoLite2-ASN.mmdb": asn(t, "sys")}
			},
			opts: func(root string) geo.Options {
				return geo.Options{Dir: filepath.Join(root, "env"), SearchDirs: []string{filepath.Join(root, "sys")}}
			},
			wantSources: []string{"mmdb GeoLite2-City env/GeoLite2-City.mmdb", "mmdb GeoLite2-ASN sys/GeoLite2-ASN.mmdb"},
			wantCity:    "env",
		},
		{
			name: "search dirs in order, missing ones skipped",
			files: func(t testing.TB) layout {
				return layout{"b/GeoLite2-City.mmdb": city(t, "b"), "c/GeoLite2-City.mmdb": city(t, "c")}
			},
			opts: func(root string) geo.Options {
				return geo.Options{SearchDirs: []string{filepath.Join(root, "missing"), filepath.Join(root, "b"), filepath.Join(root, "c")}}
			},
			wantSources: []string{"mmdb GeoLite2-City b/GeoLite2-City.mmdb"},
			wantCity:    "b",
		},
		{
			name: "file name preference within a directory",
			files: func(t testing.TB) layout {
				return layout{
					"d/GeoLite2-Country.mmdb":             geotest.Country(t, built, geotest.Network{Prefix: "81.2.69.0/24", Country: "GB"}),
					"d/GeoIP2-City.mmdb":                  geotest.Build(t, "GeoIP2-City", built, geotest.Network{Prefix: "81.2.69.0/24", Country: "GB", City: "geoip2"}),
					"d/dbip-city-lite-2026-10.mmdb":       geotest.Build(t, "DBIP-City-Lite", built, geotest.Network{Prefix: "81.2.69.0/24", City: "dbip"}),
					"d/dbip-asn-lite-2026-09.mmdb":        geotest.Build(t, "DBIP-ASN-Lite (compat=GeoLite2-ASN)", built, geotest.Network{Prefix: "81.2.69.0/24", ASN: 9}),
					"d/dbip-asn-lite-2026-10.mmdb":        geotest.Build(t, "DBIP-ASN-Lite (compat=GeoLite2-ASN)", built, geotest.Network{Prefix: "81.2.69.0/24", ASN: 10}),
					"d/unrelated.mmdb":                    city(t, "unrelated"),
					"d/GeoLite2-City.mmdb.tmp-downloaded": city(t, "partial"),
				}
			},
			opts: func(root string) geo.Options {
				return geo.Options{SearchDirs: []string{filepath.Join(root, "d")}}
			},
			wantSources: []string{"mmdb GeoIP2-City d/GeoIP2-City.mmdb", "mmdb DBIP-ASN-Lite (compat=GeoLite2-ASN) d/dbip-asn-lite-2026-10.mmdb"},
			wantCity:    "geoip2",
		},
		{
			name: "newest dated DB-IP file",
			files: func(t testing.TB) layout {
				return layout{
					"d/dbip-city-lite-2026-09.mmdb": geotest.Build(t, "DBIP-City-Lite", built, geotest.Network{Prefix: "81.2.69.0/24", City: "sep"}),
					"d/dbip-city-lite-2026-11.mmdb": geotest.Build(t, "DBIP-City-Lite", built, geotest.Network{Prefix: "81.2.69.0/24", City: "nov"}),
					"d/dbip-city-lite-2026-10.mmdb": geotest.Build(t, "DBIP-City-Lite", built, geotest.Network{Prefix: "81.2.69.0/24", City: "oct"}),
				}
			},
			opts: func(root string) geo.Options {
				return geo.Options{SearchDirs: []string{filepath.Join(root, "d")}}
			},
			wantSources: []string{"mmdb DBIP-City-Lite d/dbip-city-lite-2026-11.mmdb"},
			wantCity:    "nov",
		},
		{
			name: "broken and wrong-kind files are skipped with a warning",
			files: func(t testing.TB) layout {
				return layout{
					"a/GeoLite2-City.mmdb":    []byte("not a database"),
					"a/GeoLite2-ASN.mmdb":     city(t, "wrong kind"),
					"a/GeoLite2-Country.mmdb": geotest.Country(t, built, geotest.Network{Prefix: "81.2.69.0/24", Country: "GB"}),
					"b/GeoLite2-ASN.mmdb":     asn(t, "b"),
				}
			},
			opts: func(root string) geo.Options {
				return geo.Options{SearchDirs: []string{filepath.Join(root, "a"), filepath.Join(root, "b")}}
			},
			wantSources: []string{"mmdb GeoLite2-Country a/GeoLite2-Country.mmdb", "mmdb GeoLite2-ASN b/GeoLite2-ASN.mmdb"},
			wantWarn: []string{
				"skipped open geoip database ROOT/a/GeoLite2-City.mmdb: ",
				"skipped geoip database ROOT/a/GeoLite2-ASN.mmdb: database type \"GeoLite2-City\" has no ASN data",
			},
		},
		{
			name:  "nothing found: embedded",
			files: func(t testing.TB) layout { return layout{"empty/README": []byte("x")} },
			opts: func(root string) geo.Options {
				return geo.Options{Dir: filepath.Join(root, "empty"), SearchDirs: []string{}}
			},
			wantSources: []string{"embedded iploc (IP2Location LITE) "},
		},
		{
			name:  "nothing found, no embedded",
			files: func(t testing.TB) layout { return layout{} },
			opts: func(root string) geo.Options {
				return geo.Options{SearchDirs: []string{filepath.Join(root, "none")}, NoEmbedded: true}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for rel, data := range tt.files(t) {
				p := filepath.Join(root, filepath.FromSlash(rel))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				geotest.WriteFile(t, filepath.Dir(p), filepath.Base(p), data)
			}
			db, err := geo.Open(tt.opts(root))
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer db.Close()
			if diff := cmp.Diff(tt.wantSources, sourceSummary(db, root)); diff != "" {
				t.Errorf("sources (-want +got):\n%s", diff)
			}
			if tt.wantCity != "" {
				if got := db.Lookup(netip.MustParseAddr("81.2.69.1")).City; got != tt.wantCity {
					t.Errorf("City = %q, want %q", got, tt.wantCity)
				}
			}
			warn := db.Warnings(built) // data is fresh: only skip notes
			if len(warn) != len(tt.wantWarn) {
				t.Fatalf("Warnings = %q, want %d like %q", warn, len(tt.wantWarn), tt.wantWarn)
			}
			for i, w := range tt.wantWarn {
				if w = strings.ReplaceAll(w, "ROOT", root); !strings.HasPrefix(warn[i], w) {
					t.Errorf("warning %d = %q, want prefix %q", i, warn[i], w)
				}
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	root := t.TempDir()
	cityPath := geotest.WriteFile(t, root, "city.mmdb", geotest.City(t, built))
	asnPath := geotest.WriteFile(t, root, "asn.mmdb", geotest.ASN(t, built))
	garbage := geotest.WriteFile(t, root, "garbage.mmdb", []byte("\x00\x01 not an mmdb"))
	anon := geotest.WriteFile(t, root, "anon.mmdb", geotest.Build(t, "GeoIP2-Anonymous-IP", built))
	unreadable := filepath.Join(root, "unreadable.mmdb")
	if err := os.WriteFile(unreadable, geotest.City(t, built), 0o000); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(root, "missing.mmdb")
	tests := []struct {
		name     string
		opts     geo.Options
		wantPath string
		wantIs   error
		wantText string
	}{
		{"missing city flag", geo.Options{CityDB: missing}, missing, fs.ErrNotExist, ""},
		{"missing asn flag", geo.Options{CityDB: cityPath, ASNDB: missing}, missing, fs.ErrNotExist, ""},
		{"not a database", geo.Options{CityDB: garbage}, garbage, nil, "open geoip database"},
		{"asn file as city", geo.Options{CityDB: asnPath}, asnPath, nil, `database type "GeoLite2-ASN" has no location data`},
		{"city file as asn", geo.Options{ASNDB: cityPath}, cityPath, nil, `database type "GeoLite2-City" has no ASN data`},
		{"unsupported type", geo.Options{CityDB: anon}, anon, nil, "GeoIP2-Anonymous-IP"},
		{"missing env dir", geo.Options{Dir: filepath.Join(root, "nodir")}, filepath.Join(root, "nodir"), fs.ErrNotExist, ""},
		{"env dir is a file", geo.Options{Dir: cityPath}, cityPath, nil, "geoip directory"},
	}
	if os.Geteuid() != 0 { // root reads anything
		tests = append(tests, struct {
			name     string
			opts     geo.Options
			wantPath string
			wantIs   error
			wantText string
		}{"unreadable flag", geo.Options{CityDB: unreadable}, unreadable, fs.ErrPermission, ""})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.SearchDirs = []string{}
			db, err := geo.Open(tt.opts)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded, want error")
			}
			if !strings.Contains(err.Error(), tt.wantPath) || !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not name %q and %q", err, tt.wantPath, tt.wantText)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %q is not %v", err, tt.wantIs)
			}
		})
	}
	t.Run("OpenBytes", func(t *testing.T) {
		if _, err := geo.OpenBytes([]byte("junk"), nil); err == nil || !strings.Contains(err.Error(), "location database") {
			t.Errorf("OpenBytes(junk) error = %v", err)
		}
		if _, err := geo.OpenBytes(nil, geotest.Country(t, built)); err == nil || !strings.Contains(err.Error(), "no ASN data") {
			t.Errorf("OpenBytes(nil, country) error = %v", err)
		}
	})
}

func TestEmbedded(t *testing.T) {
	db, err := geo.Open(geo.Options{SearchDirs: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	src := db.Sources()
	if len(src) != 1 || src[0].Type != geo.TypeEmbedded || src[0].Name != "iploc (IP2Location LITE)" || src[0].Path != "" {
		t.Fatalf("Sources = %+v, want the embedded data only", src)
	}
	if b := src[0].Built; b.IsZero() || b.Year() < 2025 || b.Location() != time.UTC {
		t.Errorf("embedded Built = %v, want a recent UTC date from the iploc version", b)
	}
	tests := []struct {
		addr, country string
	}{
		{"8.8.8.8", "US"},
		{"212.227.17.5", "DE"},   // IONOS mail relay
		{"::ffff:8.8.4.4", "US"}, // mapped
		{"2a01:4f8::1", "DE"},    // Hetzner
		{"2a00:1450:4001::1", ""},
		{"10.0.0.1", ""}, // internal, never looked up
	}
	for _, tt := range tests {
		loc := db.Lookup(netip.MustParseAddr(tt.addr))
		if tt.addr == "2a00:1450:4001::1" { // whatever the data says, it is a code or empty
			if loc.Country != "" && (len(loc.Country) != 2 || strings.ToUpper(loc.Country) != loc.Country) {
				t.Errorf("Lookup(%s).Country = %q, not an ISO code", tt.addr, loc.Country)
			}
			continue
		}
		if loc.Country != tt.country {
			t.Errorf("Lookup(%s).Country = %q, want %q", tt.addr, loc.Country, tt.country)
		}
		if tt.country != "" && !cmp.Equal(loc.Sources, src) {
			t.Errorf("Lookup(%s).Sources = %+v, want %+v", tt.addr, loc.Sources, src)
		}
		if loc.CountryName != "" || loc.City != "" || loc.ASN != 0 {
			t.Errorf("Lookup(%s) = %+v: embedded data has country codes only", tt.addr, loc)
		}
	}
}

func TestEmbeddedWithASN(t *testing.T) {
	dir := t.TempDir()
	geotest.WriteFile(t, dir, "GeoLite2-ASN.mmdb", geotest.ASN(t, built, asnNets...))
	db, err := geo.Open(geo.Options{SearchDirs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	loc := db.Lookup(netip.MustParseAddr("8.8.8.8"))
	if loc.Country != "US" || loc.ASN != 15169 || len(loc.Sources) != 2 ||
		loc.Sources[0].Type != geo.TypeEmbedded || loc.Sources[1].Name != "GeoLite2-ASN" {
		t.Errorf("Lookup(8.8.8.8) = %+v, want US from embedded data and AS15169 from GeoLite2-ASN", loc)
	}
}

func TestWarnings(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	dir := t.TempDir()
	cityPath := geotest.WriteFile(t, dir, "GeoLite2-City.mmdb", geotest.City(t, day(2026, 1, 2)))
	asnPath := geotest.WriteFile(t, dir, "GeoLite2-ASN.mmdb", geotest.ASN(t, day(2026, 5, 1)))
	db, err := geo.Open(geo.Options{CityDB: cityPath, ASNDB: asnPath})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mem, err := geo.OpenBytes(geotest.Build(t, "DBIP-Country-Lite", day(2025, 11, 30)), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	tests := []struct {
		db   *geo.DB
		now  time.Time
		want []string
	}{
		{db, day(2026, 7, 2), nil}, // exactly six months: not older
		{db, day(2026, 7, 3), []string{
			"GeoLite2-City at " + cityPath + " is 6 months old (built 2026-01-02); run geoipupdate",
		}},
		{db, day(2026, 8, 3), []string{
			"GeoLite2-City at " + cityPath + " is 7 months old (built 2026-01-02); run geoipupdate",
		}},
		{db, day(2027, 1, 1), []string{
			"GeoLite2-City at " + cityPath + " is 11 months old (built 2026-01-02); run geoipupdate",
			"GeoLite2-ASN at " + asnPath + " is 8 months old (built 2026-05-01); run geoipupdate",
		}},
		{mem, day(2026, 6, 1), []string{"DBIP-Country-Lite is 6 months old (built 2025-11-30)"}},
		{mem, day(2028, 1, 1), []string{"DBIP-Country-Lite is 25 months old (built 2025-11-30)"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.db.Warnings(tt.now)); diff != "" {
			t.Errorf("Warnings(%s) (-want +got):\n%s", tt.now.Format(time.DateOnly), diff)
		}
	}

	emb, err := geo.Open(geo.Options{SearchDirs: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	b := emb.Sources()[0].Built
	if w := emb.Warnings(b.AddDate(0, 1, 0)); len(w) != 0 {
		t.Errorf("fresh embedded data warns: %q", w)
	}
	w := emb.Warnings(b.AddDate(1, 0, 0))
	if len(w) != 1 || !strings.HasPrefix(w[0], "embedded iploc (IP2Location LITE) is 12 months old (built "+b.Format(time.DateOnly)+")") {
		t.Errorf("old embedded data: Warnings = %q", w)
	}
}

func TestCloseTwice(t *testing.T) {
	dir := t.TempDir()
	db, err := geo.Open(geo.Options{
		CityDB:     geotest.WriteFile(t, dir, "c.mmdb", geotest.City(t, built, cityNets...)),
		ASNDB:      geotest.WriteFile(t, dir, "a.mmdb", geotest.ASN(t, built, asnNets...)),
		SearchDirs: []string{},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestSources(t *testing.T) {
	db := fixtureDB(t)
	s := db.Sources()
	s[0].Name = "changed" // a copy: the DB's own list is not affected
	want := []geo.Source{
		{Name: "GeoLite2-City", Type: geo.TypeMMDB, Built: built},
		{Name: "GeoLite2-ASN", Type: geo.TypeMMDB, Built: built},
	}
	if diff := cmp.Diff(want, db.Sources()); diff != "" {
		t.Errorf("Sources (-want +got):\n%s", diff)
	}
}

func TestOptionsFromEnv(t *testing.T) {
	env := map[string]string{"MAILROUTE_GEOIP_DIR": "/srv/geoip"}
	got := geo.OptionsFromEnv(func(k string) string { return env[k] })
	if diff := cmp.Diff(geo.Options{Dir: "/srv/geoip"}, got); diff != "" {
		t.Errorf("OptionsFromEnv (-want +got):\n%s", diff)
	}
	if got := geo.OptionsFromEnv(func(string) string { return "" }); !cmp.Equal(got, geo.Options{}) {
		t.Errorf("OptionsFromEnv(empty) = %+v", got)
	}
	if d := geo.DefaultSearchDirs(); len(d) < 3 || d[0] != "/usr/share/GeoIP" {
		t.Errorf("DefaultSearchDirs() = %q", d)
	}
}

// TestConcurrentLookup runs look-ups from many goroutines (run with -race)
// and checks each against an uncached DB.
func TestConcurrentLookup(t *testing.T) {
	city, asn := geotest.City(t, built, cityNets...), geotest.ASN(t, built, asnNets...)
	cached, err := geo.OpenBytes(city, asn)
	if err != nil {
		t.Fatal(err)
	}
	defer cached.Close()
	var addrs []netip.Addr
	for i := range 512 {
		addrs = append(addrs,
			netip.AddrFrom4([4]byte{81, 2, 69, byte(i)}),
			netip.AddrFrom4([4]byte{212, 227, byte(i >> 8), byte(i)}),
			netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}),
			netip.AddrFrom16([16]byte{0x2a, 0x00, 0x14, 0x50, 0x40, 0x01, 14: byte(i >> 8), 15: byte(i)}),
		)
	}
	want := make([]geo.Location, len(addrs))
	for i, a := range addrs {
		want[i] = cached.Lookup(a) // fills part of the cache; the rest races
		if i%3 == 0 {
			break
		}
	}
	ref, err := geo.OpenBytes(city, asn)
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	for i, a := range addrs {
		want[i] = ref.Lookup(a)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Go(func() {
			for round := range 4 {
				for k := range addrs {
					i := (k*7 + g*131 + round) % len(addrs)
					if got := cached.Lookup(addrs[i]); !cmp.Equal(got, want[i], eq) {
						select {
						case errs <- fmt.Sprintf("Lookup(%s) = %+v, want %+v", addrs[i], got, want[i]):
						default:
						}
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestCacheDisabled checks that a DB without cache answers the same.
func TestCacheDisabled(t *testing.T) {
	dir := t.TempDir()
	p := geotest.WriteFile(t, dir, "c.mmdb", geotest.City(t, built, cityNets...))
	db, err := geo.Open(geo.Options{CityDB: p, CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for range 3 {
		if got := db.Lookup(netip.MustParseAddr("81.2.69.7")); got.City != "London" {
			t.Fatalf("City = %q, want London", got.City)
		}
	}
}

func BenchmarkLookupCached(b *testing.B) {
	db := fixtureDB(b)
	addr := netip.MustParseAddr("212.227.17.5")
	db.Lookup(addr)
	b.ReportAllocs()
	for b.Loop() {
		db.Lookup(addr)
	}
}

func BenchmarkLookupCachedParallel(b *testing.B) {
	db := fixtureDB(b)
	var addrs []netip.Addr
	for i := range 1024 {
		a := netip.AddrFrom4([4]byte{212, 227, byte(i >> 8), byte(i)})
		db.Lookup(a)
		addrs = append(addrs, a)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			db.Lookup(addrs[i&1023])
			i++
		}
	})
}

func BenchmarkLookupUncachedMMDB(b *testing.B) {
	uncached, err := geo.Open(geo.Options{
		CityDB:     geotest.WriteFile(b, b.TempDir(), "c.mmdb", geotest.City(b, built, cityNets...)),
		ASNDB:      geotest.WriteFile(b, b.TempDir(), "a.mmdb", geotest.ASN(b, built, asnNets...)),
		CacheSize:  -1,
		SearchDirs: []string{},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer uncached.Close()
	addr := netip.MustParseAddr("212.227.17.5")
	b.ReportAllocs()
	for b.Loop() {
		uncached.Lookup(addr)
	}
}

func BenchmarkLookupUncachedEmbedded(b *testing.B) {
	db, err := geo.Open(geo.Options{SearchDirs: []string{}, CacheSize: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, a := range []string{"212.227.17.5", "2a01:4f8::1"} {
		addr := netip.MustParseAddr(a)
		db.Lookup(addr)
		b.Run(a, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				db.Lookup(addr)
			}
		})
	}
}

func BenchmarkIsInternal(b *testing.B) {
	for _, a := range []string{"212.227.17.5", "192.168.1.1", "2a00:1450:4001::1", "fd00::1"} {
		addr := netip.MustParseAddr(a)
		b.Run(a, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				geo.IsInternal(addr)
			}
		})
	}
}

// Example shows the embedded fallback: with no database installed, the
// country comes from the data compiled into the binary, and the result says
// so.
func Example() {
	db, err := geo.Open(geo.Options{SearchDirs: []string{}}) // search no directories
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	for _, s := range []string{"212.227.17.5", "8.8.8.8", "10.20.30.40"} {
		loc := db.Lookup(netip.MustParseAddr(s))
		var from []string
		for _, src := range loc.Sources {
			from = append(from, src.Type+": "+src.Name)
		}
		fmt.Printf("%s country=%q internal=%v from=%q\n", s, loc.Country, loc.Internal, from)
	}
	// Output:
	// 212.227.17.5 country="DE" internal=false from=["embedded: iploc (IP2Location LITE)"]
	// 8.8.8.8 country="US" internal=false from=["embedded: iploc (IP2Location LITE)"]
	// 10.20.30.40 country="" internal=true from=[]
}

// TestRealDatabases runs against real databases when
// MAILROUTE_TEST_GEOIP_DIR names a directory holding some (for example
// GeoLite2-City.mmdb and GeoLite2-ASN.mmdb from geoipupdate); it is skipped
// otherwise.
func TestRealDatabases(t *testing.T) {
	dir := os.Getenv("MAILROUTE_TEST_GEOIP_DIR")
	if dir == "" {
		t.Skip("MAILROUTE_TEST_GEOIP_DIR not set")
	}
	db, err := geo.Open(geo.Options{Dir: dir, SearchDirs: []string{}, NoEmbedded: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t.Logf("sources: %+v", db.Sources())
	t.Logf("warnings: %q", db.Warnings(time.Now()))
	for _, a := range []string{"8.8.8.8", "212.227.17.5", "2a00:1450:4001::1"} {
		loc := db.Lookup(netip.MustParseAddr(a))
		t.Logf("%s: %+v", a, loc)
		if len(loc.Sources) == 0 {
			t.Errorf("no data answered for %s", a)
		}
	}
}

func ptr(f float64) *float64 { return &f }

// Package geotest builds small GeoIP2-format (.mmdb) databases at test time,
// so that tests of package geo and of its users never need a real GeoLite2
// file and the repository holds no binary fixtures.
//
// The databases follow the GeoLite2 schema (the one DB-IP lite files use too):
// a City database has "country", "city" and "registered_country"; a Country
// database has "country" and "registered_country"; an ASN database has
// "autonomous_system_number" and "autonomous_system_organization". Only the
// fields a Network sets are written.
//
// Typical use:
//
//	built := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
//	city := geotest.City(t, built, geotest.Network{Prefix: "81.2.69.0/24", Country: "GB", CountryName: "United Kingdom", City: "London"})
//	asn := geotest.ASN(t, built, geotest.Network{Prefix: "81.2.69.0/24", ASN: 20712, ASOrg: "Andrews & Arnold Ltd"})
//	db, err := geo.OpenBytes(city, asn)
//	// or write them where geo.Open looks:
//	path := geotest.WriteFile(t, t.TempDir(), "GeoLite2-City.mmdb", city)
package geotest

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// Database types that the helpers below write.
const (
	TypeCity    = "GeoLite2-City"
	TypeCountry = "GeoLite2-Country"
	TypeASN     = "GeoLite2-ASN"
)

// Network is one network of a fixture database and what the database says
// about it. Empty fields are left out of the record.
type Network struct {
	Prefix      string // CIDR, e.g. "81.2.69.0/24" or "2a02:8100::/32"
	Country     string // ISO 3166-1 alpha-2, e.g. "DE"
	CountryName string // English name, e.g. "Germany"
	City        string // English name, e.g. "Berlin"
	InEU        bool   // written as country.is_in_european_union
	// Latitude and Longitude are written as location.latitude/longitude
	// (City and Enterprise databases) when either is non-zero.
	Latitude, Longitude float64
	ASN                 uint
	ASOrg               string
}

// City returns a GeoLite2-City database holding nets, with the given build
// time in its metadata.
func City(t testing.TB, built time.Time, nets ...Network) []byte {
	t.Helper()
	return Build(t, TypeCity, built, nets...)
}

// Country returns a GeoLite2-Country database holding nets (their City is
// not written).
func Country(t testing.TB, built time.Time, nets ...Network) []byte {
	t.Helper()
	return Build(t, TypeCountry, built, nets...)
}

// ASN returns a GeoLite2-ASN database holding nets (only ASN and ASOrg are
// written).
func ASN(t testing.TB, built time.Time, nets ...Network) []byte {
	t.Helper()
	return Build(t, TypeASN, built, nets...)
}

// Build returns a database of the given type name (as stored in the
// metadata, e.g. "DBIP-City-Lite" or "GeoIP2-Country"). The record schema is
// chosen from the name: one containing "ASN" or "ISP" gets ASN records, one
// containing "Country" gets country records, anything else city records
// (an "Enterprise" one with the ASN in "traits").
// It fails the test on any error.
func Build(t testing.TB, dbType string, built time.Time, nets ...Network) []byte {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{
		DatabaseType:            dbType,
		BuildEpoch:              built.Unix(),
		Description:             map[string]string{"en": "mailroute test fixture"},
		Languages:               []string{"en"},
		IncludeReservedNetworks: true,
		RecordSize:              24,
	})
	if err != nil {
		t.Fatalf("geotest: new %s tree: %v", dbType, err)
	}
	for _, n := range nets {
		_, ipnet, err := net.ParseCIDR(n.Prefix)
		if err != nil {
			t.Fatalf("geotest: network %q: %v", n.Prefix, err)
		}
		if err := tree.Insert(ipnet, record(dbType, n)); err != nil {
			t.Fatalf("geotest: insert %s into %s: %v", n.Prefix, dbType, err)
		}
	}
	var buf bytes.Buffer
	if _, err := tree.WriteTo(&buf); err != nil {
		t.Fatalf("geotest: write %s: %v", dbType, err)
	}
	return buf.Bytes()
}

// record is the GeoLite2-schema value for n in a database of type dbType.
func record(dbType string, n Network) mmdbtype.Map {
	m := mmdbtype.Map{}
	if !strings.Contains(dbType, "Enterprise") && (strings.Contains(dbType, "ASN") || strings.Contains(dbType, "ISP")) {
		if n.ASN != 0 {
			m["autonomous_system_number"] = mmdbtype.Uint32(n.ASN)
		}
		if n.ASOrg != "" {
			m["autonomous_system_organization"] = mmdbtype.String(n.ASOrg)
		}
		return m
	}
	if n.Country != "" || n.CountryName != "" || n.InEU {
		c := mmdbtype.Map{}
		if n.Country != "" {
			c["iso_code"] = mmdbtype.String(n.Country)
		}
		if n.CountryName != "" {
			c["names"] = mmdbtype.Map{"en": mmdbtype.String(n.CountryName)}
		}
		if n.InEU {
			c["is_in_european_union"] = mmdbtype.Bool(true)
		}
		m["country"] = c
		m["registered_country"] = c
	}
	if n.City != "" && !strings.Contains(dbType, "Country") {
		m["city"] = mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String(n.City)}}
	}
	if (n.Latitude != 0 || n.Longitude != 0) && !strings.Contains(dbType, "Country") {
		m["location"] = mmdbtype.Map{"latitude": mmdbtype.Float64(n.Latitude), "longitude": mmdbtype.Float64(n.Longitude)}
	}
	if strings.Contains(dbType, "Enterprise") && (n.ASN != 0 || n.ASOrg != "") {
		traits := mmdbtype.Map{}
		if n.ASN != 0 {
			traits["autonomous_system_number"] = mmdbtype.Uint32(n.ASN)
		}
		if n.ASOrg != "" {
			traits["autonomous_system_organization"] = mmdbtype.String(n.ASOrg)
		}
		m["traits"] = traits
	}
	return m
}

// WriteFile writes data to dir/name and returns the path. It fails the test
// on any error.
func WriteFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatalf("geotest: %v", err)
	}
	return path
}

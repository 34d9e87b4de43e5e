package geotest_test

import (
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/oschwald/geoip2-golang/v2"

	"github.com/mailroute/mailroute/geo/geotest"
)

func TestBuild(t *testing.T) {
	built := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	nets := []geotest.Network{
		{Prefix: "81.2.69.0/24", Country: "GB", CountryName: "United Kingdom", City: "London", ASN: 20712, ASOrg: "AAISP"},
		{Prefix: "2a02:8100::/32", Country: "DE", InEU: true},
	}
	tests := []struct {
		name, dbType string
		data         []byte
		check        func(t *testing.T, r *geoip2.Reader)
	}{
		{"city", "GeoLite2-City", geotest.City(t, built, nets...), func(t *testing.T, r *geoip2.Reader) {
			c, err := r.City(netip.MustParseAddr("81.2.69.160"))
			if err != nil || c.Country.ISOCode != "GB" || c.Country.Names.English != "United Kingdom" || c.City.Names.English != "London" {
				t.Errorf("City = %+v, %v", c, err)
			}
			c, err = r.City(netip.MustParseAddr("2a02:8100::1"))
			if err != nil || c.Country.ISOCode != "DE" || !c.Country.IsInEuropeanUnion || c.City.HasData() {
				t.Errorf("City(v6) = %+v, %v", c, err)
			}
		}},
		{"country", "GeoLite2-Country", geotest.Country(t, built, nets...), func(t *testing.T, r *geoip2.Reader) {
			c, err := r.City(netip.MustParseAddr("81.2.69.1"))
			if err != nil || c.Country.ISOCode != "GB" || c.City.HasData() {
				t.Errorf("Country db City() = %+v, %v", c, err)
			}
		}},
		{"asn", "GeoLite2-ASN", geotest.ASN(t, built, nets...), func(t *testing.T, r *geoip2.Reader) {
			a, err := r.ASN(netip.MustParseAddr("81.2.69.1"))
			if err != nil || a.AutonomousSystemNumber != 20712 || a.AutonomousSystemOrganization != "AAISP" {
				t.Errorf("ASN = %+v, %v", a, err)
			}
			if a, err := r.ASN(netip.MustParseAddr("2a02:8100::1")); err != nil || a.HasData() {
				t.Errorf("ASN(no ASN set) = %+v, %v", a, err)
			}
		}},
		{"dbip", "DBIP-City-Lite", geotest.Build(t, "DBIP-City-Lite", built, nets...), func(t *testing.T, r *geoip2.Reader) {
			c, err := r.City(netip.MustParseAddr("81.2.69.1"))
			if err != nil || c.City.Names.English != "London" {
				t.Errorf("City = %+v, %v", c, err)
			}
		}},
		{"enterprise", "GeoIP2-Enterprise", geotest.Build(t, "GeoIP2-Enterprise", built, nets...), func(t *testing.T, r *geoip2.Reader) {
			e, err := r.Enterprise(netip.MustParseAddr("81.2.69.1"))
			if err != nil || e.City.Names.English != "London" || e.Traits.AutonomousSystemNumber != 20712 {
				t.Errorf("Enterprise = %+v, %v", e, err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := geotest.WriteFile(t, t.TempDir(), tt.dbType+".mmdb", tt.data)
			if b, err := os.ReadFile(path); err != nil || len(b) != len(tt.data) {
				t.Fatalf("WriteFile: %d bytes, %v", len(b), err)
			}
			r, err := geoip2.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			md := r.Metadata()
			if md.DatabaseType != tt.dbType || int64(md.BuildEpoch) != built.Unix() {
				t.Errorf("metadata type %q built %d, want %q %d", md.DatabaseType, md.BuildEpoch, tt.dbType, built.Unix())
			}
			tt.check(t, r)
		})
	}
}

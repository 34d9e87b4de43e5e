package cli

import (
	"testing"
	"time"

	"github.com/mailroute/mailroute/geo/geotest"
)

// TestTracePlacement runs trace with a country-level database that places
// Microsoft's European IPv6 addresses in the US, as the free data does:
// the placement table turns the EUR mailbox server's location into unknown
// and marks it, and a City database for the same addresses is left alone.
func TestTracePlacement(t *testing.T) {
	td := chdirRoot(t)
	built := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	nets := append(fixtureNets(), geotest.Network{Prefix: "2603:10a6::/32", Country: "US", CountryName: "United States"})
	for _, tt := range []struct {
		name, file string
		db         func(testing.TB, time.Time, ...geotest.Network) []byte
	}{
		{"country", "GeoLite2-Country.mmdb", geotest.Country},
		{"city", "GeoLite2-City.mmdb", geotest.City},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			geotest.WriteFile(t, dir, tt.file, tt.db(t, built, nets...))
			r := run(t, dir, "", "trace", "--format", "table", "samples/outlook-to-gmx.eml")
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			checkGolden(t, td, "trace-placement-"+tt.name+".table", r.stdout)
		})
	}
}

package analyzer

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/mailroute/mailroute/jurisdiction"
	"github.com/mailroute/mailroute/placement"
)

// classOf in a case of TestPlacement stands for the class the home gives
// the expected country.
const classOf jurisdiction.Class = "(class of country)"

func TestPlacement(t *testing.T) {
	tab, err := placement.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	embedded := []DataSource{{Name: "iploc (IP2Location LITE)", Type: "embedded"}}
	countryDB := []DataSource{{Name: "GeoLite2-Country", Type: "mmdb"}}
	cityDB := []DataSource{{Name: "GeoLite2-City", Type: "mmdb"}}
	const (
		eur = "AM0PR02MB1234.eurprd02.prod.outlook.com"
		gbr = "LO2P265MB0001.gbrp265.prod.outlook.com"
	)
	tests := []struct {
		name       string
		host       string
		rdns       bool // the receiving relay recorded host as the reverse name
		data       string
		src        []DataSource
		places     bool // Options.Placements set
		country    string
		class      jurisdiction.Class
		placed     bool
		noteSubstr string
	}{
		{"EUR placed in US: unknown", eur, true, "US", embedded, true, "", jurisdiction.ClassUnknown, true, "location unknown: the geolocation data said US"},
		{"EUR from a country database", eur, true, "US", countryDB, true, "", jurisdiction.ClassUnknown, true, "geography EUR"},
		{"EUR in NL stands", eur, true, "NL", embedded, true, "NL", classOf, false, ""},
		{"GBR placed in US: GB", gbr, true, "US", embedded, true, "GB", classOf, true, "placed in GB by its host name"},
		{"GBR unknown: GB", gbr, true, "", embedded, true, "GB", classOf, true, "said no country"},
		{"EUR unknown stays unknown", eur, true, "", embedded, true, "", jurisdiction.ClassUnknown, false, ""},
		{"City database answers", eur, true, "US", cityDB, true, "US", classOf, false, ""},
		{"claimed name", eur, false, "US", embedded, true, "US", classOf, false, ""},
		{"no table", eur, true, "US", embedded, false, "US", classOf, false, ""},
		{"not Microsoft", "mail.example.net", true, "US", embedded, true, "US", classOf, false, ""},
	}
	home, err := jurisdiction.ParseHome("EEA")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		if tt.class == classOf {
			tt.class = home.Classify(tt.country, false)
		}
		t.Run(tt.name, func(t *testing.T) {
			loc := &fakeLocator{locs: map[netip.Addr]Location{
				ip("2603:10a6:208:d4::12"): {Country: tt.data, Source: tt.src},
			}}
			opts := Options{Home: home, Locator: loc}
			if tt.places {
				opts.Placements = tab
			}
			rc := relay(tt.host, "2603:10a6:208:d4::12", "mx.example.org", "ESMTPS", EncryptionYes, "2026-12-01T10:00:00Z")
			if !tt.rdns {
				rc.FromRDNS = ""
			}
			res := path(t, opts, rc)
			n := res.Nodes[0]
			if n.IP != ip("2603:10a6:208:d4::12") {
				t.Fatalf("node 0 is %s@%s", n.Name, n.IP)
			}
			if n.Location.Country != tt.country {
				t.Errorf("country %q, want %q", n.Location.Country, tt.country)
			}
			if n.Jurisdiction != tt.class {
				t.Errorf("jurisdiction %q, want %q", n.Jurisdiction, tt.class)
			}
			if got := n.Location.Placement != nil; got != tt.placed {
				t.Fatalf("placement %+v, want placed=%v", n.Location.Placement, tt.placed)
			}
			if !tt.placed {
				return
			}
			p := n.Location.Placement
			if p.DataCountry != tt.data || !strings.EqualFold(p.Evidence, tt.host) || !strings.HasPrefix(p.Rule, "microsoft-geo ") || p.Checked != tab.Checked() || p.Area == "" {
				t.Errorf("placement %+v", p)
			}
			if !strings.Contains(strings.Join(n.Notes, "\n"), tt.noteSubstr) {
				t.Errorf("notes %q lack %q", n.Notes, tt.noteSubstr)
			}
		})
	}
}

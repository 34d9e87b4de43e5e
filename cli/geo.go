package cli

import (
	"encoding/json"
	"fmt"
	"github.com/mailroute/mailroute/jurisdiction"
	"net/netip"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mailroute/mailroute/analyzer"
	"github.com/mailroute/mailroute/geo"
)

func newGeoCmd(env Env) *cobra.Command {
	var cityDB, asnDB, home, format string
	cmd := &cobra.Command{
		Use:   "geo [flags] ADDRESS...",
		Short: "Show what the geolocation data says about addresses, and which data answered",
		Example: `  mailroute geo 212.227.17.5
  mailroute geo --format json 2a00:1450:4864:20::32f`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, db, err := openHomeGeo(env, home, cityDB, asnDB)
			if err != nil {
				return err
			}
			defer db.Close()
			for _, w := range db.Warnings(env.Now()) {
				stderrLine(env.Stderr, "warning", w)
			}
			enc := json.NewEncoder(env.Stdout)
			bad := 0
			for _, a := range args {
				addr, err := netip.ParseAddr(strings.Trim(a, "[]"))
				if err != nil {
					fmt.Fprintf(env.Stderr, "mailroute: error: %q is not an IP address\n", a)
					bad++
					continue
				}
				addr = addr.Unmap()
				internal := geo.IsInternal(addr)
				loc := newLocator(db).Locate(addr)
				if internal {
					loc = analyzer.Location{Source: []analyzer.DataSource{}}
				}
				j := h.Classify(loc.Country, internal)
				if format == "json" {
					if err := enc.Encode(struct {
						IP           string             `json:"ip"`
						Internal     bool               `json:"internal"`
						Location     analyzer.Location  `json:"location"`
						Jurisdiction jurisdiction.Class `json:"jurisdiction"`
					}{addr.String(), internal, loc, j}); err != nil {
						return err
					}
					continue
				}
				fmt.Fprintf(env.Stdout, "%s\n", addr)
				if internal {
					fmt.Fprintf(env.Stdout, "  internal (not globally routable): never geolocated\n")
					continue
				}
				fmt.Fprintf(env.Stdout, "  country:      %s %s\n", orDash(loc.Country), loc.CountryName)
				fmt.Fprintf(env.Stdout, "  city:         %s\n", orDash(loc.City))
				if loc.ASN != 0 {
					fmt.Fprintf(env.Stdout, "  AS:           AS%d %s\n", loc.ASN, loc.ASOrg)
				} else {
					fmt.Fprintf(env.Stdout, "  AS:           - (no ASN database)\n")
				}
				fmt.Fprintf(env.Stdout, "  jurisdiction: %s (home %s)\n", j, h)
				if n := h.Note(loc.Country); n != "" {
					fmt.Fprintf(env.Stdout, "  note:         %s\n", n)
				}
				if len(loc.Source) == 0 {
					fmt.Fprintf(env.Stdout, "  answered by:  no data for this address\n")
				}
				for _, s := range loc.Source {
					fmt.Fprintf(env.Stdout, "  answered by:  %s (%s, built %s)\n", s.Name, s.Type, s.Built.UTC().Format("2006-01-02"))
				}
			}
			if bad > 0 {
				return &exitError{code: ExitSomeFailed}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&cityDB, "city-db", "", "GeoLite2/GeoIP2/DB-IP City or Country .mmdb file")
	cmd.Flags().StringVar(&asnDB, "asn-db", "", "GeoLite2-ASN or DB-IP ASN .mmdb file")
	cmd.Flags().StringVar(&home, "home", "EEA", "home jurisdiction: ISO country codes, EU or EEA")
	cmd.Flags().StringVarP(&format, "format", "f", "text", "output format: text or json")
	return cmd
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

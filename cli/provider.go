package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mailroute/mailroute/audit"
	"github.com/mailroute/mailroute/geo"
	"github.com/mailroute/mailroute/htmlreport"
	"github.com/mailroute/mailroute/internal/format"
	"github.com/mailroute/mailroute/resolver"
)

func newProviderCmd(env Env) *cobra.Command {
	var (
		outFormat, output, home, cityDB, asnDB string
		dns                                    dnsFlags
	)
	cmd := &cobra.Command{
		Use:   "provider [flags] DOMAIN...",
		Short: "Audit a mail domain in DNS: where mail is received, from where it may be sent, which transport protections are published",
		Long: `provider asks DNS about each domain and reports, in one table:

  inbound    MX hosts by preference, their addresses, country, city, AS
             organisation and jurisdiction class
  outbound   the SPF record expanded (include, redirect, a, mx, ip4, ip6), the
             RFC 7208 limit of 10 DNS-querying terms, and the authorised
             networks summarised per country and organisation
  transport  MTA-STS, TLS reporting, DANE (TLSA per MX and whether the
             resolver validated it with DNSSEC) and DMARC
  verdict    a short paragraph for a provider-selection report

This command sends DNS queries (to --resolver or the system resolver).`,
		Example: `  mailroute provider posteo.de
  mailroute provider --home DE --format markdown gmx.de web.de > dns.md
  mailroute provider --resolver 127.0.0.1:5353 example.org`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fm, err := format.Parse(outFormat, providerFormats())
			if err != nil {
				return usageErr(err)
			}
			domains, err := domainArgs(args)
			if err != nil {
				return err
			}
			if err := dns.check(); err != nil {
				return err
			}
			write := map[format.Format]func(io.Writer, []audit.Report) error{
				format.Table: audit.WriteTable, format.JSON: audit.WriteJSON,
				format.Markdown: audit.WriteMarkdown, format.HTML: htmlreport.WriteProvider,
			}[fm]
			h, db, err := openHomeGeo(env, home, cityDB, asnDB)
			if err != nil {
				return err
			}
			defer db.Close()
			c, err := dns.client()
			if err != nil {
				return err
			}
			opts := audit.Options{Locator: newLocator(db), Home: h, IsInternal: geo.IsInternal}
			var reports []audit.Report
			missing, unknown := 0, 0
			for _, d := range domains {
				rep := audit.Check(cmd.Context(), c, d, opts)
				switch {
				case !rep.Exists:
					missing++
				case len(rep.Unknown) > 0:
					unknown++
				}
				reports = append(reports, rep)
			}
			dst, err := openOutput(output, env.Stdout)
			if err != nil {
				return err
			}
			defer dst.Abort()
			if err := write(dst, reports); err != nil {
				return fmt.Errorf("write report: %w", err)
			}
			if err := dst.Commit(); err != nil {
				return err
			}
			if missing+unknown > 0 {
				return &exitError{code: ExitSomeFailed, err: providerFailure(missing, unknown, len(domains))}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	registerFormat(cmd, &outFormat, "table", providerFormats(), " (json: JSON Lines)")
	registerOutput(cmd, &output)
	fl.StringVar(&home, "home", "EEA", "home jurisdiction: ISO country codes, EU or EEA")
	dns.register(cmd, "")
	fl.StringVar(&cityDB, "city-db", "", "GeoLite2/GeoIP2/DB-IP City or Country .mmdb file")
	fl.StringVar(&asnDB, "asn-db", "", "GeoLite2-ASN or DB-IP ASN .mmdb file")
	return cmd
}

// domainArgs normalises the domain arguments (lower case, no trailing dot)
// and rejects one that is not a valid DNS name as a usage error.
func domainArgs(args []string) ([]string, error) {
	out := make([]string, len(args))
	for i, a := range args {
		d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(a)), ".")
		if err := resolver.ValidateName(d); err != nil {
			return nil, usageErr(err)
		}
		out[i] = d
	}
	return out, nil
}

// providerFailure says why provider exits 3.
func providerFailure(missing, unknown, total int) error {
	var parts []string
	if missing > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d domains do not exist or could not be looked up", missing, total))
	}
	if unknown > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d domains could not be fully checked (DNS errors; see \"unknown\" in the report)", unknown, total))
	}
	return errors.New(strings.Join(parts, "; "))
}

// providerFormats are the formats provider writes.
func providerFormats() []format.Format {
	return []format.Format{format.Table, format.JSON, format.Markdown, format.HTML}
}

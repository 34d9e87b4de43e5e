package cli

import (
	"fmt"
	"github.com/mailroute/mailroute/jurisdiction"
	"github.com/mailroute/mailroute/mailbox"
	"net/netip"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailroute/mailroute/analyzer"
	"github.com/mailroute/mailroute/geo"
	"github.com/mailroute/mailroute/operator"
	"github.com/mailroute/mailroute/resolver"
)

// commonFlags are the flags every command that analyses messages shares.
type commonFlags struct {
	home           string
	cityDB, asnDB  string
	maxHeaderBytes int
	resolve        bool
	resolverAddr   string
	dnsTimeout     time.Duration
	quiet          bool
	workers        int
}

func (f *commonFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.home, "home", "EEA", "home jurisdiction: ISO country codes and the groups EU and EEA, comma-separated")
	fl.StringVar(&f.cityDB, "city-db", "", "GeoLite2/GeoIP2/DB-IP City or Country .mmdb file")
	fl.StringVar(&f.asnDB, "asn-db", "", "GeoLite2-ASN or DB-IP ASN .mmdb file")
	fl.IntVar(&f.maxHeaderBytes, "max-header-bytes", mailbox.DefaultMaxHeaderBytes, "largest header section read per message")
	fl.BoolVar(&f.resolve, "resolve", false, "look up relays in DNS (PTR with forward confirmation, A/AAAA of unaddressed relays); sends DNS queries")
	fl.StringVar(&f.resolverAddr, "resolver", "", "DNS server HOST:PORT for --resolve (default: the first nameserver in /etc/resolv.conf)")
	fl.DurationVar(&f.dnsTimeout, "dns-timeout", 2*time.Second, "timeout of one DNS query")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no warnings or progress on standard error")
	fl.IntVar(&f.workers, "workers", 0, "messages analysed in parallel (default: number of CPUs)")
	_ = cmd.MarkFlagFilename("city-db", "mmdb")
	_ = cmd.MarkFlagFilename("asn-db", "mmdb")
}

// setup is what analysing messages needs, built from the flags.
type setup struct {
	opts     analyzer.Options
	db       *geo.DB
	warnings []string
}

func (s *setup) Close() {
	if s.db != nil {
		s.db.Close()
	}
}

func (f *commonFlags) setup(env Env) (*setup, error) {
	home, db, err := openHomeGeo(env, f.home, f.cityDB, f.asnDB)
	if err != nil {
		return nil, err
	}
	ops, err := operator.Builtin()
	if err != nil {
		db.Close()
		return nil, err
	}
	s := &setup{db: db, warnings: db.Warnings(env.Now())}
	s.opts = analyzer.Options{
		MaxHeaderBytes: f.maxHeaderBytes,
		Home:           home,
		Locator:        newLocator(db),
		Internal:       geo.IsInternal,
		Operators:      ops,
	}
	if f.resolve {
		c, err := resolver.New(resolver.Options{Server: f.resolverAddr, Timeout: f.dnsTimeout})
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("--resolve: %w", err)
		}
		s.opts.Resolver = c
	}
	return s, nil
}

// openHomeGeo parses --home and opens the geolocation data: what every
// command that classes addresses needs.
func openHomeGeo(env Env, home, cityDB, asnDB string) (jurisdiction.Home, *geo.DB, error) {
	h, err := jurisdiction.ParseHome(home)
	if err != nil {
		return jurisdiction.Home{}, nil, usageErr(err)
	}
	db, err := openGeo(env, cityDB, asnDB)
	if err != nil {
		return jurisdiction.Home{}, nil, err
	}
	return h, db, nil
}

func openGeo(env Env, cityDB, asnDB string) (*geo.DB, error) {
	opts := geo.OptionsFromEnv(env.Getenv)
	opts.CityDB, opts.ASNDB = cityDB, asnDB
	db, err := geo.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("geolocation data: %w", err)
	}
	return db, nil
}

// locator adapts geo.DB to analyzer.Locator.
type locator struct {
	db *geo.DB
	// sources caches the converted Location.Source lists: geo shares one
	// Sources slice per combination of databases, so a few conversions
	// serve every look-up (keyed by the slice's first element).
	sources *sync.Map // *geo.Source -> []analyzer.DataSource
}

func newLocator(db *geo.DB) locator { return locator{db: db, sources: &sync.Map{}} }

// Locate implements analyzer.Locator.
func (l locator) Locate(addr netip.Addr) analyzer.Location {
	g := l.db.Lookup(addr)
	loc := analyzer.Location{
		Country:     g.Country,
		CountryName: g.CountryName,
		City:        g.City,
		ASN:         g.ASN,
		ASOrg:       g.ASOrg,
		Source:      []analyzer.DataSource{},
	}
	if len(g.Sources) == 0 {
		return loc
	}
	if src, ok := l.sources.Load(&g.Sources[0]); ok {
		loc.Source = src.([]analyzer.DataSource)
		return loc
	}
	src := make([]analyzer.DataSource, len(g.Sources))
	for i, s := range g.Sources {
		src[i] = analyzer.DataSource{Name: s.Name, Type: s.Type, Built: s.Built}
	}
	l.sources.Store(&g.Sources[0], src)
	loc.Source = src
	return loc
}

func usageErr(err error) error { return &exitError{code: ExitError, err: err} }

package cli

import (
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailroute/mailroute/analyzer"
	"github.com/mailroute/mailroute/geo"
	"github.com/mailroute/mailroute/jurisdiction"
	"github.com/mailroute/mailroute/mailbox"
	"github.com/mailroute/mailroute/operator"
	"github.com/mailroute/mailroute/placement"
	"github.com/mailroute/mailroute/resolver"
)

// commonFlags are the flags every command that analyses messages shares.
type commonFlags struct {
	home           string
	cityDB, asnDB  string
	maxHeaderBytes int
	resolve        bool
	dns            dnsFlags
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
	f.dns.register(cmd, "for --resolve ")
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
	places, err := placement.Builtin()
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
		Placements:     places,
		Domains:        analyzer.NewDomainCache(0),
	}
	if err := f.dns.check(); err != nil {
		s.Close()
		return nil, err
	}
	if f.resolve {
		c, err := f.dns.client()
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("--resolve: %w", err)
		}
		s.opts.Resolver = c
	}
	return s, nil
}

// dnsFlags are the DNS flags of every command that can send DNS queries
// (trace and scan with --resolve, provider): one definition, one default.
type dnsFlags struct {
	server  string
	timeout time.Duration
}

// register adds --resolver and --dns-timeout; what says when they apply
// ("for --resolve ", or "" when always).
func (d *dnsFlags) register(cmd *cobra.Command, what string) {
	fl := cmd.Flags()
	fl.StringVar(&d.server, "resolver", "", "DNS server HOST:PORT "+what+"(default: the first nameserver in /etc/resolv.conf)")
	fl.DurationVar(&d.timeout, "dns-timeout", resolver.DefaultTimeout, "timeout of one DNS query")
}

// check validates the flags without sending anything: a resolver address
// without a valid port or a timeout that is not positive is a usage error.
func (d *dnsFlags) check() error {
	if d.server != "" {
		if _, err := resolver.ParseServer(d.server); err != nil {
			return usageErr(fmt.Errorf("--resolver: %w", err))
		}
	}
	if d.timeout <= 0 {
		return usageErr(fmt.Errorf("--dns-timeout %s: want a positive duration such as 2s", d.timeout))
	}
	return nil
}

// client validates the flags and returns the DNS client they describe.
func (d *dnsFlags) client() (*resolver.Client, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	c, err := resolver.New(resolver.Options{Server: d.server, Timeout: d.timeout})
	if err != nil {
		return nil, fmt.Errorf("resolver: %w", err)
	}
	return c, nil
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
		Latitude:    g.Latitude,
		Longitude:   g.Longitude,
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

// registerOutput adds the -o flag: write the output to a file instead of
// standard output.
func registerOutput(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVarP(p, "output", "o", "", "write the output to `FILE` (created atomically) instead of standard output")
}

// output is where a command writes its result: standard output, or a file
// written under a temporary name and renamed into place by Commit, so that
// a failed or interrupted run leaves no half-written file.
type output struct {
	io.Writer
	path string
	tmp  *os.File
}

// openOutput returns standard output when path is empty, else a temporary
// file beside path.
func openOutput(path string, stdout io.Writer) (*output, error) {
	if path == "" {
		return &output{Writer: stdout}, nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, usageErr(fmt.Errorf("output %s: %w", path, err))
	}
	return &output{Writer: tmp, path: path, tmp: tmp}, nil
}

// Commit renames the temporary file to its name; for standard output it
// does nothing.
func (o *output) Commit() error {
	if o.tmp == nil {
		return nil
	}
	tmp := o.tmp
	o.tmp = nil
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("output %s: %w", o.path, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("output %s: %w", o.path, err)
	}
	if err := os.Rename(tmp.Name(), o.path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("output %s: %w", o.path, err)
	}
	return nil
}

// Abort removes the temporary file unless Commit ran.
func (o *output) Abort() {
	if o.tmp != nil {
		o.tmp.Close()
		os.Remove(o.tmp.Name())
		o.tmp = nil
	}
}

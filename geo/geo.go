// Package geo answers where an IP address is (country, city) and who routes
// it (autonomous system), and always says which data answered and how old it
// is.
//
// It reads any GeoIP2-format database (MaxMind GeoLite2/GeoIP2 City, Country,
// ASN, ISP and Enterprise; DB-IP lite city, country and ASN, which share the
// schema) and falls back to a country-level data set embedded in the binary
// (IP2Location LITE through github.com/phuslu/iploc) when no location
// database is found. Addresses that are not globally reachable (IsInternal)
// are never looked up. Look-ups are cached per address and safe for
// concurrent use.
//
// Open finds databases in this order, separately for location and ASN data:
// the explicit files of Options (command-line flags), the directory
// Options.Dir (the MAILROUTE_GEOIP_DIR environment variable), the directories
// geoipupdate writes to (DefaultSearchDirs), and for location data the
// embedded set.
package geo

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path"
	"path/filepath"
	"time"
)

// Source types.
const (
	TypeMMDB     = "mmdb"     // a GeoIP2-format database file
	TypeEmbedded = "embedded" // data compiled into the binary
)

// DefaultCacheSize is the number of addresses a DB with a database file
// caches when Options.CacheSize is zero.
const DefaultCacheSize = 1 << 16

// EnvDir is the environment variable OptionsFromEnv reads into Options.Dir.
const EnvDir = "MAILROUTE_GEOIP_DIR"

// maxAgeMonths is how old data may be before Warnings complains.
const maxAgeMonths = 6

// Source is one data set that answered a look-up.
type Source struct {
	Name  string    // database type, e.g. "GeoLite2-City", "DBIP-City-Lite", "iploc (IP2Location LITE)"
	Type  string    // TypeMMDB or TypeEmbedded
	Path  string    // file path; empty for embedded data and databases given as bytes
	Built time.Time // build time of the data (UTC); zero when unknown
}

// Location is what the data knows about one address. Empty fields are
// unknown.
type Location struct {
	Country     string // ISO 3166-1 alpha-2, upper case; "" unknown
	CountryName string // English name when the data has one
	City        string // English name when the data has one
	// Latitude and Longitude are the coordinates a City database gives for
	// the network (WGS 84 degrees), nil when the data has none (Country
	// databases, the embedded data). The values are shared between cached
	// results: do not modify them.
	Latitude, Longitude *float64
	ASN                 uint         // autonomous system number; 0 unknown
	ASOrg               string       // autonomous system organisation
	InEU                bool         // the data says the country is in the European Union
	Network             netip.Prefix // the network the answer applies to, when the data says
	Internal            bool         // not globally reachable (IsInternal); nothing else is set
	// Sources are the data sets that answered (location data first), empty
	// when none had data. The slice is shared between results: do not modify
	// it.
	Sources []Source
}

// Options says where Open looks for databases.
type Options struct {
	// CityDB and ASNDB are database files named explicitly (command-line
	// flags). A file that cannot be opened, or that holds the wrong kind of
	// data, is an error. CityDB may be any location database (City, Country
	// or Enterprise); ASNDB an ASN or ISP database.
	CityDB, ASNDB string
	// Dir is a directory to search first (from MAILROUTE_GEOIP_DIR). It must
	// exist when set.
	Dir string
	// SearchDirs are searched after Dir; missing ones are skipped. Nil means
	// DefaultSearchDirs(); an empty non-nil slice searches nothing.
	SearchDirs []string
	// NoEmbedded disables the embedded country data (for tests).
	NoEmbedded bool
	// CacheSize caps the number of cached addresses: 0 means
	// DefaultCacheSize when a database file is open and no cache for the
	// embedded data alone; negative disables the cache.
	CacheSize int
}

// fileNames returns the well-known database file names for role in
// preference order. Patterns with '*' match dated DB-IP downloads
// (dbip-city-lite-2026-11.mmdb); among several matches the last by name (the
// newest) is tried first.
func fileNames(r role) []string {
	if r == roleASN {
		return []string{"GeoLite2-ASN.mmdb", "GeoIP2-ISP.mmdb", "dbip-asn-lite*.mmdb"}
	}
	return []string{
		"GeoLite2-City.mmdb", "GeoIP2-City.mmdb", "dbip-city-lite*.mmdb",
		"GeoLite2-Country.mmdb", "GeoIP2-Country.mmdb", "dbip-country-lite*.mmdb",
	}
}

// DefaultSearchDirs returns the directories geoipupdate writes to on common
// systems (Linux distributions, /usr/local installs, Homebrew), in search
// order.
func DefaultSearchDirs() []string {
	return []string{
		"/usr/share/GeoIP",
		"/var/lib/GeoIP",
		"/usr/local/share/GeoIP",
		"/usr/local/var/GeoIP",
		"/opt/homebrew/var/GeoIP",
	}
}

// OptionsFromEnv returns Options with Dir taken from the MAILROUTE_GEOIP_DIR
// variable as returned by getenv (usually os.Getenv).
func OptionsFromEnv(getenv func(string) string) Options {
	return Options{Dir: getenv(EnvDir)}
}

// DB answers look-ups from the databases Open found. It is safe for
// concurrent use.
type DB struct {
	loc      *reader // location data; nil when none
	asn      *reader // ASN data; nil when none
	embedded bool    // loc is nil and the embedded data answers

	srcLoc, srcASN, srcBoth []Source // shared Location.Sources values
	notes                   []string // problems met while opening
	cache                   cache
}

// Open finds and opens the databases opts names or that lie in the searched
// directories. Close the DB when done.
func Open(opts Options) (*DB, error) {
	db := &DB{}
	if err := db.open(opts); err != nil {
		db.Close()
		return nil, err
	}
	db.finish(opts.CacheSize)
	return db, nil
}

func (db *DB) open(opts Options) error {
	if opts.CityDB != "" {
		r, err := openReader(opts.CityDB, roleLocation)
		if err != nil {
			return err
		}
		db.loc = r
	}
	if opts.ASNDB != "" {
		r, err := openReader(opts.ASNDB, roleASN)
		if err != nil {
			return err
		}
		db.asn = r
	}
	dirs := opts.SearchDirs
	if dirs == nil {
		dirs = DefaultSearchDirs()
	}
	if opts.Dir != "" {
		if _, err := os.ReadDir(opts.Dir); err != nil {
			return fmt.Errorf("geoip directory %s: %w", opts.Dir, err)
		}
		dirs = append([]string{opts.Dir}, dirs...)
	}
	for _, dir := range dirs {
		if db.loc != nil && db.asn != nil {
			break
		}
		db.searchDir(dir)
	}
	if db.loc == nil && !opts.NoEmbedded {
		db.embedded = true
	}
	return nil
}

// searchDir opens the best databases in dir for the roles still missing.
// Problems become notes: a default directory must not stop the run.
func (db *DB) searchDir(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			db.notes = append(db.notes, fmt.Sprintf("skipped geoip directory %s: %v", dir, err))
		}
		return
	}
	if db.loc == nil {
		db.loc = db.firstOpen(dir, entries, roleLocation)
	}
	if db.asn == nil {
		db.asn = db.firstOpen(dir, entries, roleASN)
	}
}

// firstOpen returns the first database among entries, in the preference
// order of fileNames, that opens and serves role.
func (db *DB) firstOpen(dir string, entries []os.DirEntry, role role) *reader {
	for _, pat := range fileNames(role) {
		for i := len(entries) - 1; i >= 0; i-- { // ReadDir sorts by name: newest dated file first
			e := entries[i]
			if ok, _ := path.Match(pat, e.Name()); !ok || e.IsDir() {
				continue
			}
			p := filepath.Join(dir, e.Name())
			r, err := openReader(p, role)
			if err != nil {
				db.notes = append(db.notes, fmt.Sprintf("skipped %v", err))
				continue
			}
			return r
		}
	}
	return nil
}

// OpenBytes opens databases held in memory (for tests): city is any location
// database, asn an ASN or ISP database; either may be nil. The embedded data
// is never used. The byte slices must not be modified afterwards.
func OpenBytes(city, asn []byte) (*DB, error) {
	db := &DB{}
	for _, x := range []struct {
		data []byte
		role role
		dst  **reader
	}{{city, roleLocation, &db.loc}, {asn, roleASN, &db.asn}} {
		if x.data == nil {
			continue
		}
		r, err := newReader(x.data, x.role)
		if err != nil {
			db.Close()
			return nil, err
		}
		*x.dst = r
	}
	db.finish(0)
	return db, nil
}

// finish prepares the shared source lists and the cache.
func (db *DB) finish(cacheSize int) {
	var loc, asn []Source
	switch {
	case db.loc != nil:
		loc = []Source{db.loc.src}
	case db.embedded:
		loc = []Source{embeddedSource()}
	}
	if db.asn != nil {
		asn = []Source{db.asn.src}
	}
	db.srcLoc, db.srcASN = loc, asn
	db.srcBoth = append(append([]Source(nil), loc...), asn...)
	if cacheSize == 0 {
		cacheSize = DefaultCacheSize
		if db.loc == nil && db.asn == nil {
			// The embedded data alone answers about as fast as the
			// cache (BenchmarkLookupUncachedEmbedded against
			// BenchmarkLookupCached), and a full cache is most of
			// a scan's live heap, which the collector marks again
			// and again: no cache.
			cacheSize = -1
		}
	}
	db.cache.init(cacheSize)
}

// Sources returns the data sets the DB uses, location data first.
func (db *DB) Sources() []Source {
	return append([]Source(nil), db.srcBoth...)
}

// Warnings returns one line per problem worth telling the user: databases
// skipped while searching and data older than six months at now.
func (db *DB) Warnings(now time.Time) []string {
	out := append([]string(nil), db.notes...)
	for _, s := range db.srcBoth {
		if s.Built.IsZero() || !now.After(s.Built.AddDate(0, maxAgeMonths, 0)) {
			continue
		}
		age := fmt.Sprintf("is %d months old (built %s)", monthsBetween(s.Built, now), s.Built.UTC().Format(time.DateOnly))
		switch {
		case s.Type == TypeEmbedded:
			out = append(out, fmt.Sprintf("embedded %s %s; install a current GeoLite2 or DB-IP database (geoipupdate) or rebuild mailroute", s.Name, age))
		case s.Path != "":
			out = append(out, fmt.Sprintf("%s at %s %s; run geoipupdate", s.Name, s.Path, age))
		default:
			out = append(out, fmt.Sprintf("%s %s", s.Name, age))
		}
	}
	return out
}

// monthsBetween returns the number of whole calendar months from a to b.
func monthsBetween(a, b time.Time) int {
	a, b = a.UTC(), b.UTC()
	m := (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
	if b.Day() < a.Day() {
		m--
	}
	return m
}

// Close releases the database files. The DB must not be used afterwards;
// closing it again does nothing.
func (db *DB) Close() error {
	var errs []error
	for _, r := range []**reader{&db.loc, &db.asn} {
		if *r != nil {
			if err := (*r).db.Close(); err != nil {
				errs = append(errs, fmt.Errorf("close %s: %w", (*r).src.Name, err))
			}
			*r = nil
		}
	}
	return errors.Join(errs...)
}

// Lookup returns what the data knows about addr. Internal addresses return
// Location{Internal: true} without consulting any data; an invalid addr
// returns the zero Location. Results are cached per address.
func (db *DB) Lookup(addr netip.Addr) Location {
	if !addr.IsValid() {
		return Location{}
	}
	addr = addr.Unmap().WithZone("")
	if loc := db.cache.get(addr); loc != nil {
		return *loc
	}
	if IsInternal(addr) {
		return Location{Internal: true}
	}
	loc := db.lookup(addr)
	db.cache.put(addr, loc)
	return loc
}

// lookup asks the data about a public, unmapped addr without the cache.
func (db *DB) lookup(addr netip.Addr) Location {
	var loc Location
	var hasLoc, hasASN bool
	switch {
	case db.loc != nil:
		hasLoc = db.loc.location(addr, &loc)
	case db.embedded:
		hasLoc = embeddedLocation(addr, &loc)
	}
	if db.asn != nil {
		hasASN = db.asn.asNumber(addr, &loc)
	}
	switch {
	case hasLoc && hasASN:
		loc.Sources = db.srcBoth
	case hasLoc:
		loc.Sources = db.srcLoc
	case hasASN:
		loc.Sources = db.srcASN
	}
	return loc
}

// normCountry returns code upper-cased when it is an ISO 3166-1 alpha-2
// code, or "" for unknown and placeholder values ("ZZ", "XX", "--").
func normCountry(code string) string {
	if len(code) != 2 {
		return ""
	}
	b := [2]byte{upper(code[0]), upper(code[1])}
	if b[0] < 'A' || b[0] > 'Z' || b[1] < 'A' || b[1] > 'Z' || b == [2]byte{'Z', 'Z'} || b == [2]byte{'X', 'X'} {
		return ""
	}
	if b[0] == code[0] && b[1] == code[1] {
		return code // already upper case: no new string
	}
	return string(b[:])
}

// upper returns c upper-cased if it is an ASCII letter.
func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

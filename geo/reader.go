package geo

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/oschwald/geoip2-golang/v2"
)

// role is what a database is used for.
type role int

const (
	roleLocation role = iota
	roleASN
)

func (r role) String() string {
	if r == roleASN {
		return "ASN"
	}
	return "location"
}

// kind is the look-up method a database type supports.
type kind int

const (
	kindNone kind = iota
	kindCity
	kindCountry
	kindEnterprise // location and ASN
	kindASN
	kindISP
)

// kindOf picks the look-up method from a database type name, e.g.
// "GeoLite2-City", "DBIP-Country-Lite", "DBIP-ASN-Lite (compat=GeoLite2-ASN)",
// "DBIP-ISP (compat=Enterprise)".
func kindOf(dbType string) kind {
	switch {
	case strings.Contains(dbType, "Enterprise"):
		return kindEnterprise
	case strings.Contains(dbType, "ISP"):
		return kindISP
	case strings.Contains(dbType, "ASN"):
		return kindASN
	case strings.Contains(dbType, "City"), strings.Contains(dbType, "Location"):
		return kindCity
	case strings.Contains(dbType, "Country"):
		return kindCountry
	}
	return kindNone
}

// serves reports whether a database of kind k can be used for role r.
func (k kind) serves(r role) bool {
	switch r {
	case roleLocation:
		return k == kindCity || k == kindCountry || k == kindEnterprise
	case roleASN:
		return k == kindASN || k == kindISP || k == kindEnterprise
	}
	return false
}

// reader is one open GeoIP2-format database.
type reader struct {
	db       *geoip2.Reader
	kind     kind
	ipv4Only bool
	src      Source
}

// openReader opens the database file at path for role.
func openReader(path string, r role) (*reader, error) {
	db, err := geoip2.Open(path)
	if err != nil {
		if db != nil {
			db.Close()
		}
		return nil, fmt.Errorf("open geoip database %s: %w", path, err)
	}
	rd, err := classify(db, r)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("geoip database %s: %w", path, err)
	}
	rd.src.Path = path
	return rd, nil
}

// newReader opens a database held in memory for role.
func newReader(data []byte, r role) (*reader, error) {
	db, err := geoip2.OpenBytes(data)
	if err != nil {
		if db != nil {
			db.Close()
		}
		return nil, fmt.Errorf("open %s database: %w", r, err)
	}
	rd, err := classify(db, r)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("%s database: %w", r, err)
	}
	return rd, nil
}

// classify checks that db serves role and describes it.
func classify(db *geoip2.Reader, r role) (*reader, error) {
	md := db.Metadata()
	k := kindOf(md.DatabaseType)
	if !k.serves(r) {
		return nil, fmt.Errorf("database type %q has no %s data", md.DatabaseType, r)
	}
	var built time.Time
	if md.BuildEpoch != 0 {
		built = time.Unix(int64(md.BuildEpoch), 0).UTC()
	}
	return &reader{
		db:       db,
		kind:     k,
		ipv4Only: md.IPVersion == 4,
		src:      Source{Name: md.DatabaseType, Type: TypeMMDB, Built: built},
	}, nil
}

// location fills the location fields of loc from the database and reports
// whether it had data for addr. Look-up errors (corrupt data) count as no
// data.
func (r *reader) location(addr netip.Addr, loc *Location) bool {
	if r.ipv4Only && !addr.Is4() {
		return false
	}
	switch r.kind {
	case kindCity:
		rec, err := r.db.City(addr)
		if err != nil || rec == nil || !rec.HasData() {
			return false
		}
		setCountry(loc, rec.Country.ISOCode, rec.Country.Names.English, rec.Country.IsInEuropeanUnion)
		loc.City = rec.City.Names.English
		loc.Network = rec.Traits.Network
		if rec.Location.HasCoordinates() {
			lat, lon := *rec.Location.Latitude, *rec.Location.Longitude
			loc.Latitude, loc.Longitude = &lat, &lon
		}
	case kindCountry:
		rec, err := r.db.Country(addr)
		if err != nil || rec == nil || !rec.HasData() {
			return false
		}
		setCountry(loc, rec.Country.ISOCode, rec.Country.Names.English, rec.Country.IsInEuropeanUnion)
		loc.Network = rec.Traits.Network
	case kindEnterprise:
		rec, err := r.db.Enterprise(addr)
		if err != nil || rec == nil || !rec.HasData() {
			return false
		}
		setCountry(loc, rec.Country.ISOCode, rec.Country.Names.English, rec.Country.IsInEuropeanUnion)
		loc.City = rec.City.Names.English
		loc.Network = rec.Traits.Network
		if rec.Location.HasCoordinates() {
			lat, lon := *rec.Location.Latitude, *rec.Location.Longitude
			loc.Latitude, loc.Longitude = &lat, &lon
		}
		loc.ASN = rec.Traits.AutonomousSystemNumber
		loc.ASOrg = rec.Traits.AutonomousSystemOrganization
	default:
		return false
	}
	return true
}

// asNumber fills ASN and ASOrg of loc from the database and reports whether
// it had data for addr. Network is set when the location data did not set
// it.
func (r *reader) asNumber(addr netip.Addr, loc *Location) bool {
	if r.ipv4Only && !addr.Is4() {
		return false
	}
	var (
		num     uint
		org     string
		network netip.Prefix
	)
	switch r.kind {
	case kindASN:
		rec, err := r.db.ASN(addr)
		if err != nil || rec == nil || !rec.HasData() {
			return false
		}
		num, org, network = rec.AutonomousSystemNumber, rec.AutonomousSystemOrganization, rec.Network
	case kindISP:
		rec, err := r.db.ISP(addr)
		if err != nil || rec == nil || !rec.HasData() {
			return false
		}
		num, org, network = rec.AutonomousSystemNumber, rec.AutonomousSystemOrganization, rec.Network
		if org == "" {
			org = rec.ISP
		}
	case kindEnterprise:
		var l Location
		if !r.location(addr, &l) || (l.ASN == 0 && l.ASOrg == "") {
			return false
		}
		num, org, network = l.ASN, l.ASOrg, l.Network
	default:
		return false
	}
	if num == 0 && org == "" {
		return false
	}
	loc.ASN, loc.ASOrg = num, org
	if !loc.Network.IsValid() {
		loc.Network = network
	}
	return true
}

// setCountry sets the country fields of loc.
func setCountry(loc *Location, code, name string, inEU bool) {
	loc.Country = normCountry(code)
	loc.CountryName = name
	loc.InEU = inEU
}

package geo

import (
	"net/netip"
	"strings"
	"time"

	"github.com/phuslu/iploc"
)

// embeddedName names the embedded country data in Source.Name.
const embeddedName = "iploc (IP2Location LITE)"

// embeddedSource describes the embedded data. Its build date comes from the
// iploc module version, whose last part is the data date: "v1.0.20260915"
// means 2026-09-15.
func embeddedSource() Source {
	return Source{Name: embeddedName, Type: TypeEmbedded, Built: versionDate(iploc.Version)}
}

// versionDate returns the date in the last dot-separated part of a version
// such as "v1.0.20260915", or the zero time.
func versionDate(v string) time.Time {
	s := v[strings.LastIndexByte(v, '.')+1:]
	t, err := time.Parse("20060102", s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// embeddedLocation sets the country of loc from the embedded data and
// reports whether the data knew it.
func embeddedLocation(addr netip.Addr, loc *Location) bool {
	c := normCountry(iploc.IPCountry(addr))
	if c == "" {
		return false
	}
	loc.Country = c
	return true
}

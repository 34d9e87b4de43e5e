// Package jurisdiction says which data-protection regime a country falls
// under for a user in a given home jurisdiction: the home set, membership of
// the EU and the EEA, and the Commission's adequacy decisions (Art. 45 GDPR).
// Countries are ISO 3166-1 alpha-2 codes, as geolocation databases give them.
package jurisdiction

import (
	"fmt"
	"slices"
	"strings"

	"golang.org/x/text/language"
)

// Class is the data-protection class of a location relative to the user's
// home jurisdiction.
type Class string

// Classes, from nearest to farthest.
const (
	ClassHome     Class = "home"          // in the home jurisdiction
	ClassEUEEA    Class = "eu-eea"        // in the EU/EEA, outside home
	ClassAdequate Class = "adequate"      // outside the EU/EEA, with an adequacy decision
	ClassThird    Class = "third-country" // outside the EU/EEA, without one
	ClassInternal Class = "internal"      // a private or reserved address: not located
	ClassUnknown  Class = "unknown"       // a public address that could not be located
)

// euMembers are the 27 member states of the European Union (ISO 3166-1
// alpha-2; Greece is GR, not the EU's "EL").
var euMembers = [...]string{
	"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
	"IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
}

// eeaOnly are the EEA members outside the EU.
var eeaOnly = [...]string{"IS", "LI", "NO"}

// Home is the user's home jurisdiction: a set of ISO country codes.
// The zero Home is empty; use ParseHome.
type Home struct {
	label string
	codes []string // sorted, upper case
	set   codeSet  // codes, for Contains
}

// codeSet is a set of two-letter upper-case codes, one bit per code: a
// node's country is tested against the home, the EU and the EEA for every
// node of every message, and a bit test costs less than a search.
type codeSet [(26*26 + 63) / 64]uint64

// codeIndex returns the bit of a two-letter upper-case code, or -1 for
// anything else.
func codeIndex(code string) int {
	if len(code) != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z' {
		return -1
	}
	return int(code[0]-'A')*26 + int(code[1]-'A')
}

// newCodeSet returns the set of codes; codes other than two upper-case
// letters are left out (they can never be asked about).
func newCodeSet(codes ...string) codeSet {
	var s codeSet
	for _, c := range codes {
		if i := codeIndex(c); i >= 0 {
			s[i/64] |= 1 << (i % 64)
		}
	}
	return s
}

// has reports whether code is in s.
func (s *codeSet) has(code string) bool {
	i := codeIndex(code)
	return i >= 0 && s[i/64]&(1<<(i%64)) != 0
}

// euSet and eeaSet are euMembers, and euMembers with eeaOnly, as sets
// (read-only).
var (
	euSet  = newCodeSet(euMembers[:]...)
	eeaSet = newCodeSet(slices.Concat(euMembers[:], eeaOnly[:])...)
)

// ParseHome parses a comma-separated list of ISO 3166-1 alpha-2 country codes
// and the groups EU and EEA, e.g. "DE", "EU", "DE,AT,CH". A code that is not
// an assigned ISO 3166-1 country (XX, the EU's own EL and UK, an empty
// element) is an error that names it.
func ParseHome(s string) (Home, error) {
	var codes []string
	var labels []string
	for part := range strings.SplitSeq(s, ",") {
		p := strings.ToUpper(strings.TrimSpace(part))
		switch {
		case p == "":
			return Home{}, fmt.Errorf("home jurisdiction %q: empty country code; want ISO 3166-1 alpha-2 country codes, EU or EEA", s)
		case p == "EU":
			codes = append(codes, euMembers[:]...)
		case p == "EEA":
			codes = append(codes, euMembers[:]...)
			codes = append(codes, eeaOnly[:]...)
		default:
			if err := checkCountry(p); err != nil {
				return Home{}, fmt.Errorf("home jurisdiction %q: %w", part, err)
			}
			codes = append(codes, p)
		}
		labels = append(labels, p)
	}
	slices.Sort(codes)
	codes = slices.Compact(codes)
	return Home{label: strings.Join(labels, ","), codes: codes, set: newCodeSet(codes...)}, nil
}

// String returns the home jurisdiction as given, e.g. "EEA" or "DE,AT".
func (h Home) String() string { return h.label }

// Contains reports whether the country code belongs to the home jurisdiction.
func (h Home) Contains(country string) bool { return h.set.has(country) }

// checkCountry accepts an assigned ISO 3166-1 alpha-2 country code in upper
// case. golang.org/x/text/language knows the CLDR region registry: private
// use codes (XX, AA, ZZ), macro-regions and the exceptional reservations
// that are no ISO country (UK, EU, UN, EZ) have no ISO 3166-1 alpha-3 code,
// and withdrawn codes (YU, CS, FX) canonicalise to their successor.
func checkCountry(code string) error {
	switch code {
	case "UK":
		return fmt.Errorf("UK is not an ISO 3166-1 code; the United Kingdom is GB")
	case "EL":
		return fmt.Errorf("EL is the EU's abbreviation; the ISO 3166-1 code of Greece is GR")
	}
	want := "want an ISO 3166-1 alpha-2 country code, EU or EEA"
	if len(code) != 2 {
		return fmt.Errorf("%q is not a two-letter code; %s", code, want)
	}
	r, err := language.ParseRegion(code)
	if err != nil || !r.IsCountry() || r.ISO3() == "ZZZ" {
		return fmt.Errorf("%q is not an assigned ISO 3166-1 country code; %s", code, want)
	}
	if c := r.Canonicalize(); c != r {
		return fmt.Errorf("%q is a withdrawn ISO 3166-1 code; use %s", code, c)
	}
	return nil
}

// InEU reports whether the ISO country code is a member state of the EU.
func InEU(country string) bool { return euSet.has(country) }

// InEEA reports whether the ISO country code is a member of the EU or EEA.
func InEEA(country string) bool { return eeaSet.has(country) }

// OutsideEEA reports whether a known country is outside the EU/EEA, whatever
// the home jurisdiction; an unknown country ("") is not.
func OutsideEEA(country string) bool { return country != "" && !InEEA(country) }

// ThirdCountry reports whether a known country is outside the EU/EEA and has
// no whole-country adequacy decision, whatever the home jurisdiction.
func ThirdCountry(country string) bool {
	return OutsideEEA(country) && !AdequacyFor(country).Adequate
}

// Classify returns the class of a location in the given country. Internal
// addresses are ClassInternal; an unknown country is ClassUnknown.
func (h Home) Classify(country string, internal bool) Class {
	switch {
	case internal:
		return ClassInternal
	case country == "":
		return ClassUnknown
	case h.Contains(country):
		return ClassHome
	case InEEA(country):
		return ClassEUEEA
	case AdequacyFor(country).Adequate:
		return ClassAdequate
	default:
		return ClassThird
	}
}

// Note returns an explanation for a country's class when one is due (the
// partial US adequacy), or "".
func (h Home) Note(country string) string {
	if h.Contains(country) || InEEA(country) {
		return ""
	}
	return AdequacyFor(country).Note
}

// IsZero reports whether h is the zero Home, which contains no country.
func (h Home) IsZero() bool { return len(h.codes) == 0 }

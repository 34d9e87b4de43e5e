package analyzer

import (
	"fmt"
	"slices"
	"strings"
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
}

// ParseHome parses a comma-separated list of ISO 3166-1 alpha-2 country codes
// and the groups EU and EEA, e.g. "DE", "EU", "DE,AT,CH". An empty string
// means EEA.
func ParseHome(s string) (Home, error) {
	if strings.TrimSpace(s) == "" {
		s = "EEA"
	}
	var codes []string
	var labels []string
	for part := range strings.SplitSeq(s, ",") {
		p := strings.ToUpper(strings.TrimSpace(part))
		switch {
		case p == "":
			continue
		case p == "EU":
			codes = append(codes, euMembers[:]...)
		case p == "EEA":
			codes = append(codes, euMembers[:]...)
			codes = append(codes, eeaOnly[:]...)
		case len(p) == 2 && p[0] >= 'A' && p[0] <= 'Z' && p[1] >= 'A' && p[1] <= 'Z':
			codes = append(codes, p)
		default:
			return Home{}, fmt.Errorf("home jurisdiction %q: want ISO 3166-1 alpha-2 country codes, EU or EEA", part)
		}
		labels = append(labels, p)
	}
	if len(codes) == 0 {
		return Home{}, fmt.Errorf("home jurisdiction %q: no country given", s)
	}
	slices.Sort(codes)
	return Home{label: strings.Join(labels, ","), codes: slices.Compact(codes)}, nil
}

// String returns the home jurisdiction as given, e.g. "EEA" or "DE,AT".
func (h Home) String() string { return h.label }

// Contains reports whether the country code belongs to the home jurisdiction.
func (h Home) Contains(country string) bool {
	_, ok := slices.BinarySearch(h.codes, country)
	return ok
}

// InEEA reports whether the ISO country code is a member of the EU or EEA.
func InEEA(country string) bool {
	return slices.Contains(euMembers[:], country) || slices.Contains(eeaOnly[:], country)
}

// Classify returns the jurisdiction class of a node in the given country.
// Internal addresses are JurisdictionInternal; an unknown country is
// JurisdictionUnknown.
func (h Home) Classify(country string, internal bool) Jurisdiction {
	switch {
	case internal:
		return JurisdictionInternal
	case country == "":
		return JurisdictionUnknown
	case h.Contains(country):
		return JurisdictionHome
	case InEEA(country):
		return JurisdictionEUEEA
	case adequacyFor(country).Adequate:
		return JurisdictionAdequate
	default:
		return JurisdictionThird
	}
}

// Note returns an explanation for a country's class when one is due (the
// partial US adequacy), or "".
func (h Home) Note(country string) string {
	if h.Contains(country) || InEEA(country) {
		return ""
	}
	return adequacyFor(country).Note
}

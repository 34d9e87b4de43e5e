package jurisdiction

// AdequacyAsOf is the date on which the adequacy list below was last checked
// against its source.
//
// Source: European Commission, "Adequacy decisions – How the EU determines if
// a non-EU country has an adequate level of data protection",
// https://commission.europa.eu/law/law-topic/data-protection/international-dimension-data-protection/adequacy-decisions_en
// (Art. 45 GDPR). Update this file, and its date, when the Commission adopts or
// withdraws a decision.
const AdequacyAsOf = "2026-11-01"

// Adequacy is the status of a non-EU/EEA country under Art. 45 GDPR.
type Adequacy struct {
	Adequate bool   // whole-country adequacy: transfers need no further safeguards
	Note     string // what limits or qualifies the decision, if anything
}

// AdequacyFor returns the adequacy status of an ISO country code. It is a
// switch rather than a package-level map so the data stays immutable.
func AdequacyFor(country string) Adequacy {
	switch country {
	case "AD", // Andorra
		"AR", // Argentina
		"FO", // Faroe Islands
		"GG", // Guernsey
		"IL", // Israel
		"IM", // Isle of Man
		"JP", // Japan (private sector, APPI)
		"JE", // Jersey
		"NZ", // New Zealand
		"KR", // Republic of Korea
		"CH", // Switzerland
		"GB", // United Kingdom (GDPR and LED decisions, renewed 2025)
		"UY": // Uruguay
		return Adequacy{Adequate: true}
	case "CA":
		return Adequacy{Adequate: true, Note: "Canada: the adequacy decision covers commercial organisations subject to PIPEDA"}
	case "US":
		return Adequacy{Adequate: false, Note: "United States: the EU-US Data Privacy Framework decision (2023) covers only organisations certified under it; a relay's operator is not known to be certified, so the US is classed third-country"}
	}
	return Adequacy{}
}

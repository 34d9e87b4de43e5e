package filtering

import (
	"slices"
	"strconv"
	"strings"
)

// readEOP reads Microsoft Exchange Online Protection's fields. The codes are
// those Microsoft documents under "Anti-spam message headers in Microsoft
// 365". The -Untrusted fields are the sending tenant's own stamps, merged
// separately.
func readEOP(name, v string, f *Finding) {
	if strings.HasSuffix(name, "-untrusted") {
		f.mergeKey = EngineEOP + " untrusted"
		f.Codes = append(f.Codes, Code{Name: "stamp", Raw: "untrusted", Meaning: "written for the sending Microsoft 365 organisation, not the recipient's"})
	}
	switch name {
	case "x-ms-exchange-organization-scl", "x-ms-exchange-crosspremises-scl":
		scl(f, strings.TrimSpace(v))
		return
	}
	// A part gives one code at most: allocate them at once rather than
	// growing (an X-Forefront-Antispam-Report gives about ten).
	f.Codes = slices.Grow(f.Codes, strings.Count(v, ";")+1)
	sfv := false
	for part := range strings.SplitSeq(v, ";") {
		k, val, ok := strings.Cut(part, ":")
		if !ok {
			continue
		}
		k, val = strings.ToUpper(strings.TrimSpace(k)), strings.TrimSpace(val)
		switch k {
		case "SCL":
			if !sfv {
				scl(f, val)
			} else {
				f.Codes = append(f.Codes, Code{Name: "SCL", Raw: val, Meaning: sclMeaning(val)})
			}
		case "SFV":
			if verdict, meaning, ok := sfvCode(val); ok {
				f.Verdict, sfv = verdict, true
				f.Codes = append(f.Codes, Code{Name: "SFV", Raw: val, Meaning: meaning})
			} else {
				f.Codes = append(f.Codes, Code{Name: "SFV", Raw: val, Meaning: "unknown filtering verdict"})
				f.Warnings = append(f.Warnings, name+": unknown SFV code "+strconv.Quote(clip(val, 20)))
			}
		case "CAT":
			f.Codes = append(f.Codes, Code{Name: "CAT", Raw: val, Meaning: eopCategory(val)})
		case "IPV":
			f.Codes = append(f.Codes, Code{Name: "IPV", Raw: val, Meaning: ipvMeaning(val)})
		case "CIP":
			f.Codes = append(f.Codes, Code{Name: "CIP", Raw: val, Meaning: "connecting IP address"})
		case "CTRY":
			if val != "" {
				f.Codes = append(f.Codes, Code{Name: "CTRY", Raw: val, Meaning: "country of the connecting IP address"})
			}
		case "PTR":
			if val != "" {
				f.Codes = append(f.Codes, Code{Name: "PTR", Raw: val, Meaning: "reverse DNS name of the connecting IP address"})
			}
		case "H":
			f.Codes = append(f.Codes, Code{Name: "H", Raw: val, Meaning: "HELO name of the connecting server"})
		case "DIR":
			m := "direction"
			switch strings.ToUpper(val) {
			case "INB":
				m = "inbound"
			case "OUT":
				m = "outbound"
			case "INT":
				m = "internal"
			}
			f.Codes = append(f.Codes, Code{Name: "DIR", Raw: val, Meaning: m})
		case "SRV":
			if strings.EqualFold(val, "BULK") {
				f.Codes = append(f.Codes, Code{Name: "SRV", Raw: val, Meaning: "bulk mail"})
			}
		case "BCL":
			f.Codes = append(f.Codes, Code{Name: "BCL", Raw: val, Meaning: bclMeaning(val)})
		}
	}
}

// scl sets the verdict from a spam confidence level.
func scl(f *Finding, v string) {
	f.Codes = append(f.Codes, Code{Name: "SCL", Raw: v, Meaning: sclMeaning(v)})
	n, err := strconv.Atoi(v)
	switch {
	case err != nil || n < -1 || n > 9:
		f.Warnings = append(f.Warnings, "SCL: unknown value "+strconv.Quote(clip(v, 20)))
	case n <= 4:
		f.Verdict = NotSpam
	default:
		f.Verdict = Spam
	}
}

func sclMeaning(v string) string {
	switch v {
	case "-1":
		return "not spam: filtering skipped (trusted sender or mail flow rule)"
	case "0", "1", "2", "3", "4":
		return "not spam"
	case "5", "6":
		return "spam"
	case "7", "8", "9":
		return "high-confidence spam"
	}
	return "unknown spam confidence level"
}

func sfvCode(v string) (Verdict, string, bool) {
	switch strings.ToUpper(v) {
	case "NSPM":
		return NotSpam, "not spam", true
	case "SPM":
		return Spam, "spam", true
	case "BLK":
		return Spam, "blocked: sender on a blocked-senders list", true
	case "SFE":
		return NotSpam, "filtering skipped: sender on a safe-senders list", true
	case "SKA":
		return NotSpam, "filtering skipped: sender allowed by policy", true
	case "SKB":
		return Spam, "blocked by policy (blocked sender or domain)", true
	case "SKI":
		return NotSpam, "filtering skipped: intra-organisation message", true
	case "SKN":
		return NotSpam, "marked not spam by a mail flow rule", true
	case "SKQ":
		return Unknown, "released from quarantine", true
	case "SKS":
		return Spam, "marked spam by a mail flow rule", true
	}
	return Unknown, "", false
}

func eopCategory(v string) string {
	switch strings.ToUpper(v) {
	case "NONE":
		return "no category"
	case "BULK":
		return "bulk mail"
	case "SPM":
		return "spam"
	case "HSPM":
		return "high-confidence spam"
	case "PHSH":
		return "phishing"
	case "HPHSH", "HPHISH":
		return "high-confidence phishing"
	case "SPOOF":
		return "spoofing"
	case "DIMP":
		return "domain impersonation"
	case "UIMP":
		return "user impersonation"
	case "GIMP":
		return "mailbox intelligence impersonation"
	case "MALW":
		return "malware"
	case "AMP":
		return "anti-malware"
	case "SAP":
		return "safe attachments"
	case "OSPM":
		return "outbound spam"
	case "INTOS":
		return "intra-organisation phishing"
	case "FTBP":
		return "filtered attachment type"
	}
	return "unknown category"
}

func ipvMeaning(v string) string {
	switch strings.ToUpper(v) {
	case "NLI":
		return "IP address on no reputation list"
	case "CAL":
		return "IP address allowed by connection filter"
	}
	return "unknown IP reputation code"
}

func bclMeaning(v string) string {
	n, err := strconv.Atoi(v)
	switch {
	case err != nil || n < 0 || n > 9:
		return "unknown bulk complaint level"
	case n == 0:
		return "not from a bulk sender"
	case n <= 3:
		return "bulk sender with few complaints"
	case n <= 7:
		return "bulk sender with mixed complaints"
	}
	return "bulk sender with many complaints"
}

package filtering

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// family is one engine's set of header fields.
type family struct {
	engine   string
	operator string
	kind     Kind
	gateway  bool
	reader   reader
}

// reader says which function reads a family's fields. It is a switch in
// readStamp rather than a function value in family: a call through a
// function value makes the finding escape to the heap, one allocation per
// field in a scan.
type reader int

const (
	readsNothing reader = iota
	readsSpamAssassin
	readsRspamd
	readsEOP
	readsGmail
	readsGroups
	readsProofpoint
	readsMimecast
	readsIronPort
	readsBarracuda
	readsSpamExperts
	readsVirus
)

var (
	famSpamAssassin = &family{engine: EngineSpamAssassin, kind: KindSpam, reader: readsSpamAssassin}
	famRspamd       = &family{engine: EngineRspamd, kind: KindSpam, reader: readsRspamd}
	famEOP          = &family{engine: EngineEOP, operator: "Microsoft", kind: KindSpam, reader: readsEOP}
	famGmail        = &family{engine: EngineGmail, operator: "Google", kind: KindSpam, reader: readsGmail}
	famGroups       = &family{engine: EngineGoogleGroups, operator: "Google", kind: KindSpam, reader: readsGroups}
	famProofpoint   = &family{engine: EngineProofpoint, operator: "Proofpoint", kind: KindSpam, gateway: true, reader: readsProofpoint}
	famMimecast     = &family{engine: EngineMimecast, operator: "Mimecast", kind: KindSpam, gateway: true, reader: readsMimecast}
	famIronPort     = &family{engine: EngineIronPort, operator: "Cisco", kind: KindSpam, gateway: true, reader: readsIronPort}
	famBarracuda    = &family{engine: EngineBarracuda, operator: "Barracuda", kind: KindSpam, gateway: true, reader: readsBarracuda}
	famSophos       = &family{engine: EngineSophos, operator: "Sophos", kind: KindSpam, gateway: true, reader: readsNothing}
	famSpamExperts  = &family{engine: EngineSpamExperts, operator: "N-able", kind: KindSpam, gateway: true, reader: readsSpamExperts}
	famVirus        = &family{engine: EngineVirusScan, kind: KindVirus, reader: readsVirus}
	famAuth         = &family{engine: EngineAuthResults, kind: KindAuth}
)

// rules maps field names to families; the first match wins, so specific
// names come before the prefixes that also cover them.
var rules = []rule{
	{"authentication-results", false, famAuth},
	{"arc-authentication-results", false, famAuth},
	{"arc-seal", false, famAuth},
	{"x-forefront-antispam-report", false, famEOP},
	{"x-forefront-antispam-report-untrusted", false, famEOP},
	{"x-microsoft-antispam", false, famEOP},
	{"x-microsoft-antispam-untrusted", false, famEOP},
	{"x-ms-exchange-organization-scl", false, famEOP},
	{"x-ms-exchange-crosspremises-scl", false, famEOP},
	{"x-gm-spam", false, famGmail},
	{"x-gm-phishy", false, famGmail},
	{"x-spam-checked-in-group", false, famGroups},
	{"x-spamd-", true, famRspamd},
	{"x-rspamd", true, famRspamd},
	{"x-spamexperts-", true, famSpamExperts},
	{"x-spampanel-", true, famSpamExperts},
	{"x-spam", false, famSpamAssassin},
	{"x-spam-", true, famSpamAssassin},
	{"x-proofpoint-", true, famProofpoint},
	{"x-mimecast-", true, famMimecast},
	{"x-ironport-", true, famIronPort},
	{"ironport-", true, famIronPort},
	{"x-barracuda-", true, famBarracuda},
	{"x-sophos-", true, famSophos},
	{"x-amavis-", true, famVirus},
	{"x-virus-scanned", false, famVirus},
	{"x-virus-status", false, famVirus},
}

// readStamp reads a field of a spam or virus family, called name (lower
// case), into f, with the codes appended to codes.
func readStamp(fam *family, name, v string, f *Finding, codes []Code) {
	*f = Finding{Engine: fam.engine, Operator: fam.operator, Kind: fam.kind, Gateway: fam.gateway, mergeKey: fam.engine, Codes: codes}
	v = strings.TrimSpace(v)
	switch fam.reader {
	case readsSpamAssassin:
		readSpamAssassin(name, v, f)
	case readsRspamd:
		readRspamd(name, v, f)
	case readsEOP:
		readEOP(name, v, f)
	case readsGmail:
		readGmail(name, v, f)
	case readsGroups:
		readGroups(name, v, f)
	case readsProofpoint:
		readProofpoint(name, v, f)
	case readsMimecast:
		readMimecast(name, v, f)
	case readsIronPort:
		readIronPort(name, v, f)
	case readsBarracuda:
		readBarracuda(name, v, f)
	case readsSpamExperts:
		readSpamExperts(name, v, f)
	case readsVirus:
		readVirus(name, v, f)
	}
}

// number reads a decimal number at the start of s ("8.2 (++++++++)").
func number(s string) (*float64, bool) {
	s = strings.TrimSpace(s)
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == '.' || (end == 0 && (s[end] == '-' || s[end] == '+'))) {
		end++
	}
	x, err := strconv.ParseFloat(s[:end], 64)
	if err != nil || end == 0 {
		return nil, false
	}
	return &x, true
}

// setScore sets f.Score from s, warning when s is not a number.
func setScore(f *Finding, field, s string) {
	if x, ok := number(s); ok {
		f.Score = x
	} else {
		f.Warnings = append(f.Warnings, field+": unreadable score "+strconv.Quote(clip(s, 40)))
	}
}

// yesNo reads a Yes/No flag as a spam verdict.
func yesNo(f *Finding, field, s string) {
	w, _, _ := strings.Cut(strings.TrimSpace(s), ",")
	switch strings.ToLower(strings.TrimSpace(w)) {
	case "yes", "true", "1":
		f.Verdict = Spam
	case "no", "false", "0":
		f.Verdict = NotSpam
	default:
		f.Verdict = Unknown
		f.Warnings = append(f.Warnings, field+": unreadable flag "+strconv.Quote(clip(s, 40)))
	}
}

// kv returns the value of key in "k1=v1 k2=v2" or "k1=v1, k2=v2" text.
// It scans bytes: the separators are ASCII, and no byte of a multi-byte
// rune is, so this splits as strings.FieldsFunc would, without its rune
// decoding (kv runs several times per stamp field).
func kv(s, key string) (string, bool) {
	for {
		i := 0
		for i < len(s) && isKVSep(s[i]) {
			i++
		}
		if i == len(s) {
			return "", false
		}
		j := i
		for j < len(s) && !isKVSep(s[j]) {
			j++
		}
		w := s[i:j]
		s = s[j:]
		// Every key is lower-case ASCII and starts with a letter: a word
		// starting with another ASCII byte cannot match (a non-ASCII one
		// can, U+212A folds to k).
		if c := w[0]; c < utf8.RuneSelf && c|0x20 != key[0] {
			continue
		}
		if k, v, ok := strings.Cut(w, "="); ok && strings.EqualFold(k, key) {
			return v, true
		}
	}
}

func isKVSep(c byte) bool { return c == ' ' || c == '\t' || c == ',' || c == ';' }

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// readSpamAssassin reads SpamAssassin's fields (and the same fields as other
// software writes them, e.g. exim's spam= condition).
func readSpamAssassin(name, v string, f *Finding) {
	switch name {
	case "x-spam-status":
		// "Yes, score=8.2 required=5.0 tests=... autolearn=no version=3.4.6"
		yesNo(f, name, v)
		if s, ok := kv(v, "score"); ok {
			setScore(f, name, s)
		} else if s, ok := kv(v, "hits"); ok {
			setScore(f, name, s)
		}
		if s, ok := kv(v, "required"); ok {
			if x, ok := number(s); ok {
				f.Threshold = x
			}
		}
		if s, ok := kv(v, "version"); ok {
			f.Codes = append(f.Codes, Code{Name: "version", Raw: s, Meaning: "SpamAssassin version"})
		}
	case "x-spam-flag", "x-spam":
		yesNo(f, name, v)
	case "x-spam-score":
		setScore(f, name, v)
	case "x-spam-level":
		n := strings.Count(v, "*") + strings.Count(v, "+")
		if n > 0 && n == len(strings.TrimSpace(v)) {
			f.Codes = append(f.Codes, Code{Name: "level", Raw: v, Meaning: "score at least " + strconv.Itoa(n)})
		}
	case "x-spam-checker-version":
		// "SpamAssassin 3.4.6 (2021-04-09) on mx.example.org"
		if i := strings.LastIndex(v, " on "); i >= 0 {
			f.Host = hostWord(v[i+4:])
		}
		if w0, w1, ok := firstWords(v); ok && strings.EqualFold(w0, "SpamAssassin") {
			f.Codes = append(f.Codes, Code{Name: "version", Raw: w1, Meaning: "SpamAssassin version"})
		}
	case "x-spam-report":
		// "Spam detection software, running on the system "host", has NOT
		// identified this incoming email as spam."
		if _, rest, ok := strings.Cut(v, `running on the system "`); ok {
			h, _, _ := strings.Cut(rest, `"`)
			f.Host = hostWord(h)
		} else if _, rest, ok := strings.Cut(v, "Spam Filtering performed by "); ok {
			f.Host = hostWord(strings.TrimRight(firstWord(rest), "."))
		}
		switch {
		case strings.Contains(v, "has NOT identified this incoming email as spam"):
			f.Verdict = NotSpam
		case strings.Contains(v, "has identified this incoming email as possible spam"):
			f.Verdict = Spam
		}
	}
}

// hostWord returns s if it looks like a host name, else "".
func hostWord(s string) string {
	s = strings.TrimRight(strings.TrimSpace(s), ".")
	if s == "" || len(s) > 253 || strings.ContainsAny(s, " \t\"'<>()[];,") {
		return ""
	}
	return strings.ToLower(s)
}

// readRspamd reads rspamd's fields.
func readRspamd(name, v string, f *Finding) {
	switch name {
	case "x-spamd-result", "x-rspamd-result":
		// "default: False [13.27 / 25.00]; SYMBOL(score)[...]; ..."
		if _, rest, ok := strings.Cut(v, "["); ok {
			sc, th, _ := strings.Cut(rest, "/")
			if x, ok := number(sc); ok {
				f.Score = x
			}
			if x, ok := number(th); ok {
				f.Threshold = x
			}
		}
		if _, b, ok := strings.Cut(v, ":"); ok {
			if w, _, _ := firstWords(b); strings.EqualFold(w, "true") {
				f.Verdict = Spam
			}
		}
		if f.Score == nil {
			f.Warnings = append(f.Warnings, name+": no score [score / required]")
		}
	case "x-rspamd-status":
		yesNo(f, name, v)
		if s, ok := kv(v, "score"); ok {
			setScore(f, name, s)
		}
	case "x-rspamd", "x-rspamd-spam":
		yesNo(f, name, v)
	case "x-rspamd-score":
		setScore(f, name, v)
	case "x-rspamd-server":
		f.Host = hostWord(v)
	case "x-rspamd-action", "x-rspamd-pre-result":
		a := v
		if name == "x-rspamd-pre-result" {
			a, _ = kv(strings.ReplaceAll(v, "add header", "add_header"), "action")
			a = strings.ReplaceAll(a, "_", " ")
		}
		a = strings.ToLower(strings.TrimSpace(a))
		f.Codes = append(f.Codes, Code{Name: "action", Raw: a, Meaning: rspamdAction(a)})
		switch a {
		case "no action":
			f.Verdict = NotSpam
		case "add header", "rewrite subject", "reject", "quarantine", "discard":
			f.Verdict = Spam
		}
	}
}

func rspamdAction(a string) string {
	switch a {
	case "no action":
		return "delivered as not spam"
	case "add header", "rewrite subject":
		return "marked as spam"
	case "reject", "discard", "quarantine":
		return "spam, not delivered normally"
	case "greylist", "soft reject":
		return "delayed (temporary rejection)"
	}
	return "unknown action"
}

// readGmail reads X-Gm-Spam and X-Gm-Phishy (0 or 1).
func readGmail(name, v string, f *Finding) {
	what := "spam"
	if name == "x-gm-phishy" {
		what = "phishing"
	}
	switch v {
	case "0":
		f.Verdict = NotSpam
		f.Codes = append(f.Codes, Code{Name: name, Raw: v, Meaning: "not " + what})
	case "1":
		f.Verdict = Spam
		f.Codes = append(f.Codes, Code{Name: name, Raw: v, Meaning: what})
	default:
		f.Warnings = append(f.Warnings, name+": unknown value "+strconv.Quote(clip(v, 40)))
	}
}

func readGroups(name, v string, f *Finding) {
	f.Codes = append(f.Codes, Code{Name: "group", Raw: v, Meaning: "checked for spam by Google Groups for this group"})
}

// readProofpoint reads X-Proofpoint-* fields.
func readProofpoint(name, v string, f *Finding) {
	switch name {
	case "x-proofpoint-spam-details":
		// "rule=notspam policy=default score=0 ... spamscore=0 ... engine=8.12.0-..."
		f.Codes = slices.Grow(f.Codes, 4) // rule and the three scores
		if r, ok := kv(v, "rule"); ok {
			r = strings.ToLower(r)
			f.Codes = append(f.Codes, Code{Name: "rule", Raw: r, Meaning: proofpointRule(r)})
			switch {
			case strings.Contains(r, "notspam"), strings.Contains(r, "safe"):
				f.Verdict = NotSpam
			case strings.Contains(r, "spam"), strings.Contains(r, "phish"), strings.Contains(r, "malware"):
				f.Verdict = Spam
			}
		} else {
			f.Warnings = append(f.Warnings, name+": no rule=")
		}
		if s, ok := kv(v, "spamscore"); ok {
			setScore(f, name, s)
		}
		for _, k := range []string{"phishscore", "malwarescore", "bulkscore"} {
			if s, ok := kv(v, k); ok {
				f.Codes = append(f.Codes, Code{Name: k, Raw: s, Meaning: strings.TrimSuffix(k, "score") + " score (0-100)"})
			}
		}
	case "x-proofpoint-spam-reason":
		f.Codes = append(f.Codes, Code{Name: "reason", Raw: v, Meaning: "Proofpoint spam reason"})
	case "x-proofpoint-virus-version":
		if s, ok := kv(v, "vendor"); ok {
			f.Codes = append(f.Codes, Code{Name: "virus-vendor", Raw: s, Meaning: "virus scanning engine vendor"})
		}
	}
}

func proofpointRule(r string) string {
	switch {
	case strings.Contains(r, "notspam"):
		return "not spam"
	case strings.Contains(r, "spam"):
		return "spam"
	}
	return "Proofpoint rule"
}

func readMimecast(name, v string, f *Finding) {
	if name == "x-mimecast-spam-score" {
		setScore(f, name, v)
	}
}

func readIronPort(name, v string, f *Finding) {
	switch name {
	case "x-ironport-anti-spam-filtered":
		f.Codes = append(f.Codes, Code{Name: "anti-spam-filtered", Raw: v, Meaning: "passed the IronPort anti-spam filter"})
	case "x-ironport-av":
		for k, val := range tags(v) {
			if k == "e" {
				f.Codes = append(f.Codes, Code{Name: "av-engine", Raw: tagValue(val), Meaning: "virus scanning engine"})
			}
		}
	case "x-ironport-outbreak-status":
		f.Codes = append(f.Codes, Code{Name: "outbreak-status", Raw: v, Meaning: "IronPort outbreak filter"})
	}
}

func readBarracuda(name, v string, f *Finding) {
	switch name {
	case "x-barracuda-spam-status":
		// "No, SCORE=3.20 using global scores of TAG_LEVEL=1000.0 QUARANTINE_LEVEL=1000.0 KILL_LEVEL=5.0 tests=..."
		yesNo(f, name, v)
		if s, ok := kv(v, "score"); ok {
			setScore(f, name, s)
		}
		if s, ok := kv(v, "kill_level"); ok {
			if x, ok := number(s); ok {
				f.Threshold = x
			}
		}
	case "x-barracuda-spam-score":
		setScore(f, name, v)
	case "x-barracuda-spam-flag":
		yesNo(f, name, v)
	case "x-barracuda-url":
		// "https://host:443/cgi-mod/mark.cgi"
		h := strings.TrimPrefix(strings.TrimPrefix(v, "https://"), "http://")
		h, _, _ = strings.Cut(h, "/")
		if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[:i], ":") {
			h = h[:i]
		}
		f.Host = hostWord(h)
	}
}

func readSpamExperts(name, v string, f *Finding) {
	switch {
	case strings.HasSuffix(name, "-class"):
		c := strings.ToLower(v)
		f.Codes = append(f.Codes, Code{Name: strings.TrimPrefix(strings.TrimPrefix(name, "x-spamexperts-"), "x-spampanel-"), Raw: v, Meaning: spamExpertsClass(c)})
		if strings.Contains(name, "outgoing") {
			return // the sender's outgoing filter: not this message's verdict for the recipient
		}
		switch c {
		case "ham", "whitelisted":
			f.Verdict = NotSpam
		case "spam":
			f.Verdict = Spam
		}
	}
}

func spamExpertsClass(c string) string {
	switch c {
	case "ham":
		return "not spam"
	case "whitelisted":
		return "not spam (allow-listed)"
	case "spam":
		return "spam"
	case "unsure":
		return "not sure"
	}
	return "unknown class"
}

// readVirus reads X-Virus-Scanned, X-Virus-Status and X-Amavis-*.
func readVirus(name, v string, f *Finding) {
	switch name {
	case "x-virus-scanned":
		// "by amavisd-new at mx.example.org", "clamav-milter 1.0.7 at host",
		// "ClamAV using ClamSMTP"
		// lastIndexFoldASCII(v, w) >= 0 is strings.Contains(strings.ToLower(v), w)
		// for these words, without building the lower-case copy: the only
		// other runes that lower-case to ASCII letters are U+212A (k, in
		// none of them) and U+0130 (i and a combining dot, which splits
		// the word).
		switch {
		case lastIndexFoldASCII(v, "amavis") >= 0:
			f.Engine = EngineAmavis
		case lastIndexFoldASCII(v, "clam") >= 0:
			f.Engine = EngineClamAV
		case lastIndexFoldASCII(v, "proofpoint") >= 0:
			f.Engine, f.Operator, f.Gateway, f.Kind = EngineProofpoint, "Proofpoint", true, KindSpam
		}
		// The offset is searched in v itself: strings.ToLower may change
		// the length of invalid UTF-8, so an index into a lower-cased v
		// does not fit v (FuzzRead: "\xbe00... At 0" panicked).
		if i := lastIndexFoldASCII(v, " at "); i >= 0 {
			f.Host = hostWord(firstWord(v[i+4:]))
		}
		f.Codes = append(f.Codes, Code{Name: "scanned", Raw: v, Meaning: "scanned for viruses; no result stated"})
	case "x-virus-status":
		f.Engine = EngineClamAV
		switch w := strings.ToLower(firstWord(v)); {
		case w == "clean":
			f.Verdict = Clean
		case strings.HasPrefix(w, "infected"):
			f.Verdict = Infected
		default:
			f.Warnings = append(f.Warnings, name+": unknown status "+strconv.Quote(clip(v, 40)))
		}
	default: // x-amavis-*
		f.Engine = EngineAmavis
		switch name {
		case "x-amavis-alert":
			if strings.HasPrefix(strings.ToUpper(v), "INFECTED") {
				f.Verdict = Infected
			}
			f.Codes = append(f.Codes, Code{Name: "alert", Raw: v, Meaning: "amavis alert"})
		case "x-amavis-modified":
			if i := strings.LastIndex(v, " - "); i >= 0 {
				f.Host = hostWord(v[i+3:])
			}
		}
	}
	f.mergeKey = f.Engine
}

// lastIndexFoldASCII returns the index of the last instance of the ASCII
// string sub in s, compared without regard to ASCII case, or -1.
func lastIndexFoldASCII(s, sub string) int {
	for i := len(s) - len(sub); i >= 0; i-- {
		if s[i]|0x20 == sub[0]|0x20 && strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// firstWord returns the first word of s (split as strings.Fields splits),
// or "x" when s has none: strings.Fields(s + " x")[0] without building
// the slice.
func firstWord(s string) string {
	if w, _ := nextField(s); w != "" {
		return w
	}
	return "x"
}

// firstWords returns the first two words of s (split as strings.Fields
// splits); ok is false when s has fewer than two.
func firstWords(s string) (w0, w1 string, ok bool) {
	w0, s = nextField(s)
	w1, _ = nextField(s)
	return w0, w1, w1 != ""
}

// nextField returns the first word of s, split as strings.Fields splits
// (at unicode.IsSpace), and the rest of s after it; w is "" when s has
// only white space. ASCII bytes are tested without decoding, which is
// what makes it cheaper than strings.FieldsSeq.
func nextField(s string) (w, rest string) {
	i := 0
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if !asciiSpace(c) {
				break
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsSpace(r) {
			break
		}
		i += n
	}
	start := i
	for i < len(s) {
		if c := s[i]; c > ' ' && c < utf8.RuneSelf {
			i++ // the common case: printable ASCII
			continue
		} else if c < utf8.RuneSelf {
			if asciiSpace(c) {
				break
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			break
		}
		i += n
	}
	return s[start:i], s[i:]
}

// asciiSpace reports the ASCII bytes unicode.IsSpace reports.
func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

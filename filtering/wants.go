package filtering

import "strings"

// rule selects header fields by lower-case name: the whole name, or with
// prefix set every name that starts with it. The first rule that matches a
// name decides its family.
type rule struct {
	name   string
	prefix bool
	fam    *family
}

// Wants reports whether Read uses the field called name (case-insensitive),
// so a header reader can keep only those. It does not allocate. It takes a
// string or the name's bytes as the header reader has them.
func Wants[S string | []byte](name S) bool {
	if len(name) < 6 {
		return false
	}
	switch name[0] | 0x20 {
	case 'a', 'x', 'i':
	default:
		return false
	}
	return findRule(name) >= 0
}

// findRule returns the index in rules of the first rule matching name, or -1.
func findRule[S string | []byte](name S) int {
	if len(name) < 6 {
		return -1 // every rule name is 6 bytes or longer (TestRuleNames)
	}
	c := name[2] | 0x20
	if c < 'a' || c > 'z' {
		return -1
	}
	// Only the rules with that letter at index 2, in rules' order.
	for _, i := range rulesByThird[c-'a'] {
		r := &rules[i]
		if len(name) < len(r.name) || (!r.prefix && len(name) != len(r.name)) {
			continue
		}
		if hasPrefixFold(name, r.name) {
			return int(i)
		}
	}
	return -1
}

// rulesByThird lists, for each letter, the indexes in rules of the rules
// whose name has that letter at index 2 ("x-s..."), in order: findRule
// runs twice for every wanted field of a scan and so compares only those.
var rulesByThird = func() (t [26][]uint8) {
	for i, r := range rules {
		c := r.name[2] - 'a'
		t[c] = append(t[c], uint8(i))
	}
	return t
}()

// hasPrefixFold reports whether s starts with the lower-case ASCII prefix,
// ignoring ASCII case.
func hasPrefixFold[S string | []byte](s S, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

// knownNames are the lower-case names of the fields the readers know and
// of common fields of the prefix families they ignore. lowerName returns
// its strings so that the common names are lower-cased without allocating.
var knownNames = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{
		"x-spam-status", "x-spam-flag", "x-spam-score", "x-spam-level", "x-spam-checker-version",
		"x-spam-report", "x-spam-result", "x-spam-processed", "x-spam-prev-subject",
		"x-spamd-result", "x-spamd-bar", "x-spamd-server", "x-spamd-scan-time", "x-spamd-queue-id",
		"x-rspamd-result", "x-rspamd-status", "x-rspamd", "x-rspamd-spam", "x-rspamd-score",
		"x-rspamd-server", "x-rspamd-action", "x-rspamd-pre-result", "x-rspamd-queue-id", "x-rspamd-bar",
		"x-proofpoint-spam-details", "x-proofpoint-spam-reason", "x-proofpoint-virus-version",
		"x-proofpoint-guid", "x-proofpoint-orig-guid",
		"x-mimecast-spam-score", "x-mimecast-spam-signature", "x-mimecast-mfc-agg-id", "x-mimecast-mfc-proc-id",
		"x-ironport-anti-spam-filtered", "x-ironport-anti-spam-result", "x-ironport-av",
		"x-ironport-outbreak-status", "ironport-sdr", "ironport-data", "ironport-hdrordr", "ironport-phdr",
		"x-barracuda-spam-status", "x-barracuda-spam-score", "x-barracuda-spam-flag", "x-barracuda-url",
		"x-barracuda-connect", "x-barracuda-start-time", "x-barracuda-envelope-from", "x-barracuda-scan-msg-size",
		"x-barracuda-bayes", "x-barracuda-spam-report",
		"x-spamexperts-class", "x-spamexperts-evidence", "x-spamexperts-outgoing-class",
		"x-spamexperts-outgoing-evidence", "x-spamexperts-domain", "x-spamexperts-username",
		"x-spamexperts-authenticated", "x-spampanel-class", "x-spampanel-outgoing-class",
		"x-spampanel-domain", "x-spampanel-username", "x-spampanel-outgoing-evidence",
		"x-amavis-alert", "x-amavis-modified", "x-amavis-spam-status", "x-amavis-hold",
	} {
		m[n] = n
	}
	return m
}()

// lowerName returns strings.ToLower(key) for a field that matched rule r.
// It allocates only for a name of a prefix family that is not in
// knownNames: readField runs for every wanted field of a scan.
func lowerName(key string, r *rule) string {
	if !r.prefix {
		// findRule compared the whole name, ASCII byte by byte.
		return r.name
	}
	var buf [64]byte
	if len(key) <= len(buf) {
		b := buf[:len(key)]
		for i := 0; i < len(key); i++ {
			c := key[i]
			if c >= 0x80 {
				return strings.ToLower(key)
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b[i] = c
		}
		if n, ok := knownNames[string(b)]; ok {
			return n
		}
	}
	return strings.ToLower(key)
}

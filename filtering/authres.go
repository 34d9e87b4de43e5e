package filtering

import (
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// AuthResults is one Authentication-Results value as
// github.com/emersion/go-msgauth/authres reads it.
type AuthResults struct {
	ServID string  // the authserv-id; empty when the field has none (Microsoft 365 writes none)
	Checks []Check // the results, in field order
	// Normalised is true when authres could read the value only after the
	// comments were removed or a missing authserv-id was supplied.
	Normalised bool
}

// ParseAuthResults reads an Authentication-Results value (RFC 8601) as
// github.com/emersion/go-msgauth/authres reads it. When the value as
// written cannot be read, it is tried again with comments removed and,
// when the value starts with a result instead of an authserv-id, with an
// empty authserv-id; Normalised says so. The error is authres's, with the
// results read before it.
func ParseAuthResults(v string) (AuthResults, error) {
	var buf1, buf2 [8]Check
	id, cs, err := parseAuthres(v, false, buf1[:0])
	norm := false
	if err != nil {
		n := stripComments(v)
		first, _, _ := strings.Cut(n, ";")
		id2, cs2, err2 := parseAuthres(n, looksLikeResult(first), buf2[:0])
		if err2 == nil || len(cs2) > len(cs) {
			id, cs, err, norm = id2, cs2, err2, true
		}
	}
	ar := AuthResults{ServID: strings.ToLower(strings.TrimSpace(id)), Normalised: norm}
	if len(cs) > 0 {
		ar.Checks = slices.Clone(cs)
	}
	return ar, err
}

// The errors of authres.Parse, with its words.
var (
	errAuthresVersion   = errors.New("msgauth: unsupported version")
	errAuthresMalformed = errors.New("msgauth: malformed authentication method and value")
	errAuthresOldest    = errors.New("invalid header.oldest-pass param: must be >= 1")
)

// parseAuthres is authres.Parse (go-msgauth v0.7.0) followed by check,
// appending the checks to dst: the same split at ";", the same authserv-id
// and version test, the same words and parameters, the same errors. It
// replaces the library because the profile of a scan showed authres as the
// largest cost of reading the filtering evidence (a slice per value and
// per result, a map and an object per result, an error object per comment
// word), while this reads the value in place and allocates nothing.
// FuzzParseAuthResults checks it against the library. With noID the value
// is read as if it started with ";": no authserv-id, every part a result.
//
// One case differs on purpose: authres reads the domain of a sender-id
// result from a "header.*" parameter picked by map order, at random when
// there are several; this takes the last one written.
func parseAuthres(v string, noID bool, dst []Check) (id string, cs []Check, err error) {
	rest := v
	if !noID {
		var part string
		part, rest, _ = strings.Cut(v, ";")
		id = strings.TrimSpace(part)
		if i := strings.IndexFunc(id, unicode.IsSpace); i > 0 {
			if strings.TrimSpace(id[i:]) != "1" {
				return "", nil, errAuthresVersion
			}
			id = id[:i]
		}
		if len(rest) == len(v) { // no ";": no results
			return id, dst, nil
		}
	}
	cs = dst
	for part := range strings.SplitSeq(rest, ";") {
		s := strings.TrimSpace(part)
		if s == "" {
			continue
		}
		c, ok, err := parseAuthresResult(s)
		if err != nil {
			return id, cs, err
		}
		if ok {
			cs = append(cs, c)
		}
	}
	return id, cs, nil
}

// parseAuthresResult is authres's parseResult followed by check; ok is
// false for "none" (no result).
func parseAuthresResult(s string) (c Check, ok bool, err error) {
	var method, value string
	first := true
	// The parameters each method reads; the last one written wins, as in
	// authres's map.
	var reason, mailfrom, helo, hd, hi, hfrom, iprev, senderID, oldest string
	var hasOldest bool
	for rest := s; ; {
		var w string
		if w, rest = nextField(rest); w == "" {
			break
		}
		if first {
			first = false
			if w == "none" {
				return Check{}, false, nil
			}
			k, val, found := strings.Cut(w, "=")
			if !found {
				return Check{}, false, errAuthresMalformed
			}
			method, value = strings.ToLower(k), strings.ToLower(val)
			continue
		}
		k, val, found := strings.Cut(w, "=")
		if !found {
			continue
		}
		k = strings.ToLower(k)
		switch k {
		case "reason":
			reason = val
		case "smtp.mailfrom":
			mailfrom = val
		case "smtp.helo":
			helo = val
		case "header.d":
			hd = val
		case "header.i":
			hi = val
		case "header.from":
			hfrom = val
		case "policy.iprev":
			iprev = val
		case "header.oldest-pass":
			oldest, hasOldest = val, true
		}
		if strings.HasPrefix(k, "header.") {
			senderID = val
		}
	}
	switch method {
	case "spf":
		c = Check{Method: "spf", Reason: reason, Domain: firstOf(mailfrom, helo)}
	case "dkim":
		c = Check{Method: "dkim", Reason: reason, Domain: firstOf(hd, hi)}
	case "dmarc":
		c = Check{Method: "dmarc", Reason: reason, Domain: hfrom}
	case "arc":
		if hasOldest {
			n, err := strconv.Atoi(oldest)
			if err != nil {
				return Check{}, false, fmt.Errorf("invalid header.oldest-pass param: %v", err)
			} else if n <= 0 {
				return Check{}, false, errAuthresOldest
			}
		}
		c = Check{Method: "arc"}
	case "iprev":
		c = Check{Method: "iprev", Reason: reason, Domain: iprev}
	case "auth":
		c = Check{Method: "auth", Reason: reason}
	case "domainkeys":
		c = Check{Method: "domainkeys", Reason: reason, Domain: hd}
	case "sender-id":
		c = Check{Method: "sender-id", Reason: reason, Domain: senderID}
	default:
		c = Check{Method: method, Reason: reason}
	}
	c.Result = authVerdictOfLower(value)
	if c.Result == Unknown || string(c.Result) != value {
		c.Raw = value
	}
	if c.Domain == "none" {
		c.Domain = ""
	}
	return c, true, nil
}

// looksLikeResult reports whether s starts with "method=" rather than an
// authserv-id.
func looksLikeResult(s string) bool {
	s = strings.TrimSpace(s)
	eq := strings.IndexByte(s, '=')
	return eq > 0 && !strings.ContainsAny(s[:eq], " \t")
}

// stripComments removes RFC 5322 comments (nested parentheses, with
// quoted-pairs) outside quoted strings.
func stripComments(s string) string {
	if strings.IndexByte(s, '(') < 0 {
		return s // without comments every byte is kept
	}
	var b strings.Builder
	b.Grow(len(s))
	depth, quoted := 0, false
	for i := 0; i < len(s); i++ {
		if depth == 0 && !quoted {
			// Outside comments and quotes only '"' and '(' change
			// anything: copy the run up to the next one at once.
			n := strings.IndexAny(s[i:], "\"(")
			if n < 0 {
				b.WriteString(s[i:])
				break
			}
			b.WriteString(s[i : i+n])
			i += n
		}
		c := s[i]
		switch {
		case c == '\\' && (depth > 0 || quoted) && i+1 < len(s):
			if depth == 0 {
				b.WriteByte(c)
				b.WriteByte(s[i+1])
			}
			i++
			continue
		case quoted:
			if c == '"' {
				quoted = false
			}
		case c == '"' && depth == 0:
			quoted = true
		case c == '(':
			depth++
			continue
		case c == ')' && depth > 0:
			depth--
			if depth == 0 {
				b.WriteByte(' ')
			}
			continue
		}
		if depth == 0 {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// authVerdictOfLower maps a lower-case RFC 8601 result value (and the
// common extensions) to a Verdict.
func authVerdictOfLower(v string) Verdict {
	switch v {
	case "pass", "bestguesspass":
		return Pass
	case "fail", "hardfail":
		return Fail
	case "softfail":
		return SoftFail
	case "neutral":
		return Neutral
	case "none":
		return None
	case "temperror":
		return TempError
	case "permerror":
		return PermError
	case "policy":
		return Policy
	}
	return Unknown
}

// readAuthResults reads an Authentication-Results field.
func readAuthResults(v string) Finding {
	f := Finding{Engine: EngineAuthResults, Kind: KindAuth}
	ar, err := ParseAuthResults(v)
	f.Checks = ar.Checks
	setServID(&f, "authentication-results", ar.ServID)
	if ar.ServID == "" && (strings.Contains(v, "compauth=") || strings.Contains(v, "(sender IP is")) {
		// Microsoft 365 writes no authserv-id, but its own comments.
		f.Operator = "Microsoft"
	}
	if err != nil {
		f.Warnings = append(f.Warnings, "authentication-results: "+err.Error())
	}
	return f
}

// readARCAuthResults reads an ARC-Authentication-Results field: an ARC
// instance tag, then an Authentication-Results value (RFC 8617 4.1.1).
func readARCAuthResults(v string) Finding {
	f := Finding{Engine: EngineARC, Kind: KindAuth}
	inst, rest, ok := strings.Cut(v, ";")
	if n, okn := arcInstance(inst); ok && okn {
		f.Instance = n
		v = rest
	} else {
		f.Warnings = append(f.Warnings, "arc-authentication-results: no instance tag (i=)")
	}
	ar, err := ParseAuthResults(v)
	f.Checks = ar.Checks
	setServID(&f, "arc-authentication-results", ar.ServID)
	if err != nil {
		f.Warnings = append(f.Warnings, "arc-authentication-results: "+err.Error())
	}
	if f.Instance > 0 {
		f.mergeKey = "arc:" + strconv.Itoa(f.Instance)
	}
	return f
}

func arcInstance(tag string) (int, bool) {
	k, v, ok := strings.Cut(tag, "=")
	if !ok || !strings.EqualFold(strings.TrimSpace(k), "i") {
		return 0, false
	}
	return arcInstanceNumber(v)
}

// arcInstanceNumber reads the value of an ARC instance tag (1 to 1024).
func arcInstanceNumber(v string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 || n > 1024 {
		return 0, false
	}
	return n, true
}

// Tags splits a DKIM-style tag list ("i=1; a=rsa-sha256; cv=none") into
// name/value pairs, names lower-cased, white space removed from values
// (RFC 6376 3.2). Malformed parts are skipped.
func Tags(v string) [][2]string {
	var out [][2]string
	for k, val := range tags(v) {
		out = append(out, [2]string{k, tagValue(val)})
	}
	return out
}

// tags yields the lower-case names and the raw values of a tag list, as
// Tags splits it; tagValue removes the white space from a value. The
// readers use them to clean only the values they keep (an ARC-Seal's long
// b= signature is skipped, not copied).
func tags(v string) iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for part := range strings.SplitSeq(v, ";") {
			k, val, ok := strings.Cut(part, "=")
			k = strings.ToLower(strings.TrimSpace(k))
			if !ok || k == "" {
				continue
			}
			if !yield(k, val) {
				return
			}
		}
	}
}

// tagValue is val without white space, as strings.Join(strings.Fields(val), "")
// gives it; it allocates only when val has white space inside.
func tagValue(val string) string {
	t := strings.TrimSpace(val)
	if strings.IndexFunc(t, unicode.IsSpace) < 0 {
		return t
	}
	return strings.Join(strings.Fields(t), "")
}

// readARCSeal reads an ARC-Seal field: the instance, the chain validation
// status cv= and the sealing domain d= (RFC 8617 4.1.3).
func readARCSeal(v string) Finding {
	f := Finding{Engine: EngineARC, Kind: KindAuth}
	var cv string
	for k, val := range tags(v) {
		switch k {
		case "i":
			if n, ok := arcInstanceNumber(tagValue(val)); ok {
				f.Instance = n
			}
		case "cv":
			cv = strings.ToLower(tagValue(val))
		case "d":
			f.Codes = append(f.Codes, Code{Name: "d", Raw: tagValue(val), Meaning: "sealing domain"})
		}
	}
	c := Check{Method: "arc", Result: Unknown, Raw: cv}
	switch cv {
	case "pass":
		c = Check{Method: "arc", Result: Pass}
	case "fail":
		c = Check{Method: "arc", Result: Fail}
	case "none":
		c = Check{Method: "arc", Result: None, Reason: "first seal of the chain"}
	default:
		f.Warnings = append(f.Warnings, "arc-seal: unknown chain validation status cv="+strconv.Quote(cv))
	}
	c.Method = "arc-seal"
	f.Checks = append(f.Checks, c)
	if f.Instance > 0 {
		f.mergeKey = "arc:" + strconv.Itoa(f.Instance)
	} else {
		f.Warnings = append(f.Warnings, "arc-seal: no valid instance tag (i=)")
	}
	return f
}

// setServID sets the finding's host from an authserv-id that looks like a
// host name, and warns about one that does not.
func setServID(f *Finding, field, id string) {
	f.Host = hostWord(id)
	if f.Host == "" && id != "" {
		f.Warnings = append(f.Warnings, field+": authserv-id is not a host name: "+strconv.Quote(clip(id, 40)))
	}
}

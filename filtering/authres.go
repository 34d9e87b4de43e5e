package filtering

import (
	"iter"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/emersion/go-msgauth/authres"
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

// ParseAuthResults reads an Authentication-Results value (RFC 8601) with
// authres. When authres rejects the value as written, it is tried again
// with comments removed and, when the value starts with a result instead of
// an authserv-id, with an empty authserv-id; Normalised says so. The error
// is authres's, with the results read before it. (A Microsoft 365 value,
// which has no authserv-id, fails the first parse early, at its version
// test; stripComments returns a value without comments as it is.)
func ParseAuthResults(v string) (AuthResults, error) {
	var buf [8]Check
	id, cs, norm, err := parseAuthResults(v, buf[:0])
	ar := AuthResults{ServID: id, Normalised: norm}
	if len(cs) > 0 {
		ar.Checks = slices.Clone(cs)
	}
	return ar, err
}

// parseAuthResults is ParseAuthResults with the checks appended to buf, so
// that a caller can have them on its stack. (It returns no AuthResults: the
// checks in one would escape with its other fields.)
func parseAuthResults(v string, buf []Check) (servID string, cs []Check, norm bool, err error) {
	// Nine in ten real values fail authres as written (a ";" in a comment
	// splits a result, or the authserv-id is missing); when one certainly
	// does, the parse of it is skipped until it is needed: when the
	// normalised value fails too, the results read as written may be more.
	var (
		id  string
		rs  []authres.Result
		raw = !rejectedAsWritten(v)
	)
	if raw {
		id, rs, err = authres.Parse(v)
	}
	if !raw || err != nil {
		n := stripComments(v)
		if first, _, _ := strings.Cut(n, ";"); looksLikeResult(first) {
			n = ";" + n
		}
		id2, rs2, err2 := authres.Parse(n)
		if err2 != nil && !raw {
			id, rs, err = authres.Parse(v)
		}
		if err2 == nil || len(rs2) > len(rs) {
			id, rs, err, norm = id2, rs2, err2, true
		}
	}
	cs = buf
	for _, r := range rs {
		cs = append(cs, check(r))
	}
	return strings.ToLower(strings.TrimSpace(id)), cs, norm, err
}

// The checks and codes of the findings of one Read share a few arrays
// instead of one each: a reader appends to the room left in the shared
// array (roomIn), and what it appended there is then counted in (claim).
// A reader that needs more room gets an array of its own from append.

// roomIn returns an empty slice over the room left in *all, first
// replacing *all by a new array of capacity size when less than least is
// left (the old array stays with the elements in it).
func roomIn[T any](all *[]T, least, size int) []T {
	if cap(*all)-len(*all) < least {
		*all = make([]T, 0, size)
	}
	return (*all)[len(*all):len(*all)]
}

// claim returns got, appended by a reader to a room roomIn gave, capped so
// that appending to it copies, and counts it in *all when it is in that
// room still (append did not move it). An empty got is nil.
func claim[T any](all *[]T, got []T) []T {
	n := len(got)
	if n == 0 {
		return nil
	}
	if room := (*all)[len(*all):cap(*all)]; len(room) >= n && &room[0] == &got[0] {
		*all = (*all)[:len(*all)+n]
	}
	return got[:n:n]
}

// appendChecks appends cs to the checks of the findings of one Read, in
// *all, and returns them there.
func appendChecks(all *[]Check, cs ...Check) []Check {
	return claim(all, append(roomIn(all, len(cs), max(8, len(cs))), cs...))
}

// check converts one authres result.
func check(r authres.Result) Check {
	var c Check
	var v authres.ResultValue
	switch r := r.(type) {
	case *authres.SPFResult:
		c = Check{Method: "spf", Reason: r.Reason, Domain: firstOf(r.From, r.Helo)}
		v = r.Value
	case *authres.DKIMResult:
		c = Check{Method: "dkim", Reason: r.Reason, Domain: firstOf(r.Domain, r.Identifier)}
		v = r.Value
	case *authres.DMARCResult:
		c = Check{Method: "dmarc", Reason: r.Reason, Domain: r.From}
		v = r.Value
	case *authres.ARCResult:
		c = Check{Method: "arc"}
		v = r.Value
	case *authres.IPRevResult:
		c = Check{Method: "iprev", Reason: r.Reason, Domain: r.IP}
		v = r.Value
	case *authres.AuthResult:
		c = Check{Method: "auth", Reason: r.Reason}
		v = r.Value
	case *authres.DomainKeysResult:
		c = Check{Method: "domainkeys", Reason: r.Reason, Domain: r.Domain}
		v = r.Value
	case *authres.SenderIDResult:
		c = Check{Method: "sender-id", Reason: r.Reason, Domain: r.HeaderValue}
		v = r.Value
	case *authres.GenericResult:
		c = Check{Method: r.Method, Reason: r.Params["reason"]}
		v = r.Value
	}
	c.Result = authVerdictOfLower(strings.ToLower(string(v)))
	if c.Result == Unknown || string(c.Result) != string(v) {
		c.Raw = string(v)
	}
	if c.Domain == "none" {
		c.Domain = ""
	}
	return c
}

// rejectedAsWritten reports whether authres.Parse certainly fails on v:
// its authserv-id is followed by a version other than "1", or one of its
// ";"-separated results does not start with "method=value" (nor is
// "none"), as authres reads them. false means authres may read it.
//
// The words are split with nextField, which splits at unicode.IsSpace as
// authres's strings.TrimSpace and strings.Fields do, testing ASCII bytes
// without decoding (refRejectedAsWritten is the code on
// strings.IndexFunc it replaced).
func rejectedAsWritten(v string) bool {
	id, rest, _ := strings.Cut(v, ";")
	// id is trimmed: after its first word comes white space or nothing.
	if _, version := nextField(strings.TrimSpace(id)); version != "" && strings.TrimSpace(version) != "1" {
		return true
	}
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, ";")
		if tok, _ := nextField(part); tok != "" && tok != "none" && strings.IndexByte(tok, '=') < 0 {
			return true
		}
	}
	return false
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

// readState is what the readers of one AppendRead share: the findings'
// checks and the Authentication-Results values parsed so far.
type readState struct {
	checks []Check      // see roomIn and claim
	codes  []Code       // see codesRoom
	auth   [4]authParse // the latest values parsed, in a ring
	nAuth  int          // how many were parsed; auth[nAuth%len(auth)] is the next to go
}

// codesRoom returns the room in st.codes for a reader to append a field's
// codes to; keepCodes claims them. left is the number of fields left to
// read, this one included: most give one code or none, and the room is
// sized for that.
func (st *readState) codesRoom(left int) []Code { return roomIn(&st.codes, 4, min(32, left+3)) }

// keepCodes claims nf's codes in st.codes (see claim).
func (st *readState) keepCodes(nf *Finding) { nf.Codes = claim(&st.codes, nf.Codes) }

// authParse is one parsed Authentication-Results value: an
// ARC-Authentication-Results value often repeats the Authentication-Results
// value of its hop, and is then not parsed again.
type authParse struct {
	v      string // the value, without leading spaces and tabs
	servID string
	checks []Check // in readState.checks
	err    error
}

// parseAuth is parseAuthResults for a field of one Read, with the checks in
// st.checks: a value seen before in this Read is not parsed again. Leading
// spaces and tabs do not change what parseAuthResults returns (authres and
// the normalisation trim the authserv-id and every result), so they are
// cut before comparing (checkLeadingSpace, in the tests and FuzzParseAuthResults).
func (st *readState) parseAuth(v string) (servID string, checks []Check, err error) {
	v = strings.TrimLeft(v, " \t")
	for i := range st.auth[:min(st.nAuth, len(st.auth))] {
		if p := &st.auth[i]; p.v == v {
			return p.servID, p.checks, p.err
		}
	}
	// The checks are appended in place to the room left in st.checks
	// (no buffer to zero and copy from); most values give four at most.
	servID, cs, _, err := parseAuthResults(v, roomIn(&st.checks, 4, 8))
	checks = claim(&st.checks, cs)
	st.auth[st.nAuth%len(st.auth)] = authParse{v: v, servID: servID, checks: checks, err: err}
	st.nAuth++
	return servID, checks, err
}

// readAuthResults reads an Authentication-Results field into f, with its
// checks in st. (The readers fill a finding in place: returning it copied
// its 28 words.)
func readAuthResults(v string, st *readState, f *Finding) {
	*f = Finding{Engine: EngineAuthResults, Kind: KindAuth}
	servID, checks, err := st.parseAuth(v)
	f.Checks = checks
	setServID(f, "authentication-results", servID)
	if servID == "" && (strings.Contains(v, "compauth=") || strings.Contains(v, "(sender IP is")) {
		// Microsoft 365 writes no authserv-id, but its own comments.
		f.Operator = "Microsoft"
	}
	if err != nil {
		f.Warnings = append(f.Warnings, "authentication-results: "+err.Error())
	}
}

// readARCAuthResults reads an ARC-Authentication-Results field: an ARC
// instance tag, then an Authentication-Results value (RFC 8617 4.1.1).
// It fills f, with the checks in st.
func readARCAuthResults(v string, st *readState, f *Finding) {
	*f = Finding{Engine: EngineARC, Kind: KindAuth}
	inst, rest, ok := strings.Cut(v, ";")
	if n, okn := arcInstance(inst); ok && okn {
		f.Instance = n
		v = rest
	} else {
		f.Warnings = append(f.Warnings, "arc-authentication-results: no instance tag (i=)")
	}
	servID, checks, err := st.parseAuth(v)
	f.Checks = checks
	setServID(f, "arc-authentication-results", servID)
	if err != nil {
		f.Warnings = append(f.Warnings, "arc-authentication-results: "+err.Error())
	}
	if f.Instance > 0 {
		f.mergeKey = arcMergeKey(f.Instance)
	}
}

// arcMergeKeys are the merge keys of the first ARC instances, made once:
// a chain has a few, and every message of a scan has a chain.
var arcMergeKeys = func() (k [16]string) {
	for i := range k {
		k[i] = "arc:" + strconv.Itoa(i)
	}
	return k
}()

// arcMergeKey is the merge key of the ARC fields of instance n: "arc:n".
func arcMergeKey(n int) string {
	if n >= 0 && n < len(arcMergeKeys) {
		return arcMergeKeys[n]
	}
	return "arc:" + strconv.Itoa(n)
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
// status cv= and the sealing domain d= (RFC 8617 4.1.3). The check goes
// in *checks (see appendChecks), the codes are appended to codes; f is
// filled in place.
func readARCSeal(v string, checks *[]Check, codes []Code, f *Finding) {
	*f = Finding{Engine: EngineARC, Kind: KindAuth, Codes: codes}
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
	f.Checks = appendChecks(checks, c)
	if f.Instance > 0 {
		f.mergeKey = arcMergeKey(f.Instance)
	} else {
		f.Warnings = append(f.Warnings, "arc-seal: no valid instance tag (i=)")
	}
}

// setServID sets the finding's host from an authserv-id that looks like a
// host name, and warns about one that does not.
func setServID(f *Finding, field, id string) {
	f.Host = hostWord(id)
	if f.Host == "" && id != "" {
		f.Warnings = append(f.Warnings, field+": authserv-id is not a host name: "+strconv.Quote(clip(id, 40)))
	}
}

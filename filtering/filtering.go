// Package filtering reads the header fields that show a message was
// inspected on its way: authentication results (RFC 8601, RFC 8617) and the
// stamps that spam and virus filters add (SpamAssassin, rspamd, Microsoft
// EOP, Gmail, Proofpoint, Mimecast, Cisco IronPort, Barracuda, Sophos,
// SpamExperts, amavis, ClamAV).
//
// The package is pure: it reads field values and returns findings, with
// every code decoded into words and the raw fields kept. It never fails:
// a value it cannot read gives a finding with unknown parts and a warning.
// Raw values are returned as found; escaping them is the renderers' job.
package filtering

import (
	"slices"
	"strings"
)

// Field is one header field, unfolded, as the header reader returns it.
type Field struct {
	Key   string `json:"name"`
	Value string `json:"value"`
}

// Verdict is what a filter or an authentication check concluded.
type Verdict string

// Verdicts of spam and virus filters.
const (
	Spam     Verdict = "spam"
	NotSpam  Verdict = "not-spam"
	Clean    Verdict = "clean"    // a virus scanner found nothing
	Infected Verdict = "infected" // a virus scanner found malware
	Unknown  Verdict = "unknown"  // the field does not say, or says it unreadably
)

// Verdicts of authentication checks (RFC 8601 2.7).
const (
	Pass      Verdict = "pass"
	Fail      Verdict = "fail"
	SoftFail  Verdict = "softfail"
	Neutral   Verdict = "neutral"
	None      Verdict = "none"
	TempError Verdict = "temperror"
	PermError Verdict = "permerror"
	Policy    Verdict = "policy"
)

// Kind says what a finding is about.
type Kind string

// Kinds of finding.
const (
	KindAuth  Kind = "authentication" // SPF, DKIM, DMARC, ARC results
	KindSpam  Kind = "spam"           // spam filtering (often with virus scanning)
	KindVirus Kind = "virus"          // virus scanning
)

// Engine names, as findings carry them.
const (
	EngineAuthResults  = "Authentication-Results"
	EngineARC          = "ARC"
	EngineSpamAssassin = "SpamAssassin"
	EngineRspamd       = "rspamd"
	EngineEOP          = "Microsoft EOP"
	EngineGmail        = "Gmail"
	EngineGoogleGroups = "Google Groups"
	EngineProofpoint   = "Proofpoint"
	EngineMimecast     = "Mimecast"
	EngineIronPort     = "Cisco IronPort"
	EngineBarracuda    = "Barracuda"
	EngineSophos       = "Sophos"
	EngineSpamExperts  = "SpamExperts"
	EngineAmavis       = "amavis"
	EngineClamAV       = "ClamAV"
	EngineVirusScan    = "virus scanner" // an X-Virus-Scanned stamp that names no known engine
)

// Check is one authentication result: a method (spf, dkim, dmarc, arc,
// iprev, compauth, ...) and its result.
type Check struct {
	Method string  `json:"method"`
	Result Verdict `json:"result"`
	// Raw is the result as written, when Result is Unknown or differs from it.
	Raw string `json:"raw,omitempty"`
	// Domain is the domain the check was about (smtp.mailfrom, header.d,
	// header.from), when given.
	Domain string `json:"domain,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// Code is one decoded code of a stamp: the name, the value as written and
// what it means.
type Code struct {
	Name    string `json:"name"`
	Raw     string `json:"raw"`
	Meaning string `json:"meaning"`
}

// Finding is the evidence that one engine inspected the message: one header
// field, or consecutive fields of the same engine run merged.
type Finding struct {
	Engine string `json:"engine"`
	// Operator is the company that ran the engine when the fields tell it
	// (Microsoft for EOP, Proofpoint for Proofpoint, ...); empty when the
	// engine is software anyone can run (SpamAssassin, rspamd, amavis).
	Operator string `json:"operator,omitempty"`
	Kind     Kind   `json:"kind"`
	// Verdict is the engine's conclusion. For authentication results it is
	// the DMARC result, else ARC, DKIM, SPF, in that order.
	Verdict Verdict `json:"verdict"`
	// Score and Threshold are the spam score and the score from which the
	// engine calls a message spam, when stated.
	Score     *float64 `json:"score"`
	Threshold *float64 `json:"threshold"`
	// Host is the reporting host when the field names one: the authserv-id,
	// the host in X-Spam-Checker-Version or "amavisd-new at HOST".
	Host string `json:"host,omitempty"`
	// Gateway is true for third-party security gateways (Proofpoint,
	// Mimecast, IronPort, Barracuda, Sophos, SpamExperts): a company other
	// than the mailbox providers that read the message in clear.
	Gateway bool `json:"gateway"`
	// Instance is the ARC instance (i=), 0 otherwise.
	Instance int     `json:"instance,omitempty"`
	Checks   []Check `json:"checks"`
	Codes    []Code  `json:"codes"`
	// Fields are the raw fields the finding was read from, in header order.
	Fields   []Field  `json:"fields"`
	Warnings []string `json:"warnings"`

	mergeKey string // findings with one key may merge; "" never merges
}

// Read reads the filtering evidence in fields (topmost first, as in the
// header) and returns the findings in header order. Fields it does not
// know are ignored. Consecutive fields of one engine run (X-Spam-Status,
// X-Spam-Score, X-Spam-Flag of one SpamAssassin pass; the EOP fields of one
// Microsoft hop) are merged into one finding; a field name seen again, or
// a different reporting host, starts a new finding.
//
// Read runs for every message of a scan, so it allocates little: the
// findings are built in a buffer on the stack and returned in one slice of
// the right length (or, for more fields than the buffer holds, built in
// place in one slice), and the raw fields of all findings share one array.
func Read(fields []Field) []Finding {
	if len(fields) > 16 {
		// At most one finding per field: no growing, no copy.
		if out := AppendRead(make([]Finding, 0, len(fields)), fields); len(out) > 0 {
			return out
		}
		return nil
	}
	var buf [16]Finding
	out := AppendRead(buf[:0], fields)
	if len(out) == 0 {
		return nil
	}
	return slices.Clone(out)
}

// AppendRead appends the findings Read returns for fields to dst and
// returns the extended slice (dst itself when there are none). A caller
// that copies the findings elsewhere can pass a buffer on its stack and
// save Read's allocation of the result.
func AppendRead(dst []Finding, fields []Field) []Finding {
	return AppendReadInto(dst, fields, nil)
}

// Memory is the memory the findings of one read share: the arrays of
// their checks, codes and raw fields. AppendReadInto reads into the
// Memory of findings no longer in use; the zero Memory is ready for use.
type Memory struct {
	checks []Check
	codes  []Code
	fields []Field
}

// Bounds of what a Memory keeps from one read to the next (arrays grown
// beyond them for one large header are dropped after it).
const (
	maxMemoryChecks = 256
	maxMemoryCodes  = 256
	maxMemoryFields = 128
)

// keep takes over the arrays of st and all, the fields array, as far as
// they are within the bounds.
func (m *Memory) keep(st *readState, all []Field) {
	if cap(st.checks) <= maxMemoryChecks {
		m.checks = st.checks
	}
	if cap(st.codes) <= maxMemoryCodes {
		m.codes = st.codes
	}
	if cap(all) <= maxMemoryFields {
		m.fields = all
	}
}

// AppendReadInto is AppendRead with the findings' checks, codes and raw
// fields in mem's memory, when it has room, and in memory mem keeps for the
// next read otherwise. Nothing of the findings read into mem before may be
// in use any more (they are overwritten). A nil mem is AppendRead.
func AppendReadInto(dst []Finding, fields []Field, mem *Memory) []Finding {
	var groupBuf [64]int
	base := len(dst)
	out := dst
	// group[j] is the index in out[base:] of the finding fields[j] went
	// to, or -1.
	group := groupBuf[:0]
	if len(fields) > len(groupBuf) {
		group = make([]int, 0, len(fields))
	}
	used := 0
	var st readState
	if mem != nil {
		st.checks, st.codes = mem.checks[:0], mem.codes[:0]
	}
	for j, f := range fields {
		// The next slot, not zeroed: readField fills all of it when it
		// reports true (a merged finding's slot is reused so).
		if len(out) < cap(out) {
			out = out[:len(out)+1]
		} else {
			out = append(out, Finding{})
		}
		nf := &out[len(out)-1]
		if !readField(f, nf, &st, len(fields)-j) {
			out = out[:len(out)-1]
			group = append(group, -1)
			continue
		}
		used++
		if i := mergeTarget(out[base:len(out)-1], nf, f.Key, fields[:j], group); i >= 0 {
			merge(&out[base+i], nf, f.Key, &st)
			out = out[:len(out)-1]
			group = append(group, i)
			continue
		}
		group = append(group, len(out)-1-base)
	}
	if len(out) == base {
		if mem != nil {
			mem.keep(&st, mem.fields)
		}
		return out
	}
	// Lay the raw fields out finding by finding in one array; each
	// finding's slice is capped so that appending to it copies.
	var all []Field
	if mem != nil {
		all = mem.fields[:0]
	}
	all = roomIn(&all, used, used)
	for i := range out[base:] {
		start := len(all)
		for j, g := range group {
			if g == i {
				all = append(all, fields[j])
			}
		}
		fd := &out[base+i]
		fd.Fields = all[start:len(all):len(all)]
		fd.normalise()
	}
	if mem != nil {
		mem.keep(&st, all)
	}
	return out
}

// mergeTarget returns the index of the latest finding nf (read from the
// field called key) may merge into, or -1. prev are the fields before nf's
// and group the findings they went to, as in Read.
func mergeTarget(out []Finding, nf *Finding, key string, prev []Field, group []int) int {
	if nf.mergeKey == "" {
		return -1
	}
	for i := len(out) - 1; i >= 0; i-- {
		if out[i].mergeKey != nf.mergeKey {
			continue
		}
		g := &out[i]
		if g.Host != "" && nf.Host != "" && !strings.EqualFold(g.Host, nf.Host) {
			return -1
		}
		for j, f := range prev {
			if group[j] == i && strings.EqualFold(f.Key, key) {
				return -1
			}
		}
		return i
	}
	return -1
}

// merge adds nf's evidence (read from the field called key) to g. The raw
// fields are set by Read. Checks and codes that lie next to each other in
// st's arrays are joined in place.
func merge(g *Finding, nf *Finding, key string, st *readState) {
	if g.Operator == "" {
		g.Operator = nf.Operator
	}
	if g.Host == "" {
		g.Host = nf.Host
	}
	g.Gateway = g.Gateway || nf.Gateway
	if g.Score == nil {
		g.Score = nf.Score
	}
	if g.Threshold == nil {
		g.Threshold = nf.Threshold
	}
	switch {
	case nf.Verdict == Unknown || nf.Verdict == "" || nf.Verdict == g.Verdict:
	case g.Verdict == Unknown || g.Verdict == "":
		g.Verdict = nf.Verdict
	default:
		g.Warnings = append(g.Warnings, "conflicting verdicts: "+string(g.Verdict)+" and "+string(nf.Verdict)+" (from "+key+"); the first is kept")
	}
	g.Checks = join(st.checks, g.Checks, nf.Checks)
	g.Codes = join(st.codes, g.Codes, nf.Codes)
	g.Warnings = join(nil, g.Warnings, nf.Warnings)
}

// join returns append(a, b...) without copying when it can: b itself when
// a is empty (nf's lists are not used after merge), or a and b joined in
// all (see joinAdjacent).
func join[T any](all, a, b []T) []T {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	if j, ok := joinAdjacent(all, a, b); ok {
		return j
	}
	return append(a, b...)
}

// joinAdjacent returns a followed by b without copying when b ends all
// (it is what a reader appended last) and a comes right before it in the
// same array (it was read from the field before); ok is false otherwise.
// The result is capped like a and b, so that appending to it copies.
func joinAdjacent[T any](all, a, b []T) (joined []T, ok bool) {
	end := len(all)
	start := end - len(b) - len(a)
	if len(a) == 0 || len(b) == 0 || start < 0 || &all[end-len(b)] != &b[0] || &all[start] != &a[0] {
		return nil, false
	}
	return all[start:end:end], true
}

// normalise gives empty lists instead of nil and a verdict.
func (f *Finding) normalise() {
	if f.Verdict == "" {
		f.Verdict = Unknown
	}
	if f.Checks == nil {
		f.Checks = []Check{}
	}
	if f.Codes == nil {
		f.Codes = []Code{}
	}
	if f.Warnings == nil {
		f.Warnings = []string{}
	}
	if f.Kind == KindAuth {
		f.Verdict = authVerdict(f.Checks)
	}
}

// authVerdict is the DMARC result, else ARC, DKIM, SPF: the result of the
// first check of the method that comes first in that order, found in one
// pass over cs (refAuthVerdict is the search method by method it replaced).
func authVerdict(cs []Check) Verdict {
	best, v := authRankNone, Unknown
	for i := range cs {
		if r := authRank(cs[i].Method); r < best {
			best, v = r, cs[i].Result
		}
	}
	return v
}

// authRankNone is authRank's rank of the methods authVerdict passes over.
const authRankNone = 5

// authRank is the place of method in authVerdict's order.
func authRank(method string) int {
	switch method {
	case "dmarc":
		return 0
	case "arc":
		return 1
	case "arc-seal":
		return 2
	case "dkim":
		return 3
	case "spf":
		return 4
	}
	return authRankNone
}

// readField reads one wanted field into nf, with the checks of
// authentication fields in st; left is the number of fields left to read,
// f included. It reports false when the field carries no evidence after
// all; when it reports true, it has set all of *nf.
func readField(f Field, nf *Finding, st *readState, left int) bool {
	i := findRule(f.Key)
	if i < 0 {
		return false
	}
	name := lowerName(f.Key, &rules[i])
	switch name {
	case "authentication-results":
		readAuthResults(f.Value, st, nf)
	case "arc-authentication-results":
		readARCAuthResults(f.Value, st, nf)
	case "arc-seal":
		readARCSeal(f.Value, &st.checks, st.codesRoom(left), nf)
		st.keepCodes(nf)
	default:
		readStamp(rules[i].fam, name, f.Value, nf, st.codesRoom(left))
		st.keepCodes(nf)
	}
	return true
}

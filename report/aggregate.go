// Package report aggregates analysed messages into one row per sending
// provider (or another grouping key) and renders that table as text,
// Markdown, CSV or JSON Lines. Aggregation is streaming: per group it keeps
// counters and small histograms, never the messages.
package report

import (
	"cmp"
	"slices"
	"strings"

	"github.com/mailroute/mailroute/analyzer"
	"github.com/mailroute/mailroute/jurisdiction"
)

// SchemaVersion is the version of the JSON Lines form of a Report. Version
// 2 added incomplete to every object and inputs_unreadable and unreadable
// to the totals.
const SchemaVersion = 2

// Options configure an Aggregator.
type Options struct {
	GroupBy   GroupBy
	Providers *Providers        // nil means the built-in table only
	Home      jurisdiction.Home // shown under the table; the verdicts come from each Result's Summary
	Policy    Policy
	// AllowUnknown says a message that cannot be verified against the
	// policy (a node's location or a transfer's encryption unknown) does
	// not fail the run; it is still counted and shown.
	AllowUnknown bool
	// MaxGroups bounds the number of rows; results of further groups are
	// counted under OtherGroups. 0 means DefaultMaxGroups.
	MaxGroups int
	// Examples is the number of example messages kept per group (the first
	// ones in input order) for a drill-down; 0 keeps none. Only the first
	// MaxExampleGroups groups seen keep examples, so that a grouping with
	// a group per message stays small.
	Examples int
}

// MaxExampleGroups bounds the groups that keep examples.
const MaxExampleGroups = 1000

// Example is one message of a group, kept for a drill-down: where it was
// read and its path, without its Received fields.
type Example struct {
	Source    string
	Line      int
	MessageID string
	Subject   string
	Date      string
	Nodes     []analyzer.Node    // origin first
	Segments  []analyzer.Segment // in path order
	Flags     []analyzer.Flag
}

// newExample copies the example part of res, sharing no memory with it:
// the result may be reused (see AddRef).
func newExample(res *analyzer.Result) Example {
	return Example{
		Source:    strings.Clone(res.Source),
		Line:      res.Line,
		MessageID: keepString(res.MessageID),
		Subject:   keepString(res.Subject),
		Date:      strings.Clone(res.Date),
		Nodes:     cloneEach(res.Nodes, analyzer.Node.Clone),
		Segments:  cloneEach(res.Segments, analyzer.Segment.Clone),
		Flags:     cloneEach(res.Flags, analyzer.Flag.Clone),
	}
}

// cloneEach returns a new slice of clone(v) for each v of s (nil for nil).
func cloneEach[T any](s []T, clone func(T) T) []T {
	if s == nil {
		return nil
	}
	c := make([]T, len(s))
	for i, v := range s {
		c[i] = clone(v)
	}
	return c
}

// DefaultMaxGroups is the default bound on the number of groups.
const DefaultMaxGroups = 10000

// Bounds of the per-group state.
const (
	maxOrgs      = 1000 // distinct organisations tracked per group
	maxCountries = 300  // distinct countries tracked per group
	maxTLS       = 32   // distinct TLS versions tracked per group
	maxNotes     = 50   // distinct notes kept
	maxInputs    = 100  // unreadable inputs listed (all are counted)
	topOrgs      = 3    // organisations shown per row
)

// Aggregator builds a Report from results given one at a time. It is not
// safe for concurrent use.
type Aggregator struct {
	opts      Options
	providers *Providers
	groups    map[string]*groupState
	total     groupState
	failed    map[string]int
	notes     []string
	noteSet   map[string]struct{}
	overflow  bool
	// unreadable lists the first maxInputs inputs that could not be read;
	// inputErrors counts them all.
	unreadable  []Unreadable
	inputErrors int
	// domainCache maps a normalised sender domain to its group name.
	domainCache map[string]string
	// exampleGroups counts the groups that keep examples.
	exampleGroups int
}

// NewAggregator returns an empty Aggregator.
func NewAggregator(opts Options) *Aggregator {
	if opts.MaxGroups <= 0 {
		opts.MaxGroups = DefaultMaxGroups
	}
	p := opts.Providers
	if p == nil {
		p, _ = NewProviders(nil) // the built-in table is valid (tested)
	}
	return &Aggregator{
		opts:        opts,
		providers:   p,
		groups:      map[string]*groupState{},
		failed:      map[string]int{},
		noteSet:     map[string]struct{}{},
		domainCache: map[string]string{},
	}
}

// Add counts one result. dir is the input sub-folder the message came from
// (relative to the scanned directory, "" for the top level); only
// --group-by dir uses it. A result with Error set counts as failed under its
// FailReason and joins no group.
func (a *Aggregator) Add(res analyzer.Result, dir string) {
	a.AddRef(&res, dir)
}

// AddRef is Add without copying the result. It keeps none of res's memory,
// no slice and no string (it clones what it keeps), so the memory that
// analyzer.AnalyzeInto reuses, header text included, may be reused once it
// returns.
func (a *Aggregator) AddRef(res *analyzer.Result, dir string) {
	if res.Error != "" {
		reason := res.FailReason
		if reason == "" {
			reason = "other"
		}
		a.failed[reason]++
		return
	}
	key := a.key(res, dir)
	g, ok := a.groups[key]
	if !ok {
		if len(a.groups) >= a.opts.MaxGroups {
			a.overflow = true
			key = OtherGroups
			g = a.groups[key]
		}
		if g == nil {
			key = strings.Clone(key) // see keepString
			g = &groupState{name: key}
			a.groups[key] = g
		}
	}
	g.add(res, a.opts.Policy)
	if n := len(g.examples); n < a.opts.Examples && (n > 0 || a.exampleGroups < MaxExampleGroups) {
		if n == 0 {
			a.exampleGroups++
		}
		g.examples = append(g.examples, newExample(res))
	}
	a.total.add(res, a.opts.Policy)
	for _, n := range res.Notes {
		if _, dup := a.noteSet[n]; dup || len(a.notes) >= maxNotes {
			continue
		}
		n = strings.Clone(n)
		a.noteSet[n] = struct{}{}
		a.notes = append(a.notes, n)
	}
}

// Unreadable is an input (a file, directory or stream) that could not be
// read, or not to its end: the messages it held, or those after the
// problem, are in no count.
type Unreadable struct {
	Input  string // the path as given, "-" for standard input; "" when unknown
	Reason string // what went wrong, e.g. "gzip: invalid checksum"
}

// AddInputError counts an input that could not be read (completely).
func (a *Aggregator) AddInputError(input, reason string) {
	a.inputErrors++
	if len(a.unreadable) < maxInputs {
		a.unreadable = append(a.unreadable, Unreadable{Input: clip(input), Reason: clip(reason)})
	}
}

// groupState is what the Aggregator keeps per group.
type groupState struct {
	name         string
	messages     int
	hops, relays intHist
	transit      durHist
	negTransit   int // messages whose dates run backwards
	orgs         tally
	countries    tally
	leftHome     int
	leftEUEEA    int
	third        int
	segments     int
	plaintext    int
	unknown      int
	tls          []string   // sorted, distinct
	intermediary nameCounts // operators of intermediary parties
	filteredBy   nameCounts // operators (else engines) of verified filter findings
	policy       policyCounts
	examples     []Example
}

func (g *groupState) add(res *analyzer.Result, policy Policy) {
	s := &res.Summary
	g.messages++
	g.hops.add(s.Hops)
	g.relays.add(s.Relays)
	if s.TransitSeconds != nil {
		g.transit.add(*s.TransitSeconds)
		if *s.TransitSeconds < 0 {
			g.negTransit++
		}
	}
	for i, o := range s.Organisations {
		if o != "" && !slices.Contains(s.Organisations[:i], o) {
			g.orgs.add(o, maxOrgs)
		}
	}
	for i, c := range s.Countries {
		if c != "" && !slices.Contains(s.Countries[:i], c) {
			g.countries.add(c, maxCountries)
		}
	}
	if s.LeftHome {
		g.leftHome++
	}
	if s.LeftEUEEA {
		g.leftEUEEA++
	}
	if s.ThirdCountry {
		g.third++
	}
	g.segments += max(s.PlaintextSegments, 0) + max(s.UnknownSegments, 0) + max(s.EncryptedSegments, 0)
	g.plaintext += max(s.PlaintextSegments, 0)
	g.unknown += max(s.UnknownSegments, 0)
	for _, v := range s.TLSVersions {
		if v == "" {
			continue
		}
		i, found := slices.BinarySearch(g.tls, v)
		if !found && len(g.tls) < maxTLS {
			g.tls = slices.Insert(g.tls, i, keepString(v))
		}
	}
	g.intermediary.addEach(len(res.Parties), func(i int) (string, bool) {
		p := &res.Parties[i]
		if p.Side != analyzer.SideIntermediary {
			return "", false
		}
		return cmp.Or(p.Operator, unknownOperator), true
	})
	g.filteredBy.addEach(len(res.Filters), func(i int) (string, bool) {
		f := &res.Filters[i]
		if f.Unverified {
			return "", false
		}
		return cmp.Or(f.Operator, f.Engine, unknownOperator), true
	})
	g.policy.add(res, policy)
}

// unknownOperator names an intermediary or filter whose operator is not
// known, in the Intermediaries and Filtered by columns.
const unknownOperator = "unknown"

// tally counts messages per name, for at most a limit of distinct names.
// It keeps copies of the names (see keepString).
type tally struct {
	m      map[string]*int
	capped bool // a name went uncounted: the limit was reached
}

// add counts one message for name, clipped. The count goes up through its
// pointer: Go's map assignment stores the key it is given in place of the
// equal one already there, so m[name]++ would keep name (a part of a
// result's header text, overwritten when the result is reused) instead of
// the copy.
func (t *tally) add(name string, limit int) {
	name = clip(name)
	if p, ok := t.m[name]; ok {
		*p++
		return
	}
	if len(t.m) >= limit {
		t.capped = true
		return
	}
	if t.m == nil {
		t.m = map[string]*int{}
	}
	n := 1
	t.m[strings.Clone(name)] = &n
}

// sorted returns the names and counts by count descending, then name.
func (t *tally) sorted() []Count {
	out := make([]Count, 0, len(t.m))
	for k, v := range t.m {
		out = append(out, Count{Name: k, Messages: *v})
	}
	slices.SortFunc(out, func(x, y Count) int {
		return cmp.Or(cmp.Compare(y.Messages, x.Messages), strings.Compare(x.Name, y.Name))
	})
	return out
}

// nameCounts counts, per name, the messages that show it, tracking at most
// maxOrgs distinct names.
type nameCounts struct {
	tally
	seen []string // scratch: names of the current message
}

// addEach counts one message whose names are name(0..n-1) (ok false skips
// one); a name repeated in the message counts once.
func (c *nameCounts) addEach(n int, name func(int) (string, bool)) {
	c.seen = c.seen[:0]
	for i := range n {
		s, ok := name(i)
		if !ok || s == "" {
			continue
		}
		s = clip(s)
		if slices.Contains(c.seen, s) {
			continue
		}
		c.seen = append(c.seen, s)
		c.add(s, maxOrgs)
	}
	clear(c.seen) // its strings are the message's: keep none of them
}

// top returns the most frequent names (at most topOrgs), the number of
// distinct names and whether tracking was capped.
func (c *nameCounts) top() (top []Count, distinct int, capped bool) {
	if len(c.m) == 0 {
		return nil, 0, c.capped
	}
	all := c.sorted()
	return all[:min(len(all), topOrgs)], len(all), c.capped
}

// Count is a name with a number of messages.
type Count struct {
	Name     string
	Messages int
}

// Row is one line of the report: a group, or the totals over all analysed
// messages. Shares are of Messages, except the segment shares, which are of
// Segments.
type Row struct {
	Group    string
	Messages int
	// MedianHops and MedianRelays are the medians of the per-message
	// counts (the mean of the two middle values for an even count).
	MedianHops   float64
	MedianRelays float64
	// Organisations are the most frequent organisations (at most 3), with
	// the number of messages that passed each, most frequent first.
	Organisations []Count
	// DistinctOrganisations counts all organisations seen; when
	// OrganisationsCapped, more than that were seen (tracking stops at 1000).
	DistinctOrganisations int
	OrganisationsCapped   bool
	// Intermediaries are the most frequent operators of intermediary
	// parties (lists, forwarders, gateways, sending services, unknown
	// relays; "unknown" when the operator is not known), at most 3, with
	// the number of messages they handled; DistinctIntermediaries and
	// IntermediariesCapped count them as for organisations.
	Intermediaries         []Count
	DistinctIntermediaries int
	IntermediariesCapped   bool
	// FilteredBy are the most frequent operators of the filter findings
	// that are not unverified (the engine when the operator is not
	// known), at most 3, with the number of messages they filtered;
	// DistinctFilteredBy and FilteredByCapped count them as for
	// organisations.
	FilteredBy         []Count
	DistinctFilteredBy int
	FilteredByCapped   bool
	// Countries are all countries any message touched, with the number of
	// messages that touched each, by count descending then code.
	Countries    []Count
	LeftHome     int // messages with a node outside the home jurisdiction
	LeftEUEEA    int // messages with a node outside the EU/EEA
	ThirdCountry int // messages with a node in a third country
	// Segments counts all transfers; PlaintextSegments and UnknownSegments
	// the unencrypted ones and those of unknown encryption.
	Segments          int
	PlaintextSegments int
	UnknownSegments   int
	TLSVersions       []string // sorted
	// TransitMessages counts the messages with a known transit time;
	// MedianTransitSeconds is their median, in whole seconds, exact below
	// 256 s and within ±1.6 % above (see durHist).
	TransitMessages      int
	MedianTransitSeconds float64
	// NegativeTransit counts the messages whose last Received date is
	// before their first (dates running backwards, flagged
	// negative-transit); their negative transit counts in the median.
	NegativeTransit int
	// Violations are the policy rules some message of the row violates,
	// in policy order.
	Violations []Violation
	// CannotVerify are the policy rules some message of the row cannot be
	// shown to keep, because a node's location (outside-home,
	// third-country) or a transfer's encryption (plaintext) is unknown;
	// CannotVerifyMessages counts the messages that violate no rule but
	// cannot be verified for one.
	CannotVerify         []Violation
	CannotVerifyMessages int
	// Examples are the first messages of the group (Options.Examples of
	// them), in input order; none for the totals row.
	Examples []Example
}

// Share returns n as a fraction of the row's messages (0 for an empty row).
func (r Row) Share(n int) float64 { return fraction(n, r.Messages) }

// SegmentShare returns n as a fraction of the row's segments.
func (r Row) SegmentShare(n int) float64 { return fraction(n, r.Segments) }

func fraction(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// Report is the aggregated table with its accounting. Read = Analysed +
// Failed.
type Report struct {
	GroupBy GroupBy
	Home    string // home jurisdiction label, e.g. "EEA"
	Policy  Policy
	// AllowUnknown is Options.AllowUnknown: cannot-verify does not fail.
	AllowUnknown bool
	Rows         []Row // by messages descending, then group name
	Total        Row   // over all analysed messages; Group is "Total"
	Read         int
	Analysed     int
	Failed       int
	FailReasons  []Count // by reason
	// InputsUnreadable counts the inputs that could not be read, or not to
	// their end; Unreadable lists the first 100 of them in input order. A
	// report with InputsUnreadable > 0 is Incomplete: its counts cover
	// only what was read.
	InputsUnreadable int
	Unreadable       []Unreadable
	Notes            []string // distinct Result.Notes in first-seen order
	// GroupsCapped is set when more than Options.MaxGroups groups were
	// seen; the excess is counted in the OtherGroups row.
	GroupsCapped bool
}

// Incomplete reports whether some input could not be read, so the report
// covers only part of what was asked for.
func (r Report) Incomplete() bool { return r.InputsUnreadable > 0 }

// Violations reports whether any analysed message violates the policy.
func (r Report) Violations() bool { return len(r.Total.Violations) > 0 }

// CannotVerify reports whether some analysed message that violates no rule
// cannot be shown to keep the policy (cannot-verify).
func (r Report) CannotVerify() bool { return r.Total.CannotVerifyMessages > 0 }

// PolicyFails reports whether the run fails its policy, that is whether the
// CLI should exit with its policy exit code: a violation, or a message that
// cannot be verified unless AllowUnknown.
func (r Report) PolicyFails() bool {
	return r.Violations() || (r.CannotVerify() && !r.AllowUnknown)
}

// Report returns the report over the results added so far. It may be called
// more than once.
func (a *Aggregator) Report() Report {
	rep := Report{
		GroupBy:      a.opts.GroupBy,
		Home:         a.opts.Home.String(),
		Policy:       slices.Clone(a.opts.Policy),
		AllowUnknown: a.opts.AllowUnknown,
		Total:        a.total.row("Total", a.opts.Policy),
		Notes:        slices.Clone(a.notes),
		GroupsCapped: a.overflow,

		InputsUnreadable: a.inputErrors,
		Unreadable:       slices.Clone(a.unreadable),
	}
	for _, g := range a.groups {
		rep.Rows = append(rep.Rows, g.row(g.name, a.opts.Policy))
	}
	slices.SortFunc(rep.Rows, func(x, y Row) int {
		return cmp.Or(cmp.Compare(y.Messages, x.Messages), strings.Compare(x.Group, y.Group))
	})
	rep.Analysed = a.total.messages
	rep.FailReasons = sortedCounts(a.failed)
	for _, c := range rep.FailReasons {
		rep.Failed += c.Messages
	}
	rep.Read = rep.Analysed + rep.Failed
	return rep
}

func (g *groupState) row(name string, policy Policy) Row {
	r := Row{
		Group:             name,
		Messages:          g.messages,
		LeftHome:          g.leftHome,
		LeftEUEEA:         g.leftEUEEA,
		ThirdCountry:      g.third,
		Segments:          g.segments,
		PlaintextSegments: g.plaintext,
		UnknownSegments:   g.unknown,
		TLSVersions:       slices.Clone(g.tls),
		TransitMessages:   int(g.transit.n),
		NegativeTransit:   g.negTransit,
		Examples:          slices.Clone(g.examples),
	}
	r.MedianHops, _ = g.hops.median()
	r.MedianRelays, _ = g.relays.median()
	r.MedianTransitSeconds, _ = g.transit.median()
	orgs := g.orgs.sorted()
	r.DistinctOrganisations = len(orgs)
	r.OrganisationsCapped = g.orgs.capped
	r.Organisations = orgs[:min(len(orgs), topOrgs)]
	r.Intermediaries, r.DistinctIntermediaries, r.IntermediariesCapped = g.intermediary.top()
	r.FilteredBy, r.DistinctFilteredBy, r.FilteredByCapped = g.filteredBy.top()
	r.Countries = g.countries.sorted()
	r.Violations, r.CannotVerify = g.policy.results()
	r.CannotVerifyMessages = g.policy.unverified
	return r
}

// sortedCounts returns the map's entries by name.
func sortedCounts(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, v := range m {
		out = append(out, Count{Name: k, Messages: v})
	}
	slices.SortFunc(out, func(x, y Count) int { return strings.Compare(x.Name, y.Name) })
	return out
}

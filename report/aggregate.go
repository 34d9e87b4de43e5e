// Package report aggregates analysed messages into one row per sending
// provider (or another grouping key) and renders that table as text,
// Markdown, CSV or JSON Lines. Aggregation is streaming: per group it keeps
// counters and small histograms, never the messages.
package report

import (
	"cmp"
	"github.com/mailroute/mailroute/jurisdiction"
	"slices"
	"strings"

	"github.com/mailroute/mailroute/analyzer"
)

// SchemaVersion is the version of the JSON Lines form of a Report.
const SchemaVersion = 1

// Options configure an Aggregator.
type Options struct {
	GroupBy   GroupBy
	Providers *Providers        // nil means the built-in table only
	Home      jurisdiction.Home // shown under the table; the verdicts come from each Result's Summary
	Policy    Policy
	// MaxGroups bounds the number of rows; results of further groups are
	// counted under OtherGroups. 0 means DefaultMaxGroups.
	MaxGroups int
}

// DefaultMaxGroups is the default bound on the number of groups.
const DefaultMaxGroups = 10000

// Bounds of the per-group state.
const (
	maxOrgs      = 1000 // distinct organisations tracked per group
	maxCountries = 300  // distinct countries tracked per group
	maxTLS       = 32   // distinct TLS versions tracked per group
	maxNotes     = 50   // distinct notes kept
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
	// domainCache maps a normalised sender domain to its group name.
	domainCache map[string]string
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

// AddRef is Add without copying the result.
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
			g = &groupState{name: key}
			a.groups[key] = g
		}
	}
	g.add(res, a.opts.Policy)
	a.total.add(res, a.opts.Policy)
	for _, n := range res.Notes {
		if _, dup := a.noteSet[n]; dup || len(a.notes) >= maxNotes {
			continue
		}
		a.noteSet[n] = struct{}{}
		a.notes = append(a.notes, n)
	}
}

// groupState is what the Aggregator keeps per group.
type groupState struct {
	name         string
	messages     int
	hops, relays intHist
	transit      durHist
	orgs         map[string]int
	orgsCapped   bool
	countries    map[string]int
	leftHome     int
	leftEUEEA    int
	third        int
	segments     int
	plaintext    int
	unknown      int
	tls          []string // sorted, distinct
	violations   [4]int   // indexed like allRules
}

func (g *groupState) add(res *analyzer.Result, policy Policy) {
	s := &res.Summary
	g.messages++
	g.hops.add(s.Hops)
	g.relays.add(s.Relays)
	if s.TransitSeconds != nil {
		g.transit.add(*s.TransitSeconds)
	}
	if len(s.Organisations) > 0 && g.orgs == nil {
		g.orgs = map[string]int{}
	}
	for i, o := range s.Organisations {
		if o == "" || slices.Contains(s.Organisations[:i], o) {
			continue
		}
		if _, ok := g.orgs[o]; ok {
			g.orgs[o]++
		} else if len(g.orgs) < maxOrgs {
			g.orgs[clip(o)]++
		} else {
			g.orgsCapped = true
		}
	}
	if len(s.Countries) > 0 && g.countries == nil {
		g.countries = map[string]int{}
	}
	for i, c := range s.Countries {
		if c == "" || slices.Contains(s.Countries[:i], c) {
			continue
		}
		if _, ok := g.countries[c]; ok || len(g.countries) < maxCountries {
			g.countries[c]++
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
			g.tls = slices.Insert(g.tls, i, clip(v))
		}
	}
	for i, r := range allRules() {
		if policy.Has(r) && r.violates(s) {
			g.violations[i]++
		}
	}
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
	// Violations are the policy rules some message of the row violates,
	// in policy order.
	Violations []Violation
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
	GroupBy     GroupBy
	Home        string // home jurisdiction label, e.g. "EEA"
	Policy      Policy
	Rows        []Row // by messages descending, then group name
	Total       Row   // over all analysed messages; Group is "Total"
	Read        int
	Analysed    int
	Failed      int
	FailReasons []Count  // by reason
	Notes       []string // distinct Result.Notes in first-seen order
	// GroupsCapped is set when more than Options.MaxGroups groups were
	// seen; the excess is counted in the OtherGroups row.
	GroupsCapped bool
}

// Violations reports whether any analysed message violates the policy, that
// is whether the CLI should exit with its policy exit code.
func (r Report) Violations() bool { return len(r.Total.Violations) > 0 }

// Report returns the report over the results added so far. It may be called
// more than once.
func (a *Aggregator) Report() Report {
	rep := Report{
		GroupBy:      a.opts.GroupBy,
		Home:         a.opts.Home.String(),
		Policy:       slices.Clone(a.opts.Policy),
		Total:        a.total.row("Total", a.opts.Policy),
		Notes:        slices.Clone(a.notes),
		GroupsCapped: a.overflow,
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
	}
	r.MedianHops, _ = g.hops.median()
	r.MedianRelays, _ = g.relays.median()
	r.MedianTransitSeconds, _ = g.transit.median()
	orgs := sortedByCount(g.orgs)
	r.DistinctOrganisations = len(orgs)
	r.OrganisationsCapped = g.orgsCapped
	r.Organisations = orgs[:min(len(orgs), topOrgs)]
	r.Countries = sortedByCount(g.countries)
	for i, rule := range allRules() {
		if policy.Has(rule) && g.violations[i] > 0 {
			r.Violations = append(r.Violations, Violation{Rule: rule, Messages: g.violations[i]})
		}
	}
	return r
}

// sortedByCount returns the map's entries by count descending, then name.
func sortedByCount(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, v := range m {
		out = append(out, Count{Name: k, Messages: v})
	}
	slices.SortFunc(out, func(x, y Count) int {
		return cmp.Or(cmp.Compare(y.Messages, x.Messages), strings.Compare(x.Name, y.Name))
	})
	return out
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

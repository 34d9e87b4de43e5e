package report

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mailroute/mailroute/analyzer"
	"github.com/mailroute/mailroute/jurisdiction"
)

func TestIntHistMedian(t *testing.T) {
	tests := []struct {
		in   []int
		want float64
		ok   bool
	}{
		{nil, 0, false},
		{[]int{3}, 3, true},
		{[]int{1, 5}, 3, true},
		{[]int{2, 2, 9}, 2, true},
		{[]int{4, 1, 3, 2}, 2.5, true},
		{[]int{0, 0, 0, 7}, 0, true},
		{[]int{-5, 5000}, 2500, true}, // negative counts as 0; no cap
		{[]int{10000}, 10000, true},   // issue 11: scan said 1000 where trace said 10000
		{[]int{3, 10000, 20000}, 10000, true},
		{[]int{1023, 1024, 1025, 5}, 1023.5, true},
	}
	for _, tt := range tests {
		var h intHist
		for _, v := range tt.in {
			h.add(v)
		}
		got, ok := h.median()
		if got != tt.want || ok != tt.ok {
			t.Errorf("median(%v) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestDurHist(t *testing.T) {
	// Exact below 64 s.
	for _, tt := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{5}, 5},
		{[]float64{1, 2, 3}, 2},
		{[]float64{1, 4}, 3},                // mean of 1 and 4 is 2.5, rounded
		{[]float64{-10, math.NaN(), 0}, -5}, // NaN is left out; negative times are kept
		{[]float64{-30679}, -30679},         // issue 11: not turned positive, and as trace says
		{[]float64{30681}, 30681},           // one message: exactly what trace says
		{[]float64{-20, -10, 5}, -10},
		{[]float64{-0.4}, 0},
		{[]float64{63, 63, 2}, 63},
		{[]float64{255, 1}, 128},
	} {
		var h durHist
		for _, v := range tt.in {
			h.add(v)
		}
		if got, ok := h.median(); !ok || got != tt.want {
			t.Errorf("median(%v) = %v, %v; want %v", tt.in, got, ok, tt.want)
		}
	}
	// Exact for one value, within 1.6 % for two close ones, for every
	// value up to the cap and of either sign.
	for v := float64(durLinear); v < 1<<durMaxExp; v *= 1.003 {
		b := durBucket(v)
		if b < 0 || b >= durBuckets {
			t.Fatalf("durBucket(%v) = %d out of range", v, b)
		}
		for _, sign := range []float64{1, -1} {
			var one, two durHist
			one.add(sign * v)
			two.add(sign * v)
			two.add(sign * v * 1.01)
			if got, _ := one.median(); got != math.Round(sign*v) {
				t.Fatalf("median of %v alone = %v", sign*v, got)
			}
			want := sign * v * 1.005
			if got, _ := two.median(); math.Abs(got-want)/v > 0.016 {
				t.Fatalf("median of %v and %v = %v, off by more than 1.6%%", sign*v, sign*v*1.01, got)
			}
		}
	}
	if b := durBucket(1e12); b != durBuckets-1 {
		t.Errorf("durBucket(1e12) = %d, want last bucket %d", b, durBuckets-1)
	}
	var h durHist
	if _, ok := h.median(); ok {
		t.Error("empty histogram has a median")
	}
	// Buckets are monotonic.
	prev := -1
	for v := 0.0; v < 1<<23; v = v*1.001 + 1 {
		b := durBucket(v)
		if b < prev {
			t.Fatalf("durBucket(%v) = %d < %d", v, b, prev)
		}
		prev = b
	}
}

func TestParsePolicy(t *testing.T) {
	tests := []struct {
		in      string
		want    Policy
		wantErr bool
	}{
		{"", nil, false},
		{" , ", nil, false},
		{"plaintext,third-country", Policy{RuleThirdCountry, RulePlaintext}, false},
		{"Unknown-Encryption,outside-home,plaintext,plaintext", Policy{RuleOutsideHome, RulePlaintext, RuleUnknownEncryption}, false},
		{"third-country,nope", nil, true},
	}
	for _, tt := range tests {
		got, err := ParsePolicy(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParsePolicy(%q) err = %v", tt.in, err)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("ParsePolicy(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if s := (Policy{RuleThirdCountry, RulePlaintext}).String(); s != "third-country,plaintext" {
		t.Errorf("String = %q", s)
	}
}

func TestPolicyEvaluation(t *testing.T) {
	tests := []struct {
		policy string
		want   map[string][]Violation // group -> violations
		any    bool
	}{
		{"", map[string][]Violation{}, false},
		{"third-country", map[string][]Violation{"Yandex": {{RuleThirdCountry, 1}}}, true},
		{"outside-home", map[string][]Violation{
			"Google":        {{RuleOutsideHome, 2}},
			"Yandex":        {{RuleOutsideHome, 1}},
			"example.co.uk": {{RuleOutsideHome, 1}},
		}, true},
		{"plaintext,unknown-encryption", map[string][]Violation{
			"Yandex":      {{RulePlaintext, 1}, {RuleUnknownEncryption, 1}},
			"example.com": {{RuleUnknownEncryption, 1}},
		}, true},
	}
	for _, tt := range tests {
		pol, err := ParsePolicy(tt.policy)
		if err != nil {
			t.Fatal(err)
		}
		rep := build(Options{Policy: pol})
		got := map[string][]Violation{}
		for _, r := range rep.Rows {
			if len(r.Violations) > 0 {
				got[r.Group] = r.Violations
			}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("policy %q (-want +got):\n%s", tt.policy, diff)
		}
		if rep.Violations() != tt.any {
			t.Errorf("policy %q: Violations() = %v, want %v", tt.policy, rep.Violations(), tt.any)
		}
	}
}

func TestReportAggregation(t *testing.T) {
	rep := build(Options{Home: mustHome(t, "EEA")})
	if rep.Read != 11 || rep.Analysed != 7 || rep.Failed != 4 {
		t.Errorf("accounting read/analysed/failed = %d/%d/%d, want 11/7/4", rep.Read, rep.Analysed, rep.Failed)
	}
	wantReasons := []Count{{"header-too-large", 1}, {"no-received", 1}, {"other", 1}, {"unreadable", 1}}
	if diff := cmp.Diff(wantReasons, rep.FailReasons); diff != "" {
		t.Errorf("fail reasons (-want +got):\n%s", diff)
	}
	var order []string
	for _, r := range rep.Rows {
		order = append(order, r.Group)
	}
	wantOrder := []string{"Google", "United Internet", "Yandex", "example.co.uk", "example.com"}
	if !slices.Equal(order, wantOrder) {
		t.Errorf("row order %q, want %q", order, wantOrder)
	}
	g := rep.Rows[0]
	want := Row{
		Group: "Google", Messages: 2, MedianHops: 2.5, MedianRelays: 2.5,
		Organisations:         []Count{{"Google LLC", 2}, {"Hetzner Online GmbH", 2}},
		DistinctOrganisations: 2,
		Countries:             []Count{{"DE", 2}, {"US", 2}, {"IE", 1}},
		LeftHome:              2, LeftEUEEA: 2,
		Segments:             5,
		TLSVersions:          []string{"TLSv1.2", "TLSv1.3"},
		TransitMessages:      2,
		MedianTransitSeconds: 4,
	}
	if diff := cmp.Diff(want, g); diff != "" {
		t.Errorf("Google row (-want +got):\n%s", diff)
	}
	tot := rep.Total
	if tot.Messages != 7 || tot.Segments != 11 || tot.PlaintextSegments != 1 || tot.UnknownSegments != 2 {
		t.Errorf("totals messages/segments/plain/unknown = %d/%d/%d/%d", tot.Messages, tot.Segments, tot.PlaintextSegments, tot.UnknownSegments)
	}
	if tot.MedianHops != 1 || tot.TransitMessages != 6 || tot.MedianTransitSeconds != 6 {
		t.Errorf("totals median hops %v, transit %d msgs median %v", tot.MedianHops, tot.TransitMessages, tot.MedianTransitSeconds)
	}
	if tot.DistinctOrganisations != 5 || len(tot.Organisations) != 3 || tot.Organisations[0] != (Count{"Hetzner Online GmbH", 6}) {
		t.Errorf("totals organisations %v (%d distinct)", tot.Organisations, tot.DistinctOrganisations)
	}
	if len(rep.Notes) != 1 || rep.Notes[0] != dpfNote {
		t.Errorf("notes = %q", rep.Notes)
	}
	if rep.Home != "EEA" {
		t.Errorf("home = %q", rep.Home)
	}
	// Report is repeatable and does not share state with the aggregator.
	agg := NewAggregator(Options{})
	for _, it := range fixtures() {
		agg.Add(it.res, it.dir)
	}
	r1 := agg.Report()
	r1.Rows[0].TLSVersions[0] = "changed"
	if r2 := agg.Report(); r2.Rows[0].TLSVersions[0] == "changed" {
		t.Error("Report shares slices with the aggregator")
	}
}

func TestDuplicateListEntries(t *testing.T) {
	agg := NewAggregator(Options{})
	agg.Add(analyzer.Result{FromDomain: "a.com", Summary: analyzer.Summary{
		Organisations: []string{"X", "X", ""}, Countries: []string{"DE", "DE"}, TLSVersions: []string{"TLSv1.3", "TLSv1.3"},
	}}, "")
	r := agg.Report().Rows[0]
	if r.Organisations[0].Messages != 1 || r.Countries[0].Messages != 1 || len(r.TLSVersions) != 1 || r.DistinctOrganisations != 1 {
		t.Errorf("duplicates counted twice: %+v", r)
	}
}

func TestMaxGroups(t *testing.T) {
	agg := NewAggregator(Options{GroupBy: GroupBy{Kind: GroupSenderDomain}, MaxGroups: 3})
	for i := range 10 {
		agg.Add(analyzer.Result{FromDomain: fmt.Sprintf("d%d.example", i)}, "")
	}
	rep := agg.Report()
	if !rep.GroupsCapped || len(rep.Rows) != 4 {
		t.Fatalf("capped=%v rows=%d, want true and 4", rep.GroupsCapped, len(rep.Rows))
	}
	if rep.Rows[0].Group != OtherGroups || rep.Rows[0].Messages != 7 {
		t.Errorf("first row %q with %d messages, want %q with 7", rep.Rows[0].Group, rep.Rows[0].Messages, OtherGroups)
	}
}

func TestBoundedState(t *testing.T) {
	agg := NewAggregator(Options{})
	for i := range 3000 {
		agg.Add(analyzer.Result{FromDomain: "a.com", Summary: analyzer.Summary{
			Organisations: []string{fmt.Sprintf("Org %d", i)},
			TLSVersions:   []string{fmt.Sprintf("v%d", i)},
			Countries:     []string{fmt.Sprintf("C%d", i)},
		}}, "")
	}
	g := agg.groups["a.com"]
	if len(g.orgs.m) != maxOrgs || !g.orgs.capped || len(g.tls) != maxTLS || len(g.countries.m) != maxCountries {
		t.Errorf("state not bounded: %d orgs (capped %v), %d tls, %d countries", len(g.orgs.m), g.orgs.capped, len(g.tls), len(g.countries.m))
	}
	r := agg.Report().Rows[0]
	if !r.OrganisationsCapped {
		t.Error("row does not say organisations were capped")
	}
	var sb strings.Builder
	if err := writeTable(&sb, agg.Report()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sb.String(), "over 1000 distinct") {
		t.Error("table does not show the capped organisation count")
	}
}

func BenchmarkAdd(b *testing.B) {
	items := fixtures()
	var ok []item
	for _, it := range items {
		if it.res.Error == "" {
			ok = append(ok, it)
		}
	}
	pol, _ := ParsePolicy("outside-home,third-country,plaintext,unknown-encryption")
	agg := NewAggregator(Options{Policy: pol})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		it := &ok[i%len(ok)]
		agg.AddRef(&it.res, it.dir)
		i++
	}
}

func BenchmarkAddByValue(b *testing.B) {
	res := fixtures()[1].res
	agg := NewAggregator(Options{})
	b.ReportAllocs()
	for b.Loop() {
		agg.Add(res, "")
	}
}

func TestCannotVerify(t *testing.T) {
	unknownNode := analyzer.Summary{Hops: 1, Jurisdictions: map[jurisdiction.Class]int{jurisdiction.ClassHome: 1, jurisdiction.ClassUnknown: 1}, EncryptedSegments: 1}
	leftAndUnknown := unknownNode
	leftAndUnknown.LeftHome = true
	unknownTLS := analyzer.Summary{Hops: 1, Jurisdictions: map[jurisdiction.Class]int{jurisdiction.ClassHome: 2}, UnknownSegments: 1}
	known := analyzer.Summary{Hops: 1, Jurisdictions: map[jurisdiction.Class]int{jurisdiction.ClassHome: 2}, EncryptedSegments: 1}
	tests := []struct {
		name         string
		policy       string
		allowUnknown bool
		summaries    []analyzer.Summary
		wantViol     []Violation
		wantCannot   []Violation
		wantMessages int // cannot-verify messages
		wantFails    bool
	}{
		{"unknown location fails outside-home", "outside-home", false, []analyzer.Summary{unknownNode, known}, nil, []Violation{{RuleOutsideHome, 1}}, 1, true},
		{"allowed", "outside-home", true, []analyzer.Summary{unknownNode}, nil, []Violation{{RuleOutsideHome, 1}}, 1, false},
		{"third-country too", "third-country", false, []analyzer.Summary{unknownNode}, nil, []Violation{{RuleThirdCountry, 1}}, 1, true},
		{"a violation is not cannot-verify", "outside-home", false, []analyzer.Summary{leftAndUnknown}, []Violation{{RuleOutsideHome, 1}}, nil, 0, true},
		{"unknown encryption cannot verify plaintext", "plaintext", false, []analyzer.Summary{unknownTLS}, nil, []Violation{{RulePlaintext, 1}}, 1, true},
		{"unknown-encryption decides on what is known", "unknown-encryption", false, []analyzer.Summary{unknownTLS, unknownNode}, []Violation{{RuleUnknownEncryption, 1}}, nil, 0, true},
		{"location rules ignore encryption", "outside-home", false, []analyzer.Summary{unknownTLS}, nil, nil, 0, false},
		{"no policy", "", false, []analyzer.Summary{unknownNode, unknownTLS}, nil, nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol, err := ParsePolicy(tt.policy)
			if err != nil {
				t.Fatal(err)
			}
			a := NewAggregator(Options{Policy: pol, AllowUnknown: tt.allowUnknown})
			for _, s := range tt.summaries {
				a.Add(analyzer.Result{FromDomain: "example.org", Summary: s}, "")
			}
			rep := a.Report()
			if diff := cmp.Diff(tt.wantViol, rep.Total.Violations); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantCannot, rep.Total.CannotVerify); diff != "" {
				t.Errorf("cannot verify (-want +got):\n%s", diff)
			}
			if rep.Total.CannotVerifyMessages != tt.wantMessages || rep.PolicyFails() != tt.wantFails {
				t.Errorf("cannot-verify messages %d, PolicyFails %v; want %d, %v", rep.Total.CannotVerifyMessages, rep.PolicyFails(), tt.wantMessages, tt.wantFails)
			}
			var b strings.Builder
			if err := writeTable(&b, rep); err != nil {
				t.Fatal(err)
			}
			if (tt.wantCannot != nil) != strings.Contains(b.String(), "CANNOT VERIFY: ") {
				t.Errorf("table does not mark the group as CANNOT VERIFY:\n%s", b.String())
			}
		})
	}
}

func TestRuleTable(t *testing.T) {
	help := RulesHelp("  ")
	for _, r := range Rules() {
		if !strings.Contains(help, "  "+string(r)+" ") {
			t.Errorf("RulesHelp lacks %s:\n%s", r, help)
		}
		if p, err := ParsePolicy(string(r)); err != nil || !p.Has(r) {
			t.Errorf("ParsePolicy(%q) = %v, %v", r, p, err)
		}
	}
	if _, err := ParsePolicy("nope"); err == nil || !strings.Contains(err.Error(), strings.Join(RuleNames(), ", ")) {
		t.Errorf("unknown rule error does not list the rules: %v", err)
	}
}

func TestExamples(t *testing.T) {
	for _, keep := range []int{0, 2, 5} {
		agg := NewAggregator(Options{GroupBy: GroupBy{Kind: GroupSenderDomain}, Examples: keep})
		for i := range 4 {
			agg.Add(analyzer.Result{Source: fmt.Sprintf("a:%d", i+1), FromDomain: "a.example",
				Nodes: []analyzer.Node{{Name: "n"}}, Segments: []analyzer.Segment{}}, "")
		}
		agg.Add(analyzer.Result{Source: "b:1", FromDomain: "b.example"}, "")
		agg.Add(analyzer.Result{Source: "failed", FromDomain: "b.example", Error: "bad", FailReason: analyzer.FailUnreadable}, "")
		rep := agg.Report()
		var got []string
		for _, r := range rep.Rows {
			for _, e := range r.Examples {
				got = append(got, r.Group+" "+e.Source)
			}
		}
		want := map[int][]string{
			0: nil,
			2: {"a.example a:1", "a.example a:2", "b.example b:1"},
			5: {"a.example a:1", "a.example a:2", "a.example a:3", "a.example a:4", "b.example b:1"},
		}[keep]
		if !slices.Equal(got, want) {
			t.Errorf("Examples %d: got %q, want %q", keep, got, want)
		}
		if len(rep.Total.Examples) != 0 {
			t.Errorf("Examples %d: totals row has %d examples", keep, len(rep.Total.Examples))
		}
		if keep > 0 && len(rep.Rows[0].Examples[0].Nodes) != 1 {
			t.Errorf("Examples %d: example lost its nodes", keep)
		}
	}
}

func TestExampleGroupsBounded(t *testing.T) {
	agg := NewAggregator(Options{GroupBy: GroupBy{Kind: GroupSenderDomain}, Examples: 2})
	for i := range MaxExampleGroups + 10 {
		agg.Add(analyzer.Result{Source: fmt.Sprint(i), FromDomain: fmt.Sprintf("d%d.example", i)}, "")
	}
	with := 0
	for _, r := range agg.Report().Rows {
		if len(r.Examples) > 0 {
			with++
		}
	}
	if with != MaxExampleGroups {
		t.Errorf("%d groups with examples, want %d", with, MaxExampleGroups)
	}
}

func TestThirdPartyGateway(t *testing.T) {
	node := func(i int) *int { return &i }
	gmail := analyzer.Party{Side: analyzer.SideSender, Kind: analyzer.PartyProvider, Operator: "Google"}
	m365 := analyzer.Party{Side: analyzer.SideRecipient, Kind: analyzer.PartyProvider, Operator: "Microsoft"}
	gw := func(op string) analyzer.Party {
		return analyzer.Party{Side: analyzer.SideIntermediary, Kind: "gateway", Operator: op}
	}
	gwFilter := func(op string, n *int, unverified bool) analyzer.Filter {
		f := analyzer.Filter{Node: n, Unverified: unverified}
		f.Engine, f.Operator, f.Gateway = op, op, true
		return f
	}
	tests := []struct {
		name    string
		parties []analyzer.Party
		filters []analyzer.Filter
		want    bool
	}{
		{"no gateway", []analyzer.Party{gmail, m365}, nil, false},
		{"gateway party", []analyzer.Party{gmail, gw("Proofpoint"), m365}, nil, true},
		{"gateway of unknown operator", []analyzer.Party{gmail, gw(""), m365}, nil, true},
		{"gateway run by the recipient's provider", []analyzer.Party{gmail, gw("microsoft"), m365}, nil, false},
		{"gateway run by the sender's provider", []analyzer.Party{gmail, gw("Google"), m365}, nil, false},
		{"a gateway on the recipient's side is no intermediary", []analyzer.Party{gmail, {Side: analyzer.SideRecipient, Kind: "gateway", Operator: "Mimecast"}}, nil, false},
		{"a relay is no gateway", []analyzer.Party{gmail, {Side: analyzer.SideIntermediary, Kind: analyzer.PartyRelay, Operator: "Hetzner"}, m365}, nil, false},
		{"gateway finding tied to a node", []analyzer.Party{gmail, m365}, []analyzer.Filter{gwFilter("Mimecast", node(2), false)}, true},
		{"gateway finding tied to a sender node", []analyzer.Party{gmail, m365}, []analyzer.Filter{gwFilter("Mimecast", node(0), true)}, true},
		{"unverified gateway finding without a node", []analyzer.Party{gmail, m365}, []analyzer.Filter{gwFilter("Proofpoint", nil, true)}, false},
		{"gateway finding of the recipient's provider", []analyzer.Party{gmail, m365}, []analyzer.Filter{gwFilter("Microsoft", node(2), false)}, false},
		{"non-gateway finding", []analyzer.Party{gmail, m365}, []analyzer.Filter{{Node: node(2)}}, false},
	}
	pol, err := ParsePolicy("third-party-gateway")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAggregator(Options{Policy: pol})
			a.Add(analyzer.Result{FromDomain: "example.org", Parties: tt.parties, Filters: tt.filters}, "")
			rep := a.Report()
			var want []Violation
			if tt.want {
				want = []Violation{{RuleThirdPartyGateway, 1}}
			}
			if diff := cmp.Diff(want, rep.Total.Violations); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
			if rep.CannotVerify() {
				t.Errorf("third-party-gateway is decided on what is known, got cannot-verify %v", rep.Total.CannotVerify)
			}
		})
	}
}

func TestIntermediariesAndFilteredBy(t *testing.T) {
	inter := func(op string) analyzer.Party {
		return analyzer.Party{Side: analyzer.SideIntermediary, Kind: "gateway", Operator: op}
	}
	provider := analyzer.Party{Side: analyzer.SideRecipient, Kind: analyzer.PartyProvider, Operator: "Microsoft"}
	filter := func(engine, op string, unverified bool) analyzer.Filter {
		var f analyzer.Filter
		f.Engine, f.Operator, f.Unverified = engine, op, unverified
		return f
	}
	a := NewAggregator(Options{})
	for _, res := range []analyzer.Result{
		{Parties: []analyzer.Party{inter("Proofpoint"), inter("Proofpoint"), provider},
			Filters: []analyzer.Filter{filter("Microsoft EOP", "Microsoft", false), filter("Authentication-Results", "Microsoft", false)}},
		{Parties: []analyzer.Party{inter("Proofpoint"), inter(""), provider},
			Filters: []analyzer.Filter{filter("SpamAssassin", "", false), filter("Proofpoint", "Proofpoint", true)}},
		{Parties: []analyzer.Party{inter("Mimecast"), inter("Google"), inter("Sendgrid")}},
		{Parties: []analyzer.Party{provider}},
	} {
		res.FromDomain = "example.org"
		a.Add(res, "")
	}
	tot := a.Report().Total
	wantInter := []Count{{"Proofpoint", 2}, {"Google", 1}, {"Mimecast", 1}}
	if diff := cmp.Diff(wantInter, tot.Intermediaries); diff != "" || tot.DistinctIntermediaries != 5 {
		t.Errorf("intermediaries (%d distinct, want 5) (-want +got):\n%s", tot.DistinctIntermediaries, diff)
	}
	wantFiltered := []Count{{"Microsoft", 1}, {"SpamAssassin", 1}}
	if diff := cmp.Diff(wantFiltered, tot.FilteredBy); diff != "" || tot.DistinctFilteredBy != 2 {
		t.Errorf("filtered by (%d distinct, want 2) (-want +got):\n%s", tot.DistinctFilteredBy, diff)
	}
}

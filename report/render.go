package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/mailroute/mailroute/internal/format"
	"github.com/mailroute/mailroute/internal/safe"
)

// Every renderer reads the same Report. Strings that come from mail (group
// names, organisations, countries, TLS versions, notes) are sanitised for the
// terminal in the text table, and escaped for Markdown and CSV; JSON keeps
// them as they are (encoding/json escapes control characters).

// Formats are the formats Write renders a Report in.
func Formats() []format.Format {
	return []format.Format{format.Table, format.Markdown, format.CSV, format.JSON}
}

// Write renders rep in format f, one of Formats.
func Write(w io.Writer, f format.Format, rep Report) error {
	switch f {
	case format.Table:
		return writeTable(w, rep)
	case format.Markdown:
		return writeMarkdown(w, rep)
	case format.CSV:
		return writeCSV(w, rep)
	case format.JSON:
		return writeJSON(w, rep)
	}
	return fmt.Errorf("provider report: unsupported format %q (want %s)", f, format.List(Formats()))
}

// cellStyle says how list cells are joined.
type cellStyle struct {
	listSep string // between list items
	wrap    int    // countries per line in the text table; 0: one line
}

// columns returns the column titles of the text and Markdown tables.
func columns(rep *Report) []string {
	cols := []string{rep.GroupBy.Title(), "Msgs", "Hops", "Relays", "Organisations",
		"Intermediaries", "Filtered by", "Countries (share of msgs)", "Left home", "Left EU/EEA", "Third country",
		"Plaintext segs", "Unknown enc. segs", "TLS", "Transit"}
	if len(rep.Policy) > 0 {
		cols = append(cols, "Policy")
	}
	return cols
}

// cells returns the displayed cells of one row, sanitised for a terminal.
func cells(rep *Report, r *Row, st cellStyle) []string {
	c := []string{
		safe.Name(r.Group),
		strconv.Itoa(r.Messages),
		median(r.MedianHops, r.Messages),
		median(r.MedianRelays, r.Messages),
		orgCell(r, st),
		countCell(r.Intermediaries, r.DistinctIntermediaries, r.IntermediariesCapped, st),
		countCell(r.FilteredBy, r.DistinctFilteredBy, r.FilteredByCapped, st),
		countryCell(r, st),
		shareCell(r.LeftHome, r.Messages),
		shareCell(r.LeftEUEEA, r.Messages),
		shareCell(r.ThirdCountry, r.Messages),
		segmentCell(r.PlaintextSegments, r.Segments),
		segmentCell(r.UnknownSegments, r.Segments),
		tlsCell(r, st),
		transitCell(r),
	}
	if len(rep.Policy) > 0 {
		c = append(c, policyCell(r, st))
	}
	return c
}

// rightAligned reports whether column i holds numbers.
func rightAligned(i int) bool {
	switch i {
	case 1, 2, 3, 8, 9, 10, 11, 12, 14:
		return true
	}
	return false
}

func median(v float64, n int) string {
	if n == 0 {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func orgCell(r *Row, st cellStyle) string {
	return countCell(r.Organisations, r.DistinctOrganisations, r.OrganisationsCapped, st)
}

// countCell shows the top names as "name (n)", then "N distinct" ("over N
// distinct" when capped); "-" when there are none.
func countCell(top []Count, distinct int, capped bool, st cellStyle) string {
	if distinct == 0 {
		return "-"
	}
	parts := make([]string, 0, len(top)+1)
	for _, o := range top {
		parts = append(parts, fmt.Sprintf("%s (%d)", safe.Terminal(o.Name), o.Messages))
	}
	total := strconv.Itoa(distinct)
	if capped {
		total = "over " + total
	}
	parts = append(parts, total+" distinct")
	return strings.Join(parts, st.listSep)
}

func countryCell(r *Row, st cellStyle) string {
	if len(r.Countries) == 0 {
		return "-"
	}
	var b strings.Builder
	shown := r.Countries
	if len(shown) > maxCountriesShown {
		shown = shown[:maxCountriesShown]
	}
	for i, c := range shown {
		if i > 0 {
			if st.wrap > 0 && i%st.wrap == 0 {
				b.WriteString(",\n")
			} else {
				b.WriteString(", ")
			}
		}
		b.WriteString(safe.Terminal(c.Name))
		b.WriteByte(' ')
		b.WriteString(percent(r.Share(c.Messages)))
	}
	if more := len(r.Countries) - len(shown); more > 0 {
		fmt.Fprintf(&b, "%s+%d more", st.listSep, more)
	}
	return b.String()
}

// maxCountriesShown bounds the countries listed in a table or Markdown cell
// (the most frequent first); CSV and JSON list them all.
const maxCountriesShown = 12

func shareCell(n, of int) string {
	if of == 0 {
		return "-"
	}
	return fmt.Sprintf("%s (%d)", percent(fraction(n, of)), n)
}

func segmentCell(n, of int) string {
	if of == 0 {
		return "-"
	}
	return fmt.Sprintf("%s (%d/%d)", percent(fraction(n, of)), n, of)
}

// percent formats a fraction as a whole percentage; a non-zero share that
// would round to 0 % shows as "<1%", one that would round to 100 % as ">99%".
func percent(f float64) string {
	p := f * 100
	switch {
	case p > 0 && p < 0.5:
		return "<1%"
	case p < 100 && p >= 99.5:
		return ">99%"
	}
	return strconv.Itoa(int(math.Round(p))) + "%"
}

func tlsCell(r *Row, st cellStyle) string {
	if len(r.TLSVersions) == 0 {
		return "-"
	}
	v := make([]string, len(r.TLSVersions))
	for i, s := range r.TLSVersions {
		v[i] = safe.Terminal(s)
	}
	return strings.Join(v, st.listSep)
}

func transitCell(r *Row) string {
	if r.TransitMessages == 0 {
		return "-"
	}
	t := FormatSeconds(r.MedianTransitSeconds)
	if r.NegativeTransit > 0 {
		t += fmt.Sprintf(" (%d negative)", r.NegativeTransit)
	}
	return t
}

// FormatSeconds formats a duration in whole seconds compactly: "42s",
// "3m05s", "2h07m", "3d04h"; a negative one (dates running backwards) with
// a minus sign, "-8h31m".
func FormatSeconds(sec float64) string {
	s := int64(math.Round(sec))
	if s < 0 {
		return "-" + FormatSeconds(-sec)
	}
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	case s < 86400:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	}
	return fmt.Sprintf("%dd%02dh", s/86400, s%86400/3600)
}

// policyCell is "ok", or what the row violates and what it cannot be
// verified against ("CANNOT VERIFY": a location or encryption unknown).
func policyCell(r *Row, st cellStyle) string {
	if len(r.Violations) == 0 && len(r.CannotVerify) == 0 {
		return "ok"
	}
	var parts []string
	if len(r.Violations) > 0 {
		parts = append(parts, "VIOLATES: "+ruleCounts(r.Violations, st.listSep))
	}
	if len(r.CannotVerify) > 0 {
		parts = append(parts, "CANNOT VERIFY: "+ruleCounts(r.CannotVerify, st.listSep))
	}
	return strings.Join(parts, st.listSep)
}

func ruleCounts(vs []Violation, sep string) string {
	v := make([]string, len(vs))
	for i, x := range vs {
		v[i] = fmt.Sprintf("%s (%d)", x.Rule, x.Messages)
	}
	return strings.Join(v, sep)
}

// headline returns the line printed above the table of an incomplete
// report, "" for a complete one.
func headline(rep *Report) string {
	if !rep.Incomplete() {
		return ""
	}
	return fmt.Sprintf("INCOMPLETE: %s could not be read (to the end); the figures cover only the %s read.",
		plural(rep.InputsUnreadable, "input", "inputs"), plural(rep.Read, "message", "messages"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// footer returns the lines printed under the text and Markdown tables,
// sanitised for a terminal.
func footer(rep *Report) []string {
	lines := []string{"Home jurisdiction: " + safe.Terminal(orDash(rep.Home))}
	acc := fmt.Sprintf("Messages: %d read, %d analysed, %d failed", rep.Read, rep.Analysed, rep.Failed)
	if len(rep.FailReasons) > 0 {
		r := make([]string, len(rep.FailReasons))
		for i, c := range rep.FailReasons {
			r[i] = fmt.Sprintf("%s %d", safe.Terminal(c.Name), c.Messages)
		}
		acc += " (" + strings.Join(r, ", ") + ")"
	}
	acc += fmt.Sprintf("; inputs unreadable: %d", rep.InputsUnreadable)
	lines = append(lines, acc)
	for _, u := range rep.Unreadable {
		lines = append(lines, "Unreadable: "+safe.Name(orDash(u.Input))+": "+safe.Terminal(u.Reason))
	}
	if more := rep.InputsUnreadable - len(rep.Unreadable); more > 0 {
		lines = append(lines, fmt.Sprintf("Unreadable: %d more inputs not listed", more))
	}
	if rep.GroupsCapped {
		lines = append(lines, fmt.Sprintf("More groups than the limit: the rest are counted under %s.", OtherGroups))
	}
	if len(rep.Policy) > 0 {
		var bad, unknown []string
		for i := range rep.Rows {
			if len(rep.Rows[i].Violations) > 0 {
				bad = append(bad, safe.Name(rep.Rows[i].Group))
			}
			if rep.Rows[i].CannotVerifyMessages > 0 {
				unknown = append(unknown, safe.Name(rep.Rows[i].Group))
			}
		}
		if len(bad) == 0 {
			lines = append(lines, fmt.Sprintf("Policy %s: no violations", rep.Policy))
		} else {
			lines = append(lines, fmt.Sprintf("Policy %s: VIOLATED by %s", rep.Policy, strings.Join(bad, ", ")))
		}
		if len(unknown) > 0 {
			what := "the run fails (--allow-unknown accepts them)"
			if rep.AllowUnknown {
				what = "accepted (--allow-unknown)"
			}
			lines = append(lines, fmt.Sprintf("Policy %s: CANNOT VERIFY %s (location or encryption unknown) in %s: %s",
				rep.Policy, plural(rep.Total.CannotVerifyMessages, "message", "messages"), strings.Join(unknown, ", "), what))
		}
	}
	for _, n := range rep.Notes {
		lines = append(lines, "Note: "+safe.Terminal(n))
	}
	return lines
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// writeTable writes the report as a plain-text table with ASCII borders,
// followed by the home jurisdiction, the accounting, the policy verdict and
// the notes.
func writeTable(w io.Writer, rep Report) error {
	cols := columns(&rep)
	align := make([]tw.Align, len(cols))
	for i := range align {
		align[i] = tw.AlignLeft
		if rightAligned(i) {
			align[i] = tw.AlignRight
		}
	}
	t := tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Symbols:  tw.NewSymbols(tw.StyleASCII),
			Settings: tw.Settings{Separators: tw.Separators{BetweenRows: tw.On}},
		})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{Global: tw.AlignLeft, PerColumn: align}),
		tablewriter.WithTrimSpace(tw.Off),
	)
	if h := headline(&rep); h != "" {
		if _, err := fmt.Fprintln(w, h); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
	}
	t.Header(cols)
	st := cellStyle{listSep: "\n", wrap: 3}
	for i := range rep.Rows {
		if err := t.Append(cells(&rep, &rep.Rows[i], st)); err != nil {
			return fmt.Errorf("table row %d: %w", i+1, err)
		}
	}
	if err := t.Append(cells(&rep, &rep.Total, st)); err != nil {
		return fmt.Errorf("table totals: %w", err)
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("render table: %w", err)
	}
	for _, l := range footer(&rep) {
		if _, err := fmt.Fprintln(w, l); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
	}
	return nil
}

// mdEscape makes a sanitised cell safe inside a GitHub-flavoured Markdown
// table: HTML special characters become entities, backslashes and pipes are
// escaped, and line breaks become spaces.
func mdEscape(s string) string {
	s = html.EscapeString(safe.Terminal(s))
	s = strings.ReplaceAll(s, `\`, `\\`)
	return strings.ReplaceAll(s, "|", `\|`)
}

// writeMarkdown writes the report as a GitHub-flavoured Markdown table with
// the same columns as writeTable, followed by the same lines as a list.
func writeMarkdown(w io.Writer, rep Report) error {
	var b strings.Builder
	if h := headline(&rep); h != "" {
		b.WriteString("**" + mdEscape(h) + "**\n\n")
	}
	cols := columns(&rep)
	row := func(c []string) {
		b.WriteString("|")
		for _, s := range c {
			b.WriteString(" ")
			b.WriteString(mdEscape(s))
			b.WriteString(" |")
		}
		b.WriteString("\n")
	}
	row(cols)
	b.WriteString("|")
	for i := range cols {
		if rightAligned(i) {
			b.WriteString(" ---: |")
		} else {
			b.WriteString(" --- |")
		}
	}
	b.WriteString("\n")
	st := cellStyle{listSep: "; "}
	for i := range rep.Rows {
		row(cells(&rep, &rep.Rows[i], st))
	}
	tot := cells(&rep, &rep.Total, st)
	b.WriteString("|")
	for i, s := range tot {
		b.WriteString(" ")
		if i == 0 {
			b.WriteString("**" + mdEscape(rep.Total.Group) + "**")
		} else {
			b.WriteString(mdEscape(s))
		}
		b.WriteString(" |")
	}
	b.WriteString("\n\n")
	for _, l := range footer(&rep) {
		b.WriteString("- ")
		b.WriteString(mdEscape(l))
		b.WriteString("\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write markdown: %w", err)
	}
	return nil
}

// csvNeutralise defuses a cell that a spreadsheet would read as a formula
// (OWASP CSV injection): a cell starting with =, +, -, @, tab or CR gets a
// leading apostrophe.
func csvNeutralise(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// csvHeader are the CSV columns.
func csvHeader() []string {
	return []string{"row", "group", "messages", "median_hops", "median_relays",
		"organisations", "distinct_organisations", "intermediaries", "distinct_intermediaries",
		"filtered_by", "distinct_filtered_by", "countries",
		"left_home_share", "left_home_messages", "left_eu_eea_share", "left_eu_eea_messages",
		"third_country_share", "third_country_messages",
		"segments", "plaintext_share", "plaintext_segments", "unknown_encryption_share", "unknown_encryption_segments",
		"tls_versions", "median_transit_seconds", "negative_transit_messages", "violations", "cannot_verify", "reason"}
}

func decimal(f float64) string { return strconv.FormatFloat(roundTo(f, 4), 'f', -1, 64) }

func roundTo(f float64, places int) float64 {
	p := math.Pow10(places)
	return math.Round(f*p) / p
}

func csvRow(kind string, r *Row) []string {
	list := func(cs []Count) string {
		s := make([]string, len(cs))
		for i, o := range cs {
			s[i] = fmt.Sprintf("%s (%d)", safe.Terminal(o.Name), o.Messages)
		}
		return strings.Join(s, "; ")
	}
	distinctOf := func(n int, capped bool) string {
		if capped {
			return ">" + strconv.Itoa(n)
		}
		return strconv.Itoa(n)
	}
	countries := make([]string, len(r.Countries))
	for i, c := range r.Countries {
		countries[i] = fmt.Sprintf("%s %s", safe.Terminal(c.Name), decimal(r.Share(c.Messages)))
	}
	tls := make([]string, len(r.TLSVersions))
	for i, v := range r.TLSVersions {
		tls[i] = safe.Terminal(v)
	}

	mh, mr, tr := "", "", ""
	if r.Messages > 0 {
		mh, mr = decimal(r.MedianHops), decimal(r.MedianRelays)
	}
	if r.TransitMessages > 0 {
		tr = decimal(r.MedianTransitSeconds)
	}
	return []string{kind, safe.Name(r.Group), strconv.Itoa(r.Messages), mh, mr,
		list(r.Organisations), distinctOf(r.DistinctOrganisations, r.OrganisationsCapped),
		list(r.Intermediaries), distinctOf(r.DistinctIntermediaries, r.IntermediariesCapped),
		list(r.FilteredBy), distinctOf(r.DistinctFilteredBy, r.FilteredByCapped),
		strings.Join(countries, "; "),
		decimal(r.Share(r.LeftHome)), strconv.Itoa(r.LeftHome),
		decimal(r.Share(r.LeftEUEEA)), strconv.Itoa(r.LeftEUEEA),
		decimal(r.Share(r.ThirdCountry)), strconv.Itoa(r.ThirdCountry),
		strconv.Itoa(r.Segments),
		decimal(r.SegmentShare(r.PlaintextSegments)), strconv.Itoa(r.PlaintextSegments),
		decimal(r.SegmentShare(r.UnknownSegments)), strconv.Itoa(r.UnknownSegments),
		strings.Join(tls, "; "), tr, strconv.Itoa(r.NegativeTransit), ruleCounts(r.Violations, "; "), ruleCounts(r.CannotVerify, "; "), ""}
}

// writeCSV writes the report as CSV: a header line; for an incomplete
// report an "incomplete" row saying so (group = the headline); one "group"
// row per group, a "total" row, one "failed" row per failure reason (group
// = reason, messages = count), one "unreadable" row per input that could
// not be read (group = input, reason = why), and four "accounting" rows
// (group = read, analysed, failed, inputs_unreadable; messages = count).
// Shares are fractions with four decimals. Cells are sanitised and
// neutralised against spreadsheet formula injection. The home jurisdiction
// and the notes are not in the CSV form (they would break its
// one-record-per-line shape); the other formats carry them.
func writeCSV(w io.Writer, rep Report) error {
	cw := csv.NewWriter(w)
	write := func(rec []string) error {
		for i := range rec {
			rec[i] = csvNeutralise(rec[i])
		}
		return cw.Write(rec)
	}
	n := len(csvHeader())
	if err := write(csvHeader()); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	if h := headline(&rep); h != "" {
		rec := make([]string, n)
		rec[0], rec[1] = "incomplete", h
		if err := write(rec); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	for i := range rep.Rows {
		if err := write(csvRow("group", &rep.Rows[i])); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	if err := write(csvRow("total", &rep.Total)); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	for _, c := range rep.FailReasons {
		rec := make([]string, n)
		rec[0], rec[1], rec[2] = "failed", safe.Terminal(c.Name), strconv.Itoa(c.Messages)
		if err := write(rec); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	for _, u := range rep.Unreadable {
		rec := make([]string, n)
		rec[0], rec[1], rec[n-1] = "unreadable", safe.Name(u.Input), safe.Terminal(u.Reason)
		if err := write(rec); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	for _, c := range []Count{{"read", rep.Read}, {"analysed", rep.Analysed}, {"failed", rep.Failed}, {"inputs_unreadable", rep.InputsUnreadable}} {
		rec := make([]string, n)
		rec[0], rec[1], rec[2] = "accounting", c.Name, strconv.Itoa(c.Messages)
		if err := write(rec); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// jsonCount is a name or code with a message count and share.
type jsonCount struct {
	Name     string  `json:"name"`
	Messages int     `json:"messages"`
	Share    float64 `json:"share"`
}

// jsonRow is the JSON form of a Row.
type jsonRow struct {
	SchemaVersion int    `json:"schema_version"`
	Type          string `json:"type"`       // "group" or "totals"
	Incomplete    bool   `json:"incomplete"` // some input could not be read: the counts cover only what was read

	GroupBy               string      `json:"group_by"`
	Group                 string      `json:"group"`
	Messages              int         `json:"messages"`
	MedianHops            *float64    `json:"median_hops"`
	MedianRelays          *float64    `json:"median_relays"`
	Organisations         []jsonCount `json:"organisations"`
	DistinctOrganisations int         `json:"distinct_organisations"`
	OrganisationsCapped   bool        `json:"organisations_capped"`
	// Intermediaries and FilteredBy are Row.Intermediaries and
	// Row.FilteredBy, with their distinct counts.
	Intermediaries         []jsonCount `json:"intermediaries"`
	DistinctIntermediaries int         `json:"distinct_intermediaries"`
	IntermediariesCapped   bool        `json:"intermediaries_capped"`
	FilteredBy             []jsonCount `json:"filtered_by"`
	DistinctFilteredBy     int         `json:"distinct_filtered_by"`
	FilteredByCapped       bool        `json:"filtered_by_capped"`
	Countries              []jsonCount `json:"countries"`
	LeftHomeMessages       int         `json:"left_home_messages"`
	LeftHomeShare          float64     `json:"left_home_share"`
	LeftEUEEAMessages      int         `json:"left_eu_eea_messages"`
	LeftEUEEAShare         float64     `json:"left_eu_eea_share"`
	ThirdCountryMessages   int         `json:"third_country_messages"`
	ThirdCountryShare      float64     `json:"third_country_share"`
	Segments               int         `json:"segments"`
	PlaintextSegments      int         `json:"plaintext_segments"`
	PlaintextShare         float64     `json:"plaintext_share"`
	UnknownSegments        int         `json:"unknown_encryption_segments"`
	UnknownShare           float64     `json:"unknown_encryption_share"`
	TLSVersions            []string    `json:"tls_versions"`
	TransitMessages        int         `json:"transit_messages"`
	MedianTransitSeconds   *float64    `json:"median_transit_seconds"`
	NegativeTransit        int         `json:"negative_transit_messages"`
	Violations             []Violation `json:"violations"`
	CannotVerify           []Violation `json:"cannot_verify"`
	CannotVerifyMessages   int         `json:"cannot_verify_messages"`
}

// jsonTotals is the final JSON Lines object: the totals row plus the
// accounting and the report-wide information.
type jsonTotals struct {
	jsonRow
	Home           string `json:"home"`
	Policy         []Rule `json:"policy"`
	PolicyViolated bool   `json:"policy_violated"`
	// PolicyCannotVerify: some message violates nothing but cannot be
	// verified; PolicyFailed: the run fails its policy (exit 4).
	PolicyCannotVerify bool         `json:"policy_cannot_verify"`
	AllowUnknown       bool         `json:"allow_unknown"`
	PolicyFailed       bool         `json:"policy_failed"`
	Read               int          `json:"read"`
	Analysed           int          `json:"analysed"`
	Failed             int          `json:"failed"`
	FailReasons        []jsonReason `json:"fail_reasons"`
	// InputsUnreadable counts the inputs that could not be read (to the
	// end); Unreadable lists the first 100.
	InputsUnreadable int              `json:"inputs_unreadable"`
	Unreadable       []jsonUnreadable `json:"unreadable"`
	Groups           int              `json:"groups"`
	GroupsCapped     bool             `json:"groups_capped"`
	Notes            []string         `json:"notes"`
}

type jsonUnreadable struct {
	Input  string `json:"input"`
	Reason string `json:"reason"`
}

type jsonReason struct {
	Reason   string `json:"reason"`
	Messages int    `json:"messages"`
}

func toJSONRow(rep *Report, typ string, r *Row) jsonRow {
	j := jsonRow{
		SchemaVersion:          SchemaVersion,
		Type:                   typ,
		Incomplete:             rep.Incomplete(),
		GroupBy:                rep.GroupBy.String(),
		Group:                  r.Group,
		Messages:               r.Messages,
		Organisations:          []jsonCount{},
		DistinctOrganisations:  r.DistinctOrganisations,
		OrganisationsCapped:    r.OrganisationsCapped,
		Intermediaries:         jsonCounts(r, r.Intermediaries),
		DistinctIntermediaries: r.DistinctIntermediaries,
		IntermediariesCapped:   r.IntermediariesCapped,
		FilteredBy:             jsonCounts(r, r.FilteredBy),
		DistinctFilteredBy:     r.DistinctFilteredBy,
		FilteredByCapped:       r.FilteredByCapped,
		Countries:              []jsonCount{},
		LeftHomeMessages:       r.LeftHome,
		LeftHomeShare:          roundTo(r.Share(r.LeftHome), 4),
		LeftEUEEAMessages:      r.LeftEUEEA,
		LeftEUEEAShare:         roundTo(r.Share(r.LeftEUEEA), 4),
		ThirdCountryMessages:   r.ThirdCountry,
		ThirdCountryShare:      roundTo(r.Share(r.ThirdCountry), 4),
		Segments:               r.Segments,
		PlaintextSegments:      r.PlaintextSegments,
		PlaintextShare:         roundTo(r.SegmentShare(r.PlaintextSegments), 4),
		UnknownSegments:        r.UnknownSegments,
		UnknownShare:           roundTo(r.SegmentShare(r.UnknownSegments), 4),
		TLSVersions:            append([]string{}, r.TLSVersions...),
		TransitMessages:        r.TransitMessages,
		NegativeTransit:        r.NegativeTransit,
		Violations:             append([]Violation{}, r.Violations...),
		CannotVerify:           append([]Violation{}, r.CannotVerify...),
		CannotVerifyMessages:   r.CannotVerifyMessages,
	}
	if r.Messages > 0 {
		h, rl := r.MedianHops, r.MedianRelays
		j.MedianHops, j.MedianRelays = &h, &rl
	}
	if r.TransitMessages > 0 {
		t := r.MedianTransitSeconds
		j.MedianTransitSeconds = &t
	}
	for _, o := range r.Organisations {
		j.Organisations = append(j.Organisations, jsonCount{Name: o.Name, Messages: o.Messages, Share: roundTo(r.Share(o.Messages), 4)})
	}
	for _, c := range r.Countries {
		j.Countries = append(j.Countries, jsonCount{Name: c.Name, Messages: c.Messages, Share: roundTo(r.Share(c.Messages), 4)})
	}
	return j
}

// jsonCounts returns cs with their shares of r's messages (never nil).
func jsonCounts(r *Row, cs []Count) []jsonCount {
	out := make([]jsonCount, 0, len(cs))
	for _, c := range cs {
		out = append(out, jsonCount{Name: c.Name, Messages: c.Messages, Share: roundTo(r.Share(c.Messages), 4)})
	}
	return out
}

// writeJSON writes the report as JSON Lines: one object per group ("type":
// "group") in row order, then one "totals" object with the totals row, the
// accounting (read, analysed, failed, fail_reasons), the home jurisdiction,
// the policy and the notes. Field names are snake_case; every object carries
// schema_version. Shares are fractions rounded to four decimals; medians are
// null for rows without messages.
func writeJSON(w io.Writer, rep Report) error {
	enc := json.NewEncoder(w)
	for i := range rep.Rows {
		if err := enc.Encode(toJSONRow(&rep, "group", &rep.Rows[i])); err != nil {
			return fmt.Errorf("write json: %w", err)
		}
	}
	t := jsonTotals{
		jsonRow:        toJSONRow(&rep, "totals", &rep.Total),
		Home:           rep.Home,
		Policy:         append([]Rule{}, rep.Policy...),
		PolicyViolated: rep.Violations(),

		PolicyCannotVerify: rep.CannotVerify(),
		AllowUnknown:       rep.AllowUnknown,
		PolicyFailed:       rep.PolicyFails(),
		Read:               rep.Read,
		Analysed:           rep.Analysed,
		Failed:             rep.Failed,
		FailReasons:        []jsonReason{},
		Unreadable:         []jsonUnreadable{},
		Groups:             len(rep.Rows),

		InputsUnreadable: rep.InputsUnreadable,
		GroupsCapped:     rep.GroupsCapped,
		Notes:            append([]string{}, rep.Notes...),
	}
	for _, c := range rep.FailReasons {
		t.FailReasons = append(t.FailReasons, jsonReason{Reason: c.Name, Messages: c.Messages})
	}
	for _, u := range rep.Unreadable {
		t.Unreadable = append(t.Unreadable, jsonUnreadable{Input: u.Input, Reason: u.Reason})
	}
	if err := enc.Encode(t); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

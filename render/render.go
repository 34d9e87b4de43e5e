// Package render writes per-message trace results (analyzer.Result) as a
// terminal table or as JSON Lines.
package render

import (
	"encoding/json"
	"fmt"
	"github.com/mailroute/mailroute/jurisdiction"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/mailroute/mailroute/analyzer"
	"github.com/mailroute/mailroute/filtering"
	"github.com/mailroute/mailroute/internal/format"
	"github.com/mailroute/mailroute/internal/safe"
)

// Formats are the formats New writes.
func Formats() []format.Format { return []format.Format{format.Table, format.JSON} }

// Writer writes results one at a time in one format; Close ends the output
// (formats with a footer write it then).
type Writer interface {
	Write(res analyzer.Result) error
	Close() error
}

// New returns a Writer for the format, one of Formats.
func New(w io.Writer, f format.Format) (Writer, error) {
	switch f {
	case format.JSON:
		return &jsonWriter{enc: json.NewEncoder(w)}, nil
	case format.Table:
		return &tableWriter{w: w}, nil
	}
	return nil, fmt.Errorf("trace results: unsupported format %q (want %s)", f, format.List(Formats()))
}

type jsonWriter struct{ enc *json.Encoder }

// Write writes one JSON object on one line.
func (j *jsonWriter) Write(res analyzer.Result) error {
	j.enc.SetEscapeHTML(true)
	if err := j.enc.Encode(res); err != nil {
		return fmt.Errorf("write json for %s: %w", res.Source, err)
	}
	return nil
}

// Close implements Writer; JSON Lines have no footer.
func (j *jsonWriter) Close() error { return nil }

type tableWriter struct {
	w     io.Writer
	count int
}

// Close implements Writer; the table has no footer.
func (t *tableWriter) Close() error { return nil }

// Write writes a short header, one row per node, and the summary.
func (t *tableWriter) Write(res analyzer.Result) error {
	var b strings.Builder
	if t.count > 0 {
		b.WriteString("\n")
	}
	t.count++
	fmt.Fprintf(&b, "%s\n", clean(res.Source))
	if res.Error != "" && len(res.Nodes) == 0 {
		fmt.Fprintf(&b, "  error: %s\n", clean(res.Error))
		_, err := io.WriteString(t.w, b.String())
		return err
	}
	fmt.Fprintf(&b, "  from %s  date %s  message-id %s\n", orDash(clean(res.FromDomain)), orDash(res.Date), orDash(clean(res.MessageID)))
	if _, err := io.WriteString(t.w, b.String()); err != nil {
		return err
	}
	table := tablewriter.NewTable(t.w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
	)
	table.Header("Hop", "Node", "IP", "Location", "Organisation", "Jurisdiction", "Protocol", "Encryption", "Delay")
	into := map[int]analyzer.Segment{}
	for _, s := range res.Segments {
		into[s.To] = s
	}
	for i, n := range res.Nodes {
		row := []string{
			fmt.Sprint(i),
			nodeName(n),
			ipText(n),
			locationText(n.Location),
			clean(n.Organisation),
			string(n.Jurisdiction),
			"", "", "",
		}
		if s, ok := into[i]; ok {
			row[6] = clean(s.Protocol)
			row[7] = encryptionText(s)
			if s.DelaySeconds != nil {
				row[8] = delayText(s.DelaySeconds)
			}
		}
		if err := table.Append(row); err != nil {
			return fmt.Errorf("table row: %w", err)
		}
	}
	if err := table.Render(); err != nil {
		return fmt.Errorf("render table: %w", err)
	}
	b.Reset()
	writeSummary(&b, res)
	_, err := io.WriteString(t.w, b.String())
	return err
}

func writeSummary(b *strings.Builder, res analyzer.Result) {
	s := res.Summary
	fmt.Fprintf(b, "  %s, %s, %s (%s), countries %s\n",
		plural(s.Hops, "hop"), plural(s.Relays, "relay"), plural(len(s.Organisations), "organisation"),
		clean(strings.Join(s.Organisations, ", ")), orDash(strings.Join(s.Countries, ", ")))
	var js []string
	for _, j := range []jurisdiction.Class{jurisdiction.ClassHome, jurisdiction.ClassEUEEA, jurisdiction.ClassAdequate,
		jurisdiction.ClassThird, jurisdiction.ClassInternal, jurisdiction.ClassUnknown} {
		if n := s.Jurisdictions[j]; n > 0 {
			js = append(js, fmt.Sprintf("%s %d", j, n))
		}
	}
	fmt.Fprintf(b, "  jurisdictions: %s; left home: %s, left EU/EEA: %s, third country: %s\n",
		orDash(strings.Join(js, ", ")), yesNo(s.LeftHome), yesNo(s.LeftEUEEA), yesNo(s.ThirdCountry))
	fmt.Fprintf(b, "  segments: %d encrypted, %d plaintext, %d unknown; TLS %s; transit %s\n",
		s.EncryptedSegments, s.PlaintextSegments, s.UnknownSegments, orDash(strings.Join(s.TLSVersions, ", ")), delayText(s.TransitSeconds))
	fmt.Fprintf(b, "  readable in clear by: every node above (%s", plural(len(res.Nodes), "machine"))
	if n := len(res.Parties); n > 0 {
		fmt.Fprintf(b, " of %s", plural(n, "party"))
	}
	b.WriteString(")")
	switch s.BodyEncryption {
	case "pgp":
		b.WriteString(", except the body: it is PGP/MIME encrypted")
	case "smime":
		b.WriteString(", except the body: it is S/MIME encrypted")
	}
	if s.PlaintextSegments > 0 {
		fmt.Fprintf(b, "; and anyone on the network of the %s", plural(s.PlaintextSegments, "plaintext segment"))
	}
	b.WriteString("\n")
	writeParties(b, res)
	writeFilters(b, res)
	for _, f := range res.Flags {
		fmt.Fprintf(b, "  flag %s (Received #%d): %s\n", f.Code, f.Received, clean(f.Detail))
	}
	for _, n := range res.Notes {
		fmt.Fprintf(b, "  note: %s\n", clean(n))
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(b, "  warning: %s\n", clean(w))
	}
	if res.Error != "" {
		fmt.Fprintf(b, "  error: %s\n", clean(res.Error))
	}
}

// writeFilters writes the "filtered by" line: each spam or virus finding
// (engine, operator, host, verdict, score), then "authenticated by" with
// each authentication result's host and verdict; "unverified" marks
// findings not tied to the recipient's side, "gateway" third-party gateways.
func writeFilters(b *strings.Builder, res analyzer.Result) {
	var filtered, auth []string
	for _, f := range res.Filters {
		who := f.Engine
		var extra []string
		if f.Operator != "" && f.Operator != f.Engine {
			extra = append(extra, f.Operator)
		}
		if f.Host != "" {
			extra = append(extra, f.Host)
		}
		if len(extra) > 0 {
			who += " (" + strings.Join(extra, ", ") + ")"
		}
		t := who + " " + string(f.Verdict)
		if f.Score != nil {
			t += fmt.Sprintf(" %g", *f.Score)
			if f.Threshold != nil {
				t += fmt.Sprintf("/%g", *f.Threshold)
			}
		}
		if f.Gateway {
			t += " gateway"
		}
		if f.Unverified {
			t += " unverified"
		}
		t = clean(t)
		list := &filtered
		if f.Kind == filtering.KindAuth {
			list = &auth
		}
		if !slices.Contains(*list, t) {
			*list = append(*list, t)
		}
	}
	if len(filtered) > 0 {
		fmt.Fprintf(b, "  filtered by: %s\n", strings.Join(filtered, "; "))
	}
	if len(auth) > 0 {
		fmt.Fprintf(b, "  authenticated by: %s\n", strings.Join(auth, "; "))
	}
}

// writeParties writes the "parties" block: one line per party with its
// side, kind, operator (and its home country and that country's class),
// machines, countries,
// jurisdiction class and the encryption of the transfers into and out of
// it.
func writeParties(b *strings.Builder, res analyzer.Result) {
	if len(res.Parties) == 0 {
		return
	}
	b.WriteString("  parties:\n")
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	for _, p := range res.Parties {
		op := clean(p.Operator)
		if op == "" {
			op = "?"
		}
		if p.OperatorCountry != "" {
			op += " (" + clean(p.OperatorCountry) + ", " + string(p.OperatorJurisdiction) + ")"
		}
		fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\t%s\t%s\tin %s\tout %s\n",
			p.Side, clean(p.Kind), op, plural(p.Machines, "machine"), orDash(strings.Join(p.Countries, ",")),
			p.Jurisdiction, partyEncryption(p.EncryptionIn), partyEncryption(p.EncryptionOut))
	}
	tw.Flush()
}

func partyEncryption(e *analyzer.Encryption) string {
	switch {
	case e == nil:
		return "-"
	case *e == analyzer.EncryptionYes:
		return "TLS"
	case *e == analyzer.EncryptionNo:
		return "PLAINTEXT"
	}
	return "unknown"
}

func nodeName(n analyzer.Node) string {
	name := clean(n.Name)
	if name == "" {
		name = "?"
	}
	if n.Claimed {
		name += " (claimed)" // self-declared, not confirmed by the receiving relay
	}
	switch n.Role {
	case analyzer.RoleOrigin:
		name = "origin: " + name
	case analyzer.RoleFinal:
		name = "final: " + name
	}
	return name
}

func ipText(n analyzer.Node) string {
	switch {
	case !n.IP.IsValid():
		return "unknown"
	case n.Location.ViaDNS:
		return n.IP.String() + " (dns)"
	}
	return n.IP.String()
}

func locationText(l analyzer.Location) string {
	parts := []string{}
	if l.Country != "" {
		parts = append(parts, l.Country)
	}
	if l.City != "" {
		parts = append(parts, clean(l.City))
	}
	if l.Placement != nil {
		if l.Country == "" {
			parts = append(parts, "?")
		}
		parts = append(parts, "("+clean(l.Placement.Short())+")")
	}
	return strings.Join(parts, " ")
}

func encryptionText(s analyzer.Segment) string {
	switch s.Encryption {
	case analyzer.EncryptionYes:
		if s.TLSVersion != "" {
			return "TLS " + strings.TrimPrefix(clean(s.TLSVersion), "TLS")
		}
		return "TLS"
	case analyzer.EncryptionNo:
		return "PLAINTEXT"
	}
	return "unknown"
}

func delayText(sec *float64) string {
	if sec == nil {
		return "-"
	}
	d := *sec
	switch a := math.Abs(d); {
	case a < 1:
		return fmt.Sprintf("%.1fs", d)
	case a < 120:
		return fmt.Sprintf("%.0fs", d)
	case a < 7200:
		return fmt.Sprintf("%.0fm", d/60)
	}
	return fmt.Sprintf("%.1fh", d/3600)
}

func clean(s string) string { return safe.Terminal(s) }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// plural writes a count with its noun, "1 hop", "3 hops".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if l := len(noun); l > 1 && noun[l-1] == 'y' && !strings.ContainsRune("aeiou", rune(noun[l-2])) {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(noun, "y"))
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

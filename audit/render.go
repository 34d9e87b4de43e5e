package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/mailroute/mailroute/analyzer"
	"github.com/mailroute/mailroute/internal/safe"
)

// WriteJSON writes one JSON object per report and line (JSON Lines), each
// with schema_version.
func WriteJSON(w io.Writer, reports []Report) error {
	enc := json.NewEncoder(w)
	for _, r := range reports {
		r.SchemaVersion = SchemaVersion
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("write audit of %s as JSON: %w", r.Domain, err)
		}
	}
	return nil
}

// WriteTable writes the reports as text tables for a terminal, one section
// per domain. DNS-sourced text is stripped of control characters.
func WriteTable(w io.Writer, reports []Report) error {
	return write(w, reports, textFormat{})
}

// WriteMarkdown writes the reports as Markdown, one "##" section per domain.
// DNS-sourced text is escaped for table cells (| and HTML).
func WriteMarkdown(w io.Writer, reports []Report) error {
	return write(w, reports, markdownFormat{})
}

// format is what differs between the text and Markdown renderings.
type format interface {
	heading(level int, s string) string
	clean(s string) string
	code(s string) string
	table(w io.Writer) *tablewriter.Table
	bullet(s string) string
	paragraph(s string) string
}

type textFormat struct{}

func (textFormat) heading(level int, s string) string {
	if level == 1 {
		return "== " + s + " ==\n"
	}
	return s + "\n"
}
func (textFormat) clean(s string) string { return safe.Terminal(s) }
func (textFormat) code(s string) string  { return safe.Terminal(s) }
func (textFormat) table(w io.Writer) *tablewriter.Table {
	return tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNormal),
		tablewriter.WithRowMaxWidth(60),
		tablewriter.WithTrimSpace(tw.Off),
	)
}
func (textFormat) bullet(s string) string    { return "  - " + s + "\n" }
func (textFormat) paragraph(s string) string { return wrap(s, 100, "  ") + "\n" }

type markdownFormat struct{}

func (markdownFormat) heading(level int, s string) string {
	return strings.Repeat("#", level+1) + " " + s + "\n\n"
}
func (markdownFormat) clean(s string) string { return safe.Markdown(s) }
func (markdownFormat) code(s string) string {
	// A code span cannot hold an escaped backquote: show the text escaped
	// instead of in a span when it has one.
	if strings.ContainsRune(s, '`') {
		return safe.Markdown(s)
	}
	return "`" + strings.ReplaceAll(safe.Terminal(s), "|", `\|`) + "`"
}
func (markdownFormat) table(w io.Writer) *tablewriter.Table {
	return tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewMarkdown()),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithTrimSpace(tw.Off),
	)
}
func (markdownFormat) bullet(s string) string    { return "- " + s + "\n" }
func (markdownFormat) paragraph(s string) string { return s + "\n" }

// wrap breaks s into lines of at most width columns, each with indent.
func wrap(s string, width int, indent string) string {
	var b strings.Builder
	line := 0
	for i, word := range strings.Fields(s) {
		if i > 0 && line+1+len(word) > width {
			b.WriteString("\n")
			line = 0
		}
		if line == 0 {
			b.WriteString(indent)
			line = len(indent)
		} else {
			b.WriteString(" ")
			line++
		}
		b.WriteString(word)
		line += len(word)
	}
	return b.String()
}

// errWriter remembers the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) print(s string) { _, _ = io.WriteString(e, s) }

func write(w io.Writer, reports []Report, f format) error {
	ew := &errWriter{w: w}
	for i, r := range reports {
		if i > 0 {
			ew.print("\n")
		}
		if err := writeReport(ew, r, f); err != nil {
			return fmt.Errorf("write audit of %s: %w", r.Domain, err)
		}
		if ew.err != nil {
			return fmt.Errorf("write audit of %s: %w", r.Domain, ew.err)
		}
	}
	return nil
}

// table renders a table with a header and rows, cleaning every cell.
func table(ew *errWriter, f format, header []string, rows [][]string) error {
	if len(rows) == 0 {
		return nil
	}
	t := f.table(ew)
	h := make([]any, len(header))
	for i, c := range header {
		h[i] = c
	}
	t.Header(h...)
	for _, row := range rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = f.clean(c)
			if cells[i] == "" {
				cells[i] = "-"
			}
		}
		if err := t.Append(cells); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	ew.print("\n")
	return nil
}

func sourceNames(l analyzer.Location) string {
	var names []string
	for _, s := range l.Source {
		names = append(names, s.Name)
	}
	return strings.Join(names, ", ")
}

func writeReport(ew *errWriter, r Report, f format) error {
	ew.print(f.heading(1, f.clean(r.Domain)+" (home: "+r.Home+")"))

	// Inbound.
	ew.print(f.heading(2, "Inbound (MX): "+f.clean(statusText(r.Inbound.Status, r.Inbound.Error, r.Inbound.Status))))
	var rows [][]string
	for _, h := range r.Inbound.MX {
		if len(h.Addresses) == 0 {
			addr := ""
			if h.Error != "" {
				addr = "unknown"
			}
			rows = append(rows, []string{strconv.Itoa(int(h.Preference)), h.Host, addr, "", "", "", "", ""})
		}
		for _, a := range h.Addresses {
			rows = append(rows, []string{strconv.Itoa(int(h.Preference)), h.Host, a.IP.String(),
				a.Location.Country, a.Location.City, a.Location.ASOrg, string(a.Jurisdiction), sourceNames(a.Location)})
		}
	}
	if err := table(ew, f, []string{"PREF", "MX HOST", "ADDRESS", "COUNTRY", "CITY", "ORGANISATION", "JURISDICTION", "SOURCE"}, rows); err != nil {
		return err
	}
	var notes []string
	notes = append(notes, r.Inbound.Notes...)
	for _, h := range r.Inbound.MX {
		if h.Error != "" {
			notes = append(notes, h.Host+": addresses "+statusText(StatusUnknown, h.Error, ""))
		}
		for _, n := range h.Notes {
			notes = append(notes, h.Host+": "+n)
		}
	}
	writeNotes(ew, f, notes)

	if !r.Exists {
		writeUnknown(ew, f, r.Unknown)
		ew.print(f.heading(2, "Verdict"))
		ew.print(f.paragraph(f.clean(r.Verdict)))
		return nil
	}

	// Outbound.
	o := r.Outbound
	ew.print(f.heading(2, fmt.Sprintf("Outbound (SPF): %s, %d DNS look-ups (limit 10), %d void look-ups (limit 2)", f.clean(statusText(o.Status, o.Error, o.Status)), o.Lookups, o.VoidLookups)))
	if o.Record != "" {
		ew.print(f.paragraph("Record: " + f.code(o.Record)))
		ew.print("\n")
	}
	rows = rows[:0]
	for _, n := range o.Networks {
		auth := "yes"
		if !n.Authorised {
			auth = "no (" + n.Qualifier + ")"
		}
		rows = append(rows, []string{n.Prefix.String(), strings.Join(n.Via, " → "), n.Term, auth,
			n.Location.Country, n.Location.ASOrg, string(n.Jurisdiction)})
	}
	if err := table(ew, f, []string{"NETWORK", "VIA", "TERM", "AUTHORISED", "COUNTRY", "ORGANISATION", "JURISDICTION"}, rows); err != nil {
		return err
	}
	rows = rows[:0]
	for _, u := range o.Unexpanded {
		rows = append(rows, []string{u.Term, u.Domain, u.Reason})
	}
	if err := table(ew, f, []string{"NOT EXPANDED", "IN RECORD OF", "WHY"}, rows); err != nil {
		return err
	}
	rows = rows[:0]
	addShares := func(group string, shares []Share) {
		for _, s := range shares {
			rows = append(rows, []string{group, s.Key, strconv.Itoa(s.Networks), strconv.FormatUint(s.IPv4Addresses, 10),
				percent(s), strconv.Itoa(s.IPv6Networks)})
		}
	}
	addShares("country", o.ByCountry)
	addShares("organisation", o.ByOrganisation)
	for _, inc := range o.ByInclude {
		addShares(inc.Include+" / country", inc.ByCountry)
		addShares(inc.Include+" / organisation", inc.ByOrganisation)
	}
	if err := table(ew, f, []string{"AUTHORISED BY", "KEY", "NETWORKS", "IPV4 ADDRESSES", "IPV4 %", "IPV6 NETWORKS"}, rows); err != nil {
		return err
	}
	if len(o.Networks) > 0 {
		notes = []string{"locations are those of each network's first address; shares count IPv4 addresses, IPv6 networks are only counted"}
	} else {
		notes = nil
	}
	for _, e := range o.LookupErrors {
		notes = append(notes, statusText(StatusUnknown, e, ""))
	}
	writeNotes(ew, f, append(notes, o.Notes...))

	// Transport security.
	ew.print(f.heading(2, "Transport security"))
	t := r.Transport
	rows = [][]string{
		{"MTA-STS", statusText(t.MTASTS.Status, t.MTASTS.Error, "present"), joinNonEmpty("; ", kv("id", t.MTASTS.ID), strings.Join(t.MTASTS.Notes, "; "))},
		{"TLS-RPT", statusText(t.TLSRPT.Status, t.TLSRPT.Error, "present"), joinNonEmpty("; ", kv("rua", strings.Join(t.TLSRPT.RUA, ",")), strings.Join(t.TLSRPT.Notes, "; "))},
	}
	if len(t.DANE) == 0 && r.Inbound.Status == InboundUnknown {
		rows = append(rows, []string{"DANE", "unknown", "not checked: the MX hosts are unknown"})
	}
	for _, d := range t.DANE {
		status := "none"
		switch {
		case d.Status == StatusUnknown:
			status = statusText(d.Status, d.Error, "")
		case len(d.Records) > 0:
			status = "present, not validated"
			if d.Validated {
				status = "present, DNSSEC-validated"
			}
		}
		var recs []string
		for _, rec := range d.Records {
			recs = append(recs, rec.String())
		}
		rows = append(rows, []string{"DANE " + d.Host, status, joinNonEmpty("; ", strings.Join(recs, ", "), strings.Join(d.Notes, "; "))})
	}
	dm := t.DMARC
	dmStatus := statusText(dm.Status, dm.Error, "p="+dm.Policy)
	dmDetail := ""
	if dm.Present {
		dmDetail = joinNonEmpty("; ", kv("sp", dm.SubdomainPolicy), "pct="+strconv.Itoa(dm.Percent), kv("rua", strings.Join(dm.RUA, ",")))
	}
	rows = append(rows, []string{"DMARC", dmStatus, joinNonEmpty("; ", dmDetail, strings.Join(dm.Notes, "; "))})
	if err := table(ew, f, []string{"CHECK", "STATUS", "DETAIL"}, rows); err != nil {
		return err
	}

	writeUnknown(ew, f, r.Unknown)
	ew.print(f.heading(2, "Verdict"))
	ew.print(f.paragraph(f.clean(r.Verdict)))
	return nil
}

func writeNotes(ew *errWriter, f format, notes []string) {
	for _, n := range notes {
		ew.print(f.bullet(f.clean(n)))
	}
	if len(notes) > 0 {
		ew.print("\n")
	}
}

// writeUnknown lists what could not be checked, under its own heading.
func writeUnknown(ew *errWriter, f format, unknown []Unknown) {
	if len(unknown) == 0 {
		return
	}
	ew.print(f.heading(2, "Could not be checked (DNS errors)"))
	for _, u := range unknown {
		text := statusText(StatusUnknown, u.Error, "")
		if strings.HasPrefix(u.Error, notChecked) {
			text = "unknown (" + u.Error + ")"
		}
		ew.print(f.bullet(f.clean(u.Check + ": " + text)))
	}
	ew.print("\n")
}

// statusText shows a check's status: okText when it was found, "unknown
// (DNS error: ...)" when the look-up failed, the status itself otherwise.
func statusText(status, err, okText string) string {
	switch status {
	case StatusOK:
		return okText
	case StatusUnknown:
		if err == "" {
			return "unknown"
		}
		return "unknown (DNS error: " + err + ")"
	}
	return status
}

func kv(k, v string) string {
	if v == "" {
		return ""
	}
	return k + "=" + v
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// percent formats a share's IPv4 percentage; "<0.1" for a small share that
// rounds to zero.
func percent(s Share) string {
	if s.IPv4Addresses > 0 && s.IPv4Percent < 0.1 {
		return "<0.1"
	}
	return strconv.FormatFloat(s.IPv4Percent, 'f', 1, 64)
}

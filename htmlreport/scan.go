package htmlreport

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/mailroute/mailroute/analyzer"
	"github.com/mailroute/mailroute/internal/safe"
	"github.com/mailroute/mailroute/jurisdiction"
	"github.com/mailroute/mailroute/report"
)

// MaxGroupSections bounds the per-group sections (map, bars, examples) of a
// scan page; every group still has its row in the table.
const MaxGroupSections = 50

// MaxTableRows bounds the rows of the comparison table (the groups with
// the most messages); the rest are counted under it. The text, CSV and JSON
// formats list every group.
const MaxTableRows = 500

// ScanInfo is what the scan page shows besides the Report: the run's
// accounting of inputs and the problems met.
type ScanInfo struct {
	InputErrors int      // inputs (files, mailboxes) that could not be read
	Problems    []string // the first problems reported, as the CLI prints them
	Hidden      int      // further problems, only counted
	Sources     []string // which geolocation data answered, one line each
}

// WriteScan writes the per-provider comparison as one HTML page.
func WriteScan(w io.Writer, rep report.Report, info ScanInfo) error {
	p, err := loadPage()
	if err != nil {
		return err
	}
	v := scanView{Head: p.head("mailroute scan"), Rep: &rep, Info: info, Title: rep.GroupBy.Title()}
	v.Columns = []string{"Msgs", "Hops", "Relays", "Organisations", "Intermediaries", "Filtered by", "Countries (share of msgs)", "Left home",
		"Left EU/EEA", "Third country", "Plaintext segs", "Unknown enc. segs", "TLS", "Transit"}
	if len(rep.Policy) > 0 {
		v.Columns = append(v.Columns, "Policy")
	}
	for i := range rep.Rows {
		if i == MaxTableRows {
			v.MoreRows = len(rep.Rows) - i
			break
		}
		v.Rows = append(v.Rows, tableRow(&rep, &rep.Rows[i]))
	}
	v.Total = tableRow(&rep, &rep.Total)
	for i := range rep.Rows {
		if i >= MaxGroupSections {
			v.MoreGroups = len(rep.Rows) - i
			break
		}
		v.Groups = append(v.Groups, p.groupSection(i, &rep.Rows[i]))
	}
	for _, c := range rep.FailReasons {
		v.Reasons = append(v.Reasons, fmt.Sprintf("%s %d", safe.Terminal(c.Name), c.Messages))
	}
	if len(rep.Policy) > 0 {
		v.Policy = rep.Policy.String()
	}
	return p.render(w, "scan", v)
}

type scanView struct {
	Head       head
	Rep        *report.Report
	Info       ScanInfo
	Title      string
	Columns    []string
	Rows       []row
	Total      row
	Groups     []groupSection
	MoreGroups int
	MoreRows   int
	Reasons    []string
	Policy     string
}

// row is one line of the comparison table: each cell's text and the value
// it sorts by.
type row struct {
	Group   string
	Anchor  string
	Cells   []cell
	Violate bool
}

type cell struct {
	Text string
	V    string // sort key for numeric columns; "" sorts by text
	Num  bool
}

func numCell(text string, v float64) cell {
	return cell{Text: text, V: strconv.FormatFloat(v, 'f', -1, 64), Num: true}
}

func tableRow(rep *report.Report, r *report.Row) row {
	out := row{Group: safe.Terminal(r.Group), Violate: len(r.Violations) > 0}
	med := func(f float64) cell {
		if r.Messages == 0 {
			return cell{Text: "-", V: "-1", Num: true}
		}
		return numCell(strconv.FormatFloat(f, 'f', -1, 64), f)
	}
	share := func(n, of int) cell {
		if of == 0 {
			return cell{Text: "-", V: "-1", Num: true}
		}
		return numCell(fmt.Sprintf("%s (%d)", pct(n, of), n), float64(n)/float64(of))
	}
	transit := cell{Text: "-", V: "-1", Num: true}
	if r.TransitMessages > 0 {
		transit = numCell(report.FormatSeconds(r.MedianTransitSeconds), r.MedianTransitSeconds)
	}
	tls := "-"
	if len(r.TLSVersions) > 0 {
		tls = safe.Terminal(strings.Join(r.TLSVersions, ", "))
	}
	out.Cells = []cell{
		numCell(strconv.Itoa(r.Messages), float64(r.Messages)),
		med(r.MedianHops),
		med(r.MedianRelays),
		{Text: orgText(r)},
		{Text: countText(r.Intermediaries, r.DistinctIntermediaries, r.IntermediariesCapped)},
		{Text: countText(r.FilteredBy, r.DistinctFilteredBy, r.FilteredByCapped)},
		{Text: countryText(r, 12)},
		share(r.LeftHome, r.Messages),
		share(r.LeftEUEEA, r.Messages),
		share(r.ThirdCountry, r.Messages),
		share(r.PlaintextSegments, r.Segments),
		share(r.UnknownSegments, r.Segments),
		{Text: tls},
		transit,
	}
	if len(rep.Policy) > 0 {
		var vs []string
		for _, v := range r.Violations {
			vs = append(vs, fmt.Sprintf("%s (%d)", safe.Terminal(string(v.Rule)), v.Messages))
		}
		txt := "ok"
		if len(vs) > 0 {
			txt = "VIOLATED: " + strings.Join(vs, ", ")
		}
		out.Cells = append(out.Cells, cell{Text: txt})
	}
	return out
}

func orgText(r *report.Row) string {
	return countText(r.Organisations, r.DistinctOrganisations, r.OrganisationsCapped)
}

// countText shows the top names as "name (n)", then "N distinct"; "-" when
// there are none.
func countText(top []report.Count, distinct int, capped bool) string {
	if distinct == 0 {
		return "-"
	}
	var parts []string
	for _, o := range top {
		parts = append(parts, fmt.Sprintf("%s (%d)", safe.Terminal(o.Name), o.Messages))
	}
	total := strconv.Itoa(distinct)
	if capped {
		total = "over " + total
	}
	return strings.Join(append(parts, total+" distinct"), ", ")
}

func countryText(r *report.Row, limit int) string {
	if len(r.Countries) == 0 {
		return "-"
	}
	var parts []string
	for i, c := range r.Countries {
		if i == limit {
			parts = append(parts, fmt.Sprintf("+%d more", len(r.Countries)-limit))
			break
		}
		parts = append(parts, safe.Terminal(c.Name)+" "+pct(c.Messages, r.Messages))
	}
	return strings.Join(parts, ", ")
}

// groupSection is the detail of one group: its map, its share bars and
// its example messages.
type groupSection struct {
	ID         string
	Name       string
	Messages   int
	Map        mapView
	Unmapped   []string // countries not on the map
	Bars       []shareBar
	Examples   []example
	MoreInRow  int // messages of the group not shown as examples
	Violations []report.Violation
}

type shareBar struct {
	Label string
	Value int // per mille
	Text  string
	Bad   bool
}

type example struct {
	Source  string
	Subject string
	Date    string
	Path    []exampleNode
	Flags   []analyzer.Flag
}

type exampleNode struct {
	Name, IP, Place string
	Jurisdiction    jurisdiction.Class
	Enc             string // of the segment into this node; "" for the origin
}

func (p *page) groupSection(i int, r *report.Row) groupSection {
	g := groupSection{ID: fmt.Sprintf("g%d", i+1), Name: safe.Terminal(r.Group), Messages: r.Messages,
		Map: mapView{Label: "Countries the mail of " + safe.Terminal(r.Group) + " touched"}, Violations: r.Violations}
	for _, c := range r.Countries {
		if _, ok := p.atlas.Country(c.Name); !ok {
			g.Unmapped = append(g.Unmapped, safe.Terminal(c.Name)+" "+pct(c.Messages, r.Messages))
			continue
		}
		g.Map.Fills = append(g.Map.Fills, mapFill{Code: strings.ToUpper(c.Name), Level: fillLevel(r.Share(c.Messages)),
			Title: fmt.Sprintf("%s: %d of %d messages (%s)", safe.Terminal(c.Name), c.Messages, r.Messages, pct(c.Messages, r.Messages))})
	}
	for _, b := range []struct {
		label  string
		n, of  int
		isBad  bool
		suffix string
	}{
		{"Left home", r.LeftHome, r.Messages, r.LeftHome > 0, "msgs"},
		{"Left EU/EEA", r.LeftEUEEA, r.Messages, r.LeftEUEEA > 0, "msgs"},
		{"Third country", r.ThirdCountry, r.Messages, r.ThirdCountry > 0, "msgs"},
		{"Plaintext segments", r.PlaintextSegments, r.Segments, r.PlaintextSegments > 0, "segs"},
	} {
		value := 0
		if b.of > 0 {
			value = int(math.Round(1000 * float64(b.n) / float64(b.of)))
		}
		g.Bars = append(g.Bars, shareBar{Label: b.label, Value: value,
			Text: fmt.Sprintf("%s (%d of %d %s)", pct(b.n, b.of), b.n, b.of, b.suffix), Bad: b.isBad})
	}
	for _, e := range r.Examples {
		src := safe.Terminal(e.Source)
		if e.Line > 0 {
			src += ", line " + strconv.Itoa(e.Line)
		}
		ex := example{Source: src, Subject: e.Subject, Date: e.Date, Flags: e.Flags}
		into := map[int]analyzer.Encryption{}
		for _, s := range e.Segments {
			into[s.To] = s.Encryption
		}
		for k, n := range e.Nodes {
			en := exampleNode{Name: n.Name, IP: ipText(n), Place: place(n.Location), Jurisdiction: n.Jurisdiction}
			if enc, ok := into[k]; ok {
				en.Enc = encText(enc)
			}
			ex.Path = append(ex.Path, en)
		}
		g.Examples = append(g.Examples, ex)
	}
	g.MoreInRow = r.Messages - len(r.Examples)
	return g
}

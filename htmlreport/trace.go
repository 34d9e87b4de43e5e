package htmlreport

import (
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/mailroute/mailroute/analyzer"
	"github.com/mailroute/mailroute/internal/safe"
)

// TraceWriter writes per-message routes as one HTML page: Write adds a
// message, Close ends the page. It streams: each message is written when
// it is given.
type TraceWriter struct {
	w       io.Writer
	p       *page
	started bool
	count   int
}

// NewTrace returns a TraceWriter writing to w.
func NewTrace(w io.Writer) (*TraceWriter, error) {
	p, err := loadPage()
	if err != nil {
		return nil, err
	}
	return &TraceWriter{w: w, p: p}, nil
}

func (t *TraceWriter) start() error {
	if t.started {
		return nil
	}
	t.started = true
	return t.p.render(t.w, "trace-start", t.p.head("mailroute trace"))
}

// Write adds the route of one message.
func (t *TraceWriter) Write(res analyzer.Result) error {
	if err := t.start(); err != nil {
		return err
	}
	t.count++
	if err := t.p.render(t.w, "trace-message", t.p.traceMessage(t.count, &res)); err != nil {
		return fmt.Errorf("message %s: %w", safe.Terminal(res.Source), err)
	}
	return nil
}

// Close ends the page (a page without messages says so).
func (t *TraceWriter) Close() error {
	if err := t.start(); err != nil {
		return err
	}
	return t.p.render(t.w, "trace-end", struct {
		Count int
		Head  head
	}{t.count, t.p.head("")})
}

// traceView is what the trace-message template shows.
type traceView struct {
	N        int
	Res      *analyzer.Result
	Map      mapView
	Placed   int // nodes on the map
	Approx   bool
	Unplaced []unplaced
	Hops     []hop
	Delays   delayChart
}

type unplaced struct {
	Index int
	Node  analyzer.Node
	Why   string
}

// hop is one row of the hop table: a node and the segment that reached it.
type hop struct {
	Index int
	Node  analyzer.Node
	Seg   *analyzer.Segment
}

func (p *page) traceMessage(n int, res *analyzer.Result) traceView {
	v := traceView{N: n, Res: res, Map: mapView{Label: fmt.Sprintf("Route of message %d", n)}}
	type pos struct {
		x, y float64
		ok   bool
	}
	at := make([]pos, len(res.Nodes))
	into := map[int]int{}
	for i, s := range res.Segments {
		into[s.To] = i
	}
	for i, nd := range res.Nodes {
		h := hop{Index: i, Node: nd}
		if si, ok := into[i]; ok {
			h.Seg = &res.Segments[si]
		}
		v.Hops = append(v.Hops, h)
		if nd.Internal {
			v.Unplaced = append(v.Unplaced, unplaced{i, nd, "internal address"})
			continue
		}
		x, y, approx, ok := p.place(nd.Location)
		if !ok {
			why := "not located"
			if !nd.IP.IsValid() {
				why = "no address in the headers"
			}
			v.Unplaced = append(v.Unplaced, unplaced{i, nd, why})
			continue
		}
		at[i] = pos{x, y, true}
		v.Approx = v.Approx || approx
		v.Placed++
		v.Map.Points = append(v.Map.Points, mapPoint{
			X: coord(x), Y: coord(y), Class: jurisdictionClass(nd.Jurisdiction), Approx: approx,
			Title: fmt.Sprintf("%d %s %s (%s, %s)", i, safe.Terminal(nd.Name), ipText(nd), place(nd.Location), safe.Terminal(string(nd.Jurisdiction))),
		})
	}
	for _, s := range res.Segments {
		if s.From < 0 || s.To < 0 || s.From >= len(at) || s.To >= len(at) || !at[s.From].ok || !at[s.To].ok {
			continue
		}
		d := arcPath(at[s.From].x, at[s.From].y, at[s.To].x, at[s.To].y)
		if d == "" {
			continue
		}
		v.Map.Arcs = append(v.Map.Arcs, mapArc{D: d, Enc: encClass(s.Encryption),
			Title: fmt.Sprintf("%d → %d: %s, encryption %s", s.From, s.To, safe.Terminal(s.Protocol), encClass(s.Encryption))})
	}
	v.Delays = delays(res)
	return v
}

func encClass(e analyzer.Encryption) string {
	switch e {
	case analyzer.EncryptionYes, analyzer.EncryptionNo:
		return string(e)
	}
	return "unknown"
}

// place is "City, CC" or "CC" or "-", followed by what the placement
// table did, if it did anything.
func place(l analyzer.Location) string {
	if l.Placement != nil {
		country := l.Country
		if country == "" {
			country = "?"
		}
		return safe.Terminal(country + " (" + l.Placement.Short() + ")")
	}
	switch {
	case l.City != "" && l.Country != "":
		return safe.Terminal(l.City + ", " + l.Country)
	case l.Country != "":
		return safe.Terminal(l.Country)
	}
	return "-"
}

// delayChart is a bar chart of the time each segment took.
type delayChart struct {
	Height int
	Bars   []delayBar
}

type delayBar struct {
	Y, TextY int
	Width    string
	Label    string
	Value    string
	Negative bool
}

func delays(res *analyzer.Result) delayChart {
	var c delayChart
	maxD := 0.0
	for _, s := range res.Segments {
		if s.DelaySeconds != nil {
			maxD = math.Max(maxD, *s.DelaySeconds)
		}
	}
	for _, s := range res.Segments {
		if s.DelaySeconds == nil {
			continue
		}
		d := *s.DelaySeconds
		w := 0.0
		if maxD > 0 && d > 0 {
			w = math.Max(1, 380*d/maxD)
		}
		y := len(c.Bars)*22 + 4
		name := "?"
		if s.To >= 0 && s.To < len(res.Nodes) {
			name = safe.Terminal(res.Nodes[s.To].Name)
		}
		name = short(name, 28)
		c.Bars = append(c.Bars, delayBar{Y: y, TextY: y + 13, Width: strconv.FormatFloat(math.Round(w*10)/10, 'f', -1, 64),
			Label: fmt.Sprintf("%d → %d %s", s.From, s.To, name), Value: duration(s.DelaySeconds), Negative: d < 0})
	}
	c.Height = len(c.Bars)*22 + 8
	return c
}

// short cuts s to at most n runes, marking the cut with an ellipsis.
func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Package htmlreport writes mailroute's reports as one self-contained HTML
// page: the per-message routes of trace, the per-provider comparison of scan
// and the DNS audit of provider, with world maps drawn as plain SVG from the
// embedded Natural Earth shapes (package worldatlas).
//
// A page loads nothing: its style sheet and its one small script (table
// sorting) are inline and allowed by hash in a Content-Security-Policy that
// forbids everything else (default-src 'none'), so it opens from disk, in
// an e-mail attachment or offline. Every value that comes from mail or DNS
// goes through html/template's contextual escaping after control characters
// are removed (safe.Terminal), so hostile header fields render as text.
package htmlreport

import (
	"bufio"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/mailroute/mailroute/analyzer"
	"github.com/mailroute/mailroute/htmlreport/worldatlas"
	"github.com/mailroute/mailroute/internal/safe"
	"github.com/mailroute/mailroute/jurisdiction"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

//go:embed assets/report.css
var css string

//go:embed assets/report.js
var script string

// page holds the parsed templates and the page-wide pieces that do not
// depend on the report.
type page struct {
	tmpl  *template.Template
	atlas *worldatlas.Atlas
	csp   string
}

var loadPage = sync.OnceValues(func() (*page, error) {
	atlas, err := worldatlas.Load()
	if err != nil {
		return nil, fmt.Errorf("world map: %w", err)
	}
	t, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.tmpl")
	if err != nil {
		return nil, fmt.Errorf("html templates: %w", err)
	}
	return &page{tmpl: t, atlas: atlas, csp: "default-src 'none'; style-src '" + hash(css) + "'; script-src '" + hash(script) + "'; img-src data:; base-uri 'none'; form-action 'none'"}, nil
})

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// head is what the page template needs before the body content.
type head struct {
	Title  string
	CSP    string
	CSS    template.CSS
	Script template.JS
	World  []worldatlas.Shape
}

func (p *page) head(title string) head {
	return head{Title: title, CSP: p.csp, CSS: template.CSS(css), Script: template.JS(script), World: p.atlas.Countries}
}

var funcs = template.FuncMap{
	"clean":   func(v any) string { return safe.Terminal(fmt.Sprint(v)) },
	"pct":     pct,
	"dur":     duration,
	"jclass":  jurisdictionClass,
	"dash":    dash,
	"num":     func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) },
	"add":     func(a, b int) int { return a + b },
	"f1":      func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) },
	"join":    func(s []string) string { return safe.Terminal(strings.Join(s, ", ")) },
	"ip":      ipText,
	"encText": encText,
	"encp":    encPointer,
	"encl":    encLabel,
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return one
		}
		return many
	},
	"tbl": func(rows [][]string, head ...string) table { return table{Head: head, Rows: rows} },
}

// encPointer is the text of an optional encryption ("-" when there is no
// such transfer), for a party's transfers in and out.
func encPointer(e *analyzer.Encryption) string {
	if e == nil {
		return "-"
	}
	return encText(*e)
}

// encLabel is the words for an optional encryption: "TLS", "plaintext",
// "unknown", or "-" when there is no such transfer.
func encLabel(e *analyzer.Encryption) string {
	switch encPointer(e) {
	case "yes":
		return "TLS"
	case "no":
		return "plaintext"
	case "unk":
		return "unknown"
	}
	return "-"
}

// table is a plain table for the "table" template.
type table struct {
	Head []string
	Rows [][]string
}

func pct(n, of int) string {
	if of == 0 {
		return "-"
	}
	return strconv.FormatFloat(math.Round(float64(n)*1000/float64(of))/10, 'f', -1, 64) + "%"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return safe.Terminal(s)
}

func ipText(n analyzer.Node) string {
	if !n.IP.IsValid() {
		return "-"
	}
	return n.IP.String()
}

// duration formats seconds for people: 4 s, 2 min 5 s, 3 h 2 min.
func duration(sec *float64) string {
	if sec == nil {
		return "-"
	}
	s := math.Round(*sec)
	neg := s < 0
	if neg {
		s = -s
	}
	var out string
	switch {
	case s < 60:
		out = fmt.Sprintf("%.0f s", s)
	case s < 3600:
		out = fmt.Sprintf("%.0f min %.0f s", math.Floor(s/60), math.Mod(s, 60))
	case s < 86400:
		out = fmt.Sprintf("%.0f h %.0f min", math.Floor(s/3600), math.Floor(math.Mod(s, 3600)/60))
	default:
		out = fmt.Sprintf("%.0f d %.0f h", math.Floor(s/86400), math.Floor(math.Mod(s, 86400)/3600))
	}
	if neg {
		out = "-" + out
	}
	return out
}

func encText(e analyzer.Encryption) string {
	switch e {
	case analyzer.EncryptionYes:
		return "yes"
	case analyzer.EncryptionNo:
		return "no"
	}
	return "unk"
}

// jurisdictionClass is the CSS class suffix of a jurisdiction: one of a
// fixed set, whatever the data says.
func jurisdictionClass(j jurisdiction.Class) string {
	switch j {
	case jurisdiction.ClassHome, jurisdiction.ClassEUEEA, jurisdiction.ClassAdequate,
		jurisdiction.ClassThird, jurisdiction.ClassInternal:
		return string(j)
	}
	return "unknown"
}

// render executes the named template into w through a buffer, so that the
// template's many small writes reach w as a few large ones.
func (p *page) render(w io.Writer, name string, data any) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := p.tmpl.ExecuteTemplate(bw, name, data); err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	return nil
}

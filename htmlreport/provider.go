package htmlreport

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mailroute/mailroute/analyzer"
	"github.com/mailroute/mailroute/audit"
	"github.com/mailroute/mailroute/internal/safe"
	"github.com/mailroute/mailroute/jurisdiction"
)

// WriteProvider writes DNS audits of mail domains as one HTML page: per
// domain a map of its MX hosts and SPF networks, the tables and the verdict.
func WriteProvider(w io.Writer, reports []audit.Report) error {
	p, err := loadPage()
	if err != nil {
		return err
	}
	v := providerView{Head: p.head("mailroute provider")}
	for i := range reports {
		v.Domains = append(v.Domains, p.domainView(i, &reports[i]))
	}
	return p.render(w, "provider", v)
}

type providerView struct {
	Head    head
	Domains []domainView
}

type domainView struct {
	ID       string
	R        *audit.Report
	Map      mapView
	Approx   bool
	Unplaced int
	MX       [][]string
	Networks [][]string
	Shares   [][]string
	Checks   [][]string
	Notes    []string
}

func (p *page) domainView(i int, r *audit.Report) domainView {
	d := domainView{ID: fmt.Sprintf("d%d", i+1), R: r, Map: mapView{Label: "MX hosts and SPF networks of " + safe.Terminal(r.Domain)}}
	addPoint := func(loc analyzer.Location, internal bool, j jurisdiction.Class, square bool, title string) {
		if internal {
			d.Unplaced++
			return
		}
		x, y, approx, ok := p.place(loc)
		if !ok {
			d.Unplaced++
			return
		}
		d.Approx = d.Approx || approx
		d.Map.Points = append(d.Map.Points, mapPoint{X: coord(x), Y: coord(y), Class: jurisdictionClass(j), Approx: approx && !square, Square: square, Title: title})
	}
	for _, h := range r.Inbound.MX {
		if len(h.Addresses) == 0 {
			d.MX = append(d.MX, []string{strconv.Itoa(int(h.Preference)), h.Host, "-", "-", "-", "-", "-"})
		}
		for _, a := range h.Addresses {
			d.MX = append(d.MX, []string{strconv.Itoa(int(h.Preference)), h.Host, a.IP.String(), dash(a.Location.Country),
				dash(a.Location.City), dash(a.Location.ASOrg), string(a.Jurisdiction)})
			addPoint(a.Location, a.Internal, a.Jurisdiction, false,
				fmt.Sprintf("MX %s %s (%s, %s)", safe.Terminal(h.Host), a.IP, place(a.Location), safe.Terminal(string(a.Jurisdiction))))
		}
		for _, n := range h.Notes {
			d.Notes = append(d.Notes, h.Host+": "+n)
		}
	}
	d.Notes = append(d.Notes, r.Inbound.Notes...)
	o := r.Outbound
	for _, n := range o.Networks {
		auth := "yes"
		if !n.Authorised {
			auth = "no (" + n.Qualifier + ")"
		}
		d.Networks = append(d.Networks, []string{n.Prefix.String(), dash(strings.Join(n.Via, " → ")), n.Term, auth,
			dash(n.Location.Country), dash(n.Location.ASOrg), string(n.Jurisdiction)})
		if n.Authorised {
			addPoint(n.Location, n.Internal, n.Jurisdiction, true,
				fmt.Sprintf("SPF %s (%s, %s, %s)", n.Prefix, place(n.Location), safe.Terminal(n.Location.ASOrg), safe.Terminal(string(n.Jurisdiction))))
		}
	}
	addShares := func(group string, shares []audit.Share) {
		for _, s := range shares {
			d.Shares = append(d.Shares, []string{group, s.Key, strconv.Itoa(s.Networks), strconv.FormatUint(s.IPv4Addresses, 10),
				strconv.FormatFloat(s.IPv4Percent, 'f', 1, 64) + "%", strconv.Itoa(s.IPv6Networks)})
		}
	}
	addShares("country", o.ByCountry)
	addShares("organisation", o.ByOrganisation)
	for _, inc := range o.ByInclude {
		addShares(inc.Include+" / country", inc.ByCountry)
		addShares(inc.Include+" / organisation", inc.ByOrganisation)
	}
	d.Notes = append(d.Notes, o.Notes...)
	t := r.Transport
	d.Checks = [][]string{
		{"MTA-STS", present(t.MTASTS.Present), join2("; ", kv("id", t.MTASTS.ID), strings.Join(t.MTASTS.Notes, "; "))},
		{"TLS-RPT", present(t.TLSRPT.Present), join2("; ", kv("rua", strings.Join(t.TLSRPT.RUA, ",")), strings.Join(t.TLSRPT.Notes, "; "))},
	}
	for _, dn := range t.DANE {
		status := "none"
		if len(dn.Records) > 0 {
			status = "present, not validated"
			if dn.Validated {
				status = "present, DNSSEC-validated"
			}
		}
		var recs []string
		for _, rec := range dn.Records {
			recs = append(recs, rec.String())
		}
		d.Checks = append(d.Checks, []string{"DANE " + dn.Host, status, join2("; ", strings.Join(recs, ", "), strings.Join(dn.Notes, "; "))})
	}
	dm := t.DMARC
	status, detail := present(dm.Present), ""
	if dm.Present {
		status = "p=" + dm.Policy
		detail = join2("; ", kv("sp", dm.SubdomainPolicy), "pct="+strconv.Itoa(dm.Percent), kv("rua", strings.Join(dm.RUA, ",")))
	}
	d.Checks = append(d.Checks, []string{"DMARC", status, join2("; ", detail, strings.Join(dm.Notes, "; "))})
	for _, row := range [][][]string{d.MX, d.Networks, d.Shares, d.Checks} {
		for _, cells := range row {
			for k := range cells {
				cells[k] = safe.Terminal(cells[k])
			}
		}
	}
	return d
}

func present(b bool) string {
	if b {
		return "present"
	}
	return "absent"
}

func kv(k, v string) string {
	if v == "" {
		return ""
	}
	return k + "=" + v
}

func join2(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

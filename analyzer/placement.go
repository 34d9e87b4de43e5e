package analyzer

import (
	"fmt"
	"strings"

	"github.com/mailroute/mailroute/placement"
)

// Placements knows where the free geolocation data places machines wrongly,
// by their host names. *placement.Table implements it; Options.Placements
// passes one in.
type Placements interface {
	Host(name string) (placement.Rule, bool)
	Checked() string
}

// Placement records that the placement table corrected a node's location:
// the geolocation data's country lay outside the area the node's host name
// names. Location.Country is then the area's country, or "" (unknown) when
// the area spans several countries.
type Placement struct {
	DataCountry string `json:"data_country"` // the country the geolocation data gave ("" when none)
	Rule        string `json:"rule"`         // the table's rule, e.g. "microsoft-geo EUR"
	Area        string `json:"area"`         // what the rule's area is, e.g. "Europe, Middle East and Africa"
	Evidence    string `json:"evidence"`     // the host name the rule read
	Checked     string `json:"checked"`      // the date the table was checked
}

// place applies the placement table to a located node: only when the
// country came from the embedded data or a country-level database (no City
// database answered), and only by a name the headers confirm (a claimed
// name is the node's own word). A reverse name is as good as the DNS of the
// address's owner.
func (b *pathBuilder) place(n *Node) {
	if b.opts.Placements == nil || n.Name == "" || n.Claimed || len(n.Location.Source) == 0 || cityAnswered(n.Location.Source) {
		return
	}
	rule, ok := b.opts.Placements.Host(n.Name)
	if !ok || rule.Area.Contains(n.Location.Country) {
		return
	}
	data := n.Location.Country
	if data == "" && rule.Area.Country == "" {
		return // unknown stays unknown
	}
	n.Location.Placement = &Placement{
		DataCountry: data,
		Rule:        rule.Kind + " " + rule.Key,
		Area:        rule.Area.Name,
		Evidence:    n.Name,
		Checked:     b.opts.Placements.Checked(),
	}
	n.Location.Country, n.Location.CountryName = rule.Area.Country, ""
	was := data
	if was == "" {
		was = "no country"
	}
	if rule.Area.Country != "" {
		// Concatenation, not fmt: this runs for most Microsoft 365 nodes.
		n.Notes = append(n.Notes, "placed in "+rule.Area.Country+" by its host name (Microsoft 365 geography "+rule.Key+"); the geolocation data said "+was)
	} else {
		n.Notes = append(n.Notes, "location unknown: the geolocation data said "+was+", but the host name names Microsoft 365 geography "+rule.Key+" ("+rule.Area.Name+")")
	}
}

// cityAnswered reports a City database among the data that answered.
func cityAnswered(src []DataSource) bool {
	for _, s := range src {
		if s.Type != "embedded" && strings.Contains(s.Name, "City") {
			return true
		}
	}
	return false
}

// Short says in a few words what the placement table did, for a table
// cell: "geography EUR by host name; data said US".
func (p *Placement) Short() string {
	data := p.DataCountry
	if data == "" {
		data = "none"
	}
	return fmt.Sprintf("%s by host name; data said %s", strings.TrimPrefix(p.Rule, "microsoft-"), data)
}

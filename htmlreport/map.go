package htmlreport

import (
	"fmt"
	"math"
	"strconv"

	"github.com/mailroute/mailroute/analyzer"
	"github.com/mailroute/mailroute/htmlreport/worldatlas"
)

// mapView is one SVG world map: the shared country shapes (drawn with
// <use>), countries filled by share, arcs and points.
type mapView struct {
	Label  string // accessible name of the map
	Fills  []mapFill
	Arcs   []mapArc
	Points []mapPoint
}

// mapFill colours one country; Level 1-4 is its share in quarters.
type mapFill struct {
	Code  string
	Level int
	Title string
}

// mapArc is one transfer drawn between two points.
type mapArc struct {
	D     string // SVG path data
	Enc   string // yes, no or unknown
	Title string
}

// mapPoint is one located thing on the map.
type mapPoint struct {
	X, Y   string
	Class  string // jurisdiction class
	Approx bool   // placed at the country's centroid, not by coordinates
	Square bool   // drawn as a square (SPF networks), else a circle
	Title  string
}

// place returns where loc goes on the map: its coordinates when the data
// gave them, else the centroid of its country's shape; ok is false when
// neither is known.
func (p *page) place(loc analyzer.Location) (x, y float64, approx, ok bool) {
	if loc.Latitude != nil && loc.Longitude != nil {
		x, y = worldatlas.Project(worldatlas.Point{Lon: *loc.Longitude, Lat: *loc.Latitude})
		return x, y, false, true
	}
	if loc.Country == "" {
		return 0, 0, false, false
	}
	s, found := p.atlas.Country(loc.Country)
	if !found {
		return 0, 0, false, false
	}
	return s.Centroid[0], s.Centroid[1], true, true
}

func coord(f float64) string { return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64) }

// arcPath is a gentle curve from (x0,y0) to (x1,y1), bent to the left of
// the direction of travel so that a return trip does not hide the way out.
func arcPath(x0, y0, x1, y1 float64) string {
	dx, dy := x1-x0, y1-y0
	d := math.Hypot(dx, dy)
	bend := 0.2
	cx, cy := (x0+x1)/2+dy*bend, (y0+y1)/2-dx*bend
	if d == 0 {
		return ""
	}
	return fmt.Sprintf("M%s,%sQ%s,%s %s,%s", coord(x0), coord(y0), coord(cx), coord(cy), coord(x1), coord(y1))
}

// fillLevel is the colour step of a share: 1 up to a quarter, ..., 4 above
// three quarters.
func fillLevel(share float64) int {
	return max(1, min(4, int(math.Ceil(share*4))))
}

// Package worldatlas holds the country shapes of Natural Earth's 1:110m
// admin-0 data, as the npm package world-atlas 2.0.2 ships them in TopoJSON
// (countries-110m.json, ISC licence, see LICENSE and README.md here), and
// turns them into projected outlines for SVG maps.
//
// The TopoJSON is decoded here (quantised, delta-encoded arcs with a
// transform, https://github.com/topojson/topojson-specification); shapes are
// projected with the Natural Earth projection (Šavrič et al., 2015, the
// polynomial form d3-geo uses as geoNaturalEarth1).
package worldatlas

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
)

//go:embed countries-110m.json
var countriesJSON []byte

// byName names the shapes that world-atlas gives no numeric id: Kosovo has
// the user-assigned code XK that geolocation data uses; Northern Cyprus and
// Somaliland have none and stay unnamed.
var byName = map[string]string{"Kosovo": "XK"}

// Point is a position in degrees: Lon east, Lat north.
type Point struct{ Lon, Lat float64 }

// Country is one country's outline.
type Country struct {
	Code string // ISO 3166-1 alpha-2, "" when the shape has none
	Name string // the name world-atlas gives
	// Polygons are the country's polygons, each a list of rings (the first
	// the outer boundary, the rest holes), each ring a closed list of points.
	Polygons [][][]Point
}

type topology struct {
	Type      string `json:"type"`
	Transform *struct {
		Scale     [2]float64 `json:"scale"`
		Translate [2]float64 `json:"translate"`
	} `json:"transform"`
	Objects map[string]struct {
		Type       string     `json:"type"`
		Geometries []geometry `json:"geometries"`
	} `json:"objects"`
	Arcs [][][]float64 `json:"arcs"`
}

type geometry struct {
	Type       string            `json:"type"`
	ID         string            `json:"id"`
	Arcs       json.RawMessage   `json:"arcs"`
	Properties map[string]string `json:"properties"`
}

// Decode reads the "countries" object of a TopoJSON topology.
func Decode(data []byte) ([]Country, error) {
	var t topology
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("worldatlas: %w", err)
	}
	if t.Type != "Topology" {
		return nil, fmt.Errorf("worldatlas: type %q, want Topology", t.Type)
	}
	obj, ok := t.Objects["countries"]
	if !ok {
		return nil, fmt.Errorf("worldatlas: no countries object")
	}
	arcs := make([][]Point, len(t.Arcs))
	for i, a := range t.Arcs {
		arcs[i] = decodeArc(a, t)
	}
	var out []Country
	for _, g := range obj.Geometries {
		c := Country{Name: g.Properties["name"], Code: alpha2[g.ID]}
		if c.Code == "" {
			c.Code = byName[c.Name]
		}
		var polys [][][]int
		switch g.Type {
		case "Polygon":
			var rings [][]int
			if err := json.Unmarshal(g.Arcs, &rings); err != nil {
				return nil, fmt.Errorf("worldatlas: %s: %w", c.Name, err)
			}
			polys = [][][]int{rings}
		case "MultiPolygon":
			if err := json.Unmarshal(g.Arcs, &polys); err != nil {
				return nil, fmt.Errorf("worldatlas: %s: %w", c.Name, err)
			}
		default:
			continue
		}
		for _, p := range polys {
			var rings [][]Point
			for _, r := range p {
				ring, err := stitch(r, arcs)
				if err != nil {
					return nil, fmt.Errorf("worldatlas: %s: %w", c.Name, err)
				}
				rings = append(rings, ring)
			}
			c.Polygons = append(c.Polygons, unwrap(rings))
		}
		out = append(out, c)
	}
	return out, nil
}

// decodeArc undoes the delta encoding and the quantisation of one arc.
func decodeArc(a [][]float64, t topology) []Point {
	pts := make([]Point, 0, len(a))
	var x, y float64
	for _, p := range a {
		if len(p) < 2 {
			continue
		}
		if t.Transform == nil {
			pts = append(pts, Point{p[0], p[1]})
			continue
		}
		x += p[0]
		y += p[1]
		pts = append(pts, Point{
			Lon: x*t.Transform.Scale[0] + t.Transform.Translate[0],
			Lat: y*t.Transform.Scale[1] + t.Transform.Translate[1],
		})
	}
	return pts
}

// stitch joins the arcs of one ring; a negative index ~i is arc i reversed.
// Consecutive arcs share their end points, which are kept once.
func stitch(idx []int, arcs [][]Point) ([]Point, error) {
	var ring []Point
	for _, i := range idx {
		rev := i < 0
		if rev {
			i = ^i
		}
		if i >= len(arcs) {
			return nil, fmt.Errorf("arc %d of %d", i, len(arcs))
		}
		a := arcs[i]
		if rev {
			a = slices.Clone(a)
			slices.Reverse(a)
		}
		if len(ring) > 0 && len(a) > 0 {
			a = a[1:]
		}
		ring = append(ring, a...)
	}
	return ring, nil
}

// Atlas is the decoded embedded world map with each country's outline as an
// SVG path and a centroid, in the coordinates of Project.
type Atlas struct {
	Countries []Shape
	index     map[string]int
}

// Shape is a projected country.
type Shape struct {
	Code, Name string
	Path       string     // SVG path data
	Centroid   [2]float64 // projected centroid of the largest polygon
}

// Width and Height are the size of the projected map (the SVG viewBox).
const (
	Width  = 960
	Height = 500
)

var loadAtlas = sync.OnceValues(func() (*Atlas, error) { return build(countriesJSON) })

// Load returns the embedded world map, decoded and projected once.
func Load() (*Atlas, error) { return loadAtlas() }

func build(data []byte) (*Atlas, error) {
	cs, err := Decode(data)
	if err != nil {
		return nil, err
	}
	a := &Atlas{index: map[string]int{}}
	for _, c := range cs {
		s := Shape{Code: c.Code, Name: c.Name, Path: svgPath(c.Polygons)}
		s.Centroid = centroid(c.Polygons)
		if c.Code != "" {
			a.index[c.Code] = len(a.Countries)
		}
		a.Countries = append(a.Countries, s)
	}
	return a, nil
}

// Country returns the shape of the country with ISO alpha-2 code, if the
// map has it.
func (a *Atlas) Country(code string) (Shape, bool) {
	i, ok := a.index[strings.ToUpper(code)]
	if !ok {
		return Shape{}, false
	}
	return a.Countries[i], true
}

// Project maps a position to map coordinates (x right, y down) in a
// Width × Height box with the Natural Earth projection.
func Project(p Point) (x, y float64) {
	lam := p.Lon * math.Pi / 180
	phi := math.Max(-90, math.Min(90, p.Lat)) * math.Pi / 180
	phi2 := phi * phi
	phi4 := phi2 * phi2
	px := lam * (0.8707 - 0.131979*phi2 + phi4*(-0.013791+phi4*(0.003971*phi2-0.001529*phi4)))
	py := phi * (1.007226 + phi2*(0.015085+phi4*(-0.044475+0.028874*phi2-0.005916*phi4)))
	// The projection spans x in ±2.7354 and y in ±1.4224 radians-scaled units.
	const sx = Width / (2 * 2.7354)
	x = Width/2 + px*sx
	y = Height/2 - py*sx
	return x, y
}

// svgPath writes the projected rings as SVG path data with one decimal.
func svgPath(polys [][][]Point) string {
	var b strings.Builder
	for _, p := range polys {
		for _, r := range p {
			var lx, ly int
			for i, pt := range r {
				x, y := Project(pt)
				ix, iy := int(math.Round(x*10)), int(math.Round(y*10))
				switch {
				case i == 0:
					b.WriteString("M")
					b.WriteString(dec(ix))
					b.WriteString(",")
					b.WriteString(dec(iy))
				case ix == lx && iy == ly:
					continue
				default:
					// Relative moves are shorter.
					b.WriteString("l")
					b.WriteString(dec(ix - lx))
					if iy-ly >= 0 {
						b.WriteString(",")
					}
					b.WriteString(dec(iy - ly))
				}
				lx, ly = ix, iy
			}
			b.WriteString("z")
		}
	}
	return b.String()
}

// dec formats tenths as a decimal: 123 -> "12.3", -5 -> "-.5".
func dec(tenths int) string {
	neg := tenths < 0
	if neg {
		tenths = -tenths
	}
	s := strconv.Itoa(tenths / 10)
	if f := tenths % 10; f != 0 {
		if s == "0" {
			s = ""
		}
		s += "." + strconv.Itoa(f)
	}
	if neg {
		s = "-" + s
	}
	return s
}

// centroid returns the projected area centroid of the largest polygon's
// outer ring: a point inside most countries' main land mass, used to place
// an address whose data gives only its country.
func centroid(polys [][][]Point) [2]float64 {
	var best [2]float64
	bestArea := -1.0
	for _, p := range polys {
		if len(p) == 0 || len(p[0]) < 3 {
			continue
		}
		var a, cx, cy float64
		r := p[0]
		for i := range r {
			x0, y0 := Project(r[i])
			x1, y1 := Project(r[(i+1)%len(r)])
			c := x0*y1 - x1*y0
			a += c
			cx += (x0 + x1) * c
			cy += (y0 + y1) * c
		}
		if a == 0 {
			continue
		}
		if math.Abs(a) > bestArea {
			bestArea = math.Abs(a)
			best = [2]float64{cx / (3 * a), cy / (3 * a)}
		}
	}
	return best
}

// unwrap removes jumps of more than 180 degrees of longitude inside each
// ring (a ring that crosses the antimeridian, Fiji's in the 110m data) by
// shifting the points after a jump by 360 degrees: the ring then runs on
// past ±180 and the map's edge cuts it, instead of a line across the world.
func unwrap(rings [][]Point) [][]Point {
	for _, r := range rings {
		shift := 0.0
		for i := 1; i < len(r); i++ {
			d := r[i].Lon + shift - r[i-1].Lon
			switch {
			case d > 180:
				shift -= 360
			case d < -180:
				shift += 360
			}
			r[i].Lon += shift
		}
	}
	return rings
}

package worldatlas

import (
	"math"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	a, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Countries) != 177 {
		t.Errorf("%d countries, want the 177 of countries-110m.json", len(a.Countries))
	}
	// Centroids fall near a known inland point of each country's main
	// land mass (within 40 map units, about 7 degrees).
	for _, tt := range []struct {
		code     string
		lon, lat float64
	}{
		{"DE", 10.4, 51.1}, {"US", -98.6, 39.8}, {"FR", 2.5, 46.6}, {"AU", 134, -25},
		{"CH", 8.2, 46.8}, {"IE", -8, 53.2}, {"XK", 20.9, 42.6}, {"NL", 5.3, 52.2},
	} {
		s, ok := a.Country(tt.code)
		if !ok {
			t.Errorf("no shape for %s", tt.code)
			continue
		}
		x, y := Project(Point{tt.lon, tt.lat})
		if d := math.Hypot(s.Centroid[0]-x, s.Centroid[1]-y); d > 40 {
			t.Errorf("%s centroid %v is %.0f units from (%.0f, %.0f)", tt.code, s.Centroid, d, x, y)
		}
		if !strings.HasPrefix(s.Path, "M") || !strings.HasSuffix(s.Path, "z") {
			t.Errorf("%s path %.40q... not a closed SVG path", tt.code, s.Path)
		}
	}
	if _, ok := a.Country("ZZ"); ok {
		t.Error("ZZ has a shape")
	}
}

func TestProject(t *testing.T) {
	for _, tt := range []struct {
		p    Point
		x, y float64
	}{
		{Point{0, 0}, Width / 2, Height / 2},
		{Point{180, 0}, Width, Height / 2},
		{Point{-180, 0}, 0, Height / 2},
	} {
		x, y := Project(tt.p)
		if math.Abs(x-tt.x) > 0.5 || math.Abs(y-tt.y) > 0.5 {
			t.Errorf("Project(%v) = %.1f, %.1f, want %.1f, %.1f", tt.p, x, y, tt.x, tt.y)
		}
	}
	_, top := Project(Point{0, 90})
	_, bottom := Project(Point{0, -90})
	if top < 0 || bottom > Height || top >= bottom {
		t.Errorf("poles at y %.1f and %.1f, want inside 0..%d", top, bottom, Height)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, in := range []string{``, `{}`, `{"type":"Topology","objects":{}}`,
		`{"type":"Topology","objects":{"countries":{"geometries":[{"type":"Polygon","arcs":[[5]]}]}},"arcs":[]}`} {
		if _, err := Decode([]byte(in)); err == nil {
			t.Errorf("Decode(%q) succeeded", in)
		}
	}
}

func TestDec(t *testing.T) {
	for in, want := range map[int]string{0: "0", 5: ".5", -5: "-.5", 123: "12.3", -120: "-12", 10: "1"} {
		if got := dec(in); got != want {
			t.Errorf("dec(%d) = %q, want %q", in, got, want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(countriesJSON[:2000])
	f.Add([]byte(`{"type":"Topology","objects":{"countries":{"geometries":[{"type":"MultiPolygon","arcs":[[[0,-1]]]}]}},"arcs":[[[0,0],[1,1]]]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Decode(data)
	})
}

package jurisdiction

import (
	"strings"
	"testing"
)

func TestHome(t *testing.T) {
	tests := []struct {
		home, country string
		internal      bool
		want          Class
	}{
		{"EEA", "DE", false, ClassHome},
		{"EEA", "NO", false, ClassHome},
		{"EU", "NO", false, ClassEUEEA},
		{"DE", "FR", false, ClassEUEEA},
		{"DE", "CH", false, ClassAdequate},
		{"DE", "GB", false, ClassAdequate},
		{"DE", "US", false, ClassThird},
		{"DE", "CN", false, ClassThird},
		{"DE,US", "US", false, ClassHome},
		{"DE", "", false, ClassUnknown},
		{"DE", "DE", true, ClassInternal},
	}
	for _, tt := range tests {
		h, err := ParseHome(tt.home)
		if err != nil {
			t.Fatalf("ParseHome(%q): %v", tt.home, err)
		}
		if got := h.Classify(tt.country, tt.internal); got != tt.want {
			t.Errorf("home %q: Classify(%q, %v) = %s, want %s", tt.home, tt.country, tt.internal, got, tt.want)
		}
	}
	for _, bad := range []string{"Germany", "D", "EU,XYZ", ",", ""} {
		if _, err := ParseHome(bad); err == nil {
			t.Errorf("ParseHome(%q) succeeded, want error", bad)
		}
	}
}

// TestParseHomeRejects names each code a user might type that is no ISO
// 3166-1 country; before the check against the region registry, XX, UK, EL
// and the empty string were accepted ("Home jurisdiction: XX").
func TestParseHomeRejects(t *testing.T) {
	tests := []struct{ in, want string }{
		{"XX", `"XX" is not an assigned ISO 3166-1 country code`},
		{"ZZ", `"ZZ" is not an assigned`},
		{"UK", "the United Kingdom is GB"},
		{"EL", "Greece is GR"},
		{"", "empty country code"},
		{"DE,", "empty country code"},
		{"ZR", "withdrawn ISO 3166-1 code; use CD"},
		{"FX", "use FR"},
		{"Germany", "not a two-letter code"},
		{"EU,XYZ", `"XYZ" is not a two-letter code`},
	}
	for _, tt := range tests {
		_, err := ParseHome(tt.in)
		if err == nil {
			t.Errorf("ParseHome(%q) succeeded, want error", tt.in)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseHome(%q) error %q, want it to contain %q", tt.in, err, tt.want)
		}
	}
	for _, ok := range []string{"DE", "de, at", "EU,CH,GB", "EEA", "US", "XK", "GR"} {
		if _, err := ParseHome(ok); err != nil {
			t.Errorf("ParseHome(%q): %v", ok, err)
		}
	}
}

// TestOutsideEEA: whether a country is outside the EU/EEA or a third
// country follows from the country alone, never from the home set.
func TestOutsideEEA(t *testing.T) {
	tests := []struct {
		country        string
		outside, third bool
	}{
		{"DE", false, false},
		{"NO", false, false},
		{"CH", true, false},
		{"GB", true, false},
		{"US", true, true},
		{"CN", true, true},
		{"", false, false},
	}
	for _, tt := range tests {
		if got := OutsideEEA(tt.country); got != tt.outside {
			t.Errorf("OutsideEEA(%q) = %v, want %v", tt.country, got, tt.outside)
		}
		if got := ThirdCountry(tt.country); got != tt.third {
			t.Errorf("ThirdCountry(%q) = %v, want %v", tt.country, got, tt.third)
		}
	}
}

func FuzzParseHome(f *testing.F) {
	for _, s := range []string{"", "EEA", "EU", "DE", "de, at", "EU,CH,GB", "Germany", ",,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHome(s)
		if err != nil {
			return
		}
		if h.String() == "" {
			t.Fatalf("ParseHome(%q) gave a Home without a label", s)
		}
		if h2, err := ParseHome(h.String()); err != nil || h2.String() != h.String() {
			t.Fatalf("ParseHome(%q).String() = %q does not parse back: %v", s, h.String(), err)
		}
	})
}

// TestMembershipSets checks the bit sets behind InEU, InEEA and
// Home.Contains against the member lists, for every two-letter code and
// for inputs that are no upper-case code at all.
func TestMembershipSets(t *testing.T) {
	home, err := ParseHome("DE,CH,US")
	if err != nil {
		t.Fatal(err)
	}
	in := func(list []string, c string) bool {
		for _, m := range list {
			if m == c {
				return true
			}
		}
		return false
	}
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			c := string([]rune{a, b})
			if got, want := InEU(c), in(euMembers[:], c); got != want {
				t.Errorf("InEU(%q) = %v, want %v", c, got, want)
			}
			if got, want := InEEA(c), in(euMembers[:], c) || in(eeaOnly[:], c); got != want {
				t.Errorf("InEEA(%q) = %v, want %v", c, got, want)
			}
			if got, want := home.Contains(c), in([]string{"CH", "DE", "US"}, c); got != want {
				t.Errorf("Home(DE,CH,US).Contains(%q) = %v, want %v", c, got, want)
			}
		}
	}
	for _, c := range []string{"", "de", "De", "D", "DEU", "D\x00", "[E", "Z[", "\xc3\x84E"} {
		if InEU(c) || InEEA(c) || home.Contains(c) {
			t.Errorf("%q is taken as a member", c)
		}
	}
	if (Home{}).Contains("DE") {
		t.Error("the zero Home contains DE")
	}
}

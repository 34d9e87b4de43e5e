package placement

import (
	"strings"
	"testing"
)

func TestMicrosoftGeo(t *testing.T) {
	tests := map[string]string{
		"AM0PR02MB1234.eurprd02.prod.outlook.com":       "EUR",
		"LO2P265MB0001.GBRP265.PROD.OUTLOOK.COM.":       "GBR",
		"BN8PR11MB3456.namprd11.prod.outlook.com":       "NAM",
		"VI1EUR04FT012.mail.protection.outlook.com":     "EUR",
		"DM6NAM11FT045.mail.protection.outlook.com":     "NAM",
		"EUR05-VI1-obe.outbound.protection.outlook.com": "EUR",
		"x.eop-EUR01.prod.protection.outlook.com":       "EUR",
		"contoso-com.mail.protection.outlook.com":       "",
		"mail-eopbgr.outbound.protection.outlook.com":   "",
		"SJ1PEPF00001234.mail.protection.outlook.com":   "",
		"eurprd02.prod.outlook.com.evil.example":        "",
		"AM0PR02MB1234.eurprdxx.prod.outlook.com":       "",
		"AM0PR02MB1234.eu1prd02.prod.outlook.com":       "",
		"a.b.VI1EUR04FT012.mail.protection.outlook.com": "",
		"VI1EUR04FT.mail.protection.outlook.com":        "",
		"EUR05--obe.outbound.protection.outlook.com":    "",
		"":                                      "",
		"prod.outlook.com":                      "",
		"x.eop-eur.prod.protection.outlook.com": "",
	}
	for in, want := range tests {
		if got := MicrosoftGeo(in); got != want {
			t.Errorf("MicrosoftGeo(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBuiltin(t *testing.T) {
	tab, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if tab.Checked() == "" {
		t.Error("no checked date")
	}
	tests := []struct {
		host    string
		country string
		in      bool
		single  string
	}{
		{"AM0PR02MB1234.eurprd02.prod.outlook.com", "NL", true, ""},
		{"AM0PR02MB1234.eurprd02.prod.outlook.com", "GB", true, ""},
		{"AM0PR02MB1234.eurprd02.prod.outlook.com", "ZA", true, ""},
		{"AM0PR02MB1234.eurprd02.prod.outlook.com", "US", false, ""},
		{"AM0PR02MB1234.eurprd02.prod.outlook.com", "", false, ""},
		{"LO2P265MB0001.gbrp265.prod.outlook.com", "GB", true, "GB"},
		{"LO2P265MB0001.gbrp265.prod.outlook.com", "US", false, "GB"},
		{"BN8PR11MB3456.namprd11.prod.outlook.com", "US", true, ""},
		{"BN8PR11MB3456.namprd11.prod.outlook.com", "CA", true, ""},
		{"BN8PR11MB3456.namprd11.prod.outlook.com", "DE", false, ""},
		{"TY0PR01MB1234.apcprd01.prod.outlook.com", "JP", true, ""},
		{"TY0PR01MB1234.apcprd01.prod.outlook.com", "US", false, ""},
	}
	for _, tt := range tests {
		r, ok := tab.Host(tt.host)
		if !ok {
			t.Errorf("Host(%q): no rule", tt.host)
			continue
		}
		if got := r.Area.Contains(tt.country); got != tt.in {
			t.Errorf("%s area contains %q = %v, want %v", r.Key, tt.country, got, tt.in)
		}
		if r.Area.Country != tt.single {
			t.Errorf("%s area country %q, want %q", r.Key, r.Area.Country, tt.single)
		}
	}
	if _, ok := tab.Host("LA1PR01MB1.lamprd01.prod.outlook.com"); ok {
		t.Error("LAM has a rule, but the source does not list it")
	}
}

func TestParseErrors(t *testing.T) {
	tests := map[string]string{
		"no date":        "microsoft-geo EUR 150 Europe\n",
		"short":          "# checked: 2026-12-03\nmicrosoft-geo EUR 150\n",
		"kind":           "# checked: 2026-12-03\nnet 2603:10a6::/32 150 x\n",
		"lower code":     "# checked: 2026-12-03\nmicrosoft-geo eur 150 Europe\n",
		"bad country":    "# checked: 2026-12-03\nmicrosoft-geo GBR UK United Kingdom\n",
		"bad region":     "# checked: 2026-12-03\nmicrosoft-geo EUR 150,999 Europe\n",
		"country as m49": "# checked: 2026-12-03\nmicrosoft-geo EUR 826 United Kingdom\n",
		"duplicate":      "# checked: 2026-12-03\nmicrosoft-geo EUR 150 a\nmicrosoft-geo EUR 150 b\n",
	}
	for name, in := range tests {
		if _, err := Parse(strings.NewReader(in)); err == nil {
			t.Errorf("%s: Parse(%q) gave no error", name, in)
		}
	}
}

// FuzzMicrosoftGeo checks that a code found is three upper-case letters
// and that the name's case does not matter.
func FuzzMicrosoftGeo(f *testing.F) {
	for _, s := range []string{"AM0PR02MB1234.eurprd02.prod.outlook.com", "VI1EUR04FT012.mail.protection.outlook.com", "EUR05-VI1-obe.outbound.protection.outlook.com", "x.eop-eur01.prod.protection.outlook.com", "contoso-com.mail.protection.outlook.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		code := MicrosoftGeo(name)
		if code == "" {
			return
		}
		if len(code) != 3 || strings.ToUpper(code) != code || !isLetters(code) {
			t.Fatalf("MicrosoftGeo(%q) = %q", name, code)
		}
		if got := MicrosoftGeo(strings.ToUpper(name)); got != code {
			t.Fatalf("upper case %q gives %q, want %q", name, got, code)
		}
	})
}

package report

import (
	"strings"
	"testing"

	"github.com/mailroute/mailroute/analyzer"
)

func TestParseGroupBy(t *testing.T) {
	tests := []struct {
		in      string
		want    GroupBy
		str     string
		wantErr string
	}{
		{in: "", want: GroupBy{Kind: GroupProvider}, str: "provider"},
		{in: "provider", want: GroupBy{Kind: GroupProvider}, str: "provider"},
		{in: " Sender-Domain ", want: GroupBy{Kind: GroupSenderDomain}, str: "sender-domain"},
		{in: "first-org", want: GroupBy{Kind: GroupFirstOrg}, str: "first-org"},
		{in: "dir", want: GroupBy{Kind: GroupDir}, str: "dir"},
		{in: "header:x-mailer", want: GroupBy{Kind: GroupHeader, Header: "X-Mailer"}, str: "header:X-Mailer"},
		{in: "HEADER: list-id", want: GroupBy{Kind: GroupHeader, Header: "List-Id"}, str: "header:List-Id"},
		{in: "header:", wantErr: "missing header name"},
		{in: "header:a b", wantErr: "invalid character"},
		{in: "header:a:b", wantErr: "invalid character"},
		{in: "country", wantErr: "want provider"},
	}
	for _, tt := range tests {
		got, err := ParseGroupBy(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseGroupBy(%q) err = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseGroupBy(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want || got.String() != tt.str {
			t.Errorf("ParseGroupBy(%q) = %+v (%s), want %+v (%s)", tt.in, got, got, tt.want, tt.str)
		}
	}
	if (GroupBy{}).String() != "provider" || (GroupBy{}).Title() != "Provider" {
		t.Error("zero GroupBy is not provider")
	}
}

// groupsOf returns the group name of each fixture that was analysed.
func groupsOf(t *testing.T, spec string) []string {
	t.Helper()
	g, err := ParseGroupBy(spec)
	if err != nil {
		t.Fatal(err)
	}
	a := NewAggregator(Options{GroupBy: g})
	var out []string
	for _, it := range fixtures() {
		if it.res.Error == "" {
			out = append(out, a.key(&it.res, it.dir))
		}
	}
	return out
}

func TestGroupKeys(t *testing.T) {
	tests := []struct {
		spec string
		want []string
	}{
		{"provider", []string{"Google", "Google", "United Internet", "United Internet", "Yandex", "example.co.uk", "example.com"}},
		{"sender-domain", []string{"gmail.com", "google.com", "gmx.net", "web.de", "yandex.ru", "example.co.uk", "example.com"}},
		{"first-org", []string{"Google LLC", "Google LLC", "1&1 IONOS SE", "1&1 IONOS SE", "YANDEX LLC", "Evil\x1b[31m Corp <b>|", NoFirstOrg}},
		{"dir", []string{"google", "google", "gmx", "gmx", "ru", TopDir, "intranet"}},
		{"header:X-Mailer", []string{"Gmail", "Gmail", nastyHeader, NoHeader, "Yamail", NoHeader, EmptyHeader}},
	}
	for _, tt := range tests {
		got := groupsOf(t, tt.spec)
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("%s: got %q, want %q", tt.spec, got, tt.want)
		}
	}
}

func TestFirstOrgOrder(t *testing.T) {
	pub := func(role analyzer.Role, org string) analyzer.Node {
		return analyzer.Node{Role: role, Organisation: org}
	}
	internal := analyzer.Node{Role: analyzer.RoleOrigin, Internal: true, Organisation: "Private"}
	tests := []struct {
		name  string
		nodes []analyzer.Node
		want  string
	}{
		{"origin first", []analyzer.Node{internal, pub(analyzer.RoleRelay, "A"), pub(analyzer.RoleFinal, "B")}, "A"},
		{"final first", []analyzer.Node{pub(analyzer.RoleFinal, "B"), pub(analyzer.RoleRelay, "A"), internal}, "A"},
		{"no org", []analyzer.Node{pub(analyzer.RoleOrigin, " "), pub(analyzer.RoleFinal, "B")}, "B"},
		{"none", []analyzer.Node{internal}, ""},
		{"empty", nil, ""},
	}
	for _, tt := range tests {
		if got := firstOrg(tt.nodes); got != tt.want {
			t.Errorf("%s: firstOrg = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestKeyClipAndFold(t *testing.T) {
	g, _ := ParseGroupBy("header:Subject")
	a := NewAggregator(Options{GroupBy: g})
	res := analyzer.Result{Headers: map[string]string{"Subject": " folded\r\n\t value  here "}}
	if got := a.key(&res, ""); got != "folded value here" {
		t.Errorf("key = %q", got)
	}
	res.Headers["Subject"] = strings.Repeat("ä", 300)
	got := a.key(&res, "")
	if len(got) > maxKeyLen+len("…") || !strings.HasSuffix(got, "…") || !strings.HasPrefix(got, "ää") {
		t.Errorf("long key not clipped at a rune boundary: len %d", len(got))
	}
}

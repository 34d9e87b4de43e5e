package format

import "testing"

func TestParse(t *testing.T) {
	allowed := []Format{Table, Markdown, CSV}
	tests := []struct {
		in      string
		want    Format
		wantErr string
	}{
		{"table", Table, ""},
		{" TABLE ", Table, ""},
		{"md", Markdown, ""},
		{"Markdown", Markdown, ""},
		{"csv", CSV, ""},
		{"json", "", `unknown format "json": want table, markdown or csv`},
		{"", "", `unknown format "": want table, markdown or csv`},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in, allowed)
		if got != tt.want {
			t.Errorf("Parse(%q) = %q, want %q", tt.in, got, tt.want)
		}
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("Parse(%q): unexpected error %v", tt.in, err)
		case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
			t.Errorf("Parse(%q) error = %v, want %q", tt.in, err, tt.wantErr)
		}
	}
}

func TestList(t *testing.T) {
	for _, tt := range []struct {
		in   []Format
		want string
	}{
		{nil, ""},
		{[]Format{JSON}, "json"},
		{[]Format{Table, JSON}, "table or json"},
		{[]Format{Table, JSON, HTML}, "table, json or html"},
	} {
		if got := List(tt.in); got != tt.want {
			t.Errorf("List(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

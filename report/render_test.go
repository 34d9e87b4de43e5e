package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"github.com/mailroute/mailroute/jurisdiction"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailroute/mailroute/internal/golden"
)

func mustHome(t testing.TB, s string) jurisdiction.Home {
	t.Helper()
	h, err := jurisdiction.ParseHome(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// goldenConfigs are the report configurations that have golden files.
func goldenConfigs(t *testing.T) map[string]Options {
	pol, err := ParsePolicy("third-country,plaintext")
	if err != nil {
		t.Fatal(err)
	}
	hdr, err := ParseGroupBy("header:x-mailer")
	if err != nil {
		t.Fatal(err)
	}
	return map[string]Options{
		"provider": {Home: mustHome(t, "EEA"), Policy: pol},
		"header":   {Home: mustHome(t, "DE"), GroupBy: hdr},
	}
}

func TestGolden(t *testing.T) {
	formats := []struct {
		ext   string
		write func(io.Writer, Report) error
	}{
		{"txt", writeTable},
		{"md", writeMarkdown},
		{"csv", writeCSV},
		{"jsonl", writeJSON},
	}
	for name, opts := range goldenConfigs(t) {
		rep := build(opts)
		for _, f := range formats {
			t.Run(name+"."+f.ext, func(t *testing.T) {
				var buf bytes.Buffer
				if err := f.write(&buf, rep); err != nil {
					t.Fatal(err)
				}
				golden.Check(t, filepath.Join("testdata", name+"."+f.ext), buf.Bytes())
			})
		}
	}
}

// TestHostileStrings checks each format's defence against the nasty header
// value and organisation, independently of the golden files.
func TestHostileStrings(t *testing.T) {
	hdr, _ := ParseGroupBy("header:X-Mailer")
	rep := build(Options{GroupBy: hdr})

	var txt, md, csvBuf, js bytes.Buffer
	for _, w := range []struct {
		buf *bytes.Buffer
		fn  func(io.Writer, Report) error
	}{{&txt, writeTable}, {&md, writeMarkdown}, {&csvBuf, writeCSV}, {&js, writeJSON}} {
		if err := w.fn(w.buf, rep); err != nil {
			t.Fatal(err)
		}
	}
	for name, out := range map[string]string{"table": txt.String(), "markdown": md.String(), "csv": csvBuf.String()} {
		if strings.ContainsRune(out, 0x1b) {
			t.Errorf("%s output contains ESC", name)
		}
		// Group labels show the sequence escaped (\x1b[31m, see
		// safe.Name); other cells drop it.
		if strings.Contains(strings.NewReplacer(`\x1b[31m`, "", `\\x1b[31m`, "").Replace(out), "[31m") {
			t.Errorf("%s output keeps the escape sequence's parameters", name)
		}
	}
	if strings.Contains(md.String(), "<script>") || strings.Contains(md.String(), "<b>") {
		t.Errorf("markdown output contains raw HTML:\n%s", md.String())
	}
	// Every table line of the Markdown output has the same number of
	// unescaped pipes.
	var pipes []int
	for _, l := range strings.Split(md.String(), "\n") {
		if !strings.HasPrefix(l, "|") {
			continue
		}
		pipes = append(pipes, strings.Count(strings.ReplaceAll(l, `\|`, ""), "|"))
	}
	for i, n := range pipes {
		if n != pipes[0] {
			t.Errorf("markdown line %d has %d cell separators, want %d", i, n, pipes[0])
		}
	}
	recs, err := csv.NewReader(&csvBuf).ReadAll()
	if err != nil {
		t.Fatalf("csv does not parse: %v", err)
	}
	found := false
	for _, rec := range recs {
		for _, cell := range rec {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("csv cell %q starts with a formula character", cell)
			}
			if strings.HasPrefix(cell, "'=cmd") {
				found = true
			}
		}
	}
	if !found {
		t.Error("csv lost the neutralised header value")
	}
	// JSON keeps the value exactly.
	var lines []map[string]any
	dec := json.NewDecoder(&js)
	for dec.More() {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, m)
	}
	got := false
	for _, m := range lines {
		if m["group"] == nastyHeader {
			got = true
		}
	}
	if !got {
		t.Error("json does not keep the header value verbatim")
	}
}

func TestCSVNeutralise(t *testing.T) {
	tests := []struct{ in, want string }{
		{"=1+1", "'=1+1"},
		{"+1", "'+1"},
		{"-1", "'-1"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"a=b", "a=b"},
		{"", ""},
		{"0.5", "0.5"},
	}
	for _, tt := range tests {
		if got := csvNeutralise(tt.in); got != tt.want {
			t.Errorf("csvNeutralise(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatSeconds(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{{0, "0s"}, {-3, "-3s"}, {-0.4, "0s"}, {-30679, "-8h31m"}, {59, "59s"}, {60, "1m00s"}, {125, "2m05s"}, {3600, "1h00m"}, {93600, "1d02h"}}
	for _, tt := range tests {
		if got := FormatSeconds(tt.in); got != tt.want {
			t.Errorf("FormatSeconds(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPercent(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{{0, "0%"}, {0.004, "<1%"}, {0.005, "1%"}, {1.0 / 3, "33%"}, {0.996, ">99%"}, {1, "100%"}}
	for _, tt := range tests {
		if got := percent(tt.in); got != tt.want {
			t.Errorf("percent(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEmptyReportRenders(t *testing.T) {
	rep := NewAggregator(Options{}).Report()
	for _, fn := range []func(io.Writer, Report) error{writeTable, writeMarkdown, writeCSV, writeJSON} {
		var buf bytes.Buffer
		if err := fn(&buf, rep); err != nil {
			t.Fatal(err)
		}
		if buf.Len() == 0 {
			t.Error("empty output")
		}
	}
}

// TestIncompleteAccounting checks that a report of a partly read input says
// so in its first line and carries the accounting in every format.
func TestIncompleteAccounting(t *testing.T) {
	a := NewAggregator(Options{Home: mustHome(t, "EEA")})
	for _, it := range fixtures() {
		a.Add(it.res, it.dir)
	}
	a.AddInputError("export.mbox.gz", "read after message 996: gzip: invalid checksum")
	a.AddInputError("bad\x1b[2Jfile\u200b", "open: permission denied")
	rep := a.Report()
	if rep.InputsUnreadable != 2 || !rep.Incomplete() {
		t.Fatalf("InputsUnreadable %d, Incomplete %v; want 2, true", rep.InputsUnreadable, rep.Incomplete())
	}
	head := "INCOMPLETE: 2 inputs could not be read (to the end); the figures cover only the " + plural(rep.Read, "message", "messages") + " read."
	for _, f := range []struct {
		name  string
		write func(io.Writer, Report) error
		first string   // prefix of the first line
		has   []string // also somewhere
	}{
		{"table", writeTable, head, []string{"; inputs unreadable: 2", "Unreadable: export.mbox.gz: read after message 996: gzip: invalid checksum", `Unreadable: bad\x1b[2Jfile\u200b: open: permission denied`}},
		{"markdown", writeMarkdown, "**" + head + "**", []string{"; inputs unreadable: 2", "- Unreadable: export.mbox.gz: read after message 996"}},
		{"csv", writeCSV, "row,group,", []string{"incomplete," + head, "unreadable,export.mbox.gz,", ",read after message 996: gzip: invalid checksum\n", "accounting,inputs_unreadable,2,", "accounting,read,"}},
		{"json", writeJSON, `{"schema_version":2,"type":"group","incomplete":true,`, []string{`"inputs_unreadable":2,"unreadable":[{"input":"export.mbox.gz","reason":"read after message 996: gzip: invalid checksum"}`}},
	} {
		var b bytes.Buffer
		if err := f.write(&b, rep); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if !strings.HasPrefix(out, f.first) {
			t.Errorf("%s: first line is not %q:\n%s", f.name, f.first, out)
		}
		for _, want := range f.has {
			if !strings.Contains(out, want) {
				t.Errorf("%s: output lacks %q:\n%s", f.name, want, out)
			}
		}
		if f.name != "json" && (strings.ContainsRune(out, 0x1b) || strings.ContainsRune(out, 0x200b)) {
			t.Errorf("%s: an escape or U+200B from a file name reached the output", f.name)
		}
	}
	// A complete report has no headline.
	var b bytes.Buffer
	if err := writeTable(&b, build(Options{})); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "INCOMPLETE") || !strings.Contains(b.String(), "; inputs unreadable: 0") {
		t.Errorf("complete report:\n%s", b.String())
	}
}

// TestInvisibleLabels checks that a group label with invisible characters
// cannot pass for another in the table, Markdown and CSV.
func TestInvisibleLabels(t *testing.T) {
	hdr, _ := ParseGroupBy("header:X-Mailer")
	a := NewAggregator(Options{GroupBy: hdr})
	res := fixtures()[0].res
	res.Headers = map[string]string{"X-Mailer": "gmail\u200b.com"}
	a.Add(res, "")
	rep := a.Report()
	for name, write := range map[string]func(io.Writer, Report) error{"table": writeTable, "markdown": writeMarkdown, "csv": writeCSV} {
		var b bytes.Buffer
		if err := write(&b, rep); err != nil {
			t.Fatal(err)
		}
		want := `gmail\u200b.com`
		if name == "markdown" {
			want = `gmail\\u200b.com` // a Markdown backslash escaped, shown as one
		}
		if strings.ContainsRune(b.String(), 0x200b) || !strings.Contains(b.String(), want) {
			t.Errorf("%s: label not shown escaped:\n%s", name, b.String())
		}
	}
}

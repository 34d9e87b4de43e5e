package filtering

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/authres"

	"github.com/mailroute/mailroute/internal/golden"
)

// readCases reads testdata/headers.txt: header blocks separated by "---",
// "#" lines are comments, continuation lines are unfolded.
func readCases(t testing.TB) [][]Field {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "headers.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var cases [][]Field
	for block := range strings.SplitSeq(string(b), "\n---\n") {
		var fs []Field
		for line := range strings.SplitSeq(block, "\n") {
			switch {
			case strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "":
			case (line[0] == ' ' || line[0] == '\t') && len(fs) > 0:
				fs[len(fs)-1].Value += " " + strings.TrimSpace(line)
			default:
				k, v, _ := strings.Cut(line, ":")
				fs = append(fs, Field{Key: k, Value: strings.TrimSpace(v)})
			}
		}
		cases = append(cases, fs)
	}
	return cases
}

func TestReadGolden(t *testing.T) {
	var out strings.Builder
	for i, fs := range readCases(t) {
		b, err := json.MarshalIndent(Read(fs), "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		out.WriteString("== case " + string(rune('A'+i)) + "\n")
		out.Write(b)
		out.WriteString("\n")
	}
	golden.Check(t, filepath.Join("testdata", "findings.golden"), []byte(out.String()))
}

func TestRead(t *testing.T) {
	tests := []struct {
		name    string
		fields  []Field
		engine  string
		verdict Verdict
		score   float64 // -999: no score
		host    string
		gateway bool
		n       int // findings
	}{
		{"scl 9", []Field{{"X-MS-Exchange-Organization-SCL", "9"}}, EngineEOP, Spam, -999, "", false, 1},
		{"scl 1", []Field{{"X-MS-Exchange-Organization-SCL", "1"}}, EngineEOP, NotSpam, -999, "", false, 1},
		{"sfv nspm", []Field{{"X-Forefront-Antispam-Report", "SFV:NSPM;SCL:1"}}, EngineEOP, NotSpam, -999, "", false, 1},
		{"eop merged", []Field{{"X-Forefront-Antispam-Report", "SFV:SPM;SCL:5"}, {"X-Microsoft-Antispam", "BCL:3;"}}, EngineEOP, Spam, -999, "", false, 1},
		{"eop untrusted apart", []Field{{"X-Forefront-Antispam-Report", "SFV:SPM"}, {"X-Forefront-Antispam-Report-Untrusted", "SFV:NSPM"}}, EngineEOP, Spam, -999, "", false, 2},
		{"sa status", []Field{{"X-Spam-Status", "Yes, score=7.1 required=5.0 tests=A"}}, EngineSpamAssassin, Spam, 7.1, "", false, 1},
		{"sa hits", []Field{{"X-Spam-Status", "No, hits=-2.7 required=5.0"}}, EngineSpamAssassin, NotSpam, -2.7, "", false, 1},
		{"sa two passes", []Field{{"X-Spam-Status", "No, score=1"}, {"X-Spam-Status", "Yes, score=9"}}, EngineSpamAssassin, NotSpam, 1, "", false, 2},
		{"sa host", []Field{{"X-Spam-Checker-Version", "SpamAssassin 3.4.6 (2021-04-09) on MX.Example.org"}}, EngineSpamAssassin, Unknown, -999, "mx.example.org", false, 1},
		{"sa hosts differ", []Field{{"X-Spam-Checker-Version", "SpamAssassin 3 on a.example"}, {"X-Spam-Report", `running on the system "b.example"`}}, EngineSpamAssassin, Unknown, -999, "a.example", false, 2},
		{"amavis", []Field{{"X-Virus-Scanned", "Debian amavisd-new at mail.example.org"}}, EngineAmavis, Unknown, -999, "mail.example.org", false, 1},
		{"clamav clean", []Field{{"X-Virus-Status", "Clean"}}, EngineClamAV, Clean, -999, "", false, 1},
		{"rspamd", []Field{{"X-Spamd-Result", "default: True [16.1 / 15.0]; X(1)"}}, EngineRspamd, Spam, 16.1, "", false, 1},
		{"rspamd no action", []Field{{"X-Rspamd-Action", "no action"}}, EngineRspamd, NotSpam, -999, "", false, 1},
		{"proofpoint", []Field{{"X-Proofpoint-Spam-Details", "rule=spam policy=default spamscore=99"}}, EngineProofpoint, Spam, 99, "", true, 1},
		{"mimecast", []Field{{"X-Mimecast-Spam-Score", "2"}}, EngineMimecast, Unknown, 2, "", true, 1},
		{"ironport", []Field{{"x-ironport-av", "E=Sophos;i=1"}}, EngineIronPort, Unknown, -999, "", true, 1},
		{"barracuda", []Field{{"X-Barracuda-Spam-Score", "1.5"}}, EngineBarracuda, Unknown, 1.5, "", true, 1},
		{"spamexperts", []Field{{"X-SpamExperts-Class", "spam"}}, EngineSpamExperts, Spam, -999, "", true, 1},
		{"gmail", []Field{{"X-Gm-Spam", "1"}}, EngineGmail, Spam, -999, "", false, 1},
		{"auth dmarc", []Field{{"Authentication-Results", "mx.example.org; dmarc=fail header.from=x.example; spf=pass"}}, EngineAuthResults, Fail, -999, "mx.example.org", false, 1},
		{"auth ms", []Field{{"Authentication-Results", "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=x.example; dkim=none (message not signed) header.d=none;dmarc=none action=none header.from=x.example;compauth=pass reason=100"}}, EngineAuthResults, None, -999, "", false, 1},
		{"arc", []Field{{"ARC-Seal", "i=2; cv=pass; d=example.org"}, {"ARC-Authentication-Results", "i=2; mx.example.org; arc=pass"}}, EngineARC, Pass, -999, "mx.example.org", false, 1},
		{"unknown field", []Field{{"X-Mailer", "x"}, {"Subject", "spam"}}, "", "", -999, "", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Read(tt.fields)
			if len(got) != tt.n {
				t.Fatalf("%d findings, want %d: %+v", len(got), tt.n, got)
			}
			if tt.n == 0 {
				return
			}
			f := got[0]
			if f.Engine != tt.engine || f.Verdict != tt.verdict || f.Host != tt.host || f.Gateway != tt.gateway {
				t.Errorf("got engine %q verdict %q host %q gateway %v, want %q %q %q %v", f.Engine, f.Verdict, f.Host, f.Gateway, tt.engine, tt.verdict, tt.host, tt.gateway)
			}
			switch {
			case tt.score == -999 && f.Score != nil:
				t.Errorf("score %v, want none", *f.Score)
			case tt.score != -999 && (f.Score == nil || *f.Score != tt.score):
				t.Errorf("score %v, want %v", f.Score, tt.score)
			}
			if len(f.Fields) == 0 {
				t.Error("no raw fields kept")
			}
		})
	}
}

func TestBadValuesWarn(t *testing.T) {
	cases := readCases(t)
	bad := cases[len(cases)-1]
	got := Read(bad)
	warned := 0
	for _, f := range got {
		warned += len(f.Warnings)
	}
	if len(got) == 0 || warned < 6 {
		t.Errorf("%d findings with %d warnings for hostile values, want findings and >= 6 warnings", len(got), warned)
	}
}

func TestWants(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"Authentication-Results", true},
		{"authentication-results", true},
		{"ARC-Seal", true},
		{"ARC-Message-Signature", false},
		{"X-Spam-Status", true},
		{"X-Spam", true},
		{"X-Spamd-Result", true},
		{"X-RSPAMD-Server", true},
		{"X-Forefront-Antispam-Report", true},
		{"X-Microsoft-Antispam-Message-Info", false},
		{"X-MS-Exchange-Organization-SCL", true},
		{"X-MS-Exchange-Organization-AuthAs", false},
		{"X-Proofpoint-GUID", true},
		{"IronPort-SDR", true},
		{"X-Virus-Scanned", true},
		{"X-Amavis-Modified", true},
		{"Received", false},
		{"X", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := Wants(tt.name); got != tt.want {
			t.Errorf("Wants(%q) = %v, want %v", tt.name, got, tt.want)
		}
		if got := Wants([]byte(tt.name)); got != tt.want {
			t.Errorf("Wants([]byte(%q)) = %v, want %v", tt.name, got, tt.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { Wants("X-Forefront-Antispam-Report-Untrusted") }); n != 0 {
		t.Errorf("Wants allocates %v times", n)
	}
}

func TestParseAuthResults(t *testing.T) {
	tests := []struct {
		v          string
		servID     string
		checks     int
		normalised bool
		err        bool
	}{
		{"mx.example.org; spf=pass smtp.mailfrom=a.example", "mx.example.org", 1, false, false},
		{"mx.example.org 1; dkim=pass header.d=a.example", "mx.example.org", 1, false, false},
		{"mx.example.org; none", "mx.example.org", 0, false, false},
		{"mx.example.org; dkim=pass (key; unprotected) header.d=a.example", "mx.example.org", 1, true, false},
		{"spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=a.example;dmarc=pass", "", 2, true, false},
		{"mx.example.org (amavisd-new); dkim=pass", "mx.example.org", 1, true, false},
		{"mx.example.org; garbage", "mx.example.org", 0, false, true},
	}
	for _, tt := range tests {
		ar, err := ParseAuthResults(tt.v)
		if ar.ServID != tt.servID || len(ar.Checks) != tt.checks || ar.Normalised != tt.normalised || (err != nil) != tt.err {
			t.Errorf("ParseAuthResults(%q) = %+v, %v; want servid %q, %d checks, normalised %v, error %v", tt.v, ar, err, tt.servID, tt.checks, tt.normalised, tt.err)
		}
	}
}

// TestParseAuthResultsMatchesRef checks that ParseAuthResults returns what
// it returned before its checks were read into a buffer, for the test
// headers and values that take authres's less common paths.
func TestParseAuthResultsMatchesRef(t *testing.T) {
	vs := []string{
		"", ";", " ; ; ", "none", "x; none", "x; none dkim=pass", "x; NONE", "x; None=pass",
		"x 1; spf=pass", "x 2; spf=pass", "x\u00a01; spf=pass", "x 1 2; spf=pass", " x \t 1 ; spf=pass",
		"x; =pass", "x; spf=", "x; spf==pass a==b", "x; SPF=PASS SMTP.MAILFROM=a Smtp.Helo=b",
		"x; spf=pass smtp.mailfrom= smtp.helo=h", "x; spf=pass smtp.mailfrom=a smtp.mailfrom=b",
		"x; dkim=pass header.i=@a", "x; dkim=none header.d=none", "x; D\u212aIM=pass header.d=k",
		"x; dkim=pass HEADER.\u212a=1 reason=\"a b\"", "x; spf=bestguesspass", "x; spf=hardfail; dkim=FAIL",
		"x; arc=pass header.oldest-pass=0", "x; arc=pass header.oldest-pass=z", "x; arc=pass header.oldest-pass=2 smtp.remote-ip=1",
		"x; arc=pass header.oldest-pass=1 header.oldest-pass=-1; spf=pass", "x; iprev=pass policy.iprev=192.0.2.1 reason=r",
		"x; auth=pass smtp.auth=u reason=r", "x; domainkeys=pass header.d=d header.from=f", "x; sender-id=pass header.from=a",
		"x; sender-id=pass header.from=a header.from=b", "x; x-custom=OK reason=why Reason=why2", "x; spf=pass garbage; dkim=pass",
		"x; spf=pass; garbage; dkim=pass", "spf=pass (a; b) smtp.mailfrom=m; dkim=pass", "(c) spf=pass", "x (c); spf=pass (d; e)",
		"x; spf=pass \xff=1 reason=\xfe\xff", "x; \xffSPF=pass", "x;\u0085spf=pass\u0085reason=r\u00a0", "x; spf=pass\r\nreason=a\vb",
		"x; İ=pass", "x; spf=PASS", "x; spf=Pass (x) reason=(a)", "x; dmarc=pass header.from=a (p=none; sp=none)",
	}
	for _, fs := range readCases(t) {
		for _, f := range fs {
			if strings.Contains(strings.ToLower(f.Key), "authentication-results") {
				vs = append(vs, f.Value)
				if _, rest, ok := strings.Cut(f.Value, ";"); ok {
					vs = append(vs, rest)
				}
			}
		}
	}
	for _, v := range vs {
		checkParseAuthResults(t, v)
		checkLeadingSpace(t, v)
		checkAuthReuse(t, " ", v)
		checkHelpers(t, v)
		ar, _ := ParseAuthResults(v)
		for i := range ar.Checks {
			// Each rotation of the checks.
			cs := append(slices.Clone(ar.Checks[i:]), ar.Checks[:i]...)
			if got, want := authVerdict(cs), refAuthVerdict(cs); got != want {
				t.Errorf("authVerdict(%+v) = %q, want %q", cs, got, want)
			}
		}
	}
}

// TestRejectedAsWritten checks the values authres certainly fails on, and
// that the common forms it reads are not among them (which would cost a
// second parse; checkParseAuthResults checks the other direction).
func TestRejectedAsWritten(t *testing.T) {
	tests := []struct {
		v    string
		want bool
	}{
		{"mx.example.org; spf=pass smtp.mailfrom=a", false},
		{"mx.example.org 1; dkim=pass header.d=a; none", false},
		{"mx.example.org; spf=pass (sender authorized) smtp.mailfrom=a", false},
		{"", false},
		{"x; arc=pass header.oldest-pass=z", false}, // fails later, in authres's ARC check
		{"mx.example.org 2; spf=pass", true},
		{"spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=a; dkim=none", true}, // Microsoft 365: no authserv-id
		{"mx.example.org; dkim=pass (2048-bit key; unprotected) header.d=a", true},
		{"mx.example.org; garbage", true},
	}
	for _, tt := range tests {
		if got := rejectedAsWritten(tt.v); got != tt.want {
			t.Errorf("rejectedAsWritten(%q) = %v, want %v", tt.v, got, tt.want)
		}
		if _, _, err := authres.Parse(tt.v); tt.want && err == nil {
			t.Errorf("authres reads %q, the test case is wrong", tt.v)
		}
	}
}

func TestStripComments(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a (b) c", "a   c"},
		{"a (b (c) d) e", "a   e"},
		{`a "(not)" b`, `a "(not)" b`},
		{`a (x\) y) b`, "a   b"},
		{"a (unclosed", "a "},
	}
	for _, tt := range tests {
		if got := stripComments(tt.in); got != tt.want {
			t.Errorf("stripComments(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzRead checks that no field value makes Read panic, that each finding
// keeps its raw fields and has an engine, a kind and a verdict.
func FuzzRead(f *testing.F) {
	for _, fs := range readCases(f) {
		for _, fl := range fs {
			f.Add(fl.Key, fl.Value)
		}
	}
	f.Fuzz(func(t *testing.T, key, value string) {
		fds := Read([]Field{{key, value}, {key, value}})
		for _, fd := range fds {
			if fd.Engine == "" || fd.Kind == "" || fd.Verdict == "" || len(fd.Fields) == 0 {
				t.Fatalf("incomplete finding %+v", fd)
			}
			if got, want := authVerdict(fd.Checks), refAuthVerdict(fd.Checks); got != want {
				t.Fatalf("authVerdict(%+v) = %q, want %q", fd.Checks, got, want)
			}
		}
		checkAuthReuse(t, key, value)
		// Read into memory an earlier read filled, the same as fresh.
		var mem Memory
		AppendReadInto(nil, fuzzMemoryFill, &mem)
		if got := AppendReadInto(nil, []Field{{key, value}, {key, value}}, &mem); !reflect.DeepEqual(got, fds) && (len(got) > 0 || len(fds) > 0) {
			t.Fatalf("read into a used Memory: %+v, fresh: %+v", got, fds)
		}
	})
}

// fuzzMemoryFill is a read that fills a Memory before FuzzRead reads into it.
var fuzzMemoryFill = []Field{
	{"Authentication-Results", "mx.example; spf=pass smtp.mailfrom=a.example; dkim=pass header.d=a.example; dmarc=pass header.from=a.example"},
	{"X-Spam-Status", "No, score=-0.1 required=5.0 tests=BAYES_00,DKIM_SIGNED,DKIM_VALID autolearn=ham"},
	{"X-MS-Exchange-Organization-SCL", "1"},
}

// checkAuthReuse checks that an Authentication-Results value read after
// the same text in an ARC-Authentication-Results field (whose parse Read
// reuses), or the other way round, gives what it gives alone. lead, when
// only spaces and tabs, goes between the instance tag and the text.
func checkAuthReuse(t *testing.T, lead, value string) {
	t.Helper()
	if strings.Trim(lead, " \t") != "" {
		lead = " "
	}
	if l := strings.ToLower(value); strings.Contains(l, "sender-id") && strings.Count(l, "header.") > 1 {
		return // authres picks the domain from a map, at random
	}
	ar := Field{"Authentication-Results", value}
	aar := Field{"ARC-Authentication-Results", "i=1;" + lead + value}
	alone := [2][]Finding{Read([]Field{ar}), Read([]Field{aar})}
	for _, fs := range [][]Field{{ar, aar}, {aar, ar}, {ar, ar, aar}} {
		for _, fd := range Read(fs) {
			i := 0
			if fd.Engine == EngineARC {
				i = 1
			}
			if len(alone[i]) != 1 || !reflect.DeepEqual(fd.Checks, alone[i][0].Checks) ||
				fd.Host != alone[i][0].Host || !slices.Equal(fd.Warnings, alone[i][0].Warnings) {
				t.Fatalf("Read(%q) gives %+v; alone: %+v", fs, fd, alone[i])
			}
		}
	}
}

// FuzzParseAuthResults checks that ParseAuthResults and the comment
// stripper never panic, that a parsed result has a result, that
// ParseAuthResults returns what it did before its checks were read into a
// buffer, and that the allocation-free helpers agree with the code they
// replaced.
func FuzzParseAuthResults(f *testing.F) {
	for _, fs := range readCases(f) {
		for _, fl := range fs {
			if strings.Contains(strings.ToLower(fl.Key), "authentication-results") {
				f.Add(fl.Value)
			}
		}
	}
	f.Add("a; b=(c;d) e=f")
	f.Add("sender-id=pass header.from=a header.sender=b; spf=pass")
	f.Add("a (b \\) \"c(\" d) \"e\\\"f\" (g (h) i) j\u00a0k\u0085l \xffm; score=1,\u212aill_level=2\tRULE=x")
	f.Add("x; arc=pass header.oldest-pass=0")
	f.Add("x; arc=pass header.oldest-pass=z (c;d)")
	f.Add("x 2; spf=pass")
	f.Add("x; dkim=pass header.i=@a header.d=b; spf=none smtp.helo=h smtp.mailfrom=m")
	f.Add("x 1; SPF=Pass SMTP.MailFrom=a (b) smtp.helo=c; none; dkim=fail header.i=@d")
	f.Fuzz(func(t *testing.T, v string) {
		checkParseAuthResults(t, v)
		checkLeadingSpace(t, v)
		ar, _ := ParseAuthResults(v)
		for _, c := range ar.Checks {
			if c.Result == "" {
				t.Fatalf("check without result: %+v", c)
			}
		}
		checkHelpers(t, v)
		if s := stripComments(v); len(s) > len(v)+len(v) {
			t.Fatalf("stripComments grew %q to %q", v, s)
		}
		_ = Tags(v)
	})
}

func BenchmarkRead(b *testing.B) {
	var all []Field
	for _, fs := range readCases(b) {
		all = append(all, fs...)
	}
	b.ReportAllocs()
	for b.Loop() {
		Read(all)
	}
}

func BenchmarkWants(b *testing.B) {
	names := []string{"Received", "X-MS-Exchange-Organization-AuthAs", "Authentication-Results", "X-Microsoft-Antispam-Message-Info", "DKIM-Signature", "X-Spam-Status"}
	b.ReportAllocs()
	for b.Loop() {
		for _, n := range names {
			Wants(n)
		}
	}
}

// TestRuleNames checks what findRule's first test relies on: every rule
// name is lower case, at least 6 bytes long, with a letter at index 2.
func TestRuleNames(t *testing.T) {
	for _, r := range rules {
		if len(r.name) < 6 || r.name[2] < 'a' || r.name[2] > 'z' || r.name != strings.ToLower(r.name) {
			t.Errorf("rule name %q: want lower case, 6 bytes or more, a letter at index 2", r.name)
		}
	}
}

// TestJoinAdjacent checks that joinAdjacent joins only slices that lie
// next to each other at the end of the array, as append would join them.
func TestJoinAdjacent(t *testing.T) {
	all := []int{1, 2, 3, 4, 5}
	a, b := all[1:3:3], all[3:5:5]
	if got, ok := joinAdjacent(all, a, b); !ok || !slices.Equal(got, []int{2, 3, 4, 5}) || cap(got) != len(got) {
		t.Errorf("joinAdjacent(%v, %v) = %v, %v", a, b, got, ok)
	}
	for _, tt := range [][2][]int{
		{all[0:2], all[3:5]}, // a gap
		{all[1:3], all[3:4]}, // b does not end all
		{nil, all[3:5]},
		{all[1:3], nil},
		{slices.Clone(all[1:3]), all[3:5]}, // a elsewhere
	} {
		if got, ok := joinAdjacent(all, tt[0], tt[1]); ok {
			t.Errorf("joinAdjacent(%v, %v) = %v, want no join", tt[0], tt[1], got)
		}
	}
}

// TestReadShared checks that the findings' checks, codes and fields, which
// share arrays, are capped (appending to one copies) and hold what reading
// each case alone gives.
func TestReadShared(t *testing.T) {
	var all []Field
	for _, fs := range readCases(t) {
		all = append(all, fs...)
	}
	for _, fd := range Read(all) {
		if cap(fd.Checks) != len(fd.Checks) || cap(fd.Codes) != len(fd.Codes) || cap(fd.Fields) != len(fd.Fields) {
			t.Errorf("finding %s from %q: lists not capped", fd.Engine, fd.Fields)
		}
	}
	for _, fs := range readCases(t) {
		want := Read(fs)
		for i := range fs {
			got := AppendRead(nil, fs[:i+1])
			// Read of a prefix gives the same first findings, but the
			// last may merge with more fields in the whole case.
			for j := 0; j < len(got)-1; j++ {
				if !reflect.DeepEqual(got[j], want[j]) {
					t.Errorf("fields %q: finding %d is %+v, of all %+v", fs[:i+1], j, got[j], want[j])
				}
			}
		}
	}
}

// TestAppendReadIntoReuse reads every case of testdata/headers.txt into
// one Memory after every other (all cases at once first, so that the
// memory is large, then each alone, then in reverse) and checks that each
// read gives what a fresh Read gives.
func TestAppendReadIntoReuse(t *testing.T) {
	cases := readCases(t)
	var all []Field
	for _, fs := range cases {
		all = append(all, fs...)
	}
	inputs := append([][]Field{all}, cases...)
	for i := range cases {
		inputs = append(inputs, cases[len(cases)-1-i])
	}
	var mem Memory
	for i, fs := range inputs {
		want := Read(fs)
		got := AppendReadInto(nil, fs, &mem)
		if len(got) == 0 {
			got = nil
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("input %d read into a reused Memory:\n got %+v\nwant %+v", i, got, want)
		}
	}
	if cap(mem.checks) == 0 || cap(mem.codes) == 0 || cap(mem.fields) == 0 {
		t.Fatalf("the Memory kept nothing: %d checks, %d codes, %d fields", cap(mem.checks), cap(mem.codes), cap(mem.fields))
	}
}

// BenchmarkReadInto is BenchmarkRead reading into one reused Memory, as a
// scan does.
func BenchmarkReadInto(b *testing.B) {
	var all []Field
	for _, fs := range readCases(b) {
		all = append(all, fs...)
	}
	var buf [64]Finding
	var mem Memory
	b.ReportAllocs()
	for b.Loop() {
		AppendReadInto(buf[:0], all, &mem)
	}
}

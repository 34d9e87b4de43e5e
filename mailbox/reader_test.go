package mailbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/mailroute/mailroute/internal/golden"
)

func gz(tb testing.TB, data []byte) []byte {
	tb.Helper()
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func zst(tb testing.TB, data []byte) []byte {
	tb.Helper()
	var b bytes.Buffer
	w, err := zstd.NewWriter(&b, zstd.WithEncoderConcurrency(1))
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// msg builds a small message with one Received field naming tag.
func msg(tag string) string {
	return "Received: from " + tag + ".example.net (" + tag + ".example.net [192.0.2.1])\n" +
		"\tby mx.example.com with ESMTPS; Mon, 2 Jan 2006 15:04:05 +0000\n" +
		"From: <a@example.net>\nSubject: " + tag + "\n\nBody of " + tag + ".\n"
}

// mbox builds an mbox of messages built by msg.
func mbox(tags ...string) string {
	var b strings.Builder
	for _, t := range tags {
		b.WriteString("From a@example.net Mon Jan  2 15:04:05 2006\n" + msg(t) + "\n")
	}
	return b.String()
}

// entry is one result of Reader.Next in tests.
type entry struct {
	Pos      string
	Line     int
	Received string // first Received line
	Size     int64
	Err      string
}

func firstReceived(h []byte) string {
	for line := range bytes.Lines(h) {
		if len(line) > 9 && strings.EqualFold(string(line[:9]), "received:") {
			return strings.TrimRight(string(line), "\r\n")
		}
	}
	return ""
}

// readAll reads r to the end; input errors appear as entries with only Err.
func readAll(t testing.TB, r *Reader) []entry {
	t.Helper()
	var out []entry
	for i := 0; ; i++ {
		if i > 1e5 {
			t.Fatal("reader does not end")
		}
		m, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			out = append(out, entry{Err: err.Error()})
			continue
		}
		e := entry{Pos: m.Pos.String(), Line: m.Pos.Line, Received: firstReceived(m.Header), Size: m.Size}
		if m.Err != nil {
			e.Err = m.Err.Error()
		}
		out = append(out, e)
	}
}

// buildTree writes the fixture tree used by the golden listing under dir.
func buildTree(t testing.TB, dir string) {
	t.Helper()
	big := msg("big")
	bigHeader := "Received: from big.example.net by mx.example.com; Mon, 2 Jan 2006 15:04:05 +0000\n" +
		strings.Repeat("X-Filler: 0123456789012345678901234567890123456789\n", 100) + "\nbody\n"
	var tags []string
	for i := range 40 {
		tags = append(tags, fmt.Sprintf("t%d", i+1))
	}
	truncGzip := gz(t, []byte(mbox(tags...)))
	truncZstd := zst(t, []byte(mbox("z1", "z2")))
	files := map[string]string{
		"a-single.eml":                 msg("single"),
		"b-crlf.eml":                   strings.ReplaceAll(msg("crlf"), "\n", "\r\n"),
		"c-cronly.eml":                 strings.ReplaceAll(msg("cronly"), "\n", "\r"),
		"d.mbox":                       mbox("d1", "d2", "d3"),
		"e-cl.mbox":                    "From a Mon Jan  2 15:04:05 2006\nReceived: from e1.example.net by mx.example.com; Mon, 2 Jan 2006 15:04:05 +0000\nContent-Length: 27\n\nquoted:\nFrom me, unescaped\n\nFrom b Mon Jan  2 15:04:05 2006\n" + msg("e2"),
		"empty.eml":                    "",
		"notes.txt":                    "just some notes, not a message\n",
		".hidden.eml":                  msg("hidden"),
		"image.png":                    "\x89PNG\r\n\x1a\n\x00\x00",
		"big/l.mbox":                   "From a Mon Jan  2 15:04:05 2006\n" + bigHeader + "From b Mon Jan  2 15:04:05 2006\n" + big,
		"maildir/cur/1.host:2,S":       msg("cur1"),
		"maildir/cur/2.host:2,RS":      msg("cur2"),
		"maildir/new/3.host":           msg("new3"),
		"maildir/tmp/4.host":           msg("tmp4"),
		"maildir/dovecot-uidlist":      "3 V1 N4\n",
		"maildir/.Sent/cur/5.host:2,S": msg("sent5"),
		"maildir/.Sent/new/.keep":      "",
		"maildir/.Sent/tmp/6.host":     msg("tmp6"),
		"nested/deeper/f.eml.gz":       string(gz(t, []byte(msg("gzip")))),
		"nested/g.mbox.zst":            string(zst(t, []byte(mbox("zstd1", "zstd2")))),
		"nested/h.bin":                 string(gz(t, []byte("plain text, gzipped\n"))),
		"nested/.git/config":           "[core]\n",
		"trunc/i.mbox.gz":              string(truncGzip[:len(truncGzip)*2/3]),
		"trunc/j.zst":                  string(truncZstd[:4]) + "garbage that is not a zstd frame at all",
		"trunc/k.mbox":                 mbox("k1") + "From b Mon Jan  2 15:04:05 2006\nReceived: from k2.example.net by mx",
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestGoldenListing reads a fixture tree and compares the listing of
// (position, line, first Received line, size, error), input errors and notes
// with testdata/listing.golden.
func TestGoldenListing(t *testing.T) {
	golden, err := filepath.Abs(filepath.Join("testdata", "listing.golden"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	buildTree(t, filepath.Join(dir, "tree"))
	t.Chdir(dir)
	r := Open([]string{"tree", "missing.mbox", "tree/notes.txt"}, Options{MaxHeaderBytes: 2048})
	var b strings.Builder
	for _, e := range readAll(t, r) {
		if e.Pos == "" {
			fmt.Fprintf(&b, "input error: %s\n", e.Err)
			continue
		}
		fmt.Fprintf(&b, "%s\tline %d\tsize %d\t%s", e.Pos, e.Line, e.Size, e.Received)
		if e.Err != "" {
			fmt.Fprintf(&b, "\terr: %s", e.Err)
		}
		b.WriteString("\n")
	}
	for _, n := range r.Notes() {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, golden, b.String())
}

// checkGolden compares got with the golden file path, rewriting it with
// -update.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	golden.Check(t, path, []byte(got))
}

func TestReaderMaildirFS(t *testing.T) {
	fsys := fstest.MapFS{
		"mail/cur/2.b:2,S":          {Data: []byte(msg("cur2"))},
		"mail/cur/1.a:2,S":          {Data: []byte(msg("cur1"))},
		"mail/new/3.c":              {Data: []byte(msg("new3"))},
		"mail/tmp/4.d":              {Data: []byte(msg("tmp4"))},
		"mail/dovecot-uidlist":      {Data: []byte("3 V1 N4\n")},
		"mail/.Drafts/cur/5.e:2,D":  {Data: []byte(msg("drafts5"))},
		"mail/.Drafts/new/6.f":      {Data: []byte(msg("drafts6"))},
		"mail/.Drafts/tmp/7.g":      {Data: []byte(msg("tmp7"))},
		"mail/.notmaildir/8.h":      {Data: []byte(msg("hidden8"))},
		"other/.cache/9.i":          {Data: []byte(msg("hidden9"))},
		"other/x/readme":            {Data: []byte("hello\n")},
		"other/x/y/z.eml":           {Data: []byte(msg("deep"))},
		"other/x/y/archive.mbox.gz": {Data: gz(t, []byte(mbox("gz1", "gz2")))},
	}
	r := OpenFS(fsys, []string{"mail", "other"}, Options{})
	var tags []string
	for _, e := range readAll(t, r) {
		if e.Err != "" {
			t.Errorf("%s: %s", e.Pos, e.Err)
		}
		tags = append(tags, e.Pos+" "+strings.Fields(e.Received)[2])
	}
	want := []string{
		"mail/.Drafts/cur/5.e:2,D drafts5.example.net",
		"mail/.Drafts/new/6.f drafts6.example.net",
		"mail/cur/1.a:2,S cur1.example.net",
		"mail/cur/2.b:2,S cur2.example.net",
		"mail/new/3.c new3.example.net",
		"other/x/y/archive.mbox.gz:1 gz1.example.net",
		"other/x/y/archive.mbox.gz:2 gz2.example.net",
		"other/x/y/z.eml deep.example.net",
	}
	if diff := cmp.Diff(want, tags); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	wantNotes := []string{`other/x/readme: skipped: not a message or mbox (file starts with "hello\n")`}
	if diff := cmp.Diff(wantNotes, r.Notes()); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
}

func TestReaderStdin(t *testing.T) {
	tests := []struct {
		name  string
		stdin []byte
		want  []string
		notes []string
	}{
		{name: "single message", stdin: []byte(msg("one")), want: []string{"- one.example.net"}},
		{name: "mbox", stdin: []byte(mbox("m1", "m2")), want: []string{"-:1 m1.example.net", "-:2 m2.example.net"}},
		{name: "gzip mbox", stdin: gz(t, []byte(mbox("g1", "g2"))), want: []string{"-:1 g1.example.net", "-:2 g2.example.net"}},
		{name: "zstd message", stdin: zst(t, []byte(msg("z"))), want: []string{"- z.example.net"}},
		{name: "empty", stdin: nil, notes: []string{"-: skipped: empty file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Open([]string{"-"}, Options{Stdin: bytes.NewReader(tt.stdin)})
			if r.TotalBytes() != -1 {
				t.Errorf("TotalBytes = %d, want -1", r.TotalBytes())
			}
			var gotList []string
			for _, e := range readAll(t, r) {
				if e.Err != "" {
					t.Errorf("%s: %s", e.Pos, e.Err)
				}
				gotList = append(gotList, e.Pos+" "+strings.Fields(e.Received)[2])
			}
			if diff := cmp.Diff(tt.want, gotList); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.notes, r.Notes()); diff != "" {
				t.Errorf("notes (-want +got):\n%s", diff)
			}
			if got := r.BytesRead(); got != int64(len(tt.stdin)) {
				t.Errorf("BytesRead = %d, want %d", got, len(tt.stdin))
			}
		})
	}
}

func TestReaderInputErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.eml")
	junk := filepath.Join(dir, "junk.txt")
	missing := filepath.Join(dir, "missing")
	if err := os.WriteFile(good, []byte(msg("good")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(junk, []byte("junk\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := Open([]string{missing, junk, good}, Options{})
	_, err := r.Next()
	var ie *InputError
	if !errors.As(err, &ie) || ie.Path != missing || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("first Next: %v, want a not-exist input error naming %s", err, missing)
	}
	if strings.Count(err.Error(), missing) != 1 {
		t.Errorf("error %q should name the path once", err)
	}
	_, err = r.Next()
	if !errors.As(err, &ie) || ie.Path != junk || !errors.Is(err, ErrNotMessage) {
		t.Errorf("second Next: %v, want a not-a-message input error naming %s", err, junk)
	}
	m, err := r.Next()
	if err != nil || m.Pos.File != good || firstReceived(m.Header) == "" {
		t.Errorf("third Next: %+v, %v; want the good message", m.Pos, err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("last Next: %v, want io.EOF", err)
	}
}

func TestReaderPermissionDenied(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads everything")
	}
	dir := t.TempDir()
	locked := filepath.Join(dir, "locked")
	if err := os.MkdirAll(filepath.Join(locked, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "z.eml"), []byte(msg("z")), 0o644); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(dir, "secret.eml")
	if err := os.WriteFile(secret, []byte(msg("s")), 0o000); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(locked, 0o000); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(locked, 0o755) })
	got := readAll(t, Open([]string{dir}, Options{}))
	var errs, msgs int
	for _, e := range got {
		switch {
		case e.Pos == "" && strings.Contains(e.Err, "permission denied"):
			errs++
		case e.Pos == filepath.Join(dir, "z.eml"):
			msgs++
		default:
			t.Errorf("unexpected %+v", e)
		}
	}
	if errs != 2 || msgs != 1 {
		t.Errorf("got %d permission errors and %d messages, want 2 and 1: %+v", errs, msgs, got)
	}
}

func TestReaderAccounting(t *testing.T) {
	dir := t.TempDir()
	buildTree(t, dir)
	for _, p := range []string{"trunc", "nested/h.bin"} {
		if err := os.RemoveAll(filepath.Join(dir, p)); err != nil {
			t.Fatal(err)
		}
	}
	var want int64
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		if d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") && !strings.Contains(rel, "/tmp/") &&
			rel != filepath.Join("maildir", "dovecot-uidlist") && !strings.Contains(rel, ".git") {
			info, _ := d.Info()
			want += info.Size()
		}
		return nil
	})
	r := Open([]string{dir}, Options{})
	if r.TotalBytes() != want {
		t.Errorf("TotalBytes = %d, want %d", r.TotalBytes(), want)
	}
	// BytesRead is polled from another goroutine while reading (run with
	// -race); it never decreases and ends at TotalBytes.
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		last := int64(0)
		for {
			select {
			case <-done:
				return
			default:
			}
			n := r.BytesRead()
			if n < last {
				t.Errorf("BytesRead went back from %d to %d", last, n)
			}
			last = n
		}
	})
	entries := readAll(t, r)
	close(done)
	wg.Wait()
	if r.BytesRead() != want {
		t.Errorf("BytesRead = %d after reading everything, want %d", r.BytesRead(), want)
	}
	if len(entries) == 0 {
		t.Fatal("no messages")
	}
}

func TestReaderStdinTwice(t *testing.T) {
	r := Open([]string{"-", "-"}, Options{Stdin: strings.NewReader(msg("once"))})
	got := readAll(t, r)
	if len(got) != 1 || got[0].Pos != "-" || got[0].Err != "" {
		t.Errorf("got %+v, want one message from stdin", got)
	}
	if diff := cmp.Diff([]string{"-: skipped: standard input already read"}, r.Notes()); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
}

func TestReaderCloseStops(t *testing.T) {
	r := Open([]string{"-"}, Options{Stdin: strings.NewReader(mbox("a", "b"))})
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("Next after Close = %v, want io.EOF", err)
	}
}

func TestReaderCompressed(t *testing.T) {
	plain := []byte(mbox("c1", "c2", "c3"))
	gzData := gz(t, plain)
	tests := []struct {
		name    string
		data    []byte
		want    int    // messages
		wantErr string // input error sentinel after the messages, "" for none
	}{
		{name: "gzip", data: gzData, want: 3},
		{name: "zstd", data: zst(t, plain), want: 3},
		{name: "gzip of zstd", data: gz(t, zst(t, plain)), want: 3},
		{name: "two gzip members", data: append(gz(t, []byte(mbox("c1"))), gz(t, []byte(mbox("c2", "c3")))...), want: 3},
		{name: "gzip header only", data: gzData[:10], wantErr: "truncated"},
		{name: "gzip header cut", data: gzData[:5], wantErr: "truncated"},
		{name: "gzip cut in the middle", data: gzData[:len(gzData)-20], want: 2, wantErr: "truncated"},
		{name: "gzip bad checksum", data: append(append([]byte{}, gzData[:len(gzData)-8]...), 0, 0, 0, 0, 0, 0, 0, 0), want: 3, wantErr: "other"},
		{name: "zstd garbage", data: []byte("\x28\xb5\x2f\xfdgarbage garbage garbage"), wantErr: "other"},
		{name: "gzip garbage", data: []byte("\x1f\x8bgarbage garbage garbage"), wantErr: "other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Open([]string{"-"}, Options{Stdin: bytes.NewReader(tt.data)})
			n := 0
			var errs []string
			for _, e := range readAll(t, r) {
				if e.Pos == "" {
					errs = append(errs, e.Err)
					continue
				}
				if e.Err != "" && tt.wantErr == "" {
					t.Errorf("%s: %s", e.Pos, e.Err)
				}
				if e.Err == "" {
					n++
				}
			}
			if n != tt.want {
				t.Errorf("read %d messages, want %d", n, tt.want)
			}
			switch {
			case tt.wantErr == "" && len(errs) > 0:
				t.Errorf("unexpected errors %q", errs)
			case tt.wantErr != "" && len(errs) != 1:
				t.Errorf("errors %q, want one", errs)
			case tt.wantErr == "truncated" && !strings.Contains(errs[0], "truncated"):
				t.Errorf("error %q does not say truncated", errs[0])
			case tt.wantErr != "" && !strings.HasPrefix(errs[0], "-: "):
				t.Errorf("error %q does not name the input", errs[0])
			}
		})
	}
}

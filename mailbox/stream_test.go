package mailbox

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// refMbox splits an LF mbox without Content-Length fields in memory, the
// simple way, as a reference for the streaming reader.
func refMbox(data []byte) []got {
	var starts []int
	if bytes.HasPrefix(data, []byte("From ")) {
		starts = append(starts, 0)
	}
	for i := 0; ; {
		j := bytes.Index(data[i:], []byte("\nFrom "))
		if j < 0 {
			break
		}
		starts = append(starts, i+j+1)
		i += j + 1
	}
	var out []got
	for k, s := range starts {
		end := len(data)
		if k+1 < len(starts) {
			end = starts[k+1]
		}
		m := data[s:end]
		hs := bytes.IndexByte(m, '\n') + 1
		he := bytes.Index(m[hs-1:], []byte("\n\n"))
		header := m[hs : hs-1+he+2]
		out = append(out, got{
			Pos:    "box:" + strconv.Itoa(k+1),
			Line:   bytes.Count(data[:s], []byte("\n")) + 1,
			Header: string(header),
			Size:   int64(len(m) - hs),
		})
	}
	return out
}

// chunkReader returns its data in reads of random sizes.
type chunkReader struct {
	data []byte
	rng  *rand.Rand
	max  int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(c.data), 1+c.rng.IntN(c.max))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

// TestMboxReaderMatchesReference reads a 12 MB synthetic mbox (it crosses
// many buffer boundaries) with several read patterns and compares every
// message with the in-memory reference split.
func TestMboxReaderMatchesReference(t *testing.T) {
	data, n := synthMbox(12 << 20)
	want := refMbox(data)
	if len(want) != n {
		t.Fatalf("reference found %d messages, generator wrote %d", len(want), n)
	}
	readers := map[string]func() io.Reader{
		"whole":        func() io.Reader { return bytes.NewReader(data) },
		"small reads":  func() io.Reader { return &chunkReader{data: data, rng: rand.New(rand.NewPCG(3, 4)), max: 700} },
		"random reads": func() io.Reader { return &chunkReader{data: data, rng: rand.New(rand.NewPCG(5, 6)), max: 3 << 20} },
	}
	for name, mk := range readers {
		t.Run(name, func(t *testing.T) {
			msgs, errs := drain(t, NewMboxReader(mk(), "box", Options{}).Next)
			if len(errs) > 0 {
				t.Fatalf("errors: %q", errs)
			}
			if len(msgs) != len(want) {
				t.Fatalf("read %d messages, want %d", len(msgs), len(want))
			}
			for i := range want {
				want[i].Pos = msgs[i].Pos // numbering is checked below
				if diff := cmp.Diff(want[i], msgs[i]); diff != "" {
					t.Fatalf("message %d (-want +got):\n%s", i+1, diff)
				}
				if msgs[i].Pos != "box:"+strconv.Itoa(i+1) {
					t.Fatalf("message %d has position %s", i+1, msgs[i].Pos)
				}
			}
		})
	}
}

// TestContentLengthLargeBodies checks Content-Length handling when the body
// spans many buffers, and the lookahead limit.
func TestContentLengthLargeBodies(t *testing.T) {
	body := func(size int) string {
		var b strings.Builder
		for b.Len() < size {
			b.WriteString("From the body, unescaped, line after line of text.\n")
		}
		return b.String()
	}
	next := "From b Mon Jan  2 15:04:05 2006\nB: 2\n\n"
	tests := []struct {
		name  string
		body  string
		want  int // messages
		first int64
	}{
		{name: "3 MB body honoured", body: body(3 << 20), want: 2},
		{name: "20 MB body beyond the lookahead: separators win", body: body(20 << 20), want: 2 + strings.Count(body(20<<20), "\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := "A: 1\nContent-Length: " + strconv.Itoa(len(tt.body)) + "\n\n"
			in := "From a Mon Jan  2 15:04:05 2006\n" + header + tt.body + next
			for _, max := range []int{700, 5 << 20} {
				r := &chunkReader{data: []byte(in), rng: rand.New(rand.NewPCG(7, 8)), max: max}
				msgs, errs := drain(t, NewMboxReader(r, "box", Options{}).Next)
				if len(errs) > 0 {
					t.Fatalf("errors %q", errs)
				}
				if len(msgs) != tt.want {
					t.Fatalf("read %d messages, want %d", len(msgs), tt.want)
				}
				last := msgs[len(msgs)-1]
				if last.Header != "B: 2\n\n" || last.Line != 5+strings.Count(tt.body, "\n") {
					t.Errorf("last message %+v", last)
				}
				if tt.want == 2 && msgs[0].Size != int64(len(header)+len(tt.body)) {
					t.Errorf("first message size %d, want %d", msgs[0].Size, len(header)+len(tt.body))
				}
			}
		})
	}
}

// TestLongFromLine checks the cap on an mbox "From " line.
func TestLongFromLine(t *testing.T) {
	in := "From " + strings.Repeat("x", maxFromLine+10) + "\nA: 1\n\nbody\nFrom b Mon Jan  2 15:04:05 2006\nB: 2\n\n"
	msgs, errs := drain(t, NewMboxReader(strings.NewReader(in), "box", Options{}).Next)
	want := []got{
		{Pos: "box:1", Line: 1, Header: "", Size: int64(len(in) - len("From b Mon Jan  2 15:04:05 2006\nB: 2\n\n")), Err: `other: box:1 (line 1): "From " line longer than 65536 bytes`},
		{Pos: "box:2", Line: 5, Header: "B: 2\n\n", Size: 6},
	}
	if diff := cmp.Diff(want, msgs); diff != "" || errs != nil {
		t.Errorf("(-want +got):\n%s\nerrors %q", diff, errs)
	}
}

// splitReader returns its parts one per Read.
type splitReader struct{ parts [][]byte }

func (s *splitReader) Read(p []byte) (int, error) {
	if len(s.parts) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.parts[0])
	s.parts[0] = s.parts[0][n:]
	if len(s.parts[0]) == 0 {
		s.parts = s.parts[1:]
	}
	return n, nil
}

// TestPendingCRAfterSkip is a regression test: the first line end is a CR
// at the very end of a read, and the header is already over the cap, so
// the whole buffer is consumed before the next read decides the line ends.
func TestPendingCRAfterSkip(t *testing.T) {
	first := append(bytes.Repeat([]byte("x"), 69999), '\r')
	rest := []byte("more\rB: 2\r\rbody\r")
	m, err := ReadMessage(&splitReader{parts: [][]byte{first, rest}}, "f", Options{MaxHeaderBytes: 1024})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(m.Err, ErrHeaderTooLarge) || len(m.Header) != 1024 || m.Size != int64(len(first)+len(rest)) {
		t.Errorf("got %d header bytes, size %d, err %v", len(m.Header), m.Size, m.Err)
	}
}

// sepCases are inputs for indexSep: separators at both ends, near misses,
// many "F"s (the bytes.Index fall-back) and none.
func sepCases() []string {
	b64 := strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODlGRkY=\n", 40)
	return []string{
		"", "\n", "\nFrom", "\nFrom ", "x\nFrom ", "From \n", "F\nFrom x", "\nFrom\n\nFrom a",
		"FFFF\nFFrom \nFrom ", "\nFrom:\nfrom \n>From \n From \nFrom ",
		b64, b64 + "\nFrom x", b64 + "From \n" + b64 + "\nFrom y" + b64,
		strings.Repeat("F", 5000) + "\nFrom ", strings.Repeat("\nF", 3000) + "\nFrom ",
		strings.Repeat("text line From here\n", 500) + "\nFrom z",
	}
}

func TestIndexSep(t *testing.T) {
	for _, c := range sepCases() {
		for cut := range min(len(c), 8) {
			in := []byte(c[cut:])
			if got, want := indexSep(in), bytes.Index(in, []byte(sepFrom)); got != want {
				t.Errorf("indexSep(%.40q...) = %d, want %d", in, got, want)
			}
		}
	}
}

// FuzzIndexSep checks indexSep against bytes.Index.
func FuzzIndexSep(f *testing.F) {
	for _, c := range sepCases() {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := indexSep(b), bytes.Index(b, []byte(sepFrom)); got != want {
			t.Fatalf("indexSep(%q) = %d, want %d", b, got, want)
		}
	})
}

// BenchmarkIndexSep compares indexSep with bytes.Index on a text body and a
// base64 body of 1 MiB without a separator.
func BenchmarkIndexSep(b *testing.B) {
	// Text with lines of varied length, as in a real body (equal lines
	// flatter bytes.Index: its branches are then predictable).
	rng := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields("the mail relay From server route provider message header received by with for to id")
	var tb []byte
	for len(tb) < 1<<20 {
		for range rng.IntN(14) {
			tb = append(tb, words[rng.IntN(len(words))]...)
			tb = append(tb, ' ')
		}
		tb = append(tb, '\n')
	}
	text := bytes.ReplaceAll(tb[:1<<20], []byte(sepFrom), []byte("\nfrom "))
	b64 := []byte(strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODlGRkY=\n", 1<<14)[:len(text)])
	for _, in := range []struct {
		name string
		data []byte
	}{{"text", text}, {"base64", b64}} {
		b.Run("indexSep/"+in.name, func(b *testing.B) {
			b.SetBytes(int64(len(in.data)))
			for b.Loop() {
				indexSep(in.data)
			}
		})
		b.Run("bytes.Index/"+in.name, func(b *testing.B) {
			b.SetBytes(int64(len(in.data)))
			for b.Loop() {
				bytes.Index(in.data, []byte(sepFrom))
			}
		})
	}
}

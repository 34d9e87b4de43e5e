package mailbox

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// got is the comparable form of a Message in tests.
type got struct {
	Pos    string
	Line   int
	Header string
	Size   int64
	Err    string // sentinel name, "" when nil
}

// sentinelName names the sentinel an error wraps.
func sentinelName(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrHeaderTooLarge):
		return "too-large"
	case errors.Is(err, ErrTruncated):
		return "truncated"
	case errors.Is(err, ErrNotMessage):
		return "not-message"
	case errors.Is(err, ErrGarbage):
		return "garbage"
	}
	return "other: " + err.Error()
}

// drain reads an mbox to the end, recording messages and errors in order.
func drain(t testing.TB, next func() (Message, error)) (msgs []got, errs []string) {
	t.Helper()
	for i := 0; ; i++ {
		if i > 1e6 {
			t.Fatal("reader does not end")
		}
		m, err := next()
		if err == io.EOF {
			return msgs, errs
		}
		if err != nil {
			errs = append(errs, sentinelName(err))
			continue
		}
		msgs = append(msgs, got{Pos: m.Pos.String(), Line: m.Pos.Line, Header: string(m.Header), Size: m.Size, Err: sentinelName(m.Err)})
	}
}

func TestMboxReader(t *testing.T) {
	const (
		h1 = "Received: from a.example by b.example; Mon, 2 Jan 2006 15:04:05 +0000\nSubject: one\n\n"
		h2 = "Received: from c.example by d.example; Mon, 2 Jan 2006 15:04:05 +0000\nSubject: two\n\n"
		b1 = "Hello.\n>From the escaped line.\n\n"
		b2 = "Bye.\n"
	)
	tests := []struct {
		name    string
		in      string
		max     int
		want    []got
		wantErr []string
	}{
		{
			name: "mboxo",
			in:   "From a@example Mon Jan  2 15:04:05 2006\n" + h1 + b1 + "From c@example Mon Jan  2 15:04:05 2006\n" + h2 + b2,
			want: []got{
				{Pos: "m:1", Line: 1, Header: h1, Size: int64(len(h1 + b1))},
				{Pos: "m:2", Line: 8, Header: h2, Size: int64(len(h2 + b2))},
			},
		},
		{
			name: "mboxrd escapes never split",
			in:   "From a Mon Jan  2 15:04:05 2006\n" + h1 + ">From x\n>>From y\n\nFrom c Mon Jan  2 15:04:05 2006\n" + h2,
			want: []got{
				{Pos: "m:1", Line: 1, Header: h1, Size: int64(len(h1 + ">From x\n>>From y\n\n"))},
				{Pos: "m:2", Line: 8, Header: h2, Size: int64(len(h2))},
			},
		},
		{
			// Documented: any line starting with "From " separates, even
			// without an empty line before it.
			name: "mboxo unescaped From in body splits",
			in:   "From a Mon Jan  2 15:04:05 2006\n" + h1 + "text\nFrom here on it is wrong\nX: y\n\nmore\n",
			want: []got{
				{Pos: "m:1", Line: 1, Header: h1, Size: int64(len(h1 + "text\n"))},
				{Pos: "m:2", Line: 6, Header: "X: y\n\n", Size: int64(len("X: y\n\nmore\n"))},
			},
		},
		{
			name: "mboxcl content-length spans an unescaped From line",
			in: "From a Mon Jan  2 15:04:05 2006\nContent-Length: 21\n" + "Subject: one\n\n" + "hi\nFrom me to you\nok\n" +
				"\nFrom c Mon Jan  2 15:04:05 2006\n" + h2,
			want: []got{
				{Pos: "m:1", Line: 1, Header: "Content-Length: 21\nSubject: one\n\n", Size: int64(len("Content-Length: 21\nSubject: one\n\nhi\nFrom me to you\nok\n\n"))},
				{Pos: "m:2", Line: 9, Header: h2, Size: int64(len(h2))},
			},
		},
		{
			name: "mboxcl2 content-length lands on From without blank line",
			in: "From a Mon Jan  2 15:04:05 2006\nSubject: one\nContent-Length: 22\n\n" + "From me to you\nok\nend\n" +
				"From c Mon Jan  2 15:04:05 2006\n" + h2,
			want: []got{
				{Pos: "m:1", Line: 1, Header: "Subject: one\nContent-Length: 22\n\n", Size: int64(len("Subject: one\nContent-Length: 22\n\nFrom me to you\nok\nend\n"))},
				{Pos: "m:2", Line: 8, Header: h2, Size: int64(len(h2))},
			},
		},
		{
			name: "content-length at end of input",
			in:   "From a Mon Jan  2 15:04:05 2006\nContent-Length: 20\n\n" + "body\nFrom inside\nend\n",
			want: []got{
				{Pos: "m:1", Line: 1, Header: "Content-Length: 20\n\n", Size: int64(len("Content-Length: 20\n\nbody\nFrom inside\nend\n"))},
			},
		},
		{
			name: "content-length crlf",
			in:   "From a Mon Jan  2 15:04:05 2006\r\nContent-Length: 14\r\n\r\n" + "x\r\nFrom y\r\nz\r\n" + "\r\nFrom b Mon Jan  2 15:04:05 2006\r\nS: t\r\n\r\n",
			want: []got{
				{Pos: "m:1", Line: 1, Header: "Content-Length: 14\r\n\r\n", Size: int64(len("Content-Length: 14\r\n\r\nx\r\nFrom y\r\nz\r\n\r\n"))},
				{Pos: "m:2", Line: 8, Header: "S: t\r\n\r\n", Size: 8},
			},
		},
		{
			name: "content-length too short falls back to separators",
			in:   "From a Mon Jan  2 15:04:05 2006\nContent-Length: 3\n\n" + "body text\nFrom b Mon Jan  2 15:04:05 2006\nS: t\n\n",
			want: []got{
				{Pos: "m:1", Line: 1, Header: "Content-Length: 3\n\n", Size: int64(len("Content-Length: 3\n\nbody text\n"))},
				{Pos: "m:2", Line: 5, Header: "S: t\n\n", Size: 6},
			},
		},
		{
			name: "content-length beyond the end falls back to separators",
			in:   "From a Mon Jan  2 15:04:05 2006\nContent-Length: 9999\n\n" + "body\nFrom b Mon Jan  2 15:04:05 2006\nS: t\n\n",
			want: []got{
				{Pos: "m:1", Line: 1, Header: "Content-Length: 9999\n\n", Size: int64(len("Content-Length: 9999\n\nbody\n"))},
				{Pos: "m:2", Line: 5, Header: "S: t\n\n", Size: 6},
			},
		},
		{
			name: "content-length landing mid-line is ignored",
			in:   "From a Mon Jan  2 15:04:05 2006\nContent-Length: 2\n\n" + "abFrom x\nFrom b Mon Jan  2 15:04:05 2006\nS: t\n\n",
			want: []got{
				{Pos: "m:1", Line: 1, Header: "Content-Length: 2\n\n", Size: int64(len("Content-Length: 2\n\nabFrom x\n"))},
				{Pos: "m:2", Line: 5, Header: "S: t\n\n", Size: 6},
			},
		},
		{
			name: "invalid content-length is ignored",
			in:   "From a Mon Jan  2 15:04:05 2006\nContent-Length: 1x\n\nb\nFrom b Mon Jan  2 15:04:05 2006\nS: t\n\n",
			want: []got{
				{Pos: "m:1", Line: 1, Header: "Content-Length: 1x\n\n", Size: int64(len("Content-Length: 1x\n\nb\n"))},
				{Pos: "m:2", Line: 5, Header: "S: t\n\n", Size: 6},
			},
		},
		{
			name: "crlf",
			in:   "From a Mon Jan  2 15:04:05 2006\r\nA: 1\r\nB: 2\r\n\r\nbody\r\n\r\nFrom b Mon Jan  2 15:04:05 2006\r\nC: 3\r\n\r\n",
			want: []got{
				{Pos: "m:1", Line: 1, Header: "A: 1\r\nB: 2\r\n\r\n", Size: int64(len("A: 1\r\nB: 2\r\n\r\nbody\r\n\r\n"))},
				{Pos: "m:2", Line: 7, Header: "C: 3\r\n\r\n", Size: 8},
			},
		},
		{
			name: "cr only",
			in:   "From a Mon Jan  2 15:04:05 2006\rA: 1\rB: 2\r\rbody\r\rFrom b Mon Jan  2 15:04:05 2006\rC: 3\r\r",
			want: []got{
				{Pos: "m:1", Line: 1, Header: "A: 1\nB: 2\n\n", Size: int64(len("A: 1\nB: 2\n\nbody\n\n"))},
				{Pos: "m:2", Line: 7, Header: "C: 3\n\n", Size: 6},
			},
		},
		{
			name: "leading empty lines",
			in:   "\n\r\nFrom a Mon Jan  2 15:04:05 2006\r\nA: 1\r\n\r\n",
			want: []got{{Pos: "m:1", Line: 3, Header: "A: 1\r\n\r\n", Size: 8}},
		},
		{
			name: "empty",
			in:   "",
		},
		{
			name: "only empty lines",
			in:   "\n\n\n",
		},
		{
			name:    "garbage before the first From line",
			in:      "junk\nmore junk\nFrom a Mon Jan  2 15:04:05 2006\nA: 1\n\n",
			wantErr: []string{"garbage"},
			want:    []got{{Pos: "m:1", Line: 3, Header: "A: 1\n\n", Size: 6}},
		},
		{
			name:    "no From line at all",
			in:      "A: 1\n\nbody\n",
			wantErr: []string{"garbage"},
		},
		{
			name: "ends mid-header",
			in:   "From a Mon Jan  2 15:04:05 2006\nA: 1\n\nbody\nFrom b Mon Jan  2 15:04:05 2006\nReceived: from x by y; Mon, 2 Jan 2006 15:04:05 +0000\nSubj",
			want: []got{
				{Pos: "m:1", Line: 1, Header: "A: 1\n\n", Size: int64(len("A: 1\n\nbody\n"))},
				{Pos: "m:2", Line: 5, Header: "Received: from x by y; Mon, 2 Jan 2006 15:04:05 +0000\nSubj", Size: int64(len("Received: from x by y; Mon, 2 Jan 2006 15:04:05 +0000\nSubj")), Err: "truncated"},
			},
		},
		{
			name: "header ended by the end of the input after a whole line",
			in:   "From a Mon Jan  2 15:04:05 2006\nA: 1\n\nFrom b Mon Jan  2 15:04:05 2006\nB: 2\n",
			want: []got{
				{Pos: "m:1", Line: 1, Header: "A: 1\n\n", Size: 6},
				{Pos: "m:2", Line: 4, Header: "B: 2\n", Size: 5},
			},
		},
		{
			// RFC 5322 4.5.6 obsolete syntax: white space before the
			// colon. Such a line is a header field, not a separator,
			// in a header section and in a body.
			name: "obsolete From field is no separator",
			in:   "From a Mon Jan  2 15:04:05 2006\nA: 1\nFrom  :<x@example.org>\nFrom\t: y\n\nbody\nFrom    :z\nFrom b Mon Jan  2 15:04:05 2006\nB: 2\n\n",
			want: []got{
				{Pos: "m:1", Line: 1, Header: "A: 1\nFrom  :<x@example.org>\nFrom\t: y\n\n", Size: int64(len("A: 1\nFrom  :<x@example.org>\nFrom\t: y\n\nbody\nFrom    :z\n"))},
				{Pos: "m:2", Line: 8, Header: "B: 2\n\n", Size: 6},
			},
		},
		{
			name: "From line with many blanks is a separator",
			in:   "From a\nA: 1\n\nFrom " + strings.Repeat(" ", 30) + ":x\nB: 2\n\n",
			want: []got{
				{Pos: "m:1", Line: 1, Header: "A: 1\n\n", Size: 6},
				{Pos: "m:2", Line: 4, Header: "B: 2\n\n", Size: 6},
			},
		},
		{
			name: "From and blanks at the end of the input",
			in:   "From a\nA: 1\n\nbody\nFrom   ",
			want: []got{
				{Pos: "m:1", Line: 1, Header: "A: 1\n\n", Size: 11},
				{Pos: "m:2", Line: 5, Header: "", Size: 0, Err: "truncated"},
			},
		},
		{
			name: "ends after the From line",
			in:   "From a Mon Jan  2 15:04:05 2006\nA: 1\n\nFrom b Mon Jan  2 15:04:05 2006",
			want: []got{
				{Pos: "m:1", Line: 1, Header: "A: 1\n\n", Size: 6},
				{Pos: "m:2", Line: 4, Header: "", Size: 0, Err: "truncated"},
			},
		},
		{
			name: "From line inside a header section",
			in:   "From a Mon Jan  2 15:04:05 2006\nA: 1\nFrom b Mon Jan  2 15:04:05 2006\nB: 2\n\nbody\n",
			want: []got{
				{Pos: "m:1", Line: 1, Header: "A: 1\n", Size: 5, Err: "truncated"},
				{Pos: "m:2", Line: 3, Header: "B: 2\n\n", Size: int64(len("B: 2\n\nbody\n"))},
			},
		},
		{
			name: "header too large then a good message",
			max:  64,
			in: "From a Mon Jan  2 15:04:05 2006\n" + strings.Repeat("X-Long: 0123456789\n", 10) + "\nbody\n" +
				"From b Mon Jan  2 15:04:05 2006\nA: 1\n\nbody\n",
			want: []got{
				{Pos: "m:1", Line: 1, Header: strings.Repeat("X-Long: 0123456789\n", 10)[:64], Size: 19*10 + 6, Err: "too-large"},
				{Pos: "m:2", Line: 14, Header: "A: 1\n\n", Size: 11},
			},
		},
		{
			name: "header exactly at the cap",
			max:  12,
			in:   "From a Mon Jan  2 15:04:05 2006\nA: 1\nB: 22\n\nFrom b Mon Jan  2 15:04:05 2006\nA: 1\nB: 223\n\n",
			want: []got{
				{Pos: "m:1", Line: 1, Header: "A: 1\nB: 22\n\n", Size: 12},
				{Pos: "m:2", Line: 5, Header: "A: 1\nB: 223\n", Size: 13, Err: "too-large"},
			},
		},
		{
			name: "single overlong line without newline",
			max:  16,
			in:   "From a Mon Jan  2 15:04:05 2006\n" + strings.Repeat("x", 100),
			want: []got{
				{Pos: "m:1", Line: 1, Header: strings.Repeat("x", 16), Size: 100, Err: "too-large"},
			},
		},
		{
			name: "empty body and no final newline",
			in:   "From a Mon Jan  2 15:04:05 2006\nA: 1\n\nFrom b Mon Jan  2 15:04:05 2006\nB: 2\n\nlast",
			want: []got{
				{Pos: "m:1", Line: 1, Header: "A: 1\n\n", Size: 6},
				{Pos: "m:2", Line: 4, Header: "B: 2\n\n", Size: 10},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMboxReader(strings.NewReader(tt.in), "m", Options{MaxHeaderBytes: tt.max})
			msgs, errs := drain(t, m.Next)
			if diff := cmp.Diff(tt.want, msgs); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantErr, errs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			// The same through a reader that returns one byte at a time
			// exercises every buffer boundary.
			m = NewMboxReader(&oneByteReader{s: tt.in}, "m", Options{MaxHeaderBytes: tt.max})
			msgs2, errs2 := drain(t, m.Next)
			if diff := cmp.Diff(msgs, msgs2); diff != "" {
				t.Errorf("one byte at a time differs (-whole +bytewise):\n%s", diff)
			}
			if diff := cmp.Diff(errs, errs2); diff != "" {
				t.Errorf("one byte at a time: errors differ (-whole +bytewise):\n%s", diff)
			}
		})
	}
}

// oneByteReader returns its string one byte per Read.
type oneByteReader struct{ s string }

func (r *oneByteReader) Read(p []byte) (int, error) {
	if len(r.s) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = r.s[0]
	r.s = r.s[1:]
	return 1, nil
}

// failingReader returns its data, then err.
type failingReader struct {
	s   string
	err error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.s) == 0 {
		return 0, r.err
	}
	n := copy(p, r.s)
	r.s = r.s[n:]
	return n, nil
}

func TestMboxReaderReadError(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name    string
		in      string
		want    []got
		wantErr string
	}{
		{
			name:    "at a message boundary",
			in:      "From a Mon Jan  2 15:04:05 2006\nA: 1\n\nbody\n",
			want:    []got{{Pos: "m:1", Line: 1, Header: "A: 1\n\n", Size: 11}},
			wantErr: "m: read after m:1: boom",
		},
		{
			name:    "inside a header",
			in:      "From a Mon Jan  2 15:04:05 2006\nA: 1\n\nbody\nFrom b Mon Jan  2 15:04:05 2006\nB: ",
			want:    []got{{Pos: "m:1", Line: 1, Header: "A: 1\n\n", Size: 11}, {Pos: "m:2", Line: 5, Header: "B: ", Size: 3, Err: "truncated"}},
			wantErr: "m: read after m:2: boom",
		},
		{
			name:    "before anything",
			in:      "",
			wantErr: "m: read: boom",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMboxReader(&failingReader{s: tt.in, err: boom}, "m", Options{})
			var msgs []got
			var errText []string
			for range 100 {
				msg, err := m.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					if !errors.Is(err, boom) {
						t.Errorf("error %v does not wrap the read error", err)
					}
					errText = append(errText, err.Error())
					continue
				}
				msgs = append(msgs, got{Pos: msg.Pos.String(), Line: msg.Pos.Line, Header: string(msg.Header), Size: msg.Size, Err: sentinelName(msg.Err)})
			}
			if diff := cmp.Diff(tt.want, msgs); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			// A header cut by the read error says so in the message; the
			// input error follows in any case.
			if diff := cmp.Diff([]string{tt.wantErr}, errText); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadMessage(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want got
		eof  bool
	}{
		{name: "lf", in: "A: 1\nB: 2\n\nbody\nFrom x\n", want: got{Pos: "f", Line: 1, Header: "A: 1\nB: 2\n\n", Size: 23}},
		{name: "crlf", in: "A: 1\r\n\r\nbody\r\n", want: got{Pos: "f", Line: 1, Header: "A: 1\r\n\r\n", Size: 14}},
		{name: "cr only", in: "A: 1\rB: 2\r\rbody\r", want: got{Pos: "f", Line: 1, Header: "A: 1\nB: 2\n\n", Size: 16}},
		{name: "header only", in: "A: 1\nB: 2\n", want: got{Pos: "f", Line: 1, Header: "A: 1\nB: 2\n", Size: 10}},
		{name: "no final line end", in: "A: 1\nB: 2", want: got{Pos: "f", Line: 1, Header: "A: 1\nB: 2", Size: 9}},
		{name: "obsolete From field", in: "From  :<a@example.org>\nB: 2\n\n", want: got{Pos: "f", Line: 1, Header: "From  :<a@example.org>\nB: 2\n\n", Size: 29}},
		{name: "From line is a header line here", in: "A: 1\nFrom x\n\n", want: got{Pos: "f", Line: 1, Header: "A: 1\nFrom x\n\n", Size: 13}},
		{name: "too large", max: 8, in: "A: 12345\nB: 2\n\nbody", want: got{Pos: "f", Line: 1, Header: "A: 12345", Size: 19, Err: "too-large"}},
		{name: "empty", in: "", eof: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ReadMessage(strings.NewReader(tt.in), "f", Options{MaxHeaderBytes: tt.max})
			if tt.eof {
				if err != io.EOF {
					t.Fatalf("err = %v, want io.EOF", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			g := got{Pos: m.Pos.String(), Line: m.Pos.Line, Header: string(m.Header), Size: m.Size, Err: sentinelName(m.Err)}
			if diff := cmp.Diff(tt.want, g); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestPositionString(t *testing.T) {
	tests := []struct {
		pos       Position
		want, err string
	}{
		{Position{File: "a.eml", Line: 1}, "a.eml", "a.eml: x"},
		{Position{File: "box", N: 12, Line: 300}, "box:12", "box:12 (line 300): x"},
		{Position{File: "-", N: 1, Line: 1}, "-:1", "-:1 (line 1): x"},
	}
	for _, tt := range tests {
		if s := tt.pos.String(); s != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.pos, s, tt.want)
		}
		e := &MessageError{Pos: tt.pos, Err: errors.New("x")}
		if e.Error() != tt.err {
			t.Errorf("error = %q, want %q", e.Error(), tt.err)
		}
	}
}

func TestMessageErrorNamesPosition(t *testing.T) {
	in := "From a Mon Jan  2 15:04:05 2006\nA: 1\n\nFrom b Mon Jan  2 15:04:05 2006\n" + strings.Repeat("B: 1\n", 10) + "\n"
	m := NewMboxReader(strings.NewReader(in), "dir/box", Options{MaxHeaderBytes: 16})
	if _, err := m.Next(); err != nil {
		t.Fatal(err)
	}
	msg, err := m.Next()
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("dir/box:2 (line 4): %v (16 bytes)", ErrHeaderTooLarge)
	if msg.Err == nil || msg.Err.Error() != want {
		t.Errorf("Err = %v, want %q", msg.Err, want)
	}
}

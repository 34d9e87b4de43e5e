package mailbox

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

// TestSpaceLinesSkipped checks that every reader skips lines holding only
// white space before a header section, with a warning, and still counts them
// in the size: single files, standard input, mbox parts and Maildir
// messages.
func TestSpaceLinesSkipped(t *testing.T) {
	const lead = " \n\t \n"
	one := lead + msg("a")
	mb := "From a@example.net Mon Jan  2 15:04:05 2006\n" + lead + msg("a") + "\n" + mbox("b")
	two := []string{"skipped 2 white-space-only lines before the header section"}
	type want struct {
		Pos      string
		Header   string // prefix
		Size     int64
		Warnings []string
	}
	tests := []struct {
		name string
		read func(t *testing.T) []Message
		want []want
	}{
		{"ReadMessage", func(t *testing.T) []Message {
			m, err := ReadMessage(strings.NewReader(one), "f", Options{})
			if err != nil {
				t.Fatal(err)
			}
			return []Message{m}
		}, []want{{"f", "Received: from a.", int64(len(one)), two}}},
		{"ReadMessage CRLF", func(t *testing.T) []Message {
			m, err := ReadMessage(strings.NewReader(strings.ReplaceAll(one, "\n", "\r\n")), "f", Options{})
			if err != nil {
				t.Fatal(err)
			}
			return []Message{m}
		}, []want{{"f", "Received: from a.", int64(len(one) + strings.Count(one, "\n")), two}}},
		{"ReadMessage CR only, one byte at a time", func(t *testing.T) []Message {
			m, err := ReadMessage(&oneByteReader{s: strings.ReplaceAll(one, "\n", "\r")}, "f", Options{})
			if err != nil {
				t.Fatal(err)
			}
			return []Message{m}
		}, []want{{"f", "Received: from a.", int64(len(one)), two}}},
		{"single file", func(t *testing.T) []Message {
			return readMessages(t, OpenFS(fstest.MapFS{"one.eml": {Data: []byte(one)}}, []string{"one.eml"}, Options{}))
		}, []want{{"one.eml", "Received: from a.", int64(len(one)), two}}},
		{"standard input", func(t *testing.T) []Message {
			return readMessages(t, OpenFS(fstest.MapFS{}, []string{"-"}, Options{Stdin: strings.NewReader(one)}))
		}, []want{{"-", "Received: from a.", int64(len(one)), two}}},
		{"mbox part", func(t *testing.T) []Message {
			return readMessages(t, OpenFS(fstest.MapFS{"box": {Data: []byte(mb)}}, []string{"box"}, Options{}))
		}, []want{
			{"box:1", "Received: from a.", int64(len(lead + msg("a") + "\n")), two},
			{"box:2", "Received: from b.", int64(len(msg("b") + "\n")), nil},
		}},
		{"Maildir", func(t *testing.T) []Message {
			fsys := fstest.MapFS{
				"md/cur/1:2,S": {Data: []byte(" \r\n" + strings.ReplaceAll(msg("a"), "\n", "\r\n"))},
				"md/new/2":     {Data: []byte(msg("b"))},
				"md/tmp/x":     {Data: []byte(msg("x"))},
			}
			return readMessages(t, OpenFS(fsys, []string{"md"}, Options{}))
		}, []want{
			{"md/cur/1:2,S", "Received: from a.", int64(3 + len(msg("a")) + strings.Count(msg("a"), "\n")), []string{"skipped 1 white-space-only line before the header section"}},
			{"md/new/2", "Received: from b.", int64(len(msg("b"))), nil},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []want
			for _, m := range tt.read(t) {
				if m.Err != nil {
					t.Errorf("%s: %v", m.Pos, m.Err)
				}
				h := string(m.Header)
				if i := len("Received: from a."); len(h) > i {
					h = h[:i]
				}
				got = append(got, want{m.Pos.String(), h, m.Size, m.Warnings})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestSpaceLinesCap checks that at most the header cap of white space is
// skipped: more makes the message too large, whatever the read sizes.
func TestSpaceLinesCap(t *testing.T) {
	data := strings.Repeat(" \n", 200) + msg("a")
	var first *Message
	for _, r := range []io.Reader{strings.NewReader(data), &oneByteReader{s: data}} {
		m, err := ReadMessage(r, "f", Options{MaxHeaderBytes: 256})
		if err != nil {
			t.Fatal(err)
		}
		if !errors.Is(m.Err, ErrHeaderTooLarge) || !bytes.HasPrefix(m.Header, []byte(" \n")) || m.Size != int64(len(data)) {
			t.Errorf("header %.20q, size %d, error %v; want white space, %d bytes, too large", m.Header, m.Size, m.Err, len(data))
		}
		if first == nil {
			first = &m
		} else if !bytes.Equal(first.Header, m.Header) || !slices.Equal(first.Warnings, m.Warnings) {
			t.Errorf("one byte at a time: %q %q, whole: %q %q", m.Header, m.Warnings, first.Header, first.Warnings)
		}
	}
}

func readMessages(t *testing.T, r *Reader) []Message {
	t.Helper()
	defer r.Close()
	var out []Message
	for {
		m, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
}

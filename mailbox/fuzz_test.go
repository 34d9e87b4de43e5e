package mailbox

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fuzzSeeds are inputs for the fuzz targets: the mbox test cases and the
// files under testdata/seed.
func fuzzSeeds(f *testing.F) [][]byte {
	seeds := [][]byte{
		[]byte(mbox("a", "b")),
		[]byte(strings.ReplaceAll(mbox("a", "b"), "\n", "\r\n")),
		[]byte(strings.ReplaceAll(mbox("a", "b"), "\n", "\r")),
		[]byte("From a\nContent-Length: 5\n\nFrom \nFrom b\nX: y\n\n"),
		[]byte("From a\nContent-Length: 99\n\nx\nFrom b\nX: y\n\n"),
		[]byte("\n\nFrom a\r\nX: 1\r\nFrom b\r\n"),
		[]byte("junk\nFrom a\nX: y\n\nbody\n>From x\n"),
		[]byte("From a\n" + strings.Repeat("X: 0123456789\n", 40) + "\nFrom b\nX: y\n\n"),
		[]byte(msg("single")),
		{},
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "seed", "*"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, data)
	}
	return seeds
}

// FuzzMboxReader checks the invariants of the mbox reader on any input: no
// panic, message numbers and lines increase, headers stay within the cap
// and are bytes of the input, sizes add up to at most the input length, and
// the result does not depend on how the input is split into reads.
func FuzzMboxReader(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const limit = 256
		whole, total := fuzzRead(t, bytes.NewReader(data), limit)
		if total > int64(len(data)) {
			t.Errorf("sizes add up to %d, input has %d bytes", total, len(data))
		}
		lastN, lastLine := 0, 0
		for _, m := range whole {
			if m.err != "" {
				continue
			}
			if m.N != lastN+1 {
				t.Errorf("message number %d after %d", m.N, lastN)
			}
			if m.Line <= lastLine {
				t.Errorf("message %d starts at line %d, after line %d", m.N, m.Line, lastLine)
			}
			lastN, lastLine = m.N, m.Line
			if len(m.Header) > limit {
				t.Errorf("message %d: header of %d bytes, cap %d", m.N, len(m.Header), limit)
			}
			if bytes.IndexByte(data, '\r') < 0 && !bytes.Contains(data, []byte(m.Header)) {
				t.Errorf("message %d: header %q is not in the input", m.N, m.Header)
			}
		}
		bytewise, _ := fuzzRead(t, &oneByteReader{s: string(data)}, limit)
		if diff := cmp.Diff(whole, bytewise, cmp.AllowUnexported(fuzzMsg{})); diff != "" {
			t.Errorf("reading one byte at a time differs (-whole +bytewise):\n%s", diff)
		}
		// Tiny buffers exercise compaction and growth on small inputs.
		tiny, _ := fuzzRead(t, bytes.NewReader(data), limit, func(s *scanner) { s.minRead, s.chunk = 8, 40 })
		if diff := cmp.Diff(whole, tiny, cmp.AllowUnexported(fuzzMsg{})); diff != "" {
			t.Errorf("tiny buffers differ (-whole +tiny):\n%s", diff)
		}
	})
}

type fuzzMsg struct {
	N, Line int
	Header  string
	Size    int64
	MsgErr  string
	err     string // input error
}

func fuzzRead(t *testing.T, r io.Reader, limit int, tune ...func(*scanner)) ([]fuzzMsg, int64) {
	m := NewMboxReader(r, "fuzz", Options{MaxHeaderBytes: limit})
	for _, f := range tune {
		f(m.s)
	}
	var out []fuzzMsg
	var total int64
	for i := 0; ; i++ {
		if i > 1<<20 {
			t.Fatal("reader does not end")
		}
		msg, err := m.Next()
		if err == io.EOF {
			return out, total
		}
		if err != nil {
			out = append(out, fuzzMsg{err: err.Error()})
			continue
		}
		if msg.Size < 0 {
			t.Fatalf("negative size %d", msg.Size)
		}
		total += msg.Size
		out = append(out, fuzzMsg{N: msg.Pos.N, Line: msg.Pos.Line, Header: string(msg.Header), Size: msg.Size, MsgErr: sentinelName(msg.Err)})
	}
}

// FuzzReadMessage checks the single-message reader: no panic, header within
// the cap and size equal to the input length (after CR-only line ends
// become LF).
func FuzzReadMessage(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const limit = 256
		m, err := ReadMessage(bytes.NewReader(data), "f", Options{MaxHeaderBytes: limit})
		if len(data) == 0 {
			if err != io.EOF {
				t.Fatalf("empty input: %v", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Header) > limit {
			t.Errorf("header of %d bytes, cap %d", len(m.Header), limit)
		}
		if m.Size > int64(len(data)) || (bytes.IndexByte(data, '\r') < 0 && m.Size != int64(len(data))) {
			t.Errorf("size %d for %d bytes", m.Size, len(data))
		}
		m2, err := ReadMessage(&oneByteReader{s: string(data)}, "f", Options{MaxHeaderBytes: limit})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(m.Header, m2.Header) || m.Size != m2.Size || sentinelName(m.Err) != sentinelName(m2.Err) {
			t.Errorf("one byte at a time: %q %d %v, whole: %q %d %v", m2.Header, m2.Size, m2.Err, m.Header, m.Size, m.Err)
		}
		s := newScanner(&oneByteReader{s: string(data)}, "f", Options{MaxHeaderBytes: limit}, false)
		s.minRead, s.chunk = 8, 40
		m3, err := s.next()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(m.Header, m3.Header) || m.Size != m3.Size || sentinelName(m.Err) != sentinelName(m3.Err) {
			t.Errorf("tiny buffers: %q %d %v, whole: %q %d %v", m3.Header, m3.Size, m3.Err, m.Header, m.Size, m.Err)
		}
	})
}

// FuzzDetect checks that Detect never panics and agrees with itself on
// longer prefixes for the compressed kinds and with the readers: what it
// calls an mbox starts with "From " after empty lines.
func FuzzDetect(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Add([]byte("\x1f\x8b\x08"))
	f.Add([]byte("\x28\xb5\x2f\xfd"))
	f.Add([]byte("Name :value"))
	f.Add([]byte(" \r\n\t\nReceived: x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k := Detect(data)
		switch k {
		case KindGzip, KindZstd:
			if Detect(append(bytes.Clone(data), 'x')) != k {
				t.Errorf("magic-byte kind %v changes with a longer prefix", k)
			}
		case KindMbox:
			if !bytes.HasPrefix(bytes.TrimLeft(data, "\r\n"), []byte("From ")) {
				t.Errorf("mbox without a From line: %q", data)
			}
		case KindMessage:
			// After the lines holding only white space, a header
			// field.
			n, _, _ := spaceLines(data)
			rest := data[n:]
			i := bytes.IndexByte(rest, ':')
			if i <= 0 || bytes.ContainsAny(rest[:i], "\r\n") || rest[0] == ' ' || rest[0] == '\t' {
				t.Errorf("message without a header field first: %q", data)
			}
			if len(bytes.Trim(data[:n], " \t\r\n")) > 0 {
				t.Errorf("skipped lines are not white space: %q", data[:n])
			}
		case KindUnknown:
		default:
			t.Errorf("unknown kind %d", k)
		}
		if k.String() == "" {
			t.Error("empty kind name")
		}
	})
}

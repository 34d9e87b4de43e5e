package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"net/mail"
	"sort"
	"strconv"
	"strings"
	"time"
)

// parseSize parses a byte count with an optional unit: B, K/KB (1000),
// KiB (1024), M/MB, MiB, G/GB, GiB, T/TB, TiB.
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || num == "" {
		return 0, fmt.Errorf("size %q: want a number with an optional unit such as MiB or GiB", s)
	}
	mult := map[string]float64{
		"": 1, "b": 1,
		"k": 1e3, "kb": 1e3, "kib": 1 << 10,
		"m": 1e6, "mb": 1e6, "mib": 1 << 20,
		"g": 1e9, "gb": 1e9, "gib": 1 << 30,
		"t": 1e12, "tb": 1e12, "tib": 1 << 40,
	}[unit]
	if mult == 0 {
		return 0, fmt.Errorf("size %q: unknown unit %q", s, t[i:])
	}
	n := v * mult
	if n < 1 || n > 1<<50 {
		return 0, fmt.Errorf("size %q: out of range", s)
	}
	return int64(math.Ceil(n)), nil
}

// Slot kinds: what follows a literal piece of header.
const (
	slotNone = iota
	slotIP
	slotDate
	slotMsgID
)

// piece is literal header bytes followed by an optional varied value.
type piece struct {
	lit     []byte
	kind    int
	ip      int       // slotIP: index into template.ips
	date    time.Time // slotDate: the original date, in its own zone
	comment string    // slotDate: a trailing comment such as " (PST)"
	domain  string    // slotMsgID: the original Message-ID's domain
}

// template is one sample message prepared for fast replication.
type template struct {
	name    string
	pieces  []piece
	ips     [][2]byte // first two octets of each distinct IPv4 address
	body    []byte    // mboxrd-escaped body, ending in "\n"
	envFrom string
	topDate time.Time // first Received date (zero when none), for the From_ line
}

// maxSample caps the size of one sample file.
const maxSample = 16 << 20

// loadSamples reads and prepares the .eml files of fsys, in name order.
func loadSamples(fsys fs.FS) ([]*template, error) {
	names, err := fs.Glob(fsys, "*.eml")
	if err != nil {
		return nil, fmt.Errorf("list samples: %w", err)
	}
	if len(names) == 0 {
		return nil, errors.New("no .eml files")
	}
	sort.Strings(names)
	var out []*template
	for _, name := range names {
		f, err := fsys.Open(name)
		if err != nil {
			return nil, fmt.Errorf("open sample: %w", err)
		}
		b, err := io.ReadAll(io.LimitReader(f, maxSample+1))
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read sample %s: %w", name, err)
		}
		if len(b) > maxSample {
			return nil, fmt.Errorf("sample %s: larger than %d bytes", name, maxSample)
		}
		t, err := prepare(name, b)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// prepare splits a message into header pieces with variable slots and an
// escaped body.
func prepare(name string, raw []byte) (*template, error) {
	raw = bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	// A leading From_ line (a single-message mbox) is not part of the message.
	if bytes.HasPrefix(raw, []byte("From ")) {
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			raw = raw[i+1:]
		}
	}
	head, body, found := bytes.Cut(raw, []byte("\n\n"))
	if !found {
		return nil, fmt.Errorf("sample %s: no blank line after the header", name)
	}
	t := &template{name: name, envFrom: "MAILER-DAEMON"}
	ipIndex := map[[4]byte]int{}
	var lit []byte
	flush := func(p piece) {
		p.lit = lit
		t.pieces = append(t.pieces, p)
		lit = nil
	}
	for _, field := range splitFields(head) {
		fname, _, _ := strings.Cut(string(field), ":")
		switch strings.ToLower(strings.TrimSpace(fname)) {
		case "received":
			// IPv4 addresses, then the date after the last ';'.
			semi := bytes.LastIndexByte(field, ';')
			end := len(field)
			if semi >= 0 {
				end = semi
			}
			pos := 0
			for _, m := range findIPv4(field[:end]) {
				lit = append(lit, field[pos:m.start]...)
				i, ok := ipIndex[m.addr]
				if !ok {
					i = len(t.ips)
					ipIndex[m.addr] = i
					t.ips = append(t.ips, [2]byte{m.addr[0], m.addr[1]})
				}
				flush(piece{kind: slotIP, ip: i})
				pos = m.end
			}
			if semi < 0 {
				lit = append(lit, field[pos:]...)
				break
			}
			d, comment, ok := parseFieldDate(field[semi+1:])
			if !ok {
				lit = append(lit, field[pos:]...)
				break
			}
			if t.topDate.IsZero() {
				t.topDate = d
			}
			lit = append(lit, field[pos:semi+1]...)
			lit = append(lit, ' ')
			flush(piece{kind: slotDate, date: d, comment: comment})
			lit = append(lit, '\n')
		case "date":
			d, comment, ok := parseFieldDate(field[len(fname)+1:])
			if !ok {
				lit = append(lit, field...)
				break
			}
			lit = append(lit, fname+": "...)
			flush(piece{kind: slotDate, date: d, comment: comment})
			lit = append(lit, '\n')
		case "message-id":
			v := strings.TrimSpace(string(field[len(fname)+1:]))
			_, dom, ok := strings.Cut(strings.Trim(v, "<>"), "@")
			if !ok || dom == "" || strings.ContainsAny(dom, " \t\n<>") {
				dom = "mkmbox.invalid"
			}
			lit = append(lit, fname+": "...)
			flush(piece{kind: slotMsgID, domain: dom})
			lit = append(lit, '\n')
		case "return-path":
			if t.envFrom == "MAILER-DAEMON" {
				v := strings.TrimSpace(string(field[len(fname)+1:]))
				v = strings.Trim(v, "<>")
				if v != "" && !strings.ContainsAny(v, " \t\n") {
					t.envFrom = v
				}
			}
			lit = append(lit, field...)
		default:
			lit = append(lit, field...)
		}
	}
	lit = append(lit, '\n') // the blank line between header and body
	flush(piece{})
	if t.topDate.IsZero() {
		t.topDate = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	}
	t.body = escapeFrom(body)
	if len(t.body) > 0 && t.body[len(t.body)-1] != '\n' {
		t.body = append(t.body, '\n')
	}
	return t, nil
}

// splitFields splits a header section into fields, each with its
// continuation lines and final newline.
func splitFields(head []byte) [][]byte {
	var fields [][]byte
	start := 0
	for i := 0; i <= len(head); {
		j := bytes.IndexByte(head[i:], '\n')
		next := len(head) + 1
		if j >= 0 {
			next = i + j + 1
		}
		// A new field starts at next unless that line is a continuation.
		if next >= len(head) || (head[next] != ' ' && head[next] != '\t') {
			end := min(next, len(head))
			f := append([]byte(nil), head[start:end]...)
			if len(f) == 0 || f[len(f)-1] != '\n' {
				f = append(f, '\n')
			}
			fields = append(fields, f)
			start = next
		}
		i = next
		if next > len(head) {
			break
		}
	}
	return fields
}

// parseFieldDate parses a date that may be followed by a comment and white
// space, e.g. " Mon, 13 Jan 2025 02:14:08 -0800 (PST)\n".
func parseFieldDate(b []byte) (time.Time, string, bool) {
	s := strings.TrimSpace(strings.Join(strings.Fields(string(b)), " "))
	comment := ""
	if strings.HasSuffix(s, ")") {
		if i := strings.LastIndexByte(s, '('); i > 0 {
			comment = " " + s[i:]
			s = strings.TrimSpace(s[:i])
		}
	}
	d, err := mail.ParseDate(s)
	if err != nil {
		return time.Time{}, "", false
	}
	return d, comment, true
}

type ipMatch struct {
	start, end int
	addr       [4]byte
}

// findIPv4 finds dotted-quad IPv4 addresses (no leading zeros) that are not
// part of a longer run of digits and dots.
func findIPv4(b []byte) []ipMatch {
	var out []ipMatch
	for i := 0; i < len(b); i++ {
		if b[i] < '0' || b[i] > '9' || (i > 0 && (isDigit(b[i-1]) || b[i-1] == '.')) {
			continue
		}
		var a [4]byte
		j := i
		ok := true
		for k := 0; k < 4 && ok; k++ {
			if k > 0 {
				if j >= len(b) || b[j] != '.' {
					ok = false
					break
				}
				j++
			}
			s := j
			v := 0
			for j < len(b) && isDigit(b[j]) && j-s < 4 {
				v = v*10 + int(b[j]-'0')
				j++
			}
			if j == s || j-s > 3 || v > 255 || (j-s > 1 && b[s] == '0') {
				ok = false
				break
			}
			a[k] = byte(v)
		}
		if !ok || (j < len(b) && (isDigit(b[j]) || b[j] == '.' && j+1 < len(b) && isDigit(b[j+1]))) {
			continue
		}
		out = append(out, ipMatch{start: i, end: j, addr: a})
		i = j - 1
	}
	return out
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// escapeFrom applies mboxrd quoting: a line matching ^>*From gets one more
// leading ">".
func escapeFrom(body []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(body) + 16)
	for line := range bytes.Lines(body) {
		if bytes.HasPrefix(bytes.TrimLeft(line, ">"), []byte("From ")) {
			out.WriteByte('>')
		}
		out.Write(line)
	}
	return out.Bytes()
}

// Body size distribution: bodyMin + (bodyMax-bodyMin) * u^bodySkew, whose
// mean is bodyMin + (bodyMax-bodyMin)/(bodySkew+1), about 23 KB.
const (
	bodyMin  = 2 << 10
	bodyMax  = 60 << 10
	bodySkew = 1.8
)

// filler is a pool of text lines to cut bodies from.
type filler struct {
	text  []byte
	lines []int // start offset of every line
}

// newFiller builds about 1 MiB of word lines (40 to 76 bytes each) from a
// fixed vocabulary. No line starts with "From " or ">".
func newFiller(rng *rand.Rand) *filler {
	words := strings.Fields(`the mail relay server route provider message header received
		transfer encryption jurisdiction country privacy policy data protection
		report meeting invoice attached please find below thanks regards team
		project update schedule review document draft final version customer
		order delivery account security notice office quarter budget plan travel
		agenda minutes action item deadline approved pending signed contract
		we you they our your this that with from for and about into over after
		will would could should can may must have has had been being is are was`)
	f := &filler{}
	for len(f.text) < 1<<20 {
		f.lines = append(f.lines, len(f.text))
		target := 40 + rng.IntN(37)
		n := 0
		for n < target {
			w := words[rng.IntN(len(words))]
			if n == 0 {
				// Capitalise the first word; never start with "From".
				if w == "from" {
					w = "for"
				}
				f.text = append(f.text, w[0]-'a'+'A')
				f.text = append(f.text, w[1:]...)
			} else {
				f.text = append(f.text, ' ')
				f.text = append(f.text, w...)
				n++
			}
			n += len(w)
		}
		f.text = append(f.text, '.', '\n')
	}
	return f
}

// cut returns about n bytes of whole lines starting at a random line.
func (f *filler) cut(rng *rand.Rand, n int) []byte {
	if n <= 0 {
		return nil
	}
	n = min(n, len(f.text)/2)
	// Lines that start early enough to leave n bytes.
	last := sort.SearchInts(f.lines, len(f.text)-n-1)
	start := f.lines[rng.IntN(max(last, 1))]
	end := sort.SearchInts(f.lines, start+n)
	if end >= len(f.lines) {
		return f.text[start:]
	}
	return f.text[start:f.lines[end]]
}

// stats says what generate wrote.
type stats struct {
	Messages int64
	Bytes    int64
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// maxShift is how far into the past the dates of a copy move at most.
const maxShift = 365 * 24 * time.Hour

// generate writes varied copies of the templates to w until at least size
// bytes are written. The same templates, size and seed give the same bytes.
func generate(ctx context.Context, w io.Writer, tmpls []*template, size int64, seed uint64) (stats, error) {
	if len(tmpls) == 0 {
		return stats{}, errors.New("no samples")
	}
	rng := rand.New(rand.NewPCG(seed, 0x6d6b6d626f78)) // "mkmbox"
	fill := newFiller(rng)
	cw := &countingWriter{w: w}
	bw := bufio.NewWriterSize(cw, 1<<20)
	var st stats
	var ips [][4]byte
	buf := make([]byte, 0, 256)
	for ; int64(bw.Buffered())+cw.n < size; st.Messages++ {
		if st.Messages%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return st, fmt.Errorf("interrupted: %w", err)
			}
		}
		t := tmpls[rng.IntN(len(tmpls))]
		shift := -time.Duration(rng.Int64N(int64(maxShift/time.Second))) * time.Second
		ips = ips[:0]
		for _, p := range t.ips {
			ips = append(ips, [4]byte{p[0], p[1], byte(rng.IntN(256)), byte(1 + rng.IntN(254))})
		}
		// From_ line: envelope sender and the top Received date in UTC.
		buf = append(buf[:0], "From "...)
		buf = append(buf, t.envFrom...)
		buf = append(buf, ' ')
		buf = t.topDate.Add(shift).UTC().AppendFormat(buf, "Mon Jan _2 15:04:05 2006")
		buf = append(buf, '\n')
		bw.Write(buf)
		for i := range t.pieces {
			p := &t.pieces[i]
			bw.Write(p.lit)
			buf = buf[:0]
			switch p.kind {
			case slotIP:
				a := ips[p.ip]
				for k, o := range a {
					if k > 0 {
						buf = append(buf, '.')
					}
					buf = strconv.AppendUint(buf, uint64(o), 10)
				}
			case slotDate:
				buf = p.date.Add(shift).AppendFormat(buf, "Mon, 02 Jan 2006 15:04:05 -0700")
				buf = append(buf, p.comment...)
			case slotMsgID:
				buf = append(buf, "<mkmbox."...)
				buf = strconv.AppendUint(buf, uint64(st.Messages), 10)
				buf = append(buf, '.')
				buf = strconv.AppendUint(buf, rng.Uint64()&0xffffffffffff, 36)
				buf = append(buf, '@')
				buf = append(buf, p.domain...)
				buf = append(buf, '>')
			}
			bw.Write(buf)
		}
		bw.Write(t.body)
		target := bodyMin + int(float64(bodyMax-bodyMin)*math.Pow(rng.Float64(), bodySkew))
		bw.Write(fill.cut(rng, target-len(t.body)))
		if _, err := bw.Write([]byte{'\n'}); err != nil { // blank line before the next From_
			return st, fmt.Errorf("write mbox: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return st, fmt.Errorf("write mbox: %w", err)
	}
	st.Bytes = cw.n
	return st, nil
}

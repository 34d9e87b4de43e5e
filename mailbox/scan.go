package mailbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Tuning of the streaming scanner.
const (
	// chunkSize is the buffer size after the first read (reads fill the
	// free part of it).
	chunkSize = 1 << 20
	// minRead is the least free space worth a read; below it the buffer is
	// compacted first.
	minRead = 64 << 10
	// clLookahead bounds how far past the first apparent "From " separator
	// in a body a Content-Length may point and still be checked (the data
	// in between is buffered). Beyond it the separator wins.
	clLookahead = 16 << 20
	// maxContentLength ignores absurd Content-Length values.
	maxContentLength = 1 << 40
	// maxFromLine caps an mbox "From " line (real ones are under 100
	// bytes).
	maxFromLine = 64 << 10
)

const (
	sepFrom = "\nFrom " // an mbox separator: "From " at the start of a line (see isFromLine)
)

// scanner is the streaming core shared by the mbox and the single-message
// readers. It reads src in large chunks into one buffer, finds header ends
// and separators in place and copies only header bytes out.
//
// All positions called "abs" are offsets in the (decompressed, CR-normalised)
// stream; buf[0] is at offset base. Data before buf[r] has been consumed and
// its lines counted; buf[r:w] is unconsumed.
type scanner struct {
	src  io.Reader
	name string
	max  int  // header cap
	mbox bool // mbox or single message

	buf  []byte
	r, w int
	base int64
	eof  bool  // src returned io.EOF
	rerr error // src failed (sticky)

	line    int   // 1-based line number at offset lineOff
	lineOff int64 // lines before this offset are counted

	modeKnown bool // line-end style decided
	cr        bool // CR-only input: CR is turned into LF while reading
	crPrev    bool // last byte translated in CR mode was CR
	crPending bool // the data so far ends with its first line end, a CR

	n        int      // messages started (mbox numbering)
	started  bool     // leading blank lines skipped
	done     bool     // nothing more to return
	reported bool     // rerr returned as an input error
	last     Position // position of the last message returned, zero if none

	sizeHint int64  // single message: total size when known (skip the body), else -1
	slabs    *slabs // where header copies go, shared by the scanners of one Reader

	// Buffer sizes: minRead and chunkSize except in tests. A new buffer
	// has 2*minRead bytes and grows to chunk on the second read, so small
	// inputs stay cheap.
	minRead, chunk int
}

func newScanner(src io.Reader, name string, opts Options, mbox bool) *scanner {
	max := opts.MaxHeaderBytes
	if max <= 0 {
		max = DefaultMaxHeaderBytes
	}
	return &scanner{src: src, name: name, max: max, mbox: mbox, line: 1, sizeHint: -1, minRead: minRead, chunk: chunkSize}
}

func (s *scanner) at(abs int64) int { return int(abs - s.base) }

func (s *scanner) avail() int64 { return s.base + int64(s.w) }

func (s *scanner) exhausted() bool { return s.eof || s.rerr != nil }

// lineAt returns the 1-based line number of offset abs, which must not be
// before the last offset asked for and must be buffered.
func (s *scanner) lineAt(abs int64) int {
	if abs > s.lineOff {
		s.line += bytes.Count(s.buf[s.at(s.lineOff):s.at(abs)], []byte{'\n'})
		s.lineOff = abs
	}
	return s.line
}

// consume drops the data before abs, counting its lines.
func (s *scanner) consume(abs int64) {
	s.lineAt(abs)
	s.r = s.at(abs)
}

// bufLimit is the most the buffer ever needs: a From line and a header
// section at their caps, the Content-Length lookahead and two reads.
func (s *scanner) bufLimit() int { return maxFromLine + s.max + clLookahead + 2*s.chunk }

// more reads more data after buf[w]. It reports false when the source is
// exhausted (EOF or error, see eof and rerr) or nothing could be read.
func (s *scanner) more() bool {
	if s.exhausted() {
		return false
	}
	if s.buf == nil {
		s.buf = make([]byte, 2*s.minRead)
	}
	if len(s.buf)-s.w < s.minRead && len(s.buf) < s.chunk {
		nb := make([]byte, s.chunk)
		s.w = copy(nb, s.buf[s.r:s.w])
		s.base += int64(s.r)
		s.r = 0
		s.buf = nb
	}
	if len(s.buf)-s.w < s.minRead {
		if s.r > 0 {
			copy(s.buf, s.buf[s.r:s.w])
			s.base += int64(s.r)
			s.w -= s.r
			s.r = 0
		}
		if len(s.buf)-s.w < s.minRead {
			if len(s.buf) >= s.bufLimit() {
				s.rerr = errors.New("internal error: scanner buffer limit reached")
				return false
			}
			nb := make([]byte, min(2*len(s.buf), s.bufLimit()))
			copy(nb, s.buf[:s.w])
			s.buf = nb
		}
	}
	free := s.buf[s.w:]
	want := min(len(free), s.minRead)
	got, zero := 0, 0
	for got < want {
		n, err := s.src.Read(free[got:])
		if n < 0 || n > len(free)-got {
			s.rerr = fmt.Errorf("invalid read count %d", n)
			break
		}
		got += n
		if err == io.EOF {
			s.eof = true
			break
		}
		if err != nil {
			s.rerr = err
			break
		}
		if n == 0 {
			zero++
			if zero >= 100 {
				s.rerr = io.ErrNoProgress
				break
			}
		}
	}
	if got > 0 {
		got = s.normalise(free[:got])
		s.w += got
	}
	return got > 0 || !s.exhausted()
}

// normalise decides, at the first line end of the input, whether it uses
// CR-only line ends (a CR not followed by LF), and then turns CR (and CR LF)
// into LF in place. p is the data just read, at buf[w:]. It returns the new
// length of p. The decision does not depend on how the input is split into
// reads.
func (s *scanner) normalise(p []byte) int {
	if !s.modeKnown && len(p) > 0 {
		if s.crPending {
			// The previous read ended with the first line end, a CR.
			s.crPending, s.modeKnown = false, true
			if p[0] != '\n' {
				s.cr, s.crPrev = true, true
				if s.w > 0 {
					// Still the last byte unless already consumed
					// (then it no longer matters).
					s.buf[s.w-1] = '\n'
				}
			}
		} else if i := bytes.IndexAny(p, "\r\n"); i >= 0 {
			switch {
			case p[i] == '\n':
				s.modeKnown = true
			case i+1 < len(p):
				s.modeKnown, s.cr = true, p[i+1] != '\n'
			default:
				s.crPending = true
			}
		}
	}
	if !s.cr {
		return len(p)
	}
	j := 0
	for _, c := range p {
		if c == '\n' && s.crPrev {
			s.crPrev = false
			continue
		}
		s.crPrev = c == '\r'
		if c == '\r' {
			c = '\n'
		}
		p[j] = c
		j++
	}
	return j
}

// keep copies a header out of the buffer into msg.Header, memory the
// caller owns until it calls msg.Release.
func (s *scanner) keep(msg *Message, b []byte) {
	if s.slabs == nil {
		s.slabs = newSlabs()
	}
	msg.Header, msg.slab = s.slabs.keep(b)
}

// end marks the input done and returns the pending read error once, as an
// input error naming the last message read before it, else io.EOF.
func (s *scanner) end() error {
	s.done = true
	if s.rerr == nil || s.reported {
		return io.EOF
	}
	s.reported = true
	err := s.rerr
	if errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, ErrTruncated) {
		err = fmt.Errorf("%w: %w", ErrTruncated, err)
	}
	if s.last.File != "" {
		return &InputError{Path: s.name, Err: fmt.Errorf("read after %s: %w", s.last, err)}
	}
	return &InputError{Path: s.name, Err: fmt.Errorf("read: %w", err)}
}

// headerScan is the outcome of scanning a header section.
type headerScan struct {
	end        int64 // offset after the header section (after the empty line when terminated)
	terminated bool  // ended by an empty line
	tooLarge   bool  // longer than the cap; scanning stopped at lineStart
	lineStart  int64 // start of the line being looked at when stopped
	nextFrom   bool  // ended by a "From " line (mbox)
	contentLen int64 // Content-Length value, -1 if absent or invalid
}

// scanHeader scans the header section starting at hs, which must be
// buffered, and keeps everything from hs buffered.
func (s *scanner) scanHeader(hs int64) headerScan {
	h := headerScan{contentLen: -1}
	p := hs // start of the current line
	q := hs // where the search for its end resumes
	for {
		i := bytes.IndexByte(s.buf[s.at(q):s.w], '\n')
		if i < 0 {
			// Resume at the last byte: a CR there becomes LF when
			// the next read shows the input is CR-only.
			q = max(p, s.avail()-1)
			if s.avail()-hs > int64(s.max) {
				// The unfinished line may be a "From " line, which
				// ends the header before it: decide on its start,
				// reading on while that is too short to tell, so
				// that the answer does not depend on where a read
				// ended (FuzzMboxReader's tiny buffers found this).
				from, decided := s.unfinishedFrom(p)
				if from && decided {
					h.end, h.nextFrom = p, true
					return h
				}
				if decided {
					h.tooLarge, h.lineStart = true, p
					return h
				}
			}
			if !s.more() {
				h.end = s.avail()
				if h.end-hs > int64(s.max) {
					h.tooLarge, h.lineStart = true, p
				}
				return h
			}
			continue
		}
		lineEnd := q + int64(i) + 1
		line := s.buf[s.at(p) : s.at(lineEnd)-1]
		if len(line) == 0 || (len(line) == 1 && line[0] == '\r') {
			if lineEnd-hs > int64(s.max) {
				h.tooLarge, h.lineStart = true, p
				return h
			}
			h.end, h.terminated = lineEnd, true
			return h
		}
		if ok, _ := isFromLine(line); ok && s.mbox {
			h.end, h.nextFrom = p, true
			return h
		}
		if lineEnd-hs > int64(s.max) {
			h.tooLarge, h.lineStart = true, p
			return h
		}
		if h.contentLen < 0 && len(line) > 15 && (line[0]|0x20) == 'c' && bytes.EqualFold(line[:15], []byte("Content-Length:")) {
			h.contentLen = parseContentLength(line[15:])
		}
		p, q = lineEnd, lineEnd
	}
}

// parseContentLength parses the value of a Content-Length field (digits with
// optional white space); -1 when it is not a sane number.
func parseContentLength(v []byte) int64 {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || len(v) > 13 {
		return -1
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int64(c-'0')
	}
	if n > maxContentLength {
		return -1
	}
	return n
}

// indexSep returns the index of the first sepFrom in b, or -1; it is
// bytes.Index(b, []byte(sepFrom)), faster on mail. bytes.Index looks for the
// separator's first byte, the newline, which comes every 60-80 bytes of a
// body; indexSep looks for its "F", ten times rarer in text, and checks the
// bytes around it. When "F" is frequent (base64 has one every 64 bytes), it
// hands the rest of b to bytes.Index after a few misses, so it is never much
// slower than that.
func indexSep(b []byte) int {
	const n = len(sepFrom)
	if len(b) < n {
		return -1
	}
	last := len(b) - n + 1 // the "F" of a separator is at 1..last
	misses := 0
	for i := 1; i <= last; {
		j := bytes.IndexByte(b[i:last+1], 'F')
		if j < 0 {
			return -1
		}
		i += j
		if b[i-1] == '\n' && string(b[i:i+n-1]) == sepFrom[1:] {
			return i - 1
		}
		i++
		misses++
		if misses > 8+i>>7 {
			if k := bytes.Index(b[i:], []byte(sepFrom)); k >= 0 {
				return i + k
			}
			return -1
		}
	}
	return -1
}

// unfinishedFrom reports whether the line that starts at p, not yet read
// to its end, is an mbox "From " line, and whether its bytes so far tell.
func (s *scanner) unfinishedFrom(p int64) (from, decided bool) {
	if !s.mbox {
		return false, true
	}
	part := s.buf[s.at(p):s.w]
	if len(part) < len("From ") {
		return false, !bytes.HasPrefix([]byte("From "), part)
	}
	return isFromLine(part)
}

// findSep looks for the first separator at or after from (the newline
// before it may sit at from) in the buffered data. It returns the offset of
// the separator's "From " line, or -1 and where to search again after
// reading more.
func (s *scanner) findSep(from int64) (sep, resume int64) {
	for {
		idx := indexSep(s.buf[s.at(from):s.w])
		if idx < 0 {
			return -1, max(from, s.avail()-int64(len(sepFrom)-1))
		}
		start := from + int64(idx) + 1
		ok, decided := isFromLine(s.buf[s.at(start):s.w])
		if !decided && !s.exhausted() {
			return -1, start - 1
		}
		if ok {
			return start, start
		}
		from = start
	}
}

// scanBody finds the next separator at or after from (see findSep). It
// returns the offset of the next message's "From " line, or the end of the
// data when the source is exhausted. Data before the returned offset is
// consumed.
func (s *scanner) scanBody(from int64) int64 {
	for {
		sep, resume := s.findSep(from)
		if sep >= 0 {
			s.consume(sep)
			return sep
		}
		if s.exhausted() {
			end := s.avail()
			s.consume(end)
			return end
		}
		from = resume
		s.consume(from)
		s.more()
	}
}

// skipAll consumes the rest of the source and returns the offset of its end.
func (s *scanner) skipAll() int64 {
	for {
		s.r = s.w // lines no longer matter
		s.lineOff = s.avail()
		if !s.more() {
			return s.avail()
		}
	}
}

// scanContentLength ends a body whose header has Content-Length n (mboxcl,
// mboxcl2): the length is honoured when it lands on a "From " line (after at
// most two line ends) or on the end of the input; otherwise the first
// separator after the header ends the message. from is the offset of the
// newline that ends the header section.
func (s *scanner) scanContentLength(from, n int64) int64 {
	target := from + 1 + n
	cand := int64(-1)
	for {
		avail := s.avail()
		if cand < 0 {
			sep, resume := s.findSep(from)
			if sep >= 0 {
				cand = sep
			} else {
				from = resume
			}
		}
		if cand >= 0 && target-cand > clLookahead {
			// Too far to check: the separator wins.
			s.consume(cand)
			return cand
		}
		if avail >= target+4+fromWindow || s.exhausted() {
			if target <= avail {
				if end, ok := s.landsOnFrom(target); ok {
					s.consume(end)
					return end
				}
			}
			if cand >= 0 {
				s.consume(cand)
				return cand
			}
			return s.scanBody(from)
		}
		if cand >= 0 {
			s.consume(min(cand, target-1))
		} else {
			s.consume(min(from, target-1))
		}
		s.more()
	}
}

// landsOnFrom checks a Content-Length target: up to two line ends, then a
// "From " line or the end of the input. It returns where the next message
// starts.
func (s *scanner) landsOnFrom(target int64) (int64, bool) {
	b := s.buf[s.at(target):s.w]
	k := 0
	for range 2 {
		switch {
		case bytes.HasPrefix(b[k:], []byte("\r\n")):
			k += 2
		case bytes.HasPrefix(b[k:], []byte("\n")):
			k++
		}
	}
	rest := b[k:]
	start := target + int64(k)
	if s.exhausted() && len(rest) == 0 {
		return start, true
	}
	// "From " must start a line: after a skipped line end, or right at
	// target when the length included the body's last newline.
	if ok, _ := isFromLine(rest); ok && start > s.base+int64(s.r) && s.buf[s.at(start-1)] == '\n' {
		return start, true
	}
	return 0, false
}

// next returns the next message, io.EOF at the end, or an input error.
func (s *scanner) next() (Message, error) {
	if s.done {
		return Message{}, s.end()
	}
	var m Message
	var err error
	if s.mbox {
		m, err = s.nextMbox()
	} else {
		m, err = s.nextSingle()
	}
	if err == nil {
		s.last = m.Pos
	}
	return m, err
}

// nextSingle reads the only message of a single-message input.
func (s *scanner) nextSingle() (Message, error) {
	if s.r == s.w && !s.more() {
		return Message{}, s.end()
	}
	s.done = true
	pos := Position{File: s.name, Line: 1}
	start := s.base + int64(s.r)
	msg := Message{Pos: pos}
	hs := s.skipSpaceLines(start, &msg)
	h := s.scanHeader(hs)
	switch {
	case h.tooLarge:
		s.keep(&msg, s.buf[s.at(hs):s.at(hs)+s.max])
		msg.Err = &MessageError{Pos: pos, Err: tooLarge(s.max)}
	default:
		s.keep(&msg, s.buf[s.at(hs):s.at(h.end)])
		// A header section ended by the end of the input is accepted,
		// even without a final line end (header-only files often lack
		// it); only a read error makes it truncated.
		if !h.terminated && s.rerr != nil {
			msg.Err = &MessageError{Pos: pos, Err: fmt.Errorf("%w: header section cut off by a read error", ErrTruncated)}
		}
	}
	if s.sizeHint >= 0 && s.rerr == nil {
		msg.Size = s.sizeHint
		return msg, nil
	}
	msg.Size = s.skipAll() - start
	return msg, nil
}

// skipSpaceLines skips the lines holding only white space at hs (see
// spaceLines), at most the header cap of them, noting them in msg, and
// returns where the header section starts. The decision depends on the
// first max+1 bytes only, never on how the input is split into reads.
func (s *scanner) skipSpaceLines(hs int64, msg *Message) int64 {
	for {
		buffered := s.buf[s.at(hs):s.w]
		b := buffered[:min(len(buffered), s.max+1)]
		n, lines, partial := spaceLines(b)
		// Nothing buffered decides nothing either.
		if (partial || len(b) == 0) && len(buffered) <= s.max+1 && s.more() {
			continue
		}
		if lines == 0 || n > s.max {
			return hs
		}
		msg.Warnings = append(msg.Warnings, spaceLinesWarning(lines))
		return hs + int64(n)
	}
}

// nextMbox reads the next message of an mbox.
func (s *scanner) nextMbox() (Message, error) {
	if !s.started {
		s.started = true
		for {
			i := s.r
			for i < s.w && (s.buf[i] == '\n' || s.buf[i] == '\r') {
				i++
			}
			s.consume(s.base + int64(i))
			if s.r < s.w || !s.more() {
				break
			}
		}
		if s.r == s.w && !s.more() {
			return Message{}, s.end()
		}
		if !s.startsWithFrom() {
			start := s.base + int64(s.r)
			end := s.scanBody(start)
			return Message{}, &InputError{Path: s.name, Err: fmt.Errorf("%d bytes skipped: %w", end-start, ErrGarbage)}
		}
	}
	if s.r == s.w && !s.more() {
		return Message{}, s.end()
	}
	start := s.base + int64(s.r)
	s.n++
	pos := Position{File: s.name, N: s.n, Line: s.lineAt(start)}
	msg := Message{Pos: pos}

	// The "From " line, capped at maxFromLine.
	p := start
	var hs int64
	for {
		i := bytes.IndexByte(s.buf[s.at(p):s.w], '\n')
		if i >= 0 {
			hs = p + int64(i) + 1
		} else {
			// Look at the last byte again: a CR there becomes LF
			// when the next read shows the input is CR-only.
			p = max(start, s.avail()-1)
		}
		if (i >= 0 && hs-1-start > maxFromLine) || (i < 0 && p-start > maxFromLine) {
			msg.Err = &MessageError{Pos: pos, Err: fmt.Errorf("\"From \" line longer than %d bytes", maxFromLine)}
			// Everything up to the next separator counts as this
			// message.
			msg.Size = s.scanBody(start+1) - start
			msg.Header = []byte{}
			return msg, nil
		}
		if i >= 0 {
			break
		}
		if !s.more() {
			hs = s.avail()
			break
		}
	}

	fromEnd := hs
	hs = s.skipSpaceLines(hs, &msg)
	h := s.scanHeader(hs)
	if h.tooLarge {
		s.keep(&msg, s.buf[s.at(hs):s.at(hs)+s.max])
		msg.Err = &MessageError{Pos: pos, Err: tooLarge(s.max)}
		from := h.lineStart - 1
		if h.lineStart == hs {
			from = hs
		}
		s.consume(from)
		end := s.scanBody(from)
		msg.Size = end - fromEnd
		return msg, nil
	}
	s.keep(&msg, s.buf[s.at(hs):s.at(h.end)])
	if !h.terminated {
		// The header section is cut off by the next "From " line or by
		// the end of the input.
		var why error
		switch {
		case h.nextFrom:
			why = fmt.Errorf("%w: next message starts inside the header section", ErrTruncated)
		case s.rerr != nil:
			why = fmt.Errorf("%w: header section cut off by a read error", ErrTruncated)
		case len(msg.Header) == 0:
			why = fmt.Errorf("%w: input ends after the \"From \" line", ErrTruncated)
		case msg.Header[len(msg.Header)-1] != '\n':
			why = fmt.Errorf("%w: input ends inside a header line", ErrTruncated)
		}
		// A header section ended by the end of the input after a
		// complete line is accepted, as in a single message.
		if why != nil {
			msg.Err = &MessageError{Pos: pos, Err: why}
		}
		s.consume(h.end)
		msg.Size = h.end - fromEnd
		return msg, nil
	}
	s.consume(h.end - 1)
	var end int64
	if h.contentLen >= 0 {
		end = s.scanContentLength(h.end-1, h.contentLen)
	} else {
		end = s.scanBody(h.end - 1)
	}
	msg.Size = end - fromEnd
	return msg, nil
}

// startsWithFrom reports whether the unconsumed data starts with "From ",
// reading more when fewer than five bytes are buffered.
func (s *scanner) startsWithFrom() bool {
	for s.w-s.r < fromWindow && s.more() {
	}
	ok, _ := isFromLine(s.buf[s.r:s.w])
	return ok
}

package received

import (
	"encoding/binary"
	"math/bits"
	"strings"
)

// Received field parser.
//
// RFC 5321 4.4 defines the trace field as
//
//	Received: from <helo> (<tcp-info>) by <host> via <link> with <protocol> id <id> for <path> ; <date>
//
// and RFC 5322 3.6.7 makes every clause but the date optional. Real mail
// servers decorate it with comments in many dialects (Postfix, Sendmail, Exim,
// qmail, Microsoft, Gmail, ...). The parser below is a hand-written scanner: it
// splits the value into words and comments once, assigns them to clauses by
// their keyword, and reads each clause with a few dialect rules. It never uses
// regular expressions and allocates only for warnings and unusual protocol
// words.

// Parse parses one Received field value (unfolded: CRLF before white space
// removed; value only, without the "Received:" name). A value it cannot read
// comes back with Parsed false and a warning. Index is left 0 for the caller
// to set; Raw is the value.
//
// Parse has no recover: it must not panic on any input, and a panic is a bug
// for FuzzParseReceived to find, not something to hide as a warning.
func Parse(value string) Received {
	var p parser
	p.r.Kind, p.r.TLS.Encrypted = KindRelay, EncryptionUnknown // p.r is zero: no composite literal to copy
	p.v = value
	p.run()
	p.r.Raw = value
	return p.r
}

// Token kinds.
const (
	tokWord uint8 = iota
	tokComment
)

// token is a word or a comment of a Received value. For a comment, s is the
// text between the outer parentheses.
type token struct {
	s     string
	off   int // offset of the token in the value
	end   int // offset just past the token
	kind  uint8
	glued bool // no white space between this token and the one before
	note  bool // a comment the comment table marks as a note without the client
	rule  bool // a word whose first byte starts a row of wordRules (wordRuleStart)
}

// keywordTok is a word of the field that is a clause keyword: its token
// and its clause.
type keywordTok struct{ tok, cl uint8 }

// The token numbers in keywordTok are bytes: this fails to compile when
// maxToks outgrows them.
const _ = uint8(maxToks - 1)

// maxToks caps the tokens read from one field; real fields have fewer
// than 40.
const maxToks = 64

// Clauses of a Received field.
const (
	clNone = iota
	clFrom
	clBy
	clVia
	clWith
	clID
	clFor
	clCount
)

// span is the range of tokens of one clause: the keyword is at start-1.
type span struct {
	start, end int
	seen       bool
}

// parser holds the state of parsing one field. It lives on the stack.
type parser struct {
	v      string
	r      Received
	toks   [maxToks]token
	n      int
	cl     [clCount]span
	cutTok int // tokens from here on belong to the date (no ";" form)

	// depthUnsure is set by tokenize when its words and comments may not
	// nest as scanTop counts parentheses: a comment left open, or a "(" or
	// ")" inside an address literal or quoted string (see
	// tokenizeToLastSemi).
	depthUnsure bool

	kws [maxToks]keywordTok // the words that are clause keywords, in order (set by tokenize)
	nkw int

	hints hints
}

// hints are what one rule learns about the dialect and another rule reads.
// Everything else a rule learns goes straight into the record (TLS.Encrypted,
// Kind), so that later rules see it there.
type hints struct {
	exim        bool            // an "(Exim x.y)" comment: set by readExim, read by fromClause
	microsoft   microsoftServer // "with Microsoft ...": set by withClause, read by fromClause and finish
	commentFrom bool            // the from clause was written as a leading comment "(from x [ip])": set by run, read by fromClause
}

// microsoftServer is which Microsoft server wrote a "with Microsoft ..."
// clause.
type microsoftServer uint8

const (
	notMicrosoft microsoftServer = iota
	msExchange                   // "Microsoft SMTP Server" (Exchange 2007+, Microsoft 365): states TLS when used
	msIIS                        // "Microsoft SMTPSVC" (IIS SMTP service): never records TLS
)

// encrypted records evidence of TLS.
func (p *parser) encrypted() {
	p.r.TLS.Encrypted = EncryptionYes
}

// setKind records the kind of hop; a retrieval wins over a local
// submission, which wins over a relay, whatever order the rules see them in.
func (p *parser) setKind(k Kind) {
	if kindRank(k) > kindRank(p.r.Kind) {
		p.r.Kind = k
	}
}

func kindRank(k Kind) int {
	switch k {
	case KindRetrieval:
		return 2
	case KindLocal:
		return 1
	}
	return 0
}

func (p *parser) warn(w string) {
	p.r.Warnings = append(p.r.Warnings, w)
}

func (p *parser) run() {
	if mayHoldControls(p.v) {
		if clean, removed := withoutControls(p.v); removed {
			p.warn("control characters ignored")
			p.v = clean
		}
	}
	v := p.v
	semi, done := p.tokenizeToLastSemi(v)
	if !done {
		semi, _ = scanTop(v)
	}
	head := v
	if semi >= 0 {
		head = v[:semi]
		p.r.DateRaw = trimSpace(v[semi+1:])
	}
	if !done {
		p.tokenizeHead(head)
	}
	p.assignClauses(semi < 0)
	if p.cutTok < p.n && semi < 0 {
		p.r.DateRaw = strings.TrimSpace(v[p.toks[p.cutTok].off:])
	}

	p.readInfo()
	for i := range clauseRules {
		if c := clauseRules[i].cl; p.cl[c].seen {
			p.readClause(c)
		}
	}
	p.finish()
}

// tokenizeToLastSemi is the common case of finding the date and tokenizing
// what precedes it, in one pass instead of two (scanTop over the whole value,
// then tokenize over the head: together a quarter of Parse). It guesses
// that the last ";" of v is the one outside comments and tokenizes what
// precedes it. When tokenize reports that the parentheses before it balance
// as scanTop counts them, the guess is what scanTop returns (scanTop takes
// the last ";" at depth 0), the tokens are those of tokenizeHead, and done
// is true. Otherwise it removes what it added (tokens, warnings) and run
// does it the long way. A value without ";" has no date part whatever its
// parentheses, and a leading "(from ...)" comment is left to tokenizeHead.
func (p *parser) tokenizeToLastSemi(v string) (semi int, done bool) {
	semi = lastSemi(v)
	head := v
	if semi >= 0 {
		head = v[:semi]
	}
	lead := head
	for len(lead) > 0 && isSpace(lead[0]) { // strings.TrimLeft builds its cutset every call
		lead = lead[1:]
	}
	if len(lead) > 6 && lead[0] == '(' && equalFold(lead[1:6], "from ") {
		return 0, false
	}
	warnings := len(p.r.Warnings)
	p.depthUnsure = false
	p.tokenize(head, 0)
	if semi < 0 || !p.depthUnsure {
		return semi, true
	}
	p.n, p.nkw = 0, 0
	p.r.Warnings = p.r.Warnings[:warnings]
	return 0, false
}

// lastSemi is strings.LastIndexByte(v, ';') eight bytes at a time: on
// amd64 the strings version reads one byte at a time.
func lastSemi(v string) int {
	i := len(v)
	for ; i >= 8; i -= 8 {
		w := v[i-8 : i]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56 // one load
		if m := zeroBytes(x ^ ';'*ones); m != 0 { // exact for every byte: the highest bit is the last ";"
			return i - 8 + (63-bits.LeadingZeros64(m))/8
		}
	}
	for i > 0 {
		i--
		if v[i] == ';' {
			return i
		}
	}
	return -1
}

// tokenizeHead tokenizes the part of the value before the date.
func (p *parser) tokenizeHead(head string) {
	// A leading comment "(from host [ip])" (some gateways) or "(from user@localhost)"
	// (Sendmail local submission) holds the from clause.
	lead := strings.TrimLeft(head, " \t\r\n")
	skip := len(head) - len(lead)
	if len(lead) > 6 && lead[0] == '(' && equalFold(lead[1:6], "from ") {
		end := commentEnd(lead)
		p.hints.commentFrom = true
		p.tokenize(lead[1:end-1], skip+1)
		if end < len(lead) {
			p.tokenize(lead[end:], skip+end)
		}
	} else {
		p.tokenize(head, 0)
	}
}

// mayHoldControls reports whether v may hold control characters (see
// control.go): whether a byte is below 0x20 or at or above 0x7f, the test
// scanTop makes with hasControl, in a loop of its own. Per word, x has the
// high bit of bytes at or above 0x80, x+ones of 0x7f, and x-0x20*ones of
// bytes below 0x20; a carry or borrow only starts at such a byte, so the
// answer for the whole value is exact.
func mayHoldControls(v string) bool {
	var acc uint64
	i := 0
	for ; i+16 <= len(v); i += 16 { // two words a turn: half the loop overhead
		w := v[i : i+16]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56 // one load
		y := uint64(w[8]) | uint64(w[9])<<8 | uint64(w[10])<<16 | uint64(w[11])<<24 |
			uint64(w[12])<<32 | uint64(w[13])<<40 | uint64(w[14])<<48 | uint64(w[15])<<56
		acc |= x | (x + ones) | (x - 0x20*ones) | y | (y + ones) | (y - 0x20*ones)
	}
	if i+8 <= len(v) {
		w := v[i : i+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		acc |= x | (x + ones) | (x - 0x20*ones)
		i += 8
	}
	if i < len(v) {
		var x uint64
		if len(v) >= 8 {
			// The last eight bytes, some of them read twice.
			w := v[len(v)-8:]
			x = uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
				uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		} else {
			x = loadTail(v) // padded with spaces
		}
		acc |= x | (x + ones) | (x - 0x20*ones)
	}
	return acc&ctlMask8 != 0
}

// wordSpecial marks the bytes that end a word (white space, "(", ")", ",",
// ";") or open a part of one ("[", "\""): tokenize's word loop, which reads
// most bytes of a field, looks each byte up once.
var wordSpecial = [256]bool{
	' ': true, '\t': true, '\r': true, '\n': true, '(': true, ')': true, ',': true, ';': true,
	'[': true, '"': true,
}

// wordSpecialBytes returns a mask whose lowest set bit is the high bit of
// the first byte of x that may be in wordSpecial, or 0 when none is: it
// marks white space, the C0 controls (which wordSpecial then rules out), "(",
// ")", ",", ";", "[" and "\"". Bytes above the first marked one may be
// marked wrongly (a borrow crosses into them), so only the lowest bit counts.
func wordSpecialBytes(x uint64) uint64 {
	const high = 0x8080808080808080
	low := (x - 0x21*ones) &^ x    // bytes below 0x21
	paren := (x | ones) ^ ')'*ones // "(" and ")" become 0
	comma := x ^ ','*ones
	semi := x ^ ';'*ones
	bracket := x ^ '['*ones
	quote := x ^ '"'*ones
	return (low | (paren-ones)&^paren | (comma-ones)&^comma | (semi-ones)&^semi |
		(bracket-ones)&^bracket | (quote-ones)&^quote) & high
}

// scanTop returns the offset of the last ";" outside comments, or -1: RFC
// 5321 4.4 and RFC 5322 3.6.7 put the date-time after the last ";". With
// unbalanced parentheses it falls back to the last ";" at all. ctl reports
// that v may hold control characters (see control.go).
//
// It reads v eight bytes at a time and looks only at the bytes that
// syntaxBytes marks: every byte of every field passes through here, and
// fewer than one in ten is syntax.
func scanTop(v string) (semi int, ctl bool) {
	depth, last := 0, -1
	skip := -1 // the byte after a "\\" in a comment: quoted, no syntax
	for base := 0; base < len(v); base += 8 {
		var x uint64
		if w := v[base:]; len(w) >= 8 {
			x = uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
				uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56 // one load
		} else {
			x = loadTail(w)
		}
		if hasControl(x) {
			ctl = true
		}
		for m := commentBytes(x) | zeroBytes(x^(';'*ones)); m != 0; m &= m - 1 {
			i := base + bits.TrailingZeros64(m)/8
			if i == skip {
				continue
			}
			switch v[i] {
			case '\\':
				if depth > 0 {
					skip = i + 1
				}
			case '(':
				depth++
			case ')':
				if depth > 0 {
					depth--
				}
			case ';':
				if depth == 0 {
					last = i
				}
			}
		}
	}
	if depth > 0 {
		if i := strings.LastIndexByte(v, ';'); i > last {
			// Only use it when the text after it looks like a date.
			if looksDate(v[i+1:]) {
				return i, ctl
			}
		}
	}
	return last, ctl
}

// ones has the low bit of every byte set.
const ones = 0x0101010101010101

// commentBytes returns the high bit of each byte of x that is "(", ")" or
// "\\". Setting bit 0 makes "(" and ")" one value.
func commentBytes(x uint64) uint64 {
	return zeroBytes((x|ones)^(')'*ones)) | zeroBytes(x^('\\'*ones))
}

// zeroBytes returns the high bit of each byte of y that is 0. The test is
// exact for each byte: no carry crosses into the next.
func zeroBytes(y uint64) uint64 {
	const low7 = 0x7f7f7f7f7f7f7f7f
	return ^((y&low7 + low7) | y) &^ low7
}

// loadTail returns the last, short piece w of a string as a little-endian
// number, as the loops of scanTop and commentEnd read eight bytes at once
// (written out there: a function for it is too big to inline): the bytes
// past its end read as spaces, which are neither syntax nor control
// characters.
func loadTail(w string) uint64 {
	b := [8]byte{' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '}
	copy(b[:], w)
	return binary.LittleEndian.Uint64(b[:])
}

// looksDate reports whether s starts like a date-time.
func looksDate(s string) bool {
	_, ok := ParseDate(s)
	return ok
}

// commentEnd returns the offset just past the comment that starts s[0]=='(',
// or len(s) when it is not closed. Like scanTop it looks only at the
// syntax bytes.
func commentEnd(s string) int {
	end, _ := commentEndClosed(s)
	return end
}

// commentEndClosed is commentEnd that also reports whether the comment was
// closed (commentEnd returns len(s) both for a comment closed by the last
// byte and for one never closed).
func commentEndClosed(s string) (end int, closed bool) {
	depth := 0
	skip := -1 // the byte after a "\\": quoted
	for base := 0; base < len(s); base += 8 {
		var x uint64
		if w := s[base:]; len(w) >= 8 {
			x = uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
				uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56 // one load
		} else {
			x = loadTail(w)
		}
		for m := commentBytes(x); m != 0; m &= m - 1 {
			i := base + bits.TrailingZeros64(m)/8
			if i == skip {
				continue
			}
			switch s[i] {
			case '\\':
				skip = i + 1
			case '(':
				depth++
			case ')':
				depth--
				if depth == 0 {
					return i + 1, true
				}
			}
		}
	}
	return len(s), false
}

// literalEnd returns the offset of the "]" closing the address literal that
// opens at s[j] == '[', or of the first white space (or len(s)) when none
// closes before it.
func literalEnd(s string, j int) int {
	k := j + 1
	for k < len(s) && s[k] != ']' && !isSpace(s[k]) {
		k++
	}
	return k
}

// hasParen reports whether s holds "(" or ")".
func hasParen(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i]|1 == ')' {
			return true
		}
	}
	return false
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n'
}

// tokenize splits s (at offset base of the value) into words and comments
// (RFC 5322 3.2.2: nested, with quoted-pairs). Commas and semicolons outside
// comments separate words like white space; address literals "[...]" and
// quoted strings are one word (RFC 5321 4.1.2, 4.1.3).
func (p *parser) tokenize(s string, base int) {
	glued := false
	plainBracketsUntil := 0 // a "[" before this offset opens no literal
	i := 0
	for i < len(s) {
		c := s[i]
		if isSpace(c) || c == ',' || c == ';' {
			glued = false
			i++
			continue
		}
		if c == ')' {
			i++
			continue
		}
		if p.n >= maxToks {
			p.warn("too many words, rest ignored")
			p.depthUnsure = true // the rest was not looked at
			return
		}
		t := &p.toks[p.n]
		if c == '(' {
			end, closed := commentEndClosed(s[i:])
			end += i
			if !closed {
				p.depthUnsure = true
			}
			inner := s[i+1 : end]
			if end > i+1 && s[end-1] == ')' {
				inner = s[i+1 : end-1]
			} else {
				p.warn("unclosed parenthesis")
			}
			// Field by field: a composite literal was built on the stack
			// and copied, a tenth of tokenize.
			t.s, t.off, t.end = inner, base+i, base+end
			t.kind, t.glued, t.note, t.rule = tokComment, glued && i > 0, false, false
			p.n++
			i = end
			glued = true
			continue
		}
		j := i
	word:
		for j < len(s) {
			if w := s[j:]; len(w) >= 8 {
				// Eight bytes at once: words are most of a field's bytes.
				x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
					uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56 // one load
				m := wordSpecialBytes(x)
				if m == 0 {
					j += 8
					continue
				}
				j += bits.TrailingZeros64(m) / 8
			}
			if !wordSpecial[s[j]] {
				j++
				continue
			}
			switch s[j] {
			case '[':
				// An address literal (RFC 5321 4.1.3) is one word, even with
				// "(" or "," inside (MDaemon "[(1.2.3.4)]"); it never spans
				// white space, so a "[" in a HELO name ("evil[31m.example",
				// what is left of a terminal escape) cannot swallow the
				// comments after it.
				if j >= plainBracketsUntil {
					k := literalEnd(s, j)
					if k < len(s) && s[k] == ']' {
						if hasParen(s[j+1 : k]) {
							p.depthUnsure = true // scanTop counts it
						}
						j = k + 1
						continue
					}
					plainBracketsUntil = k // no literal ends before k
				}
				j++
			case '"':
				p.depthUnsure = true // a "(" in it counts for scanTop
				k := strings.IndexByte(s[j+1:], '"')
				if k < 0 {
					j = len(s)
					break word
				}
				j += k + 2
			default: // white space, "(", ")", ",", ";"
				break word
			}
		}
		t.s, t.off, t.end = s[i:j], base+i, base+j
		t.kind, t.glued, t.note, t.rule = tokWord, glued, false, wordRuleStart[c|0x20]
		if n := j - i; n >= 2 && n <= 4 && keywordStart[c|0x20] {
			if k := keyword4(t.s); k != clNone {
				p.kws[p.nkw] = keywordTok{tok: uint8(p.n), cl: uint8(k)}
				p.nkw++
			}
		}
		p.n++
		i = j
		glued = true
	}
}

// assignClauses walks the tokens and records the span of each clause
// (RFC 5321 4.4: from, by, via, with, id, for, each at most once; the first
// occurrence counts). When the value had no ";", it also finds where the
// date starts.
func (p *parser) assignClauses(findDate bool) {
	p.cutTok = p.n
	cur := clNone
	curStart := 0
	if findDate {
		for i := 0; i < p.n; i++ {
			t := &p.toks[i]
			if t.kind != tokWord {
				continue
			}
			if i > curStart && (p.cl[clBy].seen || p.cl[clFrom].seen) && p.dateStartsAt(i) {
				p.cutTok = i
				break
			}
			cur, curStart = p.assignKeyword(i, keyword(t.s), cur, curStart)
		}
	} else {
		// Only the keywords move the clauses, and tokenize listed them:
		// the other words, nine in ten, need not be looked at again.
		for _, kw := range p.kws[:p.nkw] {
			cur, curStart = p.assignKeyword(int(kw.tok), int(kw.cl), cur, curStart)
		}
	}
	if cur != clNone {
		p.cl[cur].end = p.cutTok
		if p.cl[cur].start > p.cutTok {
			p.cl[cur].start = p.cutTok
		}
	}
	// Text before the first keyword belongs to no clause; if the value starts
	// without a keyword but has words, treat them as the from clause only when
	// they look like "host (...)". Otherwise leave them.
}

// assignKeyword takes word i, whose keyword is k (or clNone), into the
// clauses; cur is the clause being read, whose words start at curStart. It
// returns them as they are after word i.
func (p *parser) assignKeyword(i, k, cur, curStart int) (int, int) {
	if k == clNone || p.cl[k].seen {
		return cur, curStart
	}
	if k == clFrom && p.cl[clBy].seen {
		return cur, curStart
	}
	// A keyword right after a keyword is the value of the first ("from by by x").
	if cur != clNone && i == curStart {
		return cur, curStart
	}
	if cur != clNone {
		p.cl[cur].end = i
	}
	p.cl[k] = span{start: i + 1, end: p.n, seen: true}
	return k, i + 1
}

// dateStartsAt reports whether a date starts at word i (for values that have
// no ";" before the date, as webmail front ends and Domino write): a day name
// (RFC 5322 3.3), "11 Jan" or an ISO date.
func (p *parser) dateStartsAt(i int) bool {
	w := p.toks[i].s
	next := ""
	if i+1 < p.n && p.toks[i+1].kind == tokWord {
		next = p.toks[i+1].s
	}
	if dayName(w) {
		return next != "" && (allDigits(next) || monthNum(next) > 0)
	}
	if len(w) <= 2 && allDigits(w) {
		return monthNum(next) > 0
	}
	if len(w) == 10 && w[4] == '-' && w[7] == '-' && allDigits(w[:4]) {
		return true
	}
	return false
}

// joinWords returns the text of the words of a clause up to its first comment,
// as one substring of the value.
func (p *parser) joinWords(s span) string {
	if s.start >= s.end || p.toks[s.start].kind != tokWord {
		return ""
	}
	last := s.start
	for i := s.start + 1; i < s.end && p.toks[i].kind == tokWord; i++ {
		last = i
	}
	return p.v[p.toks[s.start].off:p.toks[last].end]
}

// readInfo reads every comment and loose word before the date with the
// comment and word tables: they carry TLS, authentication, the envelope
// sender and the kind of hop wherever they stand.
func (p *parser) readInfo() {
	for i := 0; i < p.cutTok; i++ {
		t := &p.toks[i]
		if t.kind == tokComment {
			t.note = p.readComment(t.s)
		} else if t.rule {
			// Most words start no row of wordRules (readWord's first
			// test, made by tokenize to save the call).
			p.readWord(i)
		}
	}
}

// viaClause reads the link (RFC 5321 4.4 Via), e.g. Microsoft's "via
// Frontend Transport".
func (p *parser) viaClause() {
	p.r.Via = p.joinWords(p.cl[clVia])
}

// idClause reads the queue id (RFC 5321 4.4 ID).
func (p *parser) idClause() {
	if s := p.cl[clID]; s.start < s.end && p.toks[s.start].kind == tokWord {
		p.r.ID = trimRightSet(p.toks[s.start].s, ",;")
	}
}

// forClause reads the recipient (RFC 5321 4.4 For).
func (p *parser) forClause() {
	if s := p.cl[clFor]; s.start < s.end && p.toks[s.start].kind == tokWord {
		p.r.For = stripAngle(p.toks[s.start].s)
	}
}

// byClause reads the receiving host (RFC 5321 4.4 By-domain): its name or
// address literal, and an address in a following comment (Microsoft 365
// "by host (10.167.8.200)", GMX "(mrgmx105 [212.227.17.5])").
func (p *parser) byClause() {
	s := p.cl[clBy]
	if s.start < s.end && p.toks[s.start].kind == tokWord {
		w := trimRightSet(p.toks[s.start].s, ",;")
		name, addr, _ := splitHostIP(w)
		if name == "" && addr.IsValid() {
			p.r.By = strings.Trim(w, "[]")
			if i := strings.IndexByte(p.r.By, ']'); i >= 0 {
				p.r.By = p.r.By[:i]
			}
			p.r.ByIP = addr
		} else {
			p.r.By = strings.TrimSuffix(name, ".")
			if addr.IsValid() {
				p.r.ByIP = addr
			} else if a, _, ok := parseIP(name); ok {
				p.r.ByIP = a
			}
		}
	}
	if p.r.ByIP.IsValid() {
		return
	}
	for i := s.start; i < s.end; i++ {
		t := &p.toks[i]
		if t.kind != tokComment {
			continue
		}
		if a, ok := commentAddr(t.s); ok {
			p.r.ByIP = a
			return
		}
	}
}

// qmailComment reads qmail's own lines: "qmail 1234 invoked by uid 89",
// "qmail 87263 messnum 771997 invoked from network[83.70.48.2/host]",
// "qmail 123 invoked for bounce".
func (p *parser) qmailComment(c string) {
	i := indexFold(c, "invoked ")
	if i < 0 {
		return
	}
	p.setKind(KindLocal)
	rest := c[i+8:]
	if !hasPrefixFold(rest, "from network") {
		return
	}
	rest = rest[len("from network"):]
	if len(rest) > 0 && rest[0] == '[' {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			end = len(rest)
		}
		inner := rest[1:end]
		ipPart, host, _ := strings.Cut(inner, "/")
		if a, port, ok := parseIP(ipPart); ok && !p.r.FromIP.IsValid() {
			p.r.FromIP = a
			p.r.FromPort = port
			if host != "" && !unknownName(host) {
				p.r.FromRDNS = strings.TrimSuffix(host, ".")
			}
		}
	}
}

func stripAngle(s string) string {
	s = trimRightSet(s, ",;")
	if len(s) >= 2 && s[0] == '<' && s[len(s)-1] == '>' {
		s = s[1 : len(s)-1]
	}
	for len(s) >= 2 && s[0] == '<' && s[len(s)-1] == '>' {
		s = s[1 : len(s)-1]
	}
	return s
}

// nextField returns the first white-space separated field of s and the rest.
func nextField(s string) (string, string) {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	j := spaceFrom(s, i)
	return s[i:j], s[j:]
}

// spaceFrom returns the offset of the first white space at or after j in
// s, or len(s). It tests eight bytes at once for bytes below 0x21 (white
// space and the C0 controls), then each candidate with isSpace: the
// fields it ends are long (ciphers, hosts), and readKVTLS reads several per
// comment.
func spaceFrom(s string, j int) int {
	for j < len(s) {
		if w := s[j:]; len(w) >= 8 {
			x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
				uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56 // one load
			m := (x - 0x21*ones) &^ x & ctlMask8 // the lowest bit is a true byte below 0x21
			if m == 0 {
				j += 8
				continue
			}
			j += bits.TrailingZeros64(m) / 8
		}
		if isSpace(s[j]) {
			return j
		}
		j++
	}
	return len(s)
}

// trimRightSet is strings.TrimRight for a short ASCII cutset, without the
// set strings builds on every call (it showed in the profile).
func trimRightSet(s, set string) string {
	for len(s) > 0 && inSet(s[len(s)-1], set) {
		s = s[:len(s)-1]
	}
	return s
}

// trimSpace is strings.TrimSpace with a test first for the common case of
// nothing to trim: an ASCII byte other than white space at both ends.
func trimSpace(s string) string {
	if len(s) > 0 && !maybeSpace[s[0]] && !maybeSpace[s[len(s)-1]] {
		return s
	}
	return strings.TrimSpace(s)
}

// maybeSpace marks the bytes that are white space or may be part of
// white space for strings.TrimSpace: ASCII white space and every byte of a
// multi-byte UTF-8 sequence.
var maybeSpace = func() (t [256]bool) {
	for _, c := range "\t\n\v\f\r " {
		t[c] = true
	}
	for c := 0x80; c < 0x100; c++ {
		t[c] = true
	}
	return t
}()

// inSet reports whether c is one of the bytes of the short ASCII set: a
// loop over two or three bytes, cheaper than a call of strings.IndexByte.
func inSet(c byte, set string) bool {
	for i := 0; i < len(set); i++ {
		if set[i] == c {
			return true
		}
	}
	return false
}

// indexSign returns the offset of the first "+" or "-" in s, or -1.
func indexSign(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '+' || s[i] == '-' {
			return i
		}
	}
	return -1
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && equalFold(s[:len(prefix)], prefix)
}

// indexFold is a case-insensitive strings.Index for ASCII needles.
func indexFold(s, needle string) int {
	n := len(needle)
	if n == 0 {
		return 0
	}
	first := needle[0] | 0x20
	i := 0
	// Eight bytes at once to find the candidates for the first byte.
	for ; i+8 <= len(s); i += 8 {
		w := s[i : i+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56 // one load
		for m := zeroBytes((x | 0x20*ones) ^ uint64(first)*ones); m != 0; m &= m - 1 {
			k := i + bits.TrailingZeros64(m)/8
			if k+n > len(s) {
				return -1
			}
			if equalFold(s[k:k+n], needle) {
				return k
			}
		}
	}
	for ; i+n <= len(s); i++ {
		if s[i]|0x20 == first && equalFold(s[i:i+n], needle) {
			return i
		}
	}
	return -1
}

// finish decides kind, encryption and authentication, reads the date and
// records warnings.
func (p *parser) finish() {
	r := &p.r
	pr, known := lookupProto(r.WithRaw)
	if r.With == "local" {
		// Exim 4 "with local", "with local-bsmtp"; RFC 5321 4.4 leaves
		// local protocols unregistered.
		p.setKind(KindLocal)
		known = true
	}
	switch r.With {
	case "POP3", "IMAP", "POP3S", "IMAPS":
		// fetchmail and getmail record the mailbox protocol they read.
		p.setKind(KindRetrieval)
	}
	switch {
	case r.TLS.Encrypted == EncryptionYes || pr.tls:
		r.TLS.Encrypted = EncryptionYes
	case r.With == "HTTP":
		// Webmail ("with HTTP", GMX's "(via HTTP)") names the protocol
		// behind the provider's TLS-terminating front end; whether the
		// browser's connection was encrypted is not said.
		r.TLS.Encrypted = EncryptionUnknown
	case known || p.hints.microsoft == msExchange:
		// A server that records TLS when it is used (RFC 3848 "ESMTPS",
		// Exchange's "version=" comment) did not: plain text. IIS SMTPSVC
		// never records TLS, so its fields stay unknown.
		r.TLS.Encrypted = EncryptionNo
	default:
		r.TLS.Encrypted = EncryptionUnknown
	}
	if r.Auth == "" && pr.auth {
		r.Auth = pr.name
	}
	// Understood means a host was named (from or by) or a local injection
	// was recorded (qmail "invoked by uid", Postfix "from userid"); a
	// retrieval note alone (fetchmail) names neither.
	r.Parsed = r.By != "" || r.FromHELO != "" || r.FromIP.IsValid() || r.Kind == KindLocal
	if !r.Parsed {
		p.warn("no from or by clause understood")
	}
	if r.DateRaw == "" {
		p.warn("no date")
		return
	}
	d, zoned, ok := parseDateZone(r.DateRaw)
	if !ok {
		p.warn("unreadable date")
		return
	}
	if !zoned {
		p.warn("date without a known time zone, read as UTC")
	}
	r.Date = d
}

// equalFold is strings.EqualFold for ASCII text, without the Unicode
// folding the trace syntax never needs (and several times faster).
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		ca, cb := a[i], b[i]
		if ca == cb {
			continue
		}
		if ca >= 'A' && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if cb >= 'A' && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return false
		}
	}
	return true
}

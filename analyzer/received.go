package analyzer

import (
	"net/netip"
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

// ParseReceived parses one Received field value (unfolded: CRLF before white
// space removed; value only, without the "Received:" name). It never panics:
// a value it cannot read comes back with Parsed false and a warning. Index is
// left 0 for the caller to set; Raw is the value.
func ParseReceived(value string) (r Received) {
	defer func() {
		if e := recover(); e != nil {
			r = Received{Raw: value, Kind: KindRelay, TLS: TLS{Encrypted: EncryptionUnknown},
				Warnings: []string{"internal error while parsing the field"}}
		}
	}()
	return parseRcv(value)
}

// Token kinds.
const (
	rcvWord uint8 = iota
	rcvComment
)

// rcvTok is a word or a comment of a Received value. For a comment, s is the
// text between the outer parentheses.
type rcvTok struct {
	s     string
	off   int // offset of the token in the value
	end   int // offset just past the token
	kind  uint8
	glued bool // no white space between this token and the one before
}

// rcvMaxToks caps the tokens read from one field; real fields have fewer
// than 40.
const rcvMaxToks = 64

// Clauses of a Received field.
const (
	rcvClNone = iota
	rcvClFrom
	rcvClBy
	rcvClVia
	rcvClWith
	rcvClID
	rcvClFor
	rcvClCount
)

// rcvSpan is the range of tokens of one clause: the keyword is at start-1.
type rcvSpan struct {
	start, end int
	seen       bool
}

// rcvParser holds the state of parsing one field. It lives on the stack.
type rcvParser struct {
	v      string
	r      Received
	toks   [rcvMaxToks]rcvTok
	n      int
	cl     [rcvClCount]rcvSpan
	cutTok int // tokens from here on belong to the date (no ";" form)

	tlsEvidence  bool
	exim         bool
	microsoft    bool
	local        bool
	retrieval    bool
	commentFrom  bool // the from clause was written as a leading comment "(from x [ip])"
	qmailHandled bool
}

func parseRcv(value string) Received {
	var p rcvParser
	p.r = Received{Raw: value, Kind: KindRelay, TLS: TLS{Encrypted: EncryptionUnknown}}
	p.v = value
	p.run()
	return p.r
}

func (p *rcvParser) warn(w string) {
	p.r.Warnings = append(p.r.Warnings, w)
}

func (p *rcvParser) run() {
	v := p.v
	head := v
	semi := rcvLastTopSemicolon(v)
	if semi >= 0 {
		head = v[:semi]
		p.r.DateRaw = strings.TrimSpace(v[semi+1:])
	}
	// A leading comment "(from host [ip])" (some gateways) or "(from user@localhost)"
	// (Sendmail local submission) holds the from clause.
	lead := strings.TrimLeft(head, " \t\r\n")
	skip := len(head) - len(lead)
	if len(lead) > 6 && lead[0] == '(' && rcvEqualFold(lead[1:6], "from ") {
		end := rcvCommentEnd(lead)
		p.commentFrom = true
		p.tokenize(lead[1:end-1], skip+1)
		if end < len(lead) {
			p.tokenize(lead[end:], skip+end)
		}
	} else {
		p.tokenize(head, 0)
	}
	p.assignClauses(semi < 0)
	if p.cutTok < p.n && semi < 0 {
		p.r.DateRaw = strings.TrimSpace(v[p.toks[p.cutTok].off:])
	}

	// Comments and loose words anywhere carry TLS, authentication and
	// envelope information.
	for i := 0; i < p.cutTok; i++ {
		t := &p.toks[i]
		if t.kind == rcvComment {
			p.infoComment(t.s)
		} else {
			p.infoWord(i)
		}
	}
	if p.cl[rcvClBy].seen {
		p.byClause()
	}
	if p.cl[rcvClWith].seen {
		p.withClause()
	}
	if p.cl[rcvClVia].seen {
		p.r.Via = p.joinWords(p.cl[rcvClVia])
	}
	if s := p.cl[rcvClID]; s.seen && s.start < s.end && p.toks[s.start].kind == rcvWord {
		p.r.ID = strings.TrimRight(p.toks[s.start].s, ",;")
	}
	if s := p.cl[rcvClFor]; s.seen && s.start < s.end && p.toks[s.start].kind == rcvWord {
		p.r.For = rcvStripAngle(p.toks[s.start].s)
	}
	if p.cl[rcvClFrom].seen {
		p.fromClause()
	}
	p.finish()
}

// rcvLastTopSemicolon returns the offset of the last ";" outside comments, or
// -1. With unbalanced parentheses it falls back to the last ";" at all.
func rcvLastTopSemicolon(v string) int {
	depth, last := 0, -1
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '\\':
			if depth > 0 {
				i++
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
	if depth > 0 {
		if i := strings.LastIndexByte(v, ';'); i > last {
			// Only use it when the text after it looks like a date.
			if rcvLooksDate(v[i+1:]) {
				return i
			}
		}
	}
	return last
}

// rcvLooksDate reports whether s starts like a date-time.
func rcvLooksDate(s string) bool {
	_, ok := parseRcvDate(s)
	return ok
}

// rcvCommentEnd returns the offset just past the comment that starts s[0]=='('.
func rcvCommentEnd(s string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return len(s)
}

func rcvIsSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n'
}

// tokenize splits s (at offset base of the value) into words and comments.
// Commas and semicolons outside comments separate words like white space.
func (p *rcvParser) tokenize(s string, base int) {
	glued := false
	i := 0
	for i < len(s) {
		c := s[i]
		if rcvIsSpace(c) || c == ',' || c == ';' {
			glued = false
			i++
			continue
		}
		if c == ')' {
			i++
			continue
		}
		if p.n >= rcvMaxToks {
			p.warn("too many words, rest ignored")
			return
		}
		t := &p.toks[p.n]
		if c == '(' {
			end := rcvCommentEnd(s[i:]) + i
			inner := s[i+1 : end]
			if end > i+1 && s[end-1] == ')' {
				inner = s[i+1 : end-1]
			} else {
				p.warn("unclosed parenthesis")
			}
			*t = rcvTok{s: inner, off: base + i, end: base + end, kind: rcvComment, glued: glued && i > 0}
			p.n++
			i = end
			glued = true
			continue
		}
		j := i
	word:
		for j < len(s) {
			switch s[j] {
			case '[':
				k := strings.IndexByte(s[j:], ']')
				if k < 0 {
					j = len(s)
					break word
				}
				j += k + 1
			case '"':
				k := strings.IndexByte(s[j+1:], '"')
				if k < 0 {
					j = len(s)
					break word
				}
				j += k + 2
			case ' ', '\t', '\r', '\n', '(', ',', ';', ')':
				break word
			default:
				j++
			}
		}
		*t = rcvTok{s: s[i:j], off: base + i, end: base + j, kind: rcvWord, glued: glued}
		p.n++
		i = j
		glued = true
	}
}

// rcvKeyword maps a clause keyword to its clause, or rcvClNone.
func rcvKeyword(w string) int {
	switch len(w) {
	case 2:
		if rcvEqualFold(w, "by") {
			return rcvClBy
		}
		if rcvEqualFold(w, "id") {
			return rcvClID
		}
	case 3:
		if rcvEqualFold(w, "via") {
			return rcvClVia
		}
		if rcvEqualFold(w, "for") {
			return rcvClFor
		}
	case 4:
		if rcvEqualFold(w, "from") {
			return rcvClFrom
		}
		if rcvEqualFold(w, "with") {
			return rcvClWith
		}
	}
	return rcvClNone
}

// assignClauses walks the tokens and records the span of each clause. When
// the value had no ";", it also finds where the date starts.
func (p *rcvParser) assignClauses(findDate bool) {
	p.cutTok = p.n
	cur := rcvClNone
	curStart := 0
	for i := 0; i < p.n; i++ {
		t := &p.toks[i]
		if t.kind != rcvWord {
			continue
		}
		if findDate && i > curStart && (p.cl[rcvClBy].seen || p.cl[rcvClFrom].seen) && p.dateStartsAt(i) {
			p.cutTok = i
			break
		}
		k := rcvKeyword(t.s)
		if k == rcvClNone || p.cl[k].seen {
			continue
		}
		if k == rcvClFrom && p.cl[rcvClBy].seen {
			continue
		}
		// A keyword right after a keyword is the value of the first ("from by by x").
		if cur != rcvClNone && i == curStart {
			continue
		}
		if cur != rcvClNone {
			p.cl[cur].end = i
		}
		cur = k
		curStart = i + 1
		p.cl[k] = rcvSpan{start: i + 1, end: p.n, seen: true}
	}
	if cur != rcvClNone {
		p.cl[cur].end = p.cutTok
		if p.cl[cur].start > p.cutTok {
			p.cl[cur].start = p.cutTok
		}
	}
	// Text before the first keyword belongs to no clause; if the value starts
	// without a keyword but has words, treat them as the from clause only when
	// they look like "host (...)". Otherwise leave them.
}

// dateStartsAt reports whether a date starts at word i (for values that have
// no ";" before the date).
func (p *rcvParser) dateStartsAt(i int) bool {
	w := p.toks[i].s
	next := ""
	if i+1 < p.n && p.toks[i+1].kind == rcvWord {
		next = p.toks[i+1].s
	}
	if rcvDayName(w) {
		return next != "" && (rcvAllDigits(next) || rcvMonth(next) > 0)
	}
	if len(w) <= 2 && rcvAllDigits(w) {
		return rcvMonth(next) > 0
	}
	if len(w) == 10 && w[4] == '-' && w[7] == '-' && rcvAllDigits(w[:4]) {
		return true
	}
	return false
}

// joinWords returns the text of the words of a clause up to its first comment,
// as one substring of the value.
func (p *rcvParser) joinWords(s rcvSpan) string {
	if s.start >= s.end || p.toks[s.start].kind != rcvWord {
		return ""
	}
	last := s.start
	for i := s.start + 1; i < s.end && p.toks[i].kind == rcvWord; i++ {
		last = i
	}
	return p.v[p.toks[s.start].off:p.toks[last].end]
}

func (p *rcvParser) byClause() {
	s := p.cl[rcvClBy]
	if s.start < s.end && p.toks[s.start].kind == rcvWord {
		w := strings.TrimRight(p.toks[s.start].s, ",;")
		name, addr, _ := rcvSplitHostIP(w)
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
			} else if a, _, ok := parseRcvIP(name); ok {
				p.r.ByIP = a
			}
		}
	}
	if p.r.ByIP.IsValid() {
		return
	}
	for i := s.start; i < s.end; i++ {
		t := &p.toks[i]
		if t.kind != rcvComment {
			continue
		}
		if a, ok := rcvCommentAddr(t.s); ok {
			p.r.ByIP = a
			return
		}
	}
}

// rcvCommentAddr finds the address of a host in a by-clause comment: a
// bracketed address anywhere in it, or the whole comment being an address.
// Version strings such as "(Scalix 10.0.1.3)" are not taken.
func rcvCommentAddr(c string) (netip.Addr, bool) {
	c = strings.TrimSpace(c)
	if a, _, ok := parseRcvIP(c); ok {
		return a, true
	}
	for i := 0; i < len(c); i++ {
		if c[i] != '[' {
			continue
		}
		j := strings.IndexByte(c[i:], ']')
		if j < 0 {
			break
		}
		if a, _, ok := parseRcvIP(c[i : i+j+1]); ok {
			return a, true
		}
		i += j
	}
	return netip.Addr{}, false
}

func (p *rcvParser) withClause() {
	s := p.cl[rcvClWith]
	i := s.start
	// "with (DHE-RSA-AES256-SHA encrypted) SMTP": skip leading comments.
	for i < s.end && p.toks[i].kind == rcvComment {
		i++
	}
	if i >= s.end {
		return
	}
	w := p.toks[i].s
	raw := w
	// MessageLabs: "with ECDHE-RSA-AES256-GCM-SHA384 encrypted SMTP".
	if i+2 < s.end && p.toks[i+1].kind == rcvWord && rcvEqualFold(p.toks[i+1].s, "encrypted") &&
		p.toks[i+2].kind == rcvWord {
		p.setCipher(w)
		p.tlsEvidence = true
		i += 2
		w, raw = p.toks[i].s, p.toks[i].s
	}
	// "with ESMTP/TLS/ECDHE-RSA-AES256-GCM-SHA384".
	if j := strings.IndexByte(w, '/'); j > 0 {
		rest := w[j+1:]
		if rcvHasPrefixFold(rest, "TLS/") || rcvHasPrefixFold(rest, "SSL/") {
			p.setCipher(rest[4:])
			p.tlsEvidence = true
			w = w[:j]
		}
	}
	if rcvEqualFold(w, "Microsoft") {
		last := i
		for j := i + 1; j < s.end && p.toks[j].kind == rcvWord && j < i+4; j++ {
			last = j
		}
		raw = p.v[p.toks[i].off:p.toks[last].end]
		p.microsoft = true
	}
	p.r.WithRaw = raw
	if p.microsoft {
		// "Microsoft SMTP Server" (Exchange 2007+) speaks ESMTP; "Microsoft
		// SMTPSVC" is the IIS SMTP service.
		if len(raw) > 10 && rcvEqualFold(raw[10:], "SMTP Server") {
			p.r.With = "ESMTP"
			if p.tlsEvidence {
				p.r.With = "ESMTPS"
			}
		} else {
			p.r.With = "SMTP"
		}
		return
	}
	p.r.With = rcvNormProto(w)
	if p.r.With == "POP3S" || p.r.With == "IMAPS" {
		p.tlsEvidence = true
	}
}

// rcvProto is what is known about a protocol word.
type rcvProto struct {
	name string
	tls  bool
	auth bool
}

// rcvProtoTable lists the registered WITH protocol types (RFC 3848, RFC 6531,
// IANA "Mail Transmission Types") and common extensions.
func rcvLookupProto(w string) (rcvProto, bool) {
	switch len(w) {
	case 4:
		switch {
		case rcvEqualFold(w, "SMTP"):
			return rcvProto{name: "SMTP"}, true
		case rcvEqualFold(w, "LMTP"):
			return rcvProto{name: "LMTP"}, true
		case rcvEqualFold(w, "HTTP"):
			return rcvProto{name: "HTTP"}, true
		case rcvEqualFold(w, "IMAP"):
			return rcvProto{name: "IMAP"}, true
		case rcvEqualFold(w, "POP3"):
			return rcvProto{name: "POP3"}, true
		}
	case 5:
		switch {
		case rcvEqualFold(w, "ESMTP"):
			return rcvProto{name: "ESMTP"}, true
		case rcvEqualFold(w, "HTTPS"):
			return rcvProto{name: "HTTPS", tls: true}, true
		case rcvEqualFold(w, "SMTPS"):
			return rcvProto{name: "SMTPS", tls: true}, true
		case rcvEqualFold(w, "LMTPS"):
			return rcvProto{name: "LMTPS", tls: true}, true
		case rcvEqualFold(w, "LMTPA"):
			return rcvProto{name: "LMTPA", auth: true}, true
		case rcvEqualFold(w, "ASMTP"):
			return rcvProto{name: "ESMTPA", auth: true}, true
		case rcvEqualFold(w, "local"):
			return rcvProto{name: "local"}, true
		case rcvEqualFold(w, "IMAP4"):
			return rcvProto{name: "IMAP"}, true
		case rcvEqualFold(w, "IMAPS"):
			return rcvProto{name: "IMAPS", tls: true}, true
		case rcvEqualFold(w, "POP3S"):
			return rcvProto{name: "POP3S", tls: true}, true
		}
	case 6:
		switch {
		case rcvEqualFold(w, "ESMTPS"):
			return rcvProto{name: "ESMTPS", tls: true}, true
		case rcvEqualFold(w, "ESMTPA"):
			return rcvProto{name: "ESMTPA", auth: true}, true
		case rcvEqualFold(w, "LMTPSA"):
			return rcvProto{name: "LMTPSA", tls: true, auth: true}, true
		case rcvEqualFold(w, "HTTPSA"):
			return rcvProto{name: "HTTPSA", tls: true, auth: true}, true
		case rcvEqualFold(w, "SMTPSA"):
			return rcvProto{name: "SMTPSA", tls: true, auth: true}, true
		}
	case 7:
		if rcvEqualFold(w, "ESMTPSA") {
			return rcvProto{name: "ESMTPSA", tls: true, auth: true}, true
		}
	case 8:
		switch {
		case rcvEqualFold(w, "UTF8SMTP"):
			return rcvProto{name: "UTF8SMTP"}, true
		case rcvEqualFold(w, "UTF8LMTP"):
			return rcvProto{name: "UTF8LMTP"}, true
		}
	case 9:
		switch {
		case rcvEqualFold(w, "UTF8SMTPS"):
			return rcvProto{name: "UTF8SMTPS", tls: true}, true
		case rcvEqualFold(w, "UTF8SMTPA"):
			return rcvProto{name: "UTF8SMTPA", auth: true}, true
		case rcvEqualFold(w, "UTF8LMTPS"):
			return rcvProto{name: "UTF8LMTPS", tls: true}, true
		case rcvEqualFold(w, "UTF8LMTPA"):
			return rcvProto{name: "UTF8LMTPA", auth: true}, true
		}
	case 10:
		switch {
		case rcvEqualFold(w, "UTF8SMTPSA"):
			return rcvProto{name: "UTF8SMTPSA", tls: true, auth: true}, true
		case rcvEqualFold(w, "UTF8LMTPSA"):
			return rcvProto{name: "UTF8LMTPSA", tls: true, auth: true}, true
		}
	}
	return rcvProto{}, false
}

// rcvNormProto normalises a protocol word: registered names upper case,
// local submissions "local", anything else upper-cased as written.
func rcvNormProto(w string) string {
	if pr, ok := rcvLookupProto(w); ok {
		return pr.name
	}
	if len(w) > 6 && rcvEqualFold(w[:6], "local-") {
		return "local"
	}
	// getmail: "POP3-SSL", "IMAP4-SSL".
	if n := len(w); n > 4 && (rcvEqualFold(w[n-4:], "-SSL") || rcvEqualFold(w[n-4:], "-TLS")) {
		switch base := w[:n-4]; {
		case rcvEqualFold(base, "POP3"), rcvEqualFold(base, "POP"):
			return "POP3S"
		case rcvEqualFold(base, "IMAP4"), rcvEqualFold(base, "IMAP"):
			return "IMAPS"
		}
	}
	if rcvEqualFold(w, "mapi") {
		return "MAPI"
	}
	return strings.ToUpper(w)
}

// infoComment reads what a comment anywhere in the field says about TLS,
// authentication, the envelope sender and the kind of hop.
func (p *rcvParser) infoComment(c string) {
	c = strings.TrimSpace(c)
	if c == "" {
		return
	}
	r := &p.r
	switch {
	case rcvHasPrefixFold(c, "using "):
		// Postfix: "using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) ..."
		rest := c[6:]
		ver, rest := rcvNextField(rest)
		p.setTLSVersion(ver)
		if i := rcvIndexFold(rest, "cipher "); i >= 0 {
			ci, _ := rcvNextField(rest[i+7:])
			p.setCipher(ci)
		}
		p.tlsEvidence = true
		return
	case rcvHasPrefixFold(c, "Authenticated sender"):
		r.Auth = "authenticated sender"
		return
	case rcvHasPrefixFold(c, "authenticated"):
		if r.Auth == "" {
			r.Auth = "authenticated"
		}
		return
	case rcvHasPrefixFold(c, "AUTH:"):
		// Courier: "AUTH: LOGIN user, TLS: TLSv1/SSLv3,256bits,AES256-SHA"
		mech, _ := rcvNextField(c[5:])
		if mech != "" {
			r.Auth = strings.TrimRight(mech, ",")
		}
		if i := rcvIndexFold(c, "TLS: "); i >= 0 {
			p.courierTLS(c[i+5:])
		} else if i := rcvIndexFold(c, "SSL: "); i >= 0 {
			p.courierTLS(c[i+5:])
		}
		return
	case rcvHasPrefixFold(c, "TLS: ") || rcvHasPrefixFold(c, "SSL: "):
		p.courierTLS(c[5:])
		return
	case rcvHasPrefixFold(c, "envelope-from") || rcvHasPrefixFold(c, "envelope-sender"):
		i := strings.IndexAny(c, " \t<")
		if i > 0 {
			f, _ := rcvNextField(c[i:])
			if r.EnvelopeFrom == "" {
				r.EnvelopeFrom = rcvStripAngle(strings.TrimRight(f, ",;"))
			}
		}
		return
	case rcvHasPrefixFold(c, "via ") && r.WithRaw == "":
		// GMX / web.de webmail: "by web-mail.gmx.net (3c-app-...) (via HTTP)".
		if pr, ok := rcvLookupProto(strings.TrimSpace(c[4:])); ok {
			r.WithRaw, r.With = strings.TrimSpace(c[4:]), pr.name
		}
		return
	case rcvHasPrefixFold(c, "Google Transport Security"):
		p.tlsEvidence = true
		return
	case rcvHasPrefixFold(c, "Exim "):
		p.exim = true
		return
	case rcvHasPrefixFold(c, "qmail "):
		p.qmailComment(c)
		return
	case rcvHasPrefixFold(c, "fetchmail") || rcvIndexFold(c, "getmail") >= 0:
		p.retrieval = true
		return
	case rcvHasPrefixFold(c, "SquirrelMail authenticated") || rcvHasPrefixFold(c, "NaSMail authenticated"):
		if r.Auth == "" {
			r.Auth = "authenticated"
		}
		return
	case rcvHasPrefixFold(c, "account "):
		if r.Auth == "" {
			r.Auth = "account"
		}
		// CommuniGate may add "HELO x" here; the from clause reads it.
		return
	}
	if rcvIndexFold(c, "from userid") >= 0 || rcvIndexFold(c, "from uid ") >= 0 {
		p.local = true
	}
	if rcvIndexFold(c, "version=") >= 0 || rcvHasPrefixFold(c, "cipher=") {
		// Sendmail, Gmail, Microsoft: "version=TLSv1.3 cipher=... bits=256 verify=NOT",
		// "version=TLS1_2, cipher=TLS_ECDHE_...".
		rest := c
		for rest != "" {
			var f string
			f, rest = rcvNextField(rest)
			f = strings.TrimRight(f, ",;")
			switch {
			case rcvHasPrefixFold(f, "version="):
				p.setTLSVersion(f[8:])
				p.tlsEvidence = true
			case rcvHasPrefixFold(f, "cipher="):
				p.setCipher(f[7:])
				p.tlsEvidence = true
			}
		}
		return
	}
	if rcvTLSVersionWord(c) {
		// Exim / OpenSMTPD: "TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256",
		// "TLSv1.3:TLS_AES_256_GCM_SHA384:256:NO", or "TLS1.3" alone.
		ver, rest, _ := strings.Cut(c, ":")
		p.setTLSVersion(ver)
		if rest != "" {
			ci, _, _ := strings.Cut(rest, ":")
			p.setCipher(ci)
		}
		p.tlsEvidence = true
		return
	}
	if n := len(c); n > 10 && rcvEqualFold(c[n-10:], " encrypted") {
		// "(DHE-RSA-AES256-SHA encrypted)"
		p.setCipher(c[:n-10])
		p.tlsEvidence = true
	}
}

// courierTLS reads Courier's "TLSv1/SSLv3,256bits,AES256-SHA".
func (p *rcvParser) courierTLS(s string) {
	s, _, _ = strings.Cut(s, ")")
	f1, rest, _ := strings.Cut(s, ",")
	p.setTLSVersion(strings.TrimSpace(f1))
	_, ci, _ := strings.Cut(rest, ",")
	ci, _ = rcvNextField(ci)
	p.setCipher(strings.TrimRight(ci, ",;"))
	p.tlsEvidence = true
}

// qmailComment reads qmail's own lines: "qmail 1234 invoked by uid 89",
// "qmail 87263 messnum 771997 invoked from network[83.70.48.2/host]",
// "qmail 123 invoked for bounce".
func (p *rcvParser) qmailComment(c string) {
	i := rcvIndexFold(c, "invoked ")
	if i < 0 {
		return
	}
	p.local = true
	p.qmailHandled = true
	rest := c[i+8:]
	if !rcvHasPrefixFold(rest, "from network") {
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
		if a, port, ok := parseRcvIP(ipPart); ok && !p.r.FromIP.IsValid() {
			p.r.FromIP = a
			p.r.FromPort = port
			if host != "" && !rcvUnknownName(host) {
				p.r.FromRDNS = strings.TrimSuffix(host, ".")
			}
		}
	}
}

// infoWord reads loose words outside comments: Exim and RFC 8314 "tls
// <cipher>", OpenSMTPD "auth=yes", Exim log style "X=TLS1.2:cipher:256".
func (p *rcvParser) infoWord(i int) {
	w := p.toks[i].s
	switch {
	case len(w) == 3 && rcvEqualFold(w, "tls"):
		if i+1 < p.cutTok && p.toks[i+1].kind == rcvWord {
			v := p.toks[i+1].s
			switch {
			case rcvTLSVersionWord(v):
				p.setTLSVersion(v)
			case strings.ContainsAny(v, "_-"):
				p.setCipher(v)
			}
			// Also old Hotmail "over TLS secured channel".
			p.tlsEvidence = true
		}
	case rcvHasPrefixFold(w, "auth="):
		if !rcvEqualFold(w[5:], "no") && p.r.Auth == "" {
			p.r.Auth = "authenticated"
		}
	case rcvHasPrefixFold(w, "X=") && rcvTLSVersionWord(w[2:]):
		ver, rest, _ := strings.Cut(w[2:], ":")
		p.setTLSVersion(ver)
		ci, _, _ := strings.Cut(rest, ":")
		p.setCipher(ci)
		p.tlsEvidence = true
	}
}

func (p *rcvParser) setTLSVersion(v string) {
	v = strings.TrimRight(v, ",;)")
	if v == "" || p.r.TLS.Version != "" {
		return
	}
	p.r.TLS.Version = rcvNormTLSVersion(v)
}

func (p *rcvParser) setCipher(c string) {
	c = strings.TrimRight(c, ",;)")
	if c == "" || p.r.TLS.Cipher != "" {
		return
	}
	p.r.TLS.Cipher = c
}

// rcvTLSVersionWord reports whether s starts with a TLS/SSL version such as
// "TLSv1.2", "TLS1_3", "TLS-1.0", "SSLv3".
func rcvTLSVersionWord(s string) bool {
	if len(s) < 4 || !(rcvHasPrefixFold(s, "TLS") || rcvHasPrefixFold(s, "SSL")) {
		return false
	}
	c := s[3]
	if c == 'v' || c == 'V' || c == '-' || c == '_' {
		if len(s) < 5 {
			return false
		}
		c = s[4]
	}
	return c >= '0' && c <= '9'
}

// rcvNormTLSVersion turns the spellings of the MTAs into "TLSv1.2",
// "TLSv1.3", "SSLv3", ... Unknown spellings are kept.
func rcvNormTLSVersion(v string) string {
	if !rcvTLSVersionWord(v) {
		return v
	}
	ssl := v[0] == 'S' || v[0] == 's'
	num := v[3:]
	if num[0] == 'v' || num[0] == 'V' || num[0] == '-' || num[0] == '_' {
		num = num[1:]
	}
	if strings.HasPrefix(num, "1/SSLv3") || strings.HasPrefix(num, "1/SSLV3") {
		return "TLSv1/SSLv3"
	}
	// Cut trailing non-version text.
	end := 0
	for end < len(num) && (num[end] >= '0' && num[end] <= '9' || num[end] == '.' || num[end] == '_') {
		end++
	}
	num = num[:end]
	if ssl {
		switch num {
		case "2", "2.0", "2_0":
			return "SSLv2"
		case "3", "3.0", "3_0":
			return "SSLv3"
		}
		return v
	}
	switch num {
	case "1", "1.0", "1_0":
		return "TLSv1.0"
	case "1.1", "1_1":
		return "TLSv1.1"
	case "1.2", "1_2":
		return "TLSv1.2"
	case "1.3", "1_3":
		return "TLSv1.3"
	}
	return v
}

// rcvFromState collects what the from clause says before deciding.
type rcvFromState struct {
	word       string // the first word after "from" (the HELO name in most dialects)
	wordIsIP   bool   // word is a bare address "1.2.3.4"
	wordIsLit  bool   // word is an address literal "[1.2.3.4]"
	wordAddr   netip.Addr
	wordPort   uint16
	wordName   string // name part of "name[1.2.3.4]"
	wordBrAddr netip.Addr

	ipBracket, ipBare, ipOuter netip.Addr
	portBracket, portBare      uint16
	portOuter                  uint16

	helo         string
	heloSet      bool
	heloCmdStyle bool // "(HELO x)" comment (qmail, CommuniGate)
	heloKVStyle  bool // "helo=x" (Exim, ecelerity, GMX)
	rdnsName     string
	rdnsSet      bool
	rdnsUnknown  bool
	verified     bool
	parenName    string // "(name)" comment without address (old Exim)
	gluedBare    bool   // "name(1.2.3.4)"
	bareComment  bool   // a comment holding just an address
	bracketOnly  bool   // a comment "[ip]" with nothing but helo=/port
	claiming     string
}

func (p *rcvParser) fromClause() {
	sp := p.cl[rcvClFrom]
	var f rcvFromState
	i := sp.start
	if i < sp.end && p.toks[i].kind == rcvWord {
		w := strings.TrimRight(p.toks[i].s, ",;")
		f.word = w
		if a, port, ok := parseRcvIP(w); ok {
			f.wordAddr, f.wordPort = a, port
			if w[0] == '[' {
				f.wordIsLit = true
			} else {
				f.wordIsIP = true
			}
		} else if name, a, ok := rcvSplitHostIP(w); ok && name != "" && a.IsValid() {
			f.wordName, f.wordBrAddr = name, a
		}
		i++
	}
	for ; i < sp.end; i++ {
		t := &p.toks[i]
		if t.kind == rcvComment {
			p.fromComment(&f, t, i == sp.start+1)
			continue
		}
		w := t.s
		switch {
		case w[0] == '[':
			if a, port, ok := parseRcvIP(w); ok && !f.ipOuter.IsValid() {
				f.ipOuter, f.portOuter = a, port
			}
		case rcvEqualFold(w, "claiming") && i+3 < sp.end+1:
			// smtpd: "claiming to be "foo.example""
			for j := i + 1; j < sp.end && j < i+4; j++ {
				if s := p.toks[j].s; p.toks[j].kind == rcvWord && len(s) > 1 && s[0] == '"' {
					f.claiming = strings.Trim(s, "\"")
					break
				}
			}
		}
	}

	r := &p.r
	// The client address: a bracketed address in a comment first, then a
	// bare one in a comment, then a bracket outside, then the word itself.
	used := ""
	switch {
	case f.ipBracket.IsValid():
		r.FromIP, r.FromPort = f.ipBracket, f.portBracket
	case f.ipBare.IsValid():
		r.FromIP, r.FromPort = f.ipBare, f.portBare
	case f.ipOuter.IsValid():
		r.FromIP, r.FromPort = f.ipOuter, f.portOuter
		used = "outer"
	case f.wordBrAddr.IsValid():
		r.FromIP = f.wordBrAddr
		used = "wordname"
	case f.wordAddr.IsValid():
		r.FromIP, r.FromPort = f.wordAddr, f.wordPort
		used = "word"
	case r.FromIP.IsValid():
		// from a qmail comment
	}

	// HELO.
	switch {
	case f.heloSet:
		r.FromHELO = f.helo
	case f.claiming != "":
		r.FromHELO = f.claiming
	case f.parenName != "" && r.FromIP.IsValid() && used == "outer":
		r.FromHELO = f.parenName
	case used == "wordname":
		r.FromHELO = ""
	case used == "word" && f.wordIsIP:
		r.FromHELO = ""
	case f.gluedBare:
		r.FromHELO = ""
	default:
		r.FromHELO = f.word
	}

	// Reverse DNS name as the receiver recorded it.
	wordIsName := f.word != "" && !f.wordIsIP && !f.wordIsLit && f.wordName == "" && !rcvUnknownName(f.word) &&
		strings.IndexByte(f.word, '@') < 0
	switch {
	case f.rdnsSet:
		if !f.rdnsUnknown {
			r.FromRDNS = f.rdnsName
		}
	case f.rdnsUnknown:
	case f.wordName != "":
		if !rcvUnknownName(f.wordName) {
			r.FromRDNS = f.wordName
		}
	case f.heloCmdStyle:
		if f.word != "" && !rcvUnknownName(f.word) && !f.wordIsLit {
			r.FromRDNS = f.word
		}
	case !wordIsName:
	case f.heloKVStyle, f.verified, f.gluedBare:
		r.FromRDNS = f.word
	case f.parenName != "" && used == "outer":
		r.FromRDNS = f.word
	case f.bracketOnly && p.exim:
		r.FromRDNS = f.word
	case f.bareComment && !p.microsoft && f.portBare == 0 && strings.IndexByte(f.word, '.') > 0 &&
		r.With != "MAPI" && !strings.HasPrefix(r.With, "HTTP"):
		// qmail "from host (1.2.3.4)": the name is the verified reverse name.
		r.FromRDNS = f.word
	}
	if r.FromRDNS != "" {
		r.FromRDNS = strings.TrimSuffix(r.FromRDNS, ".")
	}
	if p.commentFrom && !r.FromIP.IsValid() {
		// Sendmail "(from user@localhost) by host (8.x/Submit)": a user, not a HELO.
		p.local = true
		if at := strings.LastIndexByte(f.word, '@'); at > 0 && r.FromHELO == f.word {
			r.Ident = f.word[:at]
			r.FromHELO = ""
		}
	}
}

// fromComment reads one comment of the from clause.
func (p *rcvParser) fromComment(f *rcvFromState, t *rcvTok, first bool) {
	c := t.s
	if rcvInfoPrefix(c) {
		return
	}
	// Fields of the comment, split at white space; nested comments and
	// bracketed literals are kept whole.
	pendName := ""
	pendIdent := ""
	fieldNo := 0
	haveAddr := false
	onlyAddr := true
	expectHELO := false
	rest := c
	for {
		fld, r2 := rcvCommentField(rest)
		rest = r2
		if fld == "" {
			break
		}
		fieldNo++
		if expectHELO {
			expectHELO = false
			if fld[0] != '(' {
				f.helo, f.heloSet = strings.TrimRight(fld, ","), true
				continue
			}
		}
		if fld[0] == '(' {
			// "(may be forged)" and similar nested notes.
			continue
		}
		if fld[0] == '/' && len(fld) > 1 {
			// Oracle Beehive "(/192.0.2.1)".
			fld = fld[1:]
		}
		switch {
		case rcvIsHELOCmd(fld):
			p.r.HELOCmd = strings.ToUpper(fld)
			f.heloCmdStyle = true
			f.heloSet = true
			f.helo = ""
			expectHELO = true
			onlyAddr = false
			continue
		case rcvHasPrefixFold(fld, "helo="):
			f.helo, f.heloSet = strings.TrimRight(fld[5:], ","), true
			f.heloKVStyle = true
			if p.r.HELOCmd == "" {
				p.r.HELOCmd = "HELO"
			}
			continue
		case rcvHasPrefixFold(fld, "ident="):
			p.r.Ident = strings.TrimRight(fld[6:], ",")
			continue
		case rcvHasPrefixFold(fld, "port="):
			continue
		case rcvEqualFold(fld, "verified"):
			f.verified = true
			continue
		case rcvEqualFold(fld, "unverified"):
			continue
		case rcvEqualFold(fld, "account") && fieldNo == 1:
			// CommuniGate "(account user@example.org [ip] verified)": the
			// account name is no host.
			_, rest = rcvCommentField(rest)
			fieldNo = 0
			onlyAddr = false
			continue
		}
		if fld[0] == '[' {
			if a, port, ok := parseRcvIP(fld); ok {
				if !f.ipBracket.IsValid() {
					f.ipBracket, f.portBracket = a, port
				}
				haveAddr = true
				if pendName != "" && !f.rdnsSet {
					f.rdnsName, f.rdnsSet = pendName, true
					if rcvUnknownName(pendName) {
						f.rdnsUnknown = true
					}
					if pendIdent != "" && p.r.Ident == "" {
						p.r.Ident = pendIdent
					}
				} else if fieldNo == 1 {
					f.bracketOnly = true
				}
				continue
			}
			onlyAddr = false
			continue
		}
		if a, port, ok := parseRcvIP(fld); ok {
			if !f.ipBare.IsValid() {
				f.ipBare, f.portBare = a, port
			}
			haveAddr = true
			if fieldNo == 1 {
				f.bareComment = true
				if t.glued && first {
					f.gluedBare = true
				}
			}
			continue
		}
		if name, a, ok := rcvSplitHostIP(fld); ok && a.IsValid() && name != "" {
			// "unknown[1.2.3.4]", "user@host[127.0.0.1]"
			if !f.ipBracket.IsValid() {
				f.ipBracket = a
			}
			haveAddr = true
			if at := strings.LastIndexByte(name, '@'); at >= 0 {
				name = name[at+1:]
			}
			if !f.rdnsSet && name != "" {
				f.rdnsName, f.rdnsSet = name, true
				f.rdnsUnknown = rcvUnknownName(name)
			}
			continue
		}
		if at := strings.LastIndexByte(fld, '@'); at > 0 {
			user, host := fld[:at], fld[at+1:]
			user = strings.TrimPrefix(user, "IDENT:")
			if a, port, ok := parseRcvIP(host); ok {
				// qmail "(user@1.2.3.4)"
				if !f.ipBare.IsValid() {
					f.ipBare, f.portBare = a, port
				}
				if p.r.Ident == "" {
					p.r.Ident = user
				}
				haveAddr = true
				if fieldNo == 1 {
					f.bareComment = true
				}
				continue
			}
			if fieldNo == 1 {
				pendName, pendIdent = host, user
			}
			onlyAddr = false
			continue
		}
		if fieldNo == 1 && rcvHostLike(fld) {
			pendName = fld
			if rcvUnknownName(fld) {
				f.rdnsUnknown = true
			}
		}
		onlyAddr = false
	}
	if !haveAddr && fieldNo == 1 && pendName != "" && pendIdent == "" && !rcvUnknownName(pendName) && f.parenName == "" {
		f.parenName = pendName
	}
	if !onlyAddr {
		f.bracketOnly = false
	}
}

// rcvCommentField returns the next white-space separated field of a comment;
// nested comments and bracketed literals are one field each.
func rcvCommentField(s string) (string, string) {
	i := 0
	for i < len(s) && (rcvIsSpace(s[i]) || s[i] == ',') {
		i++
	}
	if i >= len(s) {
		return "", ""
	}
	if s[i] == '(' {
		end := rcvCommentEnd(s[i:]) + i
		return s[i:end], s[end:]
	}
	j := i
	for j < len(s) {
		c := s[j]
		if c == '[' {
			k := strings.IndexByte(s[j:], ']')
			if k < 0 {
				j = len(s)
				break
			}
			j += k + 1
			continue
		}
		if rcvIsSpace(c) || c == '(' {
			break
		}
		j++
	}
	return s[i:j], s[j:]
}

// rcvInfoPrefix reports whether a comment is an informational note that never
// holds the client's address.
func rcvInfoPrefix(c string) bool {
	c = strings.TrimLeft(c, " \t")
	for _, pre := range [...]string{
		"using ", "Authenticated sender", "authenticated", "AUTH:", "TLS:", "SSL:",
		"No client certificate", "Client did not present", "Client CN", "envelope-",
		"version=", "cipher=", "Exim ", "qmail ", "Google Transport", "SquirrelMail",
		"NaSMail", "may be forged", "Postfix", "amavisd",
	} {
		if rcvHasPrefixFold(c, pre) {
			return true
		}
	}
	return false
}

func rcvIsHELOCmd(s string) bool {
	return len(s) == 4 && (rcvEqualFold(s, "HELO") || rcvEqualFold(s, "EHLO") || rcvEqualFold(s, "LHLO"))
}

// rcvUnknownName reports whether a name stands for "no reverse DNS name".
func rcvUnknownName(s string) bool {
	return rcvEqualFold(s, "unknown") || rcvEqualFold(s, "softdnserr") ||
		rcvEqualFold(s, "dnserr") || rcvEqualFold(s, "unverified")
}

// rcvHostLike reports whether s could be a host name.
func rcvHostLike(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

// rcvSplitHostIP splits "name[1.2.3.4]" or "name[1.2.3.4]:25". ok is false
// when s has no bracket; name is s when the bracket is not an address.
func rcvSplitHostIP(s string) (name string, addr netip.Addr, ok bool) {
	i := strings.IndexByte(s, '[')
	if i < 0 {
		return s, netip.Addr{}, false
	}
	a, _, good := parseRcvIP(s[i:])
	if !good {
		return s, netip.Addr{}, false
	}
	return s[:i], a, true
}

// parseRcvIP parses the address forms found in Received fields: "1.2.3.4",
// "[1.2.3.4]", "[1.2.3.4]:25", "[1.2.3.4:25]", "1.2.3.4:25", "1.2.3.4.25",
// "[IPv6:2001:db8::1]", "::ffff:1.2.3.4" (unmapped), "fe80::1%eth0" (zone
// dropped). The port is 0 when absent.
func parseRcvIP(s string) (netip.Addr, uint16, bool) {
	var port uint16
	for len(s) > 3 && s[0] == '[' && s[1] == '[' && s[len(s)-1] == ']' && s[len(s)-2] == ']' {
		s = s[1 : len(s)-1]
	}
	if len(s) > 0 && s[0] == '[' {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return netip.Addr{}, 0, false
		}
		if tail := s[end+1:]; tail != "" {
			if tail[0] != ':' && tail[0] != '.' {
				return netip.Addr{}, 0, false
			}
			pn, ok := rcvPort(tail[1:])
			if !ok {
				return netip.Addr{}, 0, false
			}
			port = pn
		}
		s = s[1:end]
		if len(s) > 5 && rcvHasPrefixFold(s, "IPv6:") {
			s = s[5:]
		}
	}
	if s == "" || len(s) > 64 {
		return netip.Addr{}, 0, false
	}
	c := s[0]
	if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':') {
		return netip.Addr{}, 0, false
	}
	if i := strings.IndexByte(s, '%'); i >= 0 {
		s = s[:i]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.') {
			return netip.Addr{}, 0, false
		}
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), port, true
	}
	// IPv4 with a port: "1.2.3.4:25" or "1.2.3.4.25".
	if i := strings.LastIndexByte(s, ':'); i > 0 && strings.IndexByte(s[:i], ':') < 0 {
		if a, err := netip.ParseAddr(s[:i]); err == nil && a.Is4() {
			if pn, ok := rcvPort(s[i+1:]); ok && port == 0 {
				return a, pn, true
			}
		}
		return netip.Addr{}, 0, false
	}
	if strings.Count(s, ".") == 4 && strings.IndexByte(s, ':') < 0 {
		i := strings.LastIndexByte(s, '.')
		if a, err := netip.ParseAddr(s[:i]); err == nil {
			if pn, ok := rcvPort(s[i+1:]); ok && port == 0 {
				return a, pn, true
			}
		}
	}
	return netip.Addr{}, 0, false
}

func rcvPort(s string) (uint16, bool) {
	if s == "" || len(s) > 5 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	if n > 65535 {
		return 0, false
	}
	return uint16(n), true
}

func rcvStripAngle(s string) string {
	s = strings.TrimRight(s, ",;")
	if len(s) >= 2 && s[0] == '<' && s[len(s)-1] == '>' {
		s = s[1 : len(s)-1]
	}
	for len(s) >= 2 && s[0] == '<' && s[len(s)-1] == '>' {
		s = s[1 : len(s)-1]
	}
	return s
}

// rcvNextField returns the first white-space separated field of s and the rest.
func rcvNextField(s string) (string, string) {
	i := 0
	for i < len(s) && rcvIsSpace(s[i]) {
		i++
	}
	j := i
	for j < len(s) && !rcvIsSpace(s[j]) {
		j++
	}
	return s[i:j], s[j:]
}

func rcvHasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && rcvEqualFold(s[:len(prefix)], prefix)
}

// rcvIndexFold is a case-insensitive strings.Index for ASCII needles.
func rcvIndexFold(s, needle string) int {
	n := len(needle)
	if n == 0 {
		return 0
	}
	first := needle[0] | 0x20
	for i := 0; i+n <= len(s); i++ {
		if s[i]|0x20 == first && rcvEqualFold(s[i:i+n], needle) {
			return i
		}
	}
	return -1
}

// finish decides kind, encryption and authentication, reads the date and
// records warnings.
func (p *rcvParser) finish() {
	r := &p.r
	pr, known := rcvLookupProto(r.WithRaw)
	if r.With == "local" {
		p.local = true
		known = true
	}
	switch r.With {
	case "POP3", "IMAP", "POP3S", "IMAPS":
		p.retrieval = true
	}
	switch {
	case p.tlsEvidence || pr.tls:
		r.TLS.Encrypted = EncryptionYes
	case r.With == "HTTP":
		// Webmail ("with HTTP", GMX's "(via HTTP)") names the protocol
		// behind the provider's TLS-terminating front end; whether the
		// browser's connection was encrypted is not said.
		r.TLS.Encrypted = EncryptionUnknown
	case known || p.microsoft:
		r.TLS.Encrypted = EncryptionNo
	default:
		r.TLS.Encrypted = EncryptionUnknown
	}
	if r.Auth == "" && pr.auth {
		r.Auth = pr.name
	}
	switch {
	case p.retrieval:
		r.Kind = KindRetrieval
	case p.local:
		r.Kind = KindLocal
	}
	r.Parsed = r.By != "" || r.FromHELO != "" || r.FromIP.IsValid() || p.qmailHandled
	if !r.Parsed {
		p.warn("no from or by clause understood")
	}
	if r.DateRaw == "" {
		p.warn("no date")
		return
	}
	d, zoned, ok := parseRcvDateZone(r.DateRaw)
	if !ok {
		p.warn("unreadable date")
		return
	}
	if !zoned {
		p.warn("date without a known time zone, read as UTC")
	}
	r.Date = d
}

// rcvEqualFold is strings.EqualFold for ASCII text, without the Unicode
// folding the trace syntax never needs (and several times faster).
func rcvEqualFold(a, b string) bool {
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

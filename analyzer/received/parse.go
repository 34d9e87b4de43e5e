package received

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

// Parse parses one Received field value (unfolded: CRLF before white space
// removed; value only, without the "Received:" name). A value it cannot read
// comes back with Parsed false and a warning. Index is left 0 for the caller
// to set; Raw is the value.
//
// Parse has no recover: it must not panic on any input, and a panic is a bug
// for FuzzParseReceived to find, not something to hide as a warning.
func Parse(value string) Received {
	var p parser
	p.r = Received{Raw: value, Kind: KindRelay, TLS: TLS{Encrypted: EncryptionUnknown}}
	p.v = value
	p.run()
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
}

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

	hints hints
}

// hints are what one rule learns about the dialect and another rule reads.
// Everything else a rule learns goes straight into the record (TLS.Encrypted,
// Kind), so that later rules see it there.
type hints struct {
	exim        bool // an "(Exim x.y)" comment: set by readExim, read by fromClause
	microsoft   bool // "with Microsoft SMTP Server/SMTPSVC": set by withClause, read by fromClause and finish
	commentFrom bool // the from clause was written as a leading comment "(from x [ip])": set by run, read by fromClause
}

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
	v := p.v
	head := v
	semi := lastTopSemicolon(v)
	if semi >= 0 {
		head = v[:semi]
		p.r.DateRaw = strings.TrimSpace(v[semi+1:])
	}
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

// lastTopSemicolon returns the offset of the last ";" outside comments, or
// -1. With unbalanced parentheses it falls back to the last ";" at all.
func lastTopSemicolon(v string) int {
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
			if looksDate(v[i+1:]) {
				return i
			}
		}
	}
	return last
}

// looksDate reports whether s starts like a date-time.
func looksDate(s string) bool {
	_, ok := ParseDate(s)
	return ok
}

// commentEnd returns the offset just past the comment that starts s[0]=='('.
func commentEnd(s string) int {
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

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n'
}

// tokenize splits s (at offset base of the value) into words and comments.
// Commas and semicolons outside comments separate words like white space.
func (p *parser) tokenize(s string, base int) {
	glued := false
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
			return
		}
		t := &p.toks[p.n]
		if c == '(' {
			end := commentEnd(s[i:]) + i
			inner := s[i+1 : end]
			if end > i+1 && s[end-1] == ')' {
				inner = s[i+1 : end-1]
			} else {
				p.warn("unclosed parenthesis")
			}
			*t = token{s: inner, off: base + i, end: base + end, kind: tokComment, glued: glued && i > 0}
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
		*t = token{s: s[i:j], off: base + i, end: base + j, kind: tokWord, glued: glued}
		p.n++
		i = j
		glued = true
	}
}

// assignClauses walks the tokens and records the span of each clause. When
// the value had no ";", it also finds where the date starts.
func (p *parser) assignClauses(findDate bool) {
	p.cutTok = p.n
	cur := clNone
	curStart := 0
	for i := 0; i < p.n; i++ {
		t := &p.toks[i]
		if t.kind != tokWord {
			continue
		}
		if findDate && i > curStart && (p.cl[clBy].seen || p.cl[clFrom].seen) && p.dateStartsAt(i) {
			p.cutTok = i
			break
		}
		k := keyword(t.s)
		if k == clNone || p.cl[k].seen {
			continue
		}
		if k == clFrom && p.cl[clBy].seen {
			continue
		}
		// A keyword right after a keyword is the value of the first ("from by by x").
		if cur != clNone && i == curStart {
			continue
		}
		if cur != clNone {
			p.cl[cur].end = i
		}
		cur = k
		curStart = i + 1
		p.cl[k] = span{start: i + 1, end: p.n, seen: true}
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

// dateStartsAt reports whether a date starts at word i (for values that have
// no ";" before the date).
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
		} else {
			p.readWord(i)
		}
	}
}

func (p *parser) viaClause() {
	p.r.Via = p.joinWords(p.cl[clVia])
}

func (p *parser) idClause() {
	if s := p.cl[clID]; s.start < s.end && p.toks[s.start].kind == tokWord {
		p.r.ID = strings.TrimRight(p.toks[s.start].s, ",;")
	}
}

func (p *parser) forClause() {
	if s := p.cl[clFor]; s.start < s.end && p.toks[s.start].kind == tokWord {
		p.r.For = stripAngle(p.toks[s.start].s)
	}
}

func (p *parser) byClause() {
	s := p.cl[clBy]
	if s.start < s.end && p.toks[s.start].kind == tokWord {
		w := strings.TrimRight(p.toks[s.start].s, ",;")
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

// commentAddr finds the address of a host in a by-clause comment: a
// bracketed address anywhere in it, or the whole comment being an address.
// Version strings such as "(Scalix 10.0.1.3)" are not taken.
func commentAddr(c string) (netip.Addr, bool) {
	c = strings.TrimSpace(c)
	if a, _, ok := parseIP(c); ok {
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
		if a, _, ok := parseIP(c[i : i+j+1]); ok {
			return a, true
		}
		i += j
	}
	return netip.Addr{}, false
}

func (p *parser) withClause() {
	s := p.cl[clWith]
	i := s.start
	// "with (DHE-RSA-AES256-SHA encrypted) SMTP": skip leading comments.
	for i < s.end && p.toks[i].kind == tokComment {
		i++
	}
	if i >= s.end {
		return
	}
	w := p.toks[i].s
	raw := w
	// MessageLabs: "with ECDHE-RSA-AES256-GCM-SHA384 encrypted SMTP".
	if i+2 < s.end && p.toks[i+1].kind == tokWord && equalFold(p.toks[i+1].s, "encrypted") &&
		p.toks[i+2].kind == tokWord {
		p.setCipher(w)
		p.encrypted()
		i += 2
		w, raw = p.toks[i].s, p.toks[i].s
	}
	// "with ESMTP/TLS/ECDHE-RSA-AES256-GCM-SHA384".
	if j := strings.IndexByte(w, '/'); j > 0 {
		rest := w[j+1:]
		if hasPrefixFold(rest, "TLS/") || hasPrefixFold(rest, "SSL/") {
			p.setCipher(rest[4:])
			p.encrypted()
			w = w[:j]
		}
	}
	if equalFold(w, "Microsoft") {
		last := i
		for j := i + 1; j < s.end && p.toks[j].kind == tokWord && j < i+4; j++ {
			last = j
		}
		raw = p.v[p.toks[i].off:p.toks[last].end]
		p.hints.microsoft = true
	}
	p.r.WithRaw = raw
	if p.hints.microsoft {
		// "Microsoft SMTP Server" (Exchange 2007+) speaks ESMTP; "Microsoft
		// SMTPSVC" is the IIS SMTP service.
		if len(raw) > 10 && equalFold(raw[10:], "SMTP Server") {
			p.r.With = "ESMTP"
			if p.r.TLS.Encrypted == EncryptionYes {
				p.r.With = "ESMTPS"
			}
		} else {
			p.r.With = "SMTP"
		}
		return
	}
	p.r.With = normProto(w)
	if p.r.With == "POP3S" || p.r.With == "IMAPS" {
		p.encrypted()
	}
}

// proto is what is known about a protocol word.
type proto struct {
	name string
	tls  bool
	auth bool
}

// protoTable lists the registered WITH protocol types (RFC 3848, RFC 6531,
// IANA "Mail Transmission Types") and common extensions.
func lookupProto(w string) (proto, bool) {
	switch len(w) {
	case 4:
		switch {
		case equalFold(w, "SMTP"):
			return proto{name: "SMTP"}, true
		case equalFold(w, "LMTP"):
			return proto{name: "LMTP"}, true
		case equalFold(w, "HTTP"):
			return proto{name: "HTTP"}, true
		case equalFold(w, "IMAP"):
			return proto{name: "IMAP"}, true
		case equalFold(w, "POP3"):
			return proto{name: "POP3"}, true
		}
	case 5:
		switch {
		case equalFold(w, "ESMTP"):
			return proto{name: "ESMTP"}, true
		case equalFold(w, "HTTPS"):
			return proto{name: "HTTPS", tls: true}, true
		case equalFold(w, "SMTPS"):
			return proto{name: "SMTPS", tls: true}, true
		case equalFold(w, "LMTPS"):
			return proto{name: "LMTPS", tls: true}, true
		case equalFold(w, "LMTPA"):
			return proto{name: "LMTPA", auth: true}, true
		case equalFold(w, "ASMTP"):
			return proto{name: "ESMTPA", auth: true}, true
		case equalFold(w, "local"):
			return proto{name: "local"}, true
		case equalFold(w, "IMAP4"):
			return proto{name: "IMAP"}, true
		case equalFold(w, "IMAPS"):
			return proto{name: "IMAPS", tls: true}, true
		case equalFold(w, "POP3S"):
			return proto{name: "POP3S", tls: true}, true
		}
	case 6:
		switch {
		case equalFold(w, "ESMTPS"):
			return proto{name: "ESMTPS", tls: true}, true
		case equalFold(w, "ESMTPA"):
			return proto{name: "ESMTPA", auth: true}, true
		case equalFold(w, "LMTPSA"):
			return proto{name: "LMTPSA", tls: true, auth: true}, true
		case equalFold(w, "HTTPSA"):
			return proto{name: "HTTPSA", tls: true, auth: true}, true
		case equalFold(w, "SMTPSA"):
			return proto{name: "SMTPSA", tls: true, auth: true}, true
		}
	case 7:
		if equalFold(w, "ESMTPSA") {
			return proto{name: "ESMTPSA", tls: true, auth: true}, true
		}
	case 8:
		switch {
		case equalFold(w, "UTF8SMTP"):
			return proto{name: "UTF8SMTP"}, true
		case equalFold(w, "UTF8LMTP"):
			return proto{name: "UTF8LMTP"}, true
		}
	case 9:
		switch {
		case equalFold(w, "UTF8SMTPS"):
			return proto{name: "UTF8SMTPS", tls: true}, true
		case equalFold(w, "UTF8SMTPA"):
			return proto{name: "UTF8SMTPA", auth: true}, true
		case equalFold(w, "UTF8LMTPS"):
			return proto{name: "UTF8LMTPS", tls: true}, true
		case equalFold(w, "UTF8LMTPA"):
			return proto{name: "UTF8LMTPA", auth: true}, true
		}
	case 10:
		switch {
		case equalFold(w, "UTF8SMTPSA"):
			return proto{name: "UTF8SMTPSA", tls: true, auth: true}, true
		case equalFold(w, "UTF8LMTPSA"):
			return proto{name: "UTF8LMTPSA", tls: true, auth: true}, true
		}
	}
	return proto{}, false
}

// normProto normalises a protocol word: registered names upper case,
// local submissions "local", anything else upper-cased as written.
func normProto(w string) string {
	if pr, ok := lookupProto(w); ok {
		return pr.name
	}
	if len(w) > 6 && equalFold(w[:6], "local-") {
		return "local"
	}
	// getmail: "POP3-SSL", "IMAP4-SSL".
	if n := len(w); n > 4 && (equalFold(w[n-4:], "-SSL") || equalFold(w[n-4:], "-TLS")) {
		switch base := w[:n-4]; {
		case equalFold(base, "POP3"), equalFold(base, "POP"):
			return "POP3S"
		case equalFold(base, "IMAP4"), equalFold(base, "IMAP"):
			return "IMAPS"
		}
	}
	if equalFold(w, "mapi") {
		return "MAPI"
	}
	return strings.ToUpper(w)
}

// courierTLS reads Courier's "TLSv1/SSLv3,256bits,AES256-SHA".
func (p *parser) courierTLS(s string) {
	s, _, _ = strings.Cut(s, ")")
	f1, rest, _ := strings.Cut(s, ",")
	p.setTLSVersion(strings.TrimSpace(f1))
	_, ci, _ := strings.Cut(rest, ",")
	ci, _ = nextField(ci)
	p.setCipher(strings.TrimRight(ci, ",;"))
	p.encrypted()
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

func (p *parser) setTLSVersion(v string) {
	v = strings.TrimRight(v, ",;)")
	if v == "" || p.r.TLS.Version != "" {
		return
	}
	p.r.TLS.Version = normTLSVersion(v)
}

func (p *parser) setCipher(c string) {
	c = strings.TrimRight(c, ",;)")
	if c == "" || p.r.TLS.Cipher != "" {
		return
	}
	p.r.TLS.Cipher = c
}

// tlsVersionWord reports whether s starts with a TLS/SSL version such as
// "TLSv1.2", "TLS1_3", "TLS-1.0", "SSLv3".
func tlsVersionWord(s string) bool {
	if len(s) < 4 || !(hasPrefixFold(s, "TLS") || hasPrefixFold(s, "SSL")) {
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

// normTLSVersion turns the spellings of the MTAs into "TLSv1.2",
// "TLSv1.3", "SSLv3", ... Unknown spellings are kept.
func normTLSVersion(v string) string {
	if !tlsVersionWord(v) {
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

// fromState collects what the from clause says before deciding.
type fromState struct {
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

func (p *parser) fromClause() {
	sp := p.cl[clFrom]
	var f fromState
	i := sp.start
	if i < sp.end && p.toks[i].kind == tokWord {
		w := strings.TrimRight(p.toks[i].s, ",;")
		f.word = w
		if a, port, ok := parseIP(w); ok {
			f.wordAddr, f.wordPort = a, port
			if w[0] == '[' {
				f.wordIsLit = true
			} else {
				f.wordIsIP = true
			}
		} else if name, a, ok := splitHostIP(w); ok && name != "" && a.IsValid() {
			f.wordName, f.wordBrAddr = name, a
		}
		i++
	}
	for ; i < sp.end; i++ {
		t := &p.toks[i]
		if t.kind == tokComment {
			p.fromComment(&f, t, i == sp.start+1)
			continue
		}
		w := t.s
		switch {
		case w[0] == '[':
			if a, port, ok := parseIP(w); ok && !f.ipOuter.IsValid() {
				f.ipOuter, f.portOuter = a, port
			}
		case equalFold(w, "claiming") && i+3 < sp.end+1:
			// smtpd: "claiming to be "foo.example""
			for j := i + 1; j < sp.end && j < i+4; j++ {
				if s := p.toks[j].s; p.toks[j].kind == tokWord && len(s) > 1 && s[0] == '"' {
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
	wordIsName := f.word != "" && !f.wordIsIP && !f.wordIsLit && f.wordName == "" && !unknownName(f.word) &&
		strings.IndexByte(f.word, '@') < 0
	switch {
	case f.rdnsSet:
		if !f.rdnsUnknown {
			r.FromRDNS = f.rdnsName
		}
	case f.rdnsUnknown:
	case f.wordName != "":
		if !unknownName(f.wordName) {
			r.FromRDNS = f.wordName
		}
	case f.heloCmdStyle:
		if f.word != "" && !unknownName(f.word) && !f.wordIsLit {
			r.FromRDNS = f.word
		}
	case !wordIsName:
	case f.heloKVStyle, f.verified, f.gluedBare:
		r.FromRDNS = f.word
	case f.parenName != "" && used == "outer":
		r.FromRDNS = f.word
	case f.bracketOnly && p.hints.exim:
		r.FromRDNS = f.word
	case f.bareComment && !p.hints.microsoft && f.portBare == 0 && strings.IndexByte(f.word, '.') > 0 &&
		r.With != "MAPI" && !strings.HasPrefix(r.With, "HTTP"):
		// qmail "from host (1.2.3.4)": the name is the verified reverse name.
		r.FromRDNS = f.word
	}
	if r.FromRDNS != "" {
		r.FromRDNS = strings.TrimSuffix(r.FromRDNS, ".")
	}
	if p.hints.commentFrom && !r.FromIP.IsValid() {
		// Sendmail "(from user@localhost) by host (8.x/Submit)": a user, not a HELO.
		p.setKind(KindLocal)
		if at := strings.LastIndexByte(f.word, '@'); at > 0 && r.FromHELO == f.word {
			r.Ident = f.word[:at]
			r.FromHELO = ""
		}
	}
}

// fromComment reads one comment of the from clause.
func (p *parser) fromComment(f *fromState, t *token, first bool) {
	c := t.s
	if t.note {
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
		fld, r2 := commentField(rest)
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
		case isHELOCmd(fld):
			p.r.HELOCmd = strings.ToUpper(fld)
			f.heloCmdStyle = true
			f.heloSet = true
			f.helo = ""
			expectHELO = true
			onlyAddr = false
			continue
		case hasPrefixFold(fld, "helo="):
			f.helo, f.heloSet = strings.TrimRight(fld[5:], ","), true
			f.heloKVStyle = true
			if p.r.HELOCmd == "" {
				p.r.HELOCmd = "HELO"
			}
			continue
		case hasPrefixFold(fld, "ident="):
			p.r.Ident = strings.TrimRight(fld[6:], ",")
			continue
		case hasPrefixFold(fld, "port="):
			continue
		case equalFold(fld, "verified"):
			f.verified = true
			continue
		case equalFold(fld, "unverified"):
			continue
		case equalFold(fld, "account") && fieldNo == 1:
			// CommuniGate "(account user@example.org [ip] verified)": the
			// account name is no host.
			_, rest = commentField(rest)
			fieldNo = 0
			onlyAddr = false
			continue
		}
		if fld[0] == '[' {
			if a, port, ok := parseIP(fld); ok {
				if !f.ipBracket.IsValid() {
					f.ipBracket, f.portBracket = a, port
				}
				haveAddr = true
				if pendName != "" && !f.rdnsSet {
					f.rdnsName, f.rdnsSet = pendName, true
					if unknownName(pendName) {
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
		if a, port, ok := parseIP(fld); ok {
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
		if name, a, ok := splitHostIP(fld); ok && a.IsValid() && name != "" {
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
				f.rdnsUnknown = unknownName(name)
			}
			continue
		}
		if at := strings.LastIndexByte(fld, '@'); at > 0 {
			user, host := fld[:at], fld[at+1:]
			user = strings.TrimPrefix(user, "IDENT:")
			if a, port, ok := parseIP(host); ok {
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
		if fieldNo == 1 && hostLike(fld) {
			pendName = fld
			if unknownName(fld) {
				f.rdnsUnknown = true
			}
		}
		onlyAddr = false
	}
	if !haveAddr && fieldNo == 1 && pendName != "" && pendIdent == "" && !unknownName(pendName) && f.parenName == "" {
		f.parenName = pendName
	}
	if !onlyAddr {
		f.bracketOnly = false
	}
}

// commentField returns the next white-space separated field of a comment;
// nested comments and bracketed literals are one field each.
func commentField(s string) (string, string) {
	i := 0
	for i < len(s) && (isSpace(s[i]) || s[i] == ',') {
		i++
	}
	if i >= len(s) {
		return "", ""
	}
	if s[i] == '(' {
		end := commentEnd(s[i:]) + i
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
		if isSpace(c) || c == '(' {
			break
		}
		j++
	}
	return s[i:j], s[j:]
}

func isHELOCmd(s string) bool {
	return len(s) == 4 && (equalFold(s, "HELO") || equalFold(s, "EHLO") || equalFold(s, "LHLO"))
}

// unknownName reports whether a name stands for "no reverse DNS name".
func unknownName(s string) bool {
	return equalFold(s, "unknown") || equalFold(s, "softdnserr") ||
		equalFold(s, "dnserr") || equalFold(s, "unverified")
}

// hostLike reports whether s could be a host name.
func hostLike(s string) bool {
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

// splitHostIP splits "name[1.2.3.4]" or "name[1.2.3.4]:25". ok is false
// when s has no bracket; name is s when the bracket is not an address.
func splitHostIP(s string) (name string, addr netip.Addr, ok bool) {
	i := strings.IndexByte(s, '[')
	if i < 0 {
		return s, netip.Addr{}, false
	}
	a, _, good := parseIP(s[i:])
	if !good {
		return s, netip.Addr{}, false
	}
	return s[:i], a, true
}

// parseIP parses the address forms found in Received fields: "1.2.3.4",
// "[1.2.3.4]", "[1.2.3.4]:25", "[1.2.3.4:25]", "1.2.3.4:25", "1.2.3.4.25",
// "[IPv6:2001:db8::1]", "::ffff:1.2.3.4" (unmapped), "fe80::1%eth0" (zone
// dropped). The port is 0 when absent.
func parseIP(s string) (netip.Addr, uint16, bool) {
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
			pn, ok := parsePort(tail[1:])
			if !ok {
				return netip.Addr{}, 0, false
			}
			port = pn
		}
		s = s[1:end]
		if len(s) > 5 && hasPrefixFold(s, "IPv6:") {
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
			if pn, ok := parsePort(s[i+1:]); ok && port == 0 {
				return a, pn, true
			}
		}
		return netip.Addr{}, 0, false
	}
	if strings.Count(s, ".") == 4 && strings.IndexByte(s, ':') < 0 {
		i := strings.LastIndexByte(s, '.')
		if a, err := netip.ParseAddr(s[:i]); err == nil {
			if pn, ok := parsePort(s[i+1:]); ok && port == 0 {
				return a, pn, true
			}
		}
	}
	return netip.Addr{}, 0, false
}

func parsePort(s string) (uint16, bool) {
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

func stripAngle(s string) string {
	s = strings.TrimRight(s, ",;")
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
	j := i
	for j < len(s) && !isSpace(s[j]) {
		j++
	}
	return s[i:j], s[j:]
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
	for i := 0; i+n <= len(s); i++ {
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
	case known || p.hints.microsoft:
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

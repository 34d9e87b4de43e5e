package received

import (
	"cmp"
	"slices"
	"strings"
)

// The tables below are the parser's dialect knowledge: every rule names the
// MTA (and version, where known) or the RFC section it implements. Each
// table is the only list of its kind: the comment table is used both to read
// comments and to tell the from clause which comments never name the client,
// so the two can no longer disagree.

// commentRule is one row of the comment table.
//
// A prefix row matches a comment whose text (white space trimmed) starts
// with prefix, ASCII case-insensitively; when several prefix rows match, the
// longest prefix wins, so the order of prefix rows does not matter. A row
// without read only marks the comment as a note (for the from clause); the
// content rows still look at it.
//
// A content row (prefix "") matches by its match function. Content rows are
// tried in table order, and only for comments that no prefix row with a
// reader took; the first whose read returns true ends the search.
type commentRule struct {
	prefix string
	match  func(c string) bool
	// read reads the comment and reports whether it is used up (content
	// rows only; prefix rows always use up the comment).
	read action
	// client marks a comment that may also name the client (host, address):
	// the from clause reads it as well. All other prefix rows are notes the
	// from clause skips.
	client bool
	origin string // the MTA (version) or RFC section
}

// commentRules is the table of comments. To add a dialect, add a row (see
// "How to add an MTA's format" in doc.go).
var commentRules = [...]commentRule{
	// TLS.
	{prefix: "using ", read: doPostfixTLS, origin: "Postfix 2.2+ smtpd_tls_received_header"},
	{prefix: "TLS: ", read: doCourierTLSComment, origin: "Courier; Sendmail 8.x"},
	{prefix: "SSL: ", read: doCourierTLSComment, origin: "Courier (old)"},
	{prefix: "TLS:", origin: "Courier (no TLS data without the space)"},
	{prefix: "SSL:", origin: "Courier (no TLS data without the space)"},
	{prefix: "version=", read: doKVTLS, origin: "Sendmail 8.x, Gmail, Microsoft 365 (version=TLS1_2, cipher=...)"},
	{prefix: "cipher=", read: doKVTLS, origin: "Momentum/ecelerity 4"},
	{prefix: "Cipher ", read: doKeywordColonTLS, origin: "Exim 4, older received_header_text \"with esmtp (Cipher TLSv1:DES-CBC3-SHA:168)\""},
	{prefix: "tls_cipher ", read: doKeywordColonTLS, origin: "Exim 4 \"with local-esmtps (tls_cipher TLS-1.0:RSA_AES_256_CBC_SHA:32)\""},
	{prefix: "Google Transport Security", read: doTLSNote, origin: "Gmail"},
	{prefix: "Google Transport", origin: "Gmail"},
	{prefix: "No client certificate", origin: "Postfix 2.2+"},
	{prefix: "Client did not present", origin: "Postfix 2.2+"},
	{prefix: "Client CN", origin: "Postfix 2.2+"},

	// Authentication.
	{prefix: "Authenticated sender", read: doAuthSender, origin: "Postfix smtpd_sasl_authenticated_header"},
	{prefix: "authenticated", read: doAuthenticated, origin: "Sendmail 8.x \"(authenticated bits=0)\""},
	{prefix: "AUTH:", read: doCourierAuth, origin: "Courier \"AUTH: LOGIN user, TLS: ...\""},
	{prefix: "SquirrelMail authenticated", read: doAuthenticated, origin: "SquirrelMail webmail"},
	{prefix: "SquirrelMail", origin: "SquirrelMail webmail"},
	{prefix: "NaSMail authenticated", read: doAuthenticated, origin: "NaSMail webmail"},
	{prefix: "NaSMail", origin: "NaSMail webmail"},
	{prefix: "account ", read: doAccount, client: true,
		origin: "CommuniGate Pro 6 \"(account user@example.org [ip] verified)\", \"(account u HELO x)\""},

	// Envelope.
	{prefix: "envelope-from", read: doEnvelopeFrom, origin: "Exim 4 received_header_text, Dovecot LMTP, ecelerity"},
	{prefix: "envelope-sender", read: doEnvelopeFrom, origin: "seen in real mail (envelope-sender <x>)"},
	{prefix: "envelope-", origin: "Exim 4 (envelope-to and similar notes)"},

	// Protocol and kind of hop.
	{prefix: "via ", read: doViaProto, origin: "GMX / web.de webmail \"(via HTTP)\""},
	{prefix: "Exim ", read: doExim, origin: "Exim 4 \"(Exim 4.96)\""},
	{prefix: "qmail ", read: doQmail, origin: "qmail 1.03 \"qmail 123 invoked by uid 89\""},
	{prefix: "fetchmail", read: doRetrieval, origin: "fetchmail 6"},
	{prefix: "getmail", read: doRetrieval, origin: "getmail 4-6"},

	// Product notes in the by clause.
	{prefix: "Postfix", origin: "Postfix \"(Postfix, from userid 1000)\": the userid is a content row"},
	{prefix: "amavisd", origin: "amavisd-new \"(amavisd-new, port 10024)\""},
	{prefix: "may be forged", origin: "Sendmail 8.x"},

	// Content rows, in the order they are tried.
	{match: hasFromUserid, read: doLocalUser,
		origin: "Postfix pickup \"(Postfix, from userid 1000)\"; Sendmail 8.x \"from uid\""},
	{match: hasVersionKV, read: doKVTLS,
		origin: "Sendmail 8.x \"(version=TLSv1.3 cipher=... bits=256 verify=NOT)\", Microsoft 365"},
	{match: tlsVersionWord, read: doColonTLS,
		origin: "Exim 4 \"(TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256)\", OpenSMTPD 6 \"(TLSv1.3:cipher:256:NO)\""},
	{match: hasEncryptedSuffix, read: doEncryptedCipher,
		origin: "MessageLabs \"(DHE-RSA-AES256-SHA encrypted)\""},
}

// action names a rule's reader. The tables hold actions rather than
// function values so that the parser, which lives on the stack, does not
// escape to the heap through an indirect call.
type action uint8

// Actions of the comment and word tables.
const (
	doNothing action = iota // a note: nothing to read
	doAccount
	doAuthSender
	doAuthenticated
	doColonTLS
	doCourierAuth
	doCourierTLSComment
	doEncryptedCipher
	doEnvelopeFrom
	doExim
	doKVTLS
	doLocalUser
	doPostfixTLS
	doQmail
	doRetrieval
	doTLSNote
	doViaProto
	doKeywordColonTLS
	doTLSWord
	doAuthWord
	doEximLogTLS
)

// do runs action a on comment c or loose word i and reports whether a
// comment is used up.
func (p *parser) do(a action, c string, i int) bool {
	switch a {
	case doAccount:
		return p.readAccount(c)
	case doAuthSender:
		return p.readAuthSender(c)
	case doAuthenticated:
		return p.readAuthenticated(c)
	case doColonTLS:
		return p.readColonTLS(c)
	case doCourierAuth:
		return p.readCourierAuth(c)
	case doCourierTLSComment:
		return p.readCourierTLSComment(c)
	case doEncryptedCipher:
		return p.readEncryptedCipher(c)
	case doEnvelopeFrom:
		return p.readEnvelopeFrom(c)
	case doExim:
		return p.readExim(c)
	case doKVTLS:
		return p.readKVTLS(c)
	case doLocalUser:
		return p.readLocalUser(c)
	case doPostfixTLS:
		return p.readPostfixTLS(c)
	case doQmail:
		return p.readQmail(c)
	case doRetrieval:
		return p.readRetrieval(c)
	case doTLSNote:
		return p.readTLSNote(c)
	case doViaProto:
		return p.readViaProto(c)
	case doKeywordColonTLS:
		return p.readKeywordColonTLS(c)
	case doTLSWord:
		return p.readTLSWord(i)
	case doAuthWord:
		return p.readAuthWord(i)
	case doEximLogTLS:
		return p.readEximLogTLS(i)
	}
	return true
}

// commentRuleFor returns the prefix row that decides comment c (already
// trimmed), or nil: the row with the longest prefix that c starts with,
// ASCII case-insensitively, the first in table order among equally long
// ones. It looks only at the rows of commentIndex for c's first byte, which
// hold every row that can match, longest first.
func commentRuleFor(c string) *commentRule {
	if c == "" {
		return nil
	}
	for _, k := range commentIndex[c[0]|0x20] {
		// The rows of a list share the first letter; the second, compared
		// with bit 5 set (a necessary condition of equalFold), rules out
		// most of them without a call.
		if r := &commentRules[k]; len(c) >= len(r.prefix) && c[1]|0x20 == r.prefix[1]|0x20 && hasPrefixFold(c, r.prefix) {
			return r
		}
	}
	return nil
}

// commentIndex lists, for each first byte of a prefix (with bit 5 set, so
// "U" and "u" share a list), the prefix rows of commentRules that start with
// it, longest prefix first and in table order among equal lengths. Every
// comment used to be compared with every row (a tenth of the parser's
// instructions in BenchmarkParseReceivedTable); the lists hold one to five
// rows. It is derived from commentRules, which stays the only table to edit.
var commentIndex = indexCommentRules()

// contentRows lists the content rows of commentRules in table order, so
// that a comment no prefix row reads is not compared with every row again.
var contentRows = func() (rows []uint8) {
	for k := range commentRules {
		if commentRules[k].prefix == "" {
			rows = append(rows, uint8(k))
		}
	}
	return rows
}()

// The row numbers in commentIndex and contentRows are bytes: this fails to compile when
// commentRules outgrows them.
const _ = uint8(len(commentRules) - 1)

func indexCommentRules() (idx [256][]uint8) {
	for k := range commentRules {
		if pre := commentRules[k].prefix; pre != "" {
			first := pre[0] | 0x20
			idx[first] = append(idx[first], uint8(k))
		}
	}
	for i := range idx {
		rows := idx[i]
		slices.SortStableFunc(rows, func(a, b uint8) int {
			return cmp.Compare(len(commentRules[b].prefix), len(commentRules[a].prefix))
		})
	}
	return idx
}

// readComment reads one comment (anywhere in the field) with the comment
// table and reports whether the from clause must skip it as a note that never
// names the client.
func (p *parser) readComment(c string) (note bool) {
	c = trimSpace(c)
	if c == "" {
		return false
	}
	r := commentRuleFor(c)
	if r != nil && r.read != doNothing {
		p.do(r.read, c, 0)
		return !r.client
	}
	for _, k := range contentRows {
		if cr := &commentRules[k]; cr.match(c) && p.do(cr.read, c, 0) {
			break
		}
	}
	return r != nil && !r.client
}

// hasFromUserid reports whether c holds "from userid" or "from uid ", in
// one scan of c for their common start.
func hasFromUserid(c string) bool {
	for {
		i := indexFold(c, "from u")
		if i < 0 {
			return false
		}
		c = c[i+len("from u"):]
		if hasPrefixFold(c, "serid") || hasPrefixFold(c, "id ") {
			return true
		}
	}
}

// hasVersionKV reports whether c holds "version=" or starts with "cipher=";
// most comments have no "=" at all, which one IndexByte finds.
func hasVersionKV(c string) bool {
	return strings.IndexByte(c, '=') >= 0 && (indexFold(c, "version=") >= 0 || hasPrefixFold(c, "cipher="))
}

func hasEncryptedSuffix(c string) bool {
	n := len(c)
	return n > 10 && equalFold(c[n-10:], " encrypted")
}

// readPostfixTLS reads "using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384
// (256/256 bits) ...".
func (p *parser) readPostfixTLS(c string) bool {
	rest := c[len("using "):]
	ver, rest := nextField(rest)
	p.setTLSVersion(ver)
	if i := indexFold(rest, "cipher "); i >= 0 {
		ci, _ := nextField(rest[i+7:])
		p.setCipher(ci)
	}
	p.encrypted()
	return true
}

// readCourierTLSComment reads "TLS: TLSv1/SSLv3,256bits,AES256-SHA".
func (p *parser) readCourierTLSComment(c string) bool {
	p.courierTLS(c[5:])
	return true
}

// readKVTLS reads "version=TLSv1.3 cipher=... bits=256" and
// "version=TLS1_2, cipher=TLS_ECDHE_...".
func (p *parser) readKVTLS(c string) bool {
	rest := c
	for rest != "" {
		var f string
		f, rest = nextField(rest)
		f = trimRightSet(f, ",;")
		if f == "" {
			continue
		}
		switch f[0] | 0x20 { // most fields ("bits=256") start neither key
		case 'v':
			if hasPrefixFold(f, "version=") {
				p.setTLSVersion(f[8:])
				p.encrypted()
			}
		case 'c':
			if hasPrefixFold(f, "cipher=") {
				p.setCipher(f[7:])
				p.encrypted()
			}
		}
	}
	return true
}

// readColonTLS reads "TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256",
// "TLSv1.3:TLS_AES_256_GCM_SHA384:256:NO" or "TLS1.3" alone.
func (p *parser) readColonTLS(c string) bool {
	ver, rest, _ := strings.Cut(c, ":")
	p.setTLSVersion(ver)
	if rest != "" {
		ci, _, _ := strings.Cut(rest, ":")
		p.setCipher(ci)
	}
	p.encrypted()
	return true
}

// readKeywordColonTLS reads "Cipher TLSv1:DES-CBC3-SHA:168" and
// "tls_cipher TLS-1.0:RSA_AES_256_CBC_SHA:32": a keyword, then the Exim
// version:cipher:bits triple.
func (p *parser) readKeywordColonTLS(c string) bool {
	_, rest, _ := strings.Cut(c, " ")
	return p.readColonTLS(strings.TrimSpace(rest))
}

// readEncryptedCipher reads "(DHE-RSA-AES256-SHA encrypted)".
func (p *parser) readEncryptedCipher(c string) bool {
	p.setCipher(c[:len(c)-10])
	p.encrypted()
	return true
}

func (p *parser) readTLSNote(string) bool {
	p.encrypted()
	return true
}

func (p *parser) readAuthSender(string) bool {
	p.r.Auth = "authenticated sender"
	return true
}

func (p *parser) readAuthenticated(string) bool {
	if p.r.Auth == "" {
		p.r.Auth = "authenticated"
	}
	return true
}

// readCourierAuth reads "AUTH: LOGIN user, TLS: TLSv1/SSLv3,256bits,AES256-SHA".
func (p *parser) readCourierAuth(c string) bool {
	mech, _ := nextField(c[5:])
	if mech != "" {
		p.r.Auth = strings.TrimRight(mech, ",")
	}
	if i := indexFold(c, "TLS: "); i >= 0 {
		p.courierTLS(c[i+5:])
	} else if i := indexFold(c, "SSL: "); i >= 0 {
		p.courierTLS(c[i+5:])
	}
	return true
}

// readAccount notes CommuniGate's "account user"; the from clause reads the
// address and "HELO x" of the same comment.
func (p *parser) readAccount(string) bool {
	if p.r.Auth == "" {
		p.r.Auth = "account"
	}
	return true
}

func (p *parser) readEnvelopeFrom(c string) bool {
	i := strings.IndexAny(c, " \t<")
	if i > 0 {
		f, _ := nextField(c[i:])
		if p.r.EnvelopeFrom == "" {
			p.r.EnvelopeFrom = stripAngle(trimRightSet(f, ",;"))
		}
	}
	return true
}

// readViaProto reads GMX's "(via HTTP)" as the protocol when the field has
// no with clause (the with clause, read later, overrides it).
func (p *parser) readViaProto(c string) bool {
	if p.r.WithRaw == "" {
		if pr, ok := lookupProto(strings.TrimSpace(c[4:])); ok {
			p.r.WithRaw, p.r.With = strings.TrimSpace(c[4:]), pr.name
		}
	}
	return true
}

func (p *parser) readExim(string) bool {
	p.hints.exim = true
	return true
}

func (p *parser) readQmail(c string) bool {
	p.qmailComment(c)
	return true
}

func (p *parser) readRetrieval(string) bool {
	p.setKind(KindRetrieval)
	return true
}

// readLocalUser marks a local submission; it does not use up the comment.
func (p *parser) readLocalUser(string) bool {
	p.setKind(KindLocal)
	return false
}

// wordRule is one row of the table of loose words: words outside comments
// that are not clause keywords but carry TLS or authentication.
type wordRule struct {
	word   string // the whole word (exact) or, with prefix, its start
	prefix bool
	read   action
	origin string
}

var wordRules = [...]wordRule{
	{word: "tls", read: doTLSWord,
		origin: "RFC 8314 7.4 \"tls\" clause; Exim 4.9x \"tls <cipher>\"; Hotmail \"over TLS secured channel\""},
	{word: "auth=", prefix: true, read: doAuthWord, origin: "OpenSMTPD 6 \"auth=yes user=x\""},
	{word: "X=", prefix: true, read: doEximLogTLS, origin: "Exim 4 log-style \"X=TLS1.2:cipher:256\""},
}

// wordRuleStart marks the first bytes (with bit 5 set) of the words of
// wordRules.
var wordRuleStart = func() (t [256]bool) {
	for _, r := range wordRules {
		t[r.word[0]|0x20] = true
	}
	return t
}()

// readWord reads loose word i with the word table.
func (p *parser) readWord(i int) {
	w := p.toks[i].s
	// Most words match no row: their first byte (with bit 5 set, which
	// equalFold's matches share) starts none.
	if !wordRuleStart[w[0]|0x20] {
		return
	}
	for k := range wordRules {
		r := &wordRules[k]
		if r.prefix && hasPrefixFold(w, r.word) || !r.prefix && equalFold(w, r.word) {
			p.do(r.read, w, i)
			return
		}
	}
}

func (p *parser) readTLSWord(i int) bool {
	if i+1 < p.cutTok && p.toks[i+1].kind == tokWord {
		v := p.toks[i+1].s
		switch {
		case tlsVersionWord(v):
			p.setTLSVersion(v)
		case strings.ContainsAny(v, "_-"):
			p.setCipher(v)
		}
		p.encrypted()
	}
	return true
}

func (p *parser) readAuthWord(i int) bool {
	if w := p.toks[i].s; !equalFold(w[5:], "no") && p.r.Auth == "" {
		p.r.Auth = "authenticated"
	}
	return true
}

func (p *parser) readEximLogTLS(i int) bool {
	w := p.toks[i].s
	if !tlsVersionWord(w[2:]) {
		return true
	}
	ver, rest, _ := strings.Cut(w[2:], ":")
	p.setTLSVersion(ver)
	ci, _, _ := strings.Cut(rest, ":")
	p.setCipher(ci)
	p.encrypted()
	return true
}

// clauseRule is one clause of RFC 5321 4.4: its keyword and where it is
// defined; readClause runs its reader.
type clauseRule struct {
	keyword string
	cl      int
	origin  string
}

// clauseRules lists the clauses in the order they are read, which is the
// only order the parser depends on:
//
//   - before any clause, every comment and loose word of the field is read
//     with commentRules and wordRules (readInfo): they set TLS, the Exim
//     hint the from clause needs, the client address of a qmail "invoked
//     from network" line, and the "(via HTTP)" protocol;
//   - by, via, id and for read their own tokens only;
//   - with comes after the comments, because "Microsoft SMTP Server" is
//     ESMTPS only when a comment showed TLS, and it overrides "(via HTTP)";
//   - from comes last, because choosing the reverse name needs the Exim and
//     Microsoft hints and the protocol (MAPI and HTTP have no reverse name).
var clauseRules = [...]clauseRule{
	{"by", clBy, "RFC 5321 4.4 By-domain"},
	{"with", clWith, "RFC 5321 4.4 With, RFC 3848 and RFC 6531 protocol types"},
	{"via", clVia, "RFC 5321 4.4 Via"},
	{"id", clID, "RFC 5321 4.4 ID"},
	{"for", clFor, "RFC 5321 4.4 For"},
	{"from", clFrom, "RFC 5321 4.4 From-domain and TCP-info"},
}

// readClause runs the reader of clause cl.
func (p *parser) readClause(cl int) {
	switch cl {
	case clBy:
		p.byClause()
	case clWith:
		p.withClause()
	case clVia:
		p.viaClause()
	case clID:
		p.idClause()
	case clFor:
		p.forClause()
	case clFrom:
		p.fromClause()
	}
}

// keywordStart marks the first bytes (with bit 5 set) of the keywords of
// clauseRules.
var keywordStart = func() (t [256]bool) {
	for _, r := range clauseRules {
		t[r.keyword[0]|0x20] = true
	}
	return t
}()

// keyword maps a clause keyword to its clause, or clNone.
func keyword(w string) int {
	// Every keyword starts with b, f, i, v or w: most words are ruled out
	// by length and first byte.
	if len(w) < 2 || len(w) > 4 || !keywordStart[w[0]|0x20] {
		return clNone
	}
	return keyword4(w)
}

// keyword4 is keyword for a word of two to four bytes (tokenize has made
// keyword's first tests).
func keyword4(w string) int {
	// The keywords are letters, for which setting bit 5 is exact case
	// folding: one integer comparison per keyword of the word's length.
	// checkFastPaths (fast_test.go) checks this against clauseRules.
	switch len(w) {
	case 2:
		switch uint32(w[0]|0x20)<<8 | uint32(w[1]|0x20) {
		case 'b'<<8 | 'y':
			return clBy
		case 'i'<<8 | 'd':
			return clID
		}
	case 3:
		switch fold3(w) {
		case key3('v', 'i', 'a'):
			return clVia
		case key3('f', 'o', 'r'):
			return clFor
		}
	case 4:
		switch fold3(w)<<8 | uint32(w[3]|0x20) {
		case key3('w', 'i', 't')<<8 | 'h':
			return clWith
		case key3('f', 'r', 'o')<<8 | 'm':
			return clFrom
		}
	}
	return clNone
}

// literalWrappers are decorations some servers write inside the brackets of
// an address literal (RFC 5321 4.1.3 "[1.2.3.4]"); parseIP removes them.
var literalWrappers = [...]struct{ open, close, origin string }{
	{"(", ")", "MDaemon \"from host [(1.2.3.4)]\""},
}

// unwrapLiteral removes one decoration of literalWrappers from the text
// between the brackets of an address literal.
func unwrapLiteral(s string) string {
	for _, w := range literalWrappers {
		if len(s) > len(w.open)+len(w.close) && s[0] == w.open[0] && strings.HasPrefix(s, w.open) && strings.HasSuffix(s, w.close) {
			return s[len(w.open) : len(s)-len(w.close)]
		}
	}
	return s
}

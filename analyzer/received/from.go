package received

import (
	"net/netip"
	"strings"
)

// addrSource says where the from clause found the client's address.
type addrSource uint8

// Sources of the client address.
const (
	addrNone     addrSource = iota
	addrComment             // a comment "(rdns [ip])", "(ip)"
	addrOuter               // a bracket outside comments "from host [ip]"
	addrWordName            // the word itself "name[ip]"
	addrWord                // the word is the address "[ip]", "1.2.3.4"
)

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
	anyComment   bool // the clause has a comment that is not a note
}

// fromClause reads the client (RFC 5321 4.4 From-domain and TCP-info): its
// HELO name, the reverse name the receiver found, its address and port.
// Comments the comment table marks as notes are skipped.
func (p *parser) fromClause() {
	sp := p.cl[clFrom]
	var f fromState
	i := sp.start
	if i < sp.end && p.toks[i].kind == tokWord {
		w := trimRightSet(p.toks[i].s, ",;")
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
	// The client address (RFC 5321 4.4 TCP-info). The cases are in priority
	// order: the receiver's own record of the connection beats what the
	// client said about itself.
	var used addrSource
	switch {
	case f.ipBracket.IsValid():
		// "(rdns [ip])": Postfix, Sendmail 8.x, Exim 4 "([ip] helo=x)",
		// Courier, OpenSMTPD, CommuniGate Pro.
		r.FromIP, r.FromPort = f.ipBracket, f.portBracket
		used = addrComment
	case f.ipBare.IsValid():
		// "(1.2.3.4)", "(user@1.2.3.4)": qmail 1.03, Microsoft Exchange
		// 2007+ "(2603:10a6::12)".
		r.FromIP, r.FromPort = f.ipBare, f.portBare
		used = addrComment
	case f.ipOuter.IsValid():
		// "from host [ip]": MDaemon, fetchmail 6, Exim 3 "(name) [ip]".
		r.FromIP, r.FromPort = f.ipOuter, f.portOuter
		used = addrOuter
	case f.wordBrAddr.IsValid():
		// "from name[ip]" with nothing else.
		r.FromIP = f.wordBrAddr
		used = addrWordName
	case f.wordAddr.IsValid():
		// "from [ip]" or "from 1.2.3.4": the address is all there is
		// (RFC 5321 4.1.3 address literal as the HELO, webmail).
		r.FromIP, r.FromPort = f.wordAddr, f.wordPort
		used = addrWord
	case r.FromIP.IsValid():
		// qmail "invoked from network[ip/host]", read with the comments.
	}

	// HELO (RFC 5321 4.4 From-domain), in priority order.
	switch {
	case f.heloSet:
		// Stated in a comment: Exim 4 "helo=x", qmail and CommuniGate
		// "(HELO x)".
		r.FromHELO = f.helo
	case f.claiming != "":
		// Sendmail-era smtpd "claiming to be \"x\"".
		r.FromHELO = f.claiming
	case f.parenName != "" && r.FromIP.IsValid() && used == addrOuter:
		// Exim 3 "from rdns (helo) [ip]".
		r.FromHELO = f.parenName
	case used == addrWordName, used == addrWord && f.wordIsIP, f.gluedBare:
		// "from name[ip]", "from 1.2.3.4", "from name(1.2.3.4)": no HELO
		// was recorded.
		r.FromHELO = ""
	default:
		// RFC 5321 4.4: the word after "from" is the EHLO/HELO argument.
		r.FromHELO = f.word
	}

	// Reverse DNS name as the receiver recorded it, in priority order.
	wordIsName := f.word != "" && !f.wordIsIP && !f.wordIsLit && f.wordName == "" && !unknownName(f.word) &&
		strings.IndexByte(f.word, '@') < 0
	switch {
	case f.rdnsSet:
		// "(rdns [ip])": Postfix, Sendmail, Courier; "unknown" means none.
		if !f.rdnsUnknown {
			r.FromRDNS = f.rdnsName
		}
	case f.rdnsUnknown:
	case f.wordName != "":
		// "from name[ip]".
		if !unknownName(f.wordName) {
			r.FromRDNS = f.wordName
		}
	case f.heloCmdStyle:
		// qmail 1.03 "from rdns (HELO helo) (ip)": the word is the
		// reverse name qmail looked up.
		if f.word != "" && !unknownName(f.word) && !f.wordIsLit {
			r.FromRDNS = f.word
		}
	case !wordIsName:
	case f.heloKVStyle, f.verified, f.gluedBare:
		// Exim 4 "from rdns ([ip] helo=x)", CommuniGate "([ip] verified)",
		// "from name(1.2.3.4)".
		r.FromRDNS = f.word
	case f.parenName != "" && used == addrOuter:
		// Exim 3 "from rdns (helo) [ip]".
		r.FromRDNS = f.word
	case used == addrOuter && !f.anyComment && r.With == "QMQP":
		// qmail-qmqpd "from host [1.2.3.4] by ... with QMQP": the name in
		// front of a bare bracketed address is the reverse name.
		r.FromRDNS = f.word
	case f.bracketOnly && p.hints.exim:
		// Exim 4 "from rdns ([ip])" when HELO equals the reverse name.
		r.FromRDNS = f.word
	case f.bareComment && p.hints.microsoft == notMicrosoft && f.portBare == 0 && strings.IndexByte(f.word, '.') > 0 &&
		r.With != "MAPI" && !strings.HasPrefix(r.With, "HTTP"):
		// qmail "from host (1.2.3.4)": the name is the verified reverse
		// name. Microsoft "(ip)" and webmail keep the client's own name.
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
	f.anyComment = true
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
		case !fromKeyStart[fld[0]|0x20]:
			// No case below can match: each needs its first letter.
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
		// smap (TIS firewall toolkit) "from host(1.2.3.4, HELO x)": the
		// address ends with a comma.
		if a, port, ok := parseIP(strings.TrimSuffix(fld, ",")); ok {
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

// fromKeyStart marks the first letters (with bit 5 set, exact folding for
// letters) of the words fromComment's switch looks for: HELO, EHLO, LHLO,
// helo=, ident=, port=, verified, unverified, account.
var fromKeyStart = [256]bool{'h': true, 'e': true, 'l': true, 'i': true, 'p': true, 'v': true, 'u': true, 'a': true}

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
	plainBracketsUntil := 0 // as in tokenize: a literal never spans white space
	for j < len(s) {
		c := s[j]
		if !fieldSpecial[c] {
			j++
			continue
		}
		if c != '[' {
			break // white space or "("
		}
		if j >= plainBracketsUntil {
			k := literalEnd(s, j)
			if k < len(s) && s[k] == ']' {
				j = k + 1
				continue
			}
			plainBracketsUntil = k
		}
		j++
	}
	return s[i:j], s[j:]
}

// fieldSpecial marks the bytes commentField's loop must look at: white
// space and "(" end a field, "[" may open a literal.
var fieldSpecial = [256]bool{' ': true, '\t': true, '\r': true, '\n': true, '(': true, '[': true}

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

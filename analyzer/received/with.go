package received

import "strings"

// withClause reads the protocol (RFC 5321 4.4 With) and what its spelling
// says about TLS: RFC 3848 "ESMTPS", MessageLabs "cipher encrypted SMTP",
// "ESMTP/TLS/cipher", Microsoft Exchange "Microsoft SMTP Server".
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
		// "Microsoft SMTP Server" (Exchange 2007+) speaks ESMTP; anything
		// else ("Microsoft SMTPSVC(6.0.3790.4675)") is the IIS SMTP service.
		p.hints.microsoft = msIIS
		if len(raw) > 10 && equalFold(raw[10:], "SMTP Server") {
			p.hints.microsoft = msExchange
		}
	}
	p.r.WithRaw = raw
	switch p.hints.microsoft {
	case msExchange:
		p.r.With = "ESMTP"
		if p.r.TLS.Encrypted == EncryptionYes {
			p.r.With = "ESMTPS"
		}
		return
	case msIIS:
		p.r.With = "SMTP"
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

// lookupProto knows the registered WITH protocol types: SMTP and ESMTP
// (RFC 5321 4.4), ESMTPA/ESMTPS/ESMTPSA (RFC 3848 2), LMTP variants (RFC 3848
// 2, RFC 2033), UTF8SMTP and its variants (RFC 6531 3.7.3), HTTP, IMAP, POP3
// and MAPI (IANA "Mail Transmission Types"), plus common extensions.
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
	p.setCipher(trimRightSet(ci, ",;"))
	p.encrypted()
}

func (p *parser) setTLSVersion(v string) {
	v = trimRightSet(v, ",;)")
	if v == "" || p.r.TLS.Version != "" {
		return
	}
	p.r.TLS.Version = normTLSVersion(v)
}

func (p *parser) setCipher(c string) {
	c = trimRightSet(c, ",;)")
	if c == "" || p.r.TLS.Cipher != "" {
		return
	}
	p.r.TLS.Cipher = c
}

// tlsVersionWord reports whether s starts with a TLS/SSL version such as
// "TLSv1.2", "TLS1_3", "TLS-1.0", "SSLv3".
func tlsVersionWord(s string) bool {
	// The first letter first: most comments and words checked here start
	// with neither "T" nor "S", and the calls were the cost.
	if len(s) < 4 {
		return false
	}
	switch s[0] | 0x20 {
	case 't':
		if !hasPrefixFold(s, "TLS") {
			return false
		}
	case 's':
		if !hasPrefixFold(s, "SSL") {
			return false
		}
	default:
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

package received

import (
	"encoding/json"
	"net/netip"
	"time"
)

// Encryption says whether a transfer was protected by TLS.
type Encryption string

// Encryption values.
const (
	EncryptionYes     Encryption = "yes"
	EncryptionNo      Encryption = "no"
	EncryptionUnknown Encryption = "unknown"
)

// TLS is what a Received field says about transport encryption.
type TLS struct {
	Encrypted Encryption `json:"encrypted"`
	Version   string     `json:"version,omitempty"` // normalised, e.g. "TLSv1.3"
	Cipher    string     `json:"cipher,omitempty"`
}

// Kind is what a Received field records.
type Kind string

// Kinds of Received field.
const (
	// KindRelay is a transfer over the network from one host to another.
	KindRelay Kind = "relay"
	// KindLocal is a local injection or pick-up on one machine (qmail
	// "invoked by uid", "from userid 1000", "with local"): not a network hop.
	KindLocal Kind = "local"
	// KindRetrieval is a mailbox retrieval (fetchmail, getmail with POP3/IMAP).
	KindRetrieval Kind = "retrieval"
)

// Received is one parsed Received header field (RFC 5321 4.4, RFC 5322 3.6.7).
// Fields that the value did not state are empty. A partly understood value
// keeps what was understood and says what was not in Warnings.
type Received struct {
	Index        int        `json:"index"` // 0 = topmost (nearest the recipient)
	Parsed       bool       `json:"parsed"`
	Kind         Kind       `json:"kind"`
	FromHELO     string     `json:"from_helo"`
	HELOCmd      string     `json:"helo_cmd"` // HELO, EHLO or LHLO when stated
	FromRDNS     string     `json:"from_rdns"`
	FromIP       netip.Addr `json:"from_ip"`
	FromPort     uint16     `json:"from_port,omitempty"`
	Ident        string     `json:"ident"`
	By           string     `json:"by"`
	ByIP         netip.Addr `json:"by_ip"`
	Via          string     `json:"via"`
	With         string     `json:"with"`     // normalised protocol: SMTP, ESMTPS, LMTP, HTTP, local, ...
	WithRaw      string     `json:"with_raw"` // the protocol word as written
	TLS          TLS        `json:"tls"`
	Auth         string     `json:"auth"` // how the client authenticated, when stated (e.g. "ESMTPA", "PLAIN", "authenticated sender")
	ID           string     `json:"id"`
	For          string     `json:"for"`
	EnvelopeFrom string     `json:"envelope_from"`
	Date         time.Time  `json:"-"` // UTC; zero when unreadable
	DateRaw      string     `json:"date_raw"`
	Raw          string     `json:"raw"`
	Warnings     []string   `json:"warnings"`
}

// MarshalJSON writes the date as RFC 3339 in UTC, or empty when unreadable.
func (r Received) MarshalJSON() ([]byte, error) {
	type plain Received
	var date string
	if !r.Date.IsZero() {
		date = r.Date.UTC().Format(time.RFC3339)
	}
	if r.Warnings == nil {
		r.Warnings = []string{}
	}
	return json.Marshal(struct {
		plain
		Date string `json:"date"`
	}{plain(r), date})
}

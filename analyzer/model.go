// Package analyzer turns the header section of one e-mail message into the
// path the message travelled: parsed Received fields, the machines that held
// the message (nodes), the transfers between them (segments), and a summary of
// organisations, jurisdictions and encryption. It does no I/O beyond reading an
// io.Reader; geolocation and DNS come in through small interfaces.
package analyzer

import (
	"context"
	"net/netip"
	"time"

	"github.com/mailroute/mailroute/analyzer/received"
	"github.com/mailroute/mailroute/jurisdiction"
)

// SchemaVersion is the version of the JSON form of Result.
const SchemaVersion = 2

// The types of one parsed Received field live in package received, which
// parses them; these aliases keep analyzer's API and JSON unchanged.
type (
	// Encryption says whether a transfer was protected by TLS.
	Encryption = received.Encryption
	// TLS is what a Received field says about transport encryption.
	TLS = received.TLS
	// Kind is what a Received field records.
	Kind = received.Kind
	// Received is one parsed Received header field.
	Received = received.Received
)

// Encryption values.
const (
	EncryptionYes     = received.EncryptionYes
	EncryptionNo      = received.EncryptionNo
	EncryptionUnknown = received.EncryptionUnknown
)

// Kinds of Received field.
const (
	KindRelay     = received.KindRelay
	KindLocal     = received.KindLocal
	KindRetrieval = received.KindRetrieval
)

// Role is a node's place in the path.
type Role string

// Node roles.
const (
	RoleOrigin Role = "origin" // the client that first handed the message over
	RoleRelay  Role = "relay"  // a server that received and passed the message on
	RoleFinal  Role = "final"  // the server that wrote the topmost Received field
)

// DataSource says which geolocation data answered and how old it is.
type DataSource struct {
	Name  string    `json:"name"`  // e.g. "GeoLite2-City", "iploc (IP2Location LITE)"
	Type  string    `json:"type"`  // "mmdb" or "embedded"
	Built time.Time `json:"built"` // build date of the data
}

// Location is where an address is, as far as the geolocation data knows.
// Empty fields are unknown.
type Location struct {
	Country     string `json:"country"` // ISO 3166-1 alpha-2
	CountryName string `json:"country_name,omitempty"`
	City        string `json:"city"`
	// Latitude and Longitude (WGS 84 degrees) are where a City database
	// places the address; nil when the data has no coordinates (country
	// data only). Shared between results: do not modify.
	Latitude  *float64     `json:"latitude,omitempty"`
	Longitude *float64     `json:"longitude,omitempty"`
	ASN       uint         `json:"asn"`
	ASOrg     string       `json:"as_org"`
	Source    []DataSource `json:"source"`            // the data sets that answered; empty when none did
	ViaDNS    bool         `json:"via_dns,omitempty"` // the address was found through DNS, not in the headers
	// Placement is set when the placement table corrected the data's
	// country by the node's host name (see Options.Placements).
	Placement *Placement `json:"placement,omitempty"`
}

// Locator geolocates public addresses. Implementations cache and are safe for
// concurrent use; they are never asked about internal addresses.
type Locator interface {
	Locate(addr netip.Addr) Location
}

// DNSInfo is what optional DNS look-ups found about a node.
type DNSInfo struct {
	PTR    string       `json:"ptr,omitempty"`    // reverse-DNS name found by a PTR query
	FCrDNS string       `json:"fcrdns,omitempty"` // "pass", "fail" or "none"
	Addrs  []netip.Addr `json:"addrs,omitempty"`  // addresses found for the node's name (A/AAAA)
	Notes  []string     `json:"notes,omitempty"`  // SERVFAIL, NXDOMAIN, timeout, ...
}

// Node is one machine that held the message.
type Node struct {
	Name string `json:"name"` // host name as the headers give it
	// Claimed says Name is only what the node declared about itself (a
	// HELO the receiving relay did not confirm with a reverse name, or its
	// own by that the next relay did not record): a claimed name never
	// gives the organisation.
	Claimed bool `json:"claimed"`
	// ClaimedNames are names the node gave itself in its own Received
	// fields that the next relay contradicted (recorded another name).
	ClaimedNames []string           `json:"claimed_names,omitempty"`
	IP           netip.Addr         `json:"ip"` // zero when the headers do not say
	Role         Role               `json:"role"`
	Received     []int              `json:"received"`            // indexes of the Received fields written by or about this node
	Internal     bool               `json:"internal"`            // private, loopback, link-local, CGNAT or otherwise non-global
	Organisation string             `json:"organisation"`        // the operator's name when the operators table knows it (see nameOrganisation)
	OrgSource    string             `json:"organisation_source"` // "asn", "operators-table", "domain" or ""
	Operator     *NodeOperator      `json:"operator"`            // nil when the operators table does not know the node
	Location     Location           `json:"location"`
	Jurisdiction jurisdiction.Class `json:"jurisdiction"`
	DNS          *DNSInfo           `json:"dns,omitempty"`
	Notes        []string           `json:"notes,omitempty"`

	rdns     string // the reverse name the headers gave for IP, if any
	hostRole string // the operators table's role for the host name when the ASN data named another organisation
}

// Segment is the transfer between two consecutive nodes, recorded by one
// Received field.
type Segment struct {
	From          int        `json:"from"`     // node index
	To            int        `json:"to"`       // node index
	Received      int        `json:"received"` // index of the Received field that recorded it
	Protocol      string     `json:"protocol"`
	Encryption    Encryption `json:"encryption"`
	TLSVersion    string     `json:"tls_version"`
	Cipher        string     `json:"cipher"`
	Authenticated bool       `json:"authenticated"`
	DelaySeconds  *float64   `json:"delay_seconds"` // nil when either date is unknown
}

// FlagCode names a finding about a path that a reader should check.
type FlagCode string

// Flag codes.
const (
	// FlagUnparsed: a Received field could not be read.
	FlagUnparsed FlagCode = "unparsed"
	// FlagByFromMismatch: a relay's own name (its by) does not match the
	// sender the next field recorded: a field may be forged or a hop
	// missing.
	FlagByFromMismatch FlagCode = "by-from-mismatch"
	// FlagPrivateHandover: a relay handed the message to another
	// organisation's server from a private address, which the receiver
	// could not have seen over the internet.
	FlagPrivateHandover FlagCode = "private-handover"
	// FlagTimeBackwards: a field is dated before the one below it.
	FlagTimeBackwards FlagCode = "time-backwards"
	// FlagTooManyReceived: the message has more Received fields than are
	// analysed.
	FlagTooManyReceived FlagCode = "too-many-received"
	// FlagNegativeTransit: the topmost date is earlier than the lowest,
	// so the transit time is negative (clocks or dates are wrong).
	FlagNegativeTransit FlagCode = "negative-transit"
)

// Flag is a consistency finding about a message's trace.
type Flag struct {
	Code     FlagCode `json:"code"`
	Received int      `json:"received"` // index of the Received field concerned, -1 for the whole message
	Detail   string   `json:"detail"`
}

// Summary is the per-message accounting.
type Summary struct {
	Hops              int                        `json:"hops"`   // segments
	Relays            int                        `json:"relays"` // server nodes (relays and final server)
	Organisations     []string                   `json:"organisations"`
	Countries         []string                   `json:"countries"`
	Jurisdictions     map[jurisdiction.Class]int `json:"jurisdictions"` // nodes per class
	LeftHome          bool                       `json:"left_home"`
	LeftEUEEA         bool                       `json:"left_eu_eea"`
	ThirdCountry      bool                       `json:"third_country"`
	PlaintextSegments int                        `json:"plaintext_segments"`
	UnknownSegments   int                        `json:"unknown_segments"`
	EncryptedSegments int                        `json:"encrypted_segments"`
	TLSVersions       []string                   `json:"tls_versions"`
	TransitSeconds    *float64                   `json:"transit_seconds"`
	BodyEncryption    string                     `json:"body_encryption"` // "none", "pgp" or "smime"
	Flags             int                        `json:"flags"`
}

// Failure reasons for a message that could not be analysed.
const (
	FailHeaderTooLarge = "header-too-large"
	FailNoReceived     = "no-received"
	FailUnreadable     = "unreadable"
)

// Result is everything mailroute knows about one message's path. A message
// that could not be analysed has Error set (and FailReason), and whatever was
// understood before the failure.
type Result struct {
	SchemaVersion    int               `json:"schema_version"`
	Source           string            `json:"source"`         // "file", "file:N" for the Nth message of a mailbox, "-" for stdin
	Line             int               `json:"line,omitempty"` // line of the input the message starts on (its "From " line in an mbox), when known
	MessageID        string            `json:"message_id"`
	FromDomain       string            `json:"from_domain"`
	ReturnPathDomain string            `json:"return_path_domain"`
	DKIMDomains      []string          `json:"dkim_domains"`
	Subject          string            `json:"subject"`
	Date             string            `json:"date"`              // Date header, RFC 3339 UTC, empty when absent or unreadable
	Headers          map[string]string `json:"headers,omitempty"` // extra header values asked for in Options.KeepHeaders (canonical key)
	Received         []Received        `json:"received"`
	Nodes            []Node            `json:"nodes"`
	Segments         []Segment         `json:"segments"`
	Flags            []Flag            `json:"flags"`
	Parties          []Party           `json:"parties"` // the nodes grouped by who ran them (see Party)
	Filters          []Filter          `json:"filters"` // filtering evidence (see Filter)
	Summary          Summary           `json:"summary"`
	Notes            []string          `json:"notes"`    // explanations, e.g. why the US is a third country
	Warnings         []string          `json:"warnings"` // what was skipped while reading the header (malformed lines, a cut-off header)
	Error            string            `json:"error"`
	FailReason       string            `json:"fail_reason,omitempty"`

	// scratch is the memory of the header fields and of the filtering
	// findings, lent again when the result is reused (AnalyzeInto).
	scratch headerScratch
}

// Resolver answers the optional DNS questions mailroute asks about nodes. It
// is only used when the user asks for DNS look-ups; implementations cache,
// bound their queries and never fail a message: problems go into Notes.
type Resolver interface {
	// Reverse looks up the PTR name of addr and confirms it forward
	// (FCrDNS: pass, fail or none).
	Reverse(ctx context.Context, addr netip.Addr) DNSInfo
	// Forward looks up the A and AAAA addresses of name.
	Forward(ctx context.Context, name string) DNSInfo
}

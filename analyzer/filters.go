package analyzer

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/mailroute/mailroute/filtering"
)

// Filter is one piece of filtering evidence of a message (see package
// filtering), tied to the node that did the filtering where it can be told.
type Filter struct {
	filtering.Finding
	// Node is the index of the node that did the filtering: the node whose
	// name is the finding's host (authserv-id, checker host), else a node of
	// the recipient's side below that domain, else the first node of the
	// recipient's side run by the finding's operator; nil when none is found.
	Node *int `json:"node"`
	// Unverified is true when Node is not on the recipient's side of the
	// trust boundary: the field could have been written by the sender or
	// any relay before the recipient's provider.
	Unverified bool `json:"unverified"`
}

// wantFilterField reports the fields package filtering reads.
func wantFilterField(name []byte) bool { return filtering.Wants(name) }

// filters reads the filtering evidence of h and ties it to nodes. It runs
// after the parties are known. It runs for every message of a scan, so the
// fields and findings are gathered on the stack and the filters and their
// node indexes take one allocation each (the filters none when a reused
// result has room).
func (r *Result) filters(h Header) {
	r.Filters = emptied(r.Filters)
	// Every kept field but the ones Analyze reads itself is one
	// filtering.Wants accepted, or one of Options.KeepHeaders, which
	// AppendRead passes over: asking Wants again cost a rule search per
	// field.
	n := 0
	for i := range h.Fields {
		if !readByAnalyzer(h.Fields[i].Key) {
			n++
		}
	}
	// The buffers on the stack are zeroed on every call, so a message with
	// few fields (most have a handful) takes the small ones.
	switch {
	case n == 0:
	case n <= 4:
		var fields [4]filtering.Field
		var fds [4]filtering.Finding
		r.readFilters(h, fields[:0], fds[:0])
	default:
		var fields [32]filtering.Field
		var fds [16]filtering.Finding
		r.readFilters(h, fields[:0], fds[:0])
	}
}

// readFilters is filters with buffers for the fields (appended to fields)
// and the findings (read into fds; AppendRead returns one finding per field
// at most). Both grow on the heap when they are too short.
func (r *Result) readFilters(h Header, fields []filtering.Field, fds []filtering.Finding) {
	for i := range h.Fields {
		if f := &h.Fields[i]; !readByAnalyzer(f.Key) {
			fields = append(fields, filtering.Field(*f))
		}
	}
	var recipientBuf [32]bool
	recipient := recipientBuf[:0]
	if len(r.Nodes) <= len(recipientBuf) {
		recipient = recipientBuf[:len(r.Nodes)]
	} else {
		recipient = make([]bool, len(r.Nodes))
	}
	for _, p := range r.Parties {
		if p.Side == SideRecipient || p.Side == SideBoth {
			for _, n := range p.Nodes {
				if n >= 0 && n < len(recipient) {
					recipient[n] = true
				}
			}
		}
	}
	// The findings are copied into r.Filters: read them into the buffer
	// on the stack.
	fds = filtering.AppendReadInto(fds, fields, &r.scratch.filters)
	if len(fds) == 0 {
		return
	}
	// A reused result (AnalyzeInto) may have room for them already.
	r.Filters = slices.Grow(r.Filters, len(fds))[:len(fds)]
	var nodes []int // made when a finding has a node
	for i := range fds {
		fd := &fds[i]
		f := &r.Filters[i]
		*f = Filter{Finding: *fd}
		if n := r.filterNode(fd, recipient); n >= 0 {
			if nodes == nil {
				nodes = make([]int, len(fds))
			}
			nodes[i] = n
			f.Node = &nodes[i]
			if fd.Operator == "" && r.Nodes[n].Operator != nil {
				f.Operator = r.Nodes[n].Operator.Name
			}
		}
		f.Unverified = f.Node == nil || !recipient[*f.Node]
	}
}

// readByAnalyzer reports the canonical keys of the fields Analyze reads
// itself (wantField), none of which is filtering evidence.
func readByAnalyzer(key string) bool {
	switch key {
	case "Received", "From", "Date", "Subject", "Message-Id", "Return-Path", "Content-Type", "Dkim-Signature":
		return true
	}
	return false
}

// filterNode returns the node a finding comes from, or -1.
func (r *Result) filterNode(fd *filtering.Finding, recipient []bool) int {
	if fd.Host != "" {
		// The latest node of that name: the one nearest the recipient.
		for i := len(r.Nodes) - 1; i >= 0; i-- {
			if strings.EqualFold(strings.TrimSuffix(r.Nodes[i].Name, "."), fd.Host) {
				return i
			}
		}
	}
	if fd.Host != "" {
		// An authserv-id is often the domain ("gmx.net"): a recipient node
		// below it.
		for i := len(r.Nodes) - 1; i >= 0; i-- {
			if recipient[i] && belowDomain(strings.TrimSuffix(r.Nodes[i].Name, "."), fd.Host) {
				return i
			}
		}
	}
	if fd.Operator != "" {
		for i := range r.Nodes {
			if recipient[i] && r.Nodes[i].Operator != nil && r.Nodes[i].Operator.Name == fd.Operator {
				return i
			}
		}
	}
	return -1
}

// belowDomain reports whether strings.ToLower(name) ends in "."+host, host
// being lower case. For an ASCII name it compares in place, without
// building the lower-case name (filters runs for every message of a scan).
func belowDomain(name, host string) bool {
	for i := 0; i < len(name); i++ {
		if name[i] >= utf8.RuneSelf {
			return strings.HasSuffix(strings.ToLower(name), "."+host)
		}
	}
	n := len(name) - len(host)
	if n < 1 || name[n-1] != '.' {
		return false
	}
	for i := 0; i < len(host); i++ {
		c := name[n+i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != host[i] {
			return false
		}
	}
	return true
}

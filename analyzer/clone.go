package analyzer

import (
	"slices"
	"strings"

	"github.com/mailroute/mailroute/jurisdiction"
)

// The strings and slices of a Result point into memory that AnalyzeInto
// overwrites when it reuses the result (the header text among it), so what
// must outlive a reused result keeps a clone: a copy that shares no memory
// with it.

// Clone returns a copy of n that shares no memory with n.
func (n Node) Clone() Node {
	c := n
	c.Name = strings.Clone(n.Name)
	c.Role = Role(strings.Clone(string(n.Role)))
	c.ClaimedNames = cloneStrings(n.ClaimedNames)
	c.Received = slices.Clone(n.Received)
	c.Organisation = strings.Clone(n.Organisation)
	c.OrgSource = strings.Clone(n.OrgSource)
	c.Operator = clonePtr(n.Operator, func(o NodeOperator) NodeOperator {
		return NodeOperator{Name: strings.Clone(o.Name), Country: strings.Clone(o.Country), Role: strings.Clone(o.Role)}
	})
	c.Location = n.Location.clone()
	c.Jurisdiction = jurisdiction.Class(strings.Clone(string(n.Jurisdiction)))
	c.DNS = clonePtr(n.DNS, func(d DNSInfo) DNSInfo {
		return DNSInfo{PTR: strings.Clone(d.PTR), FCrDNS: strings.Clone(d.FCrDNS), Addrs: slices.Clone(d.Addrs), Notes: cloneStrings(d.Notes)}
	})
	c.Notes = cloneStrings(n.Notes)
	c.rdns = strings.Clone(n.rdns)
	c.hostRole = strings.Clone(n.hostRole)
	return c
}

func (l Location) clone() Location {
	c := l
	c.Country = strings.Clone(l.Country)
	c.CountryName = strings.Clone(l.CountryName)
	c.City = strings.Clone(l.City)
	c.Latitude = clonePtr(l.Latitude, nil)
	c.Longitude = clonePtr(l.Longitude, nil)
	c.ASOrg = strings.Clone(l.ASOrg)
	if l.Source != nil {
		c.Source = make([]DataSource, len(l.Source))
		for i, s := range l.Source {
			c.Source[i] = DataSource{Name: strings.Clone(s.Name), Type: strings.Clone(s.Type), Built: s.Built}
		}
	}
	c.Placement = clonePtr(l.Placement, func(p Placement) Placement {
		return Placement{DataCountry: strings.Clone(p.DataCountry), Rule: strings.Clone(p.Rule), Area: strings.Clone(p.Area),
			Evidence: strings.Clone(p.Evidence), Checked: strings.Clone(p.Checked)}
	})
	return c
}

// Clone returns a copy of s that shares no memory with s.
func (s Segment) Clone() Segment {
	c := s
	c.Protocol = strings.Clone(s.Protocol)
	c.Encryption = Encryption(strings.Clone(string(s.Encryption)))
	c.TLSVersion = strings.Clone(s.TLSVersion)
	c.Cipher = strings.Clone(s.Cipher)
	c.DelaySeconds = clonePtr(s.DelaySeconds, nil)
	return c
}

// Clone returns a copy of f that shares no memory with f.
func (f Flag) Clone() Flag {
	return Flag{Code: FlagCode(strings.Clone(string(f.Code))), Received: f.Received, Detail: strings.Clone(f.Detail)}
}

// cloneStrings returns a copy of s and of its strings (nil for nil).
func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	c := make([]string, len(s))
	for i, v := range s {
		c[i] = strings.Clone(v)
	}
	return c
}

// clonePtr returns a pointer to a copy of *p made by f (a plain copy when f
// is nil), or nil for nil.
func clonePtr[T any](p *T, f func(T) T) *T {
	if p == nil {
		return nil
	}
	v := *p
	if f != nil {
		v = f(v)
	}
	return &v
}

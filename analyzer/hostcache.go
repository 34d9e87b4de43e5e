package analyzer

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mailroute/mailroute/internal/domain"
)

// DefaultDomainCacheSize is the number of host names a DomainCache made by
// NewDomainCache(0) remembers.
const DefaultDomainCacheSize = 1 << 16

// DomainCache remembers the registrable domains of host names across the
// messages of a run. A host's registrable domain is the same in every
// message, a mailbox names the same providers' hosts again and again, and
// working it out (the Public Suffix List walk) was the largest cost of
// naming nodes. It is safe for concurrent use by the workers of a run.
//
// Once it holds its size of names it takes no more: later names are worked
// out per message, with the same answers, so a mailbox of forged names
// cannot grow it without bound.
type DomainCache struct {
	max int64
	n   atomic.Int64
	m   sync.Map // host name -> registrable domain (string)
}

// NewDomainCache returns an empty cache that remembers up to size host
// names (DefaultDomainCacheSize when size <= 0).
func NewDomainCache(size int) *DomainCache {
	if size <= 0 {
		size = DefaultDomainCacheSize
	}
	return &DomainCache{max: int64(size)}
}

// Registrable returns domain.Registrable(host), remembered. A nil cache
// works it out every time.
func (c *DomainCache) Registrable(host string) string {
	if c == nil {
		return domain.Registrable(host)
	}
	if v, ok := c.m.Load(host); ok {
		return v.(string)
	}
	d := domain.Registrable(host)
	// Take a place first, so that workers storing at once never take the
	// cache past its size; give it back if another stored host first.
	for {
		n := c.n.Load()
		if n >= c.max {
			return d
		}
		if c.n.CompareAndSwap(n, n+1) {
			break
		}
	}
	// The names are copied: host is most often part of a message's
	// header text, which a string of it would keep alive for the run.
	if _, loaded := c.m.LoadOrStore(keepName(host, d)); loaded {
		c.n.Add(-1)
	}
	return d
}

// keepName returns copies of host and of its registrable domain d, in
// one allocation when d ends host (as a registrable domain does).
func keepName(host, d string) (string, string) {
	h := strings.Clone(host)
	if strings.HasSuffix(h, d) {
		return h, h[len(h)-len(d):]
	}
	return h, strings.Clone(d)
}

package geo

import (
	"encoding/binary"
	"net/netip"
	"sync"
	"sync/atomic"
)

// cacheShards is the number of independently locked parts of the cache.
const (
	cacheShardBits = 6
	cacheShards    = 1 << cacheShardBits
)

// cache maps public addresses to their Location. It is safe for concurrent
// use. It holds at most limit entries (rounded up to a multiple of
// cacheShards) and stops adding entries to a full shard, so memory stays
// bounded on scans with many distinct addresses; look-ups still answer, only
// more slowly.
type cache struct {
	perShard int // entries per shard; 0 disables the cache
	full     atomic.Int64
	shards   [cacheShards]shard
}

// shard is one lock and map of the cache, padded so that neighbouring shards
// do not share a cache line.
type shard struct {
	mu sync.RWMutex
	m  map[cacheKey]*Location
	_  [64]byte
}

// init prepares c to hold about limit entries; limit <= 0 disables caching.
func (c *cache) init(limit int) {
	if limit <= 0 {
		c.perShard = 0
		return
	}
	c.perShard = (limit + cacheShards - 1) / cacheShards
}

// cacheKey is an address as two integers: Go maps hash this twice as fast
// as a netip.Addr. IPv4 addresses are keyed in their IPv4-mapped form, which
// is unique because cached addresses are unmapped and without zone.
type cacheKey struct{ hi, lo uint64 }

func keyOf(addr netip.Addr) cacheKey {
	b := addr.As16()
	return cacheKey{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

// shardFor returns the shard that holds k.
func (c *cache) shardFor(k cacheKey) *shard {
	h := (k.hi ^ k.lo) * 0x9e3779b97f4a7c15 // Fibonacci hashing: the top bits mix all input bits
	return &c.shards[h>>(64-cacheShardBits)]
}

// get returns the cached Location of addr, or nil. The caller must not
// modify it.
func (c *cache) get(addr netip.Addr) *Location {
	if c.perShard == 0 {
		return nil
	}
	k := keyOf(addr)
	s := c.shardFor(k)
	s.mu.RLock()
	loc := s.m[k]
	s.mu.RUnlock()
	return loc
}

// put stores loc for addr unless the shard is full.
func (c *cache) put(addr netip.Addr, loc Location) {
	if c.perShard == 0 {
		return
	}
	k := keyOf(addr)
	s := c.shardFor(k)
	s.mu.Lock()
	if s.m == nil {
		s.m = make(map[cacheKey]*Location)
	}
	if len(s.m) < c.perShard {
		p := new(Location) // allocated only when stored
		*p = loc
		s.m[k] = p
	} else {
		c.full.Add(1)
	}
	s.mu.Unlock()
}

// len returns the number of cached entries.
func (c *cache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.m)
		s.mu.RUnlock()
	}
	return n
}

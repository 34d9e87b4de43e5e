package geo

import (
	"encoding/binary"
	"net/netip"
	"sync"
	"sync/atomic"
)

// cacheShards is the number of independently locked parts of the cache; a
// power of two.
const cacheShards = 64

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
	m  map[netip.Addr]Location
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

// shardFor returns the shard that holds addr, which must be unmapped and
// without zone.
func (c *cache) shardFor(addr netip.Addr) *shard {
	b := addr.As16()
	h := binary.LittleEndian.Uint64(b[:8]) ^ binary.LittleEndian.Uint64(b[8:])
	h *= 0x9e3779b97f4a7c15 // Fibonacci hashing: the top bits mix all input bits
	return &c.shards[h>>(64-6)]
}

// get returns the cached Location of addr.
func (c *cache) get(addr netip.Addr) (Location, bool) {
	if c.perShard == 0 {
		return Location{}, false
	}
	s := c.shardFor(addr)
	s.mu.RLock()
	loc, ok := s.m[addr]
	s.mu.RUnlock()
	return loc, ok
}

// put stores loc for addr unless the shard is full.
func (c *cache) put(addr netip.Addr, loc Location) {
	if c.perShard == 0 {
		return
	}
	s := c.shardFor(addr)
	s.mu.Lock()
	if s.m == nil {
		s.m = make(map[netip.Addr]Location)
	}
	if len(s.m) < c.perShard {
		s.m[addr] = loc
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

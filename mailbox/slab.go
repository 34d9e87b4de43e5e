package mailbox

import "sync/atomic"

// slabSize is the size of the blocks header copies are cut from.
const slabSize = 256 << 10

// slabPoolSize is the most released slabs a Reader keeps for reuse: more
// than the headers of the messages a pipeline has in flight need (a few
// MiB).
const slabPoolSize = 16

// slab is a block that header sections are copied into, so that many
// headers cost one allocation. refs counts the headers cut from it that are
// not released yet, plus one while the reader still cuts from it; when it
// drops to zero nothing uses the slab any more and it goes back to its pool.
type slab struct {
	buf  []byte
	refs atomic.Int32
	pool chan *slab
}

// release drops one reference; the last one returns the slab to its pool
// (or to the collector when the pool is full).
func (sl *slab) release() {
	if sl.refs.Add(-1) != 0 {
		return
	}
	select {
	case sl.pool <- sl:
	default:
	}
}

// slabs hands out header copies from slabs, reusing the released ones. It
// belongs to one reader goroutine; release may be called from any.
type slabs struct {
	cur  *slab  // slab being cut, nil before the first header
	rest []byte // the part of cur.buf not yet cut
	pool chan *slab
}

func newSlabs() *slabs { return &slabs{pool: make(chan *slab, slabPoolSize)} }

// keep copies b into memory the caller owns until it releases the returned
// slab (nil when b got memory of its own: a large header).
func (p *slabs) keep(b []byte) ([]byte, *slab) {
	if len(b) == 0 {
		return nil, nil
	}
	if len(b) > slabSize/4 {
		return append([]byte(nil), b...), nil
	}
	if len(b) > len(p.rest) {
		if p.cur != nil {
			p.cur.release() // the reader's own reference
		}
		select {
		case p.cur = <-p.pool:
		default:
			p.cur = &slab{buf: make([]byte, slabSize), pool: p.pool}
		}
		p.cur.refs.Store(1)
		p.rest = p.cur.buf
	}
	h := p.rest[:len(b):len(b)]
	copy(h, b)
	p.rest = p.rest[len(b):]
	p.cur.refs.Add(1)
	return h, p.cur
}

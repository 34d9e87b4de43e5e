package report

import (
	"maps"
	"math"
	"slices"
)

// intHist counts non-negative integers (hops, relays per message) so that
// the median needs no list of values: values below denseIntHist in a dense
// array, larger ones (a loop of thousands of Received fields) in a sparse
// map, so the median is exact for every value, as trace reports it.
type intHist struct {
	counts []int64
	tail   map[int]int64 // values >= denseIntHist
	n      int64
}

// denseIntHist bounds the dense part of intHist: the analyser flags traces
// with more than 100 Received fields, so real values stay far below.
const denseIntHist = 1024

func (h *intHist) add(v int) {
	v = max(v, 0)
	h.n++
	if v >= denseIntHist {
		if h.tail == nil {
			h.tail = map[int]int64{}
		}
		h.tail[v]++
		return
	}
	if v >= len(h.counts) {
		h.counts = append(h.counts, make([]int64, v+1-len(h.counts))...)
	}
	h.counts[v]++
}

// median returns the median value (the mean of the two middle values for an
// even count) and false when the histogram is empty.
func (h *intHist) median() (float64, bool) {
	if len(h.tail) == 0 {
		return histMedian(h.counts, h.n, func(b int) float64 { return float64(b) })
	}
	keys := slices.Sorted(maps.Keys(h.tail))
	counts := slices.Clone(h.counts)
	values := make([]float64, 0, len(counts)+len(keys))
	for b := range counts {
		values = append(values, float64(b))
	}
	for _, k := range keys {
		counts = append(counts, h.tail[k])
		values = append(values, float64(k))
	}
	return histMedian(counts, h.n, func(b int) float64 { return values[b] })
}

// histMedian returns the median of a histogram whose bucket b stands for the
// value val(b).
func histMedian(counts []int64, n int64, val func(int) float64) (float64, bool) {
	if n == 0 {
		return 0, false
	}
	lo, hi := (n-1)/2, n/2 // 0-based ranks of the middle element(s)
	var vlo, vhi float64
	var seen int64
	found := false
	for b, c := range counts {
		if c == 0 {
			continue
		}
		if !found && seen+c > lo {
			vlo, found = val(b), true
		}
		if seen+c > hi {
			vhi = val(b)
			break
		}
		seen += c
	}
	return (vlo + vhi) / 2, true
}

// durHist is a bounded histogram of transit times in seconds, negative
// ones (dates that run backwards) included. Buckets are by magnitude: one
// second wide below 256 s; above, each power of two is split into 32
// buckets, so a bucket is at most 1/32 of its lower bound wide. Each bucket
// keeps the sum of its values and stands for their mean: exact when its
// values are equal (a single message's transit is reported as trace reports
// it), within ±1.6 % otherwise. Magnitudes from 2^22 s (about 48.5 days) up
// count in the last bucket. Each sign grows up to the largest bucket used,
// at most 704 buckets.
type durHist struct {
	pos, neg durSide // values >= 0, values < 0 (by magnitude)
	n        int64
}

// durSide is one sign's buckets.
type durSide struct {
	counts []int64
	sums   []float64
}

const (
	durLinear  = 256 // one-second buckets below this (2^durLinExp)
	durLinExp  = 8
	durSub     = 32 // buckets per power of two above
	durMaxExp  = 22 // values >= 2^durMaxExp go to the last bucket
	durBuckets = durLinear + (durMaxExp-durLinExp)*durSub
)

// durBucket returns the bucket of a magnitude (>= 0).
func durBucket(sec float64) int {
	switch {
	case !(sec > 0): // also NaN
		return 0
	case sec < durLinear:
		return int(sec)
	case sec >= 1<<durMaxExp:
		return durBuckets - 1
	}
	frac, exp := math.Frexp(sec) // sec = frac * 2^exp, frac in [0.5, 1)
	e := exp - 1                 // sec in [2^e, 2^(e+1))
	sub := int((frac*2 - 1) * durSub)
	return durLinear + (e-durLinExp)*durSub + sub
}

func (d *durSide) add(b int, v float64) {
	if b >= len(d.counts) {
		d.counts = append(d.counts, make([]int64, b+1-len(d.counts))...)
		d.sums = append(d.sums, make([]float64, b+1-len(d.sums))...)
	}
	d.counts[b]++
	d.sums[b] += v
}

func (h *durHist) add(sec float64) {
	if math.IsNaN(sec) {
		return
	}
	if sec < 0 {
		h.neg.add(durBucket(-sec), sec)
	} else {
		h.pos.add(durBucket(sec), sec)
	}
	h.n++
}

// median returns the median transit time in seconds, rounded to whole
// seconds, and false when no message had a transit time.
func (h *durHist) median() (float64, bool) {
	// In value order: negative buckets from the largest magnitude down,
	// then the positive ones.
	nn := len(h.neg.counts)
	counts := make([]int64, 0, nn+len(h.pos.counts))
	for b := nn - 1; b >= 0; b-- {
		counts = append(counts, h.neg.counts[b])
	}
	counts = append(counts, h.pos.counts...)
	m, ok := histMedian(counts, h.n, func(i int) float64 {
		side, b := &h.pos, i-nn
		if i < nn {
			side, b = &h.neg, nn-1-i
		}
		return side.sums[b] / float64(side.counts[b])
	})
	m = math.Round(m)
	if m == 0 {
		m = 0 // no "-0"
	}
	return m, ok
}

// Package pipeline runs messages from a mailbox source through the analyzer
// on all cores and hands the results back in input order.
package pipeline

import (
	"context"
	"errors"
	"io"
	"runtime"
	"slices"
	"sync"

	"github.com/mailroute/mailroute/analyzer"
	"github.com/mailroute/mailroute/mailbox"
)

// Source yields messages; *mailbox.Reader is one. Next returns io.EOF at the
// end; any other error is a problem with one input, after which Next may be
// called again.
type Source interface {
	Next() (mailbox.Message, error)
}

// Item is one step of the run: either the result of one message or an input
// that could not be read.
type Item struct {
	Result   analyzer.Result
	Pos      mailbox.Position // where the message was found
	InputErr error            // set when an input (not a message) failed; Result is empty then
}

// Stats counts what a run read.
type Stats struct {
	Read, Analysed, Failed int
	InputErrors            int
}

// Config controls a run.
type Config struct {
	Analyzer analyzer.Options
	// Workers is the number of goroutines analysing messages (GOMAXPROCS
	// when 0).
	Workers int
	// Recycle lets later messages reuse the memory of results already
	// emitted (analyzer.AnalyzeInto), which saves most of the allocations
	// of a result. Set it only when emit keeps nothing of an Item's Result
	// after it returns: no slice of it, no element of one and no string
	// (most are parts of the header text, which is overwritten too); copy
	// what must stay (strings.Clone, analyzer.Node.Clone).
	Recycle bool
}

// Batching: the reader hands messages to the workers and to the ordered
// output in batches, so that the channel operations, wake-ups and
// allocations of the hand-over are paid per batch, not per message.
const (
	// maxBatch is the most messages in one batch. Batches start at one
	// message and double up to it, so the first results come at once.
	maxBatch = 64
	// maxBatchBytes ends a batch early when its header sections add up to
	// this many bytes, bounding the memory in flight.
	maxBatchBytes = 256 << 10
)

// batch is a run of consecutive messages, or one input error.
type batch struct {
	msgs     []mailbox.Message
	results  []analyzer.Result // set by a worker before done is closed
	done     chan struct{}
	inputErr error
}

// Run reads every message from src, analyses it and calls emit for each in
// input order. It stops early only when ctx is cancelled or emit fails.
//
// Run returns only after every goroutine it started has stopped, so src is
// no longer in use when Run returns and the caller may close it: on an early
// stop Run cancels its reader and waits for the Next call in progress.
func Run(ctx context.Context, src Source, cfg Config, emit func(Item) error) (Stats, error) {
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	// Deferred calls run last-in first-out: cancel first, so that the
	// reader and the workers stop, then wait for them.
	defer wg.Wait()
	defer cancel()

	jobs := make(chan *batch, workers)
	// free holds the result slices of emitted batches for reuse, when
	// cfg.Recycle; a worker takes one for its next batch. The output
	// returns them in bursts (when the batch it waits for is done, the
	// ones after it often are too), so free holds as many as can be in
	// flight: with fewer, a 1 GiB scan dropped half of them.
	var free chan []analyzer.Result
	if cfg.Recycle {
		free = make(chan []analyzer.Result, workers*2+2)
	}
	// order carries the batches in input order; its buffer bounds the
	// batches in flight.
	order := make(chan *batch, workers*2)

	for range workers {
		wg.Go(func() {
			for b := range jobs {
				b.results = takeResults(free, len(b.msgs))
				for i := range b.msgs {
					if ctx.Err() != nil {
						break
					}
					analyze(ctx, b.msgs[i], cfg.Analyzer, &b.results[i])
					b.msgs[i].Release() // analysed: its memory may hold later headers
				}
				close(b.done)
				// Let the output run now. Closing done makes the goroutine
				// waiting for this batch runnable on this worker's P, where
				// it would wait until the worker blocks or is preempted
				// (10 ms) when every P is busy, as on a loaded machine;
				// meanwhile order fills with finished batches, the reader
				// stops and the workers run out of jobs. Yielding once per
				// batch cut the workers' wait for jobs in a 1 GiB scan on
				// 2 cores from about 100 to about 20 ms (go tool trace
				// -pprof=sync), and the scan's time by a tenth.
				runtime.Gosched()
			}
		})
	}
	wg.Go(func() {
		defer close(order)
		defer close(jobs)
		size := 1
		var cur *batch
		curBytes := 0
		// flush hands the current batch on; false when cancelled.
		flush := func() bool {
			if cur == nil {
				return true
			}
			b := cur
			cur, curBytes = nil, 0
			size = min(2*size, maxBatch)
			select {
			case order <- b:
			case <-ctx.Done():
				return false
			}
			select {
			case jobs <- b:
				return true
			case <-ctx.Done():
				return false
			}
		}
		for {
			if ctx.Err() != nil {
				return
			}
			msg, err := src.Next()
			if errors.Is(err, io.EOF) {
				flush()
				return
			}
			if err != nil {
				if !flush() {
					return
				}
				select {
				case order <- &batch{inputErr: err}:
				case <-ctx.Done():
					return
				}
				continue
			}
			if cur == nil {
				cur = &batch{msgs: make([]mailbox.Message, 0, size), done: make(chan struct{})}
			}
			cur.msgs = append(cur.msgs, msg)
			curBytes += len(msg.Header)
			if len(cur.msgs) >= size || curBytes >= maxBatchBytes {
				if !flush() {
					return
				}
			}
		}
	})

	var st Stats
	for b := range order {
		if b.inputErr != nil {
			st.InputErrors++
			if err := emit(Item{InputErr: b.inputErr}); err != nil {
				return st, err
			}
			continue
		}
		select {
		case <-b.done:
		case <-ctx.Done():
			return st, ctx.Err()
		}
		if err := ctx.Err(); err != nil {
			// The batch may be incomplete.
			return st, err
		}
		for i := range b.results {
			res := b.results[i]
			st.Read++
			if res.Error != "" {
				st.Failed++
			} else {
				st.Analysed++
			}
			if err := emit(Item{Result: res, Pos: b.msgs[i].Pos}); err != nil {
				return st, err
			}
		}
		if free != nil {
			select {
			case free <- b.results:
			default: // enough kept
			}
		}
	}
	return st, ctx.Err()
}

// takeResults returns n results for a batch: a slice from free when there
// is one (its results' memory is reused), else new ones. With recycling,
// every slice has room for the largest batch, so that any serves any batch
// (batches end early at maxBatchBytes, so their sizes vary).
func takeResults(free chan []analyzer.Result, n int) []analyzer.Result {
	if free == nil {
		return make([]analyzer.Result, n)
	}
	select {
	case rs := <-free:
		return rs[:n]
	default:
		return make([]analyzer.Result, n, max(n, maxBatch))
	}
}

// analyze turns one mailbox message into a result in *res (whose memory
// is reused); a message the reader could not read fully fails with the
// reader's reason.
func analyze(ctx context.Context, msg mailbox.Message, opts analyzer.Options, res *analyzer.Result) {
	analyzeMessage(ctx, msg, opts, res)
	res.Line = msg.Pos.Line
	if len(msg.Warnings) > 0 {
		// What the reader skipped comes first, as it came first.
		res.Warnings = append(slices.Clip(msg.Warnings), res.Warnings...)
	}
}

func analyzeMessage(ctx context.Context, msg mailbox.Message, opts analyzer.Options, res *analyzer.Result) {
	src := msg.Pos.String()
	if msg.Err != nil && msg.Pos.N == 0 && len(msg.Header) > 0 && errors.Is(msg.Err, mailbox.ErrTruncated) {
		// A single message cut off inside its header, such as header
		// lines pasted without the empty line that ends them: what is
		// there is analysed and the cut is noted.
		analyzer.AnalyzeInto(ctx, msg.Header, src, opts, res)
		res.Warnings = append(res.Warnings, "header section incomplete: "+msg.Err.Error())
		return
	}
	if msg.Err != nil {
		analyzer.AnalyzeInto(ctx, nil, src, opts, res)
		res.FailReason = analyzer.FailUnreadable
		if errors.Is(msg.Err, mailbox.ErrHeaderTooLarge) {
			res.FailReason = analyzer.FailHeaderTooLarge
		}
		res.Error = msg.Err.Error()
		return
	}
	analyzer.AnalyzeInto(ctx, msg.Header, src, opts, res)
}

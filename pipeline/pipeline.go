// Package pipeline runs messages from a mailbox source through the analyzer
// on all cores and hands the results back in input order.
package pipeline

import (
	"context"
	"errors"
	"io"
	"runtime"
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
}

type job struct {
	msg mailbox.Message
	out chan analyzer.Result
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

	jobs := make(chan job, workers*4)
	// order carries, in input order, either a result future or an input
	// error; its buffer bounds the messages in flight.
	type pending struct {
		out      chan analyzer.Result
		pos      mailbox.Position
		inputErr error
	}
	order := make(chan pending, workers*32)

	for range workers {
		wg.Go(func() {
			for j := range jobs {
				j.out <- analyze(ctx, j.msg, cfg.Analyzer)
			}
		})
	}
	wg.Go(func() {
		defer close(order)
		defer close(jobs)
		for {
			if ctx.Err() != nil {
				return
			}
			msg, err := src.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				select {
				case order <- pending{inputErr: err}:
				case <-ctx.Done():
					return
				}
				continue
			}
			p := pending{out: make(chan analyzer.Result, 1), pos: msg.Pos}
			select {
			case order <- p:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- job{msg: msg, out: p.out}:
			case <-ctx.Done():
				return
			}
		}
	})

	var st Stats
	for p := range order {
		if p.inputErr != nil {
			st.InputErrors++
			if err := emit(Item{InputErr: p.inputErr}); err != nil {
				return st, err
			}
			continue
		}
		var res analyzer.Result
		select {
		case res = <-p.out:
		case <-ctx.Done():
			return st, ctx.Err()
		}
		st.Read++
		if res.Error != "" {
			st.Failed++
		} else {
			st.Analysed++
		}
		if err := emit(Item{Result: res, Pos: p.pos}); err != nil {
			return st, err
		}
	}
	return st, ctx.Err()
}

// analyze turns one mailbox message into a result; a message the reader
// could not read fully fails with the reader's reason.
func analyze(ctx context.Context, msg mailbox.Message, opts analyzer.Options) analyzer.Result {
	res := analyzeMessage(ctx, msg, opts)
	res.Line = msg.Pos.Line
	return res
}

func analyzeMessage(ctx context.Context, msg mailbox.Message, opts analyzer.Options) analyzer.Result {
	src := msg.Pos.String()
	if msg.Err != nil && msg.Pos.N == 0 && len(msg.Header) > 0 && errors.Is(msg.Err, mailbox.ErrTruncated) {
		// A single message cut off inside its header, such as header
		// lines pasted without the empty line that ends them: what is
		// there is analysed and the cut is noted.
		res := analyzer.Analyze(ctx, msg.Header, src, opts)
		res.Warnings = append(res.Warnings, "header section incomplete: "+msg.Err.Error())
		return res
	}
	if msg.Err != nil {
		res := analyzer.Analyze(ctx, nil, src, opts)
		res.FailReason = analyzer.FailUnreadable
		if errors.Is(msg.Err, mailbox.ErrHeaderTooLarge) {
			res.FailReason = analyzer.FailHeaderTooLarge
		}
		res.Error = msg.Err.Error()
		return res
	}
	return analyzer.Analyze(ctx, msg.Header, src, opts)
}

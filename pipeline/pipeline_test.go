package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailroute/mailroute/analyzer"
	"github.com/mailroute/mailroute/mailbox"
)

// sliceSource yields fixed messages and input errors.
type sliceSource struct {
	items []any // mailbox.Message or error
	i     int
}

func (s *sliceSource) Next() (mailbox.Message, error) {
	if s.i >= len(s.items) {
		return mailbox.Message{}, io.EOF
	}
	it := s.items[s.i]
	s.i++
	if err, ok := it.(error); ok {
		return mailbox.Message{}, err
	}
	return it.(mailbox.Message), nil
}

func msg(n int, file string) mailbox.Message {
	hdr := fmt.Sprintf("Received: from a%d.example.org ([198.51.100.%d]) by mx.example.net with ESMTPS; Thu, 1 Jan 2026 10:00:00 +0000\nSubject: %d\n\n", n, n%250+1, n)
	return mailbox.Message{Pos: mailbox.Position{File: file, N: n}, Header: []byte(hdr)}
}

func TestRunKeepsInputOrder(t *testing.T) {
	src := &sliceSource{}
	const n = 500
	for i := 1; i <= n; i++ {
		src.items = append(src.items, msg(i, "box.mbox"))
		if i == 250 {
			src.items = append(src.items, errors.New("other.mbox: permission denied"))
		}
	}
	src.items = append(src.items, mailbox.Message{Pos: mailbox.Position{File: "big.eml"}, Err: fmt.Errorf("big.eml: %w", mailbox.ErrHeaderTooLarge)})
	src.items = append(src.items, mailbox.Message{Pos: mailbox.Position{File: "nohdr.eml"}, Header: []byte("Subject: x\n\n")})
	src.items = append(src.items, mailbox.Message{Pos: mailbox.Position{File: "pasted.txt"}, Err: fmt.Errorf("pasted.txt: %w: input ends inside a header line", mailbox.ErrTruncated),
		Header: []byte("Received: from a.example.org ([198.51.100.1]) by mx.example.net with ESMTPS; Thu, 1 Jan 2026 10:00:00 +0000")})
	src.items = append(src.items, mailbox.Message{Pos: mailbox.Position{File: "cut.mbox", N: 3}, Err: fmt.Errorf("cut.mbox:3: %w: input ends inside the header section", mailbox.ErrTruncated),
		Header: []byte("Received: from a.example.org ([198.51.100.1]) by mx.example.net with ESMTPS; Thu, 1 Jan 2026 10:00:00 +0000\n")})

	var got []string
	st, err := Run(context.Background(), src, Config{Workers: 4}, func(it Item) error {
		if it.InputErr != nil {
			got = append(got, "input-error")
			return nil
		}
		got = append(got, it.Result.Source+"|"+it.Result.FailReason)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := 1; i <= n; i++ {
		want = append(want, fmt.Sprintf("box.mbox:%d|", i))
		if i == 250 {
			want = append(want, "input-error")
		}
	}
	want = append(want, "big.eml|"+analyzer.FailHeaderTooLarge, "nohdr.eml|"+analyzer.FailNoReceived, "pasted.txt|", "cut.mbox:3|"+analyzer.FailUnreadable)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("results out of order or wrong:\n got %v\nwant %v", got[:5], want[:5])
	}
	if st.Read != n+4 || st.Analysed != n+1 || st.Failed != 3 || st.InputErrors != 1 {
		t.Errorf("stats = %+v", st)
	}
	if st.Read != st.Analysed+st.Failed {
		t.Errorf("read %d != analysed %d + failed %d", st.Read, st.Analysed, st.Failed)
	}
}

func TestRunStopsOnEmitError(t *testing.T) {
	src := &sliceSource{}
	for i := 1; i <= 1000; i++ {
		src.items = append(src.items, msg(i, "x"))
	}
	stop := errors.New("stop")
	count := 0
	_, err := Run(context.Background(), src, Config{Workers: 2}, func(Item) error {
		count++
		if count == 10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || count != 10 {
		t.Errorf("err = %v after %d items, want stop after 10", err, count)
	}
}

func TestRunCancelled(t *testing.T) {
	src := &sliceSource{}
	for i := 1; i <= 1000; i++ {
		src.items = append(src.items, msg(i, "x"))
	}
	ctx, cancel := context.WithCancel(context.Background())
	count := 0
	_, err := Run(ctx, src, Config{Workers: 2}, func(Item) error {
		count++
		if count == 5 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func BenchmarkRun(b *testing.B) {
	msgs := make([]any, 1000)
	var size int64
	for i := range msgs {
		m := msg(i+1, "bench.mbox")
		size += int64(len(m.Header))
		msgs[i] = m
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		src := &sliceSource{items: msgs}
		if _, err := Run(context.Background(), src, Config{}, func(Item) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRunReaderWarnings checks that what the mailbox reader skipped (here
// white-space-only lines before a header) reaches the result's warnings,
// before the analyzer's own, for a single file and an mbox part.
func TestRunReaderWarnings(t *testing.T) {
	const rcvd = "Received: from a.example.org ([198.51.100.1]) by mx.example.net with ESMTPS; Thu, 1 Jan 2026 10:00:00 +0000\n"
	fsys := fstest.MapFS{
		"one.eml": {Data: []byte(" \n" + rcvd + "bad line\n\nbody\n")},
		"box":     {Data: []byte("From a Thu Jan  1 00:00:00 2026\n\t\n \n" + rcvd + "\nbody\n")},
	}
	src := mailbox.OpenFS(fsys, []string{"one.eml", "box"}, mailbox.Options{})
	defer src.Close()
	var got []string
	_, err := Run(context.Background(), src, Config{Workers: 2}, func(it Item) error {
		if it.InputErr != nil {
			return it.InputErr
		}
		if len(it.Result.Received) != 1 {
			t.Errorf("%s: %d Received fields, want 1", it.Result.Source, len(it.Result.Received))
		}
		got = append(got, it.Result.Source+": "+strings.Join(it.Result.Warnings, "; "))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`one.eml: skipped 1 white-space-only line before the header section; malformed header line skipped: "bad line"`,
		"box:1: skipped 2 white-space-only lines before the header section",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// slowSource yields messages without end, slowly, and records whether Next
// was still running or called after the caller closed it. closed is a plain
// field on purpose: under -race a Next that outlives Run is reported.
type slowSource struct {
	n      int
	closed bool
	late   atomic.Int32
}

func (s *slowSource) Next() (mailbox.Message, error) {
	time.Sleep(time.Millisecond)
	if s.closed {
		s.late.Add(1)
		return mailbox.Message{}, io.EOF
	}
	s.n++
	return msg(s.n, "endless.mbox"), nil
}

// TestRunWaitsForReaderOnEmitError is the | head case: emit fails (stdout
// closed) and the caller closes the source as soon as Run returns. Before
// Run waited for its reader, Next ran on after Run had returned.
func TestRunWaitsForReaderOnEmitError(t *testing.T) {
	for _, tc := range []struct {
		name    string
		stopAt  int
		workers int
	}{
		{"first item", 1, 1},
		{"after some", 20, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := &slowSource{}
			errClosed := errors.New("write |1: broken pipe")
			seen := 0
			_, err := Run(context.Background(), src, Config{Workers: tc.workers}, func(Item) error {
				seen++
				if seen == tc.stopAt {
					return errClosed
				}
				return nil
			})
			if !errors.Is(err, errClosed) {
				t.Fatalf("Run error = %v, want %v", err, errClosed)
			}
			src.closed = true
			time.Sleep(20 * time.Millisecond)
			if n := src.late.Load(); n != 0 {
				t.Errorf("Next called %d times after Run returned", n)
			}
		})
	}
}

// TestRunRecycle checks that results analysed into recycled memory are the
// results of a run without recycling, message by message, for messages of
// different sizes in batches of different sizes.
func TestRunRecycle(t *testing.T) {
	items := func() []any {
		var its []any
		for i := 1; i <= 700; i++ {
			m := msg(i, "box.mbox")
			// Every third message has a longer trace, every seventh none.
			switch {
			case i%7 == 0:
				m.Header = []byte(fmt.Sprintf("Subject: %d\n\n", i))
			case i%3 == 0:
				extra := fmt.Sprintf("Received: from b%d.example.com ([203.0.113.%d]) by a%d.example.org with SMTP; Thu, 1 Jan 2026 09:59:00 +0000\n", i, i%250+1, i)
				m.Header = append([]byte(extra), m.Header...)
				m.Header = append([]byte("Received: by mx.example.net with LMTP; Thu, 1 Jan 2026 10:00:01 +0000\n"), m.Header...)
			}
			its = append(its, m)
		}
		return its
	}
	run := func(recycle bool) []string {
		var out []string
		_, err := Run(context.Background(), &sliceSource{items: items()}, Config{Workers: 3, Recycle: recycle}, func(it Item) error {
			b, err := json.Marshal(it.Result)
			out = append(out, string(b))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	want, got := run(false), run(true)
	if len(got) != len(want) {
		t.Fatalf("%d results with recycling, %d without", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("result %d differs with recycling:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
}

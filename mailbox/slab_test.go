package mailbox

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/fstest"
)

// TestRelease checks the contract of Message.Release: a header keeps its
// bytes until it is released, whatever the reader does meanwhile, and
// released memory holds later headers. Messages are held and released in
// a random order, as a pipeline's workers do, with a window of unreleased
// ones of the given size.
func TestRelease(t *testing.T) {
	// 4,000 messages of about 300 header bytes each, a few of them with a
	// header too large for a slab: several slabs' worth.
	var tags []string
	big := strings.Repeat("x", slabSize/4)
	for i := range 4000 {
		tag := fmt.Sprintf("m%04d", i)
		if i%997 == 0 {
			tag += "-" + big
		}
		tags = append(tags, tag)
	}
	fsys := fstest.MapFS{"box": {Data: []byte(mbox(tags...))}}

	for _, tc := range []struct {
		name     string
		window   int  // messages held before one is released
		release  bool // release at all
		maxSlabs int  // distinct slabs the run may use
	}{
		{name: "release at once", window: 0, release: true, maxSlabs: 2},
		{name: "pipeline-like window", window: 300, release: true, maxSlabs: 3},
		{name: "never released", window: 0, release: false, maxSlabs: 1 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(tc.window)))
			r := OpenFS(fsys, []string{"box"}, Options{})
			defer r.Close()
			type held struct {
				msg  Message
				want string // Header as read
			}
			var (
				window []held
				kept   []held // never released: checked at the end
				seen   = map[*slab]bool{}
				// bytes of the headers cut from slabs
				slabBytes int
			)
			check := func(h held) {
				t.Helper()
				if got := string(h.msg.Header); got != h.want {
					t.Fatalf("%s: header changed before its release:\n got %.80q\nwant %.80q", h.msg.Pos, got, h.want)
				}
			}
			releaseOne := func() {
				i := rng.IntN(len(window))
				h := window[i]
				window[i] = window[len(window)-1]
				window = window[:len(window)-1]
				check(h)
				h.msg.Release()
				if h.msg.Header != nil {
					t.Fatalf("%s: Header not cleared by Release", h.msg.Pos)
				}
			}
			n := 0
			for {
				m, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				n++
				if m.slab != nil {
					seen[m.slab] = true
					slabBytes += len(m.Header)
				}
				h := held{msg: m, want: string(m.Header)}
				if !strings.Contains(h.want, tags[n-1]+".example.net") {
					t.Fatalf("message %d: header does not name %s: %.80q", n, tags[n-1], h.want)
				}
				if !tc.release {
					kept = append(kept, h)
					continue
				}
				window = append(window, h)
				for len(window) > tc.window {
					releaseOne()
				}
			}
			for len(window) > 0 {
				releaseOne()
			}
			for _, h := range kept {
				check(h)
			}
			if n != len(tags) {
				t.Fatalf("read %d messages, want %d", n, len(tags))
			}
			if len(seen) > tc.maxSlabs {
				t.Errorf("%d slabs used, want at most %d: released memory is not reused", len(seen), tc.maxSlabs)
			}
			if need := slabBytes / slabSize; !tc.release && len(seen) <= need {
				t.Errorf("%d slabs used without release for %d bytes of headers, want more than %d: memory was reused before its release", len(seen), slabBytes, need)
			}
		})
	}
}

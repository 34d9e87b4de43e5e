package analyzer

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/mailroute/mailroute/internal/domain"
)

// TestDomainCache checks that the cache answers as domain.Registrable does,
// from several goroutines at once, and stops taking names at its size.
func TestDomainCache(t *testing.T) {
	hosts := []string{
		"mail-sor-f41.google.com", "MX.Example.CO.UK.", "[192.0.2.1]", "localhost",
		"ec2-1-2-3-4.compute-1.amazonaws.com", "co.uk", "", "a..b", "xn--bcher-kva.example",
	}
	const size = 4
	c := NewDomainCache(size)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				h := hosts[(g+i)%len(hosts)]
				if got, want := c.Registrable(h), domain.Registrable(h); got != want {
					t.Errorf("Registrable(%q) = %q, want %q", h, got, want)
				}
			}
		})
	}
	wg.Wait()
	if n := c.n.Load(); n > size {
		t.Errorf("cache holds %d names, more than its size %d", n, size)
	}
	for i := range 100 {
		h := fmt.Sprintf("h%d.example.org", i)
		if got := c.Registrable(h); got != "example.org" {
			t.Errorf("full cache: Registrable(%q) = %q", h, got)
		}
	}
	if n := c.n.Load(); n != size {
		t.Errorf("after 100 more names the cache holds %d, want its size %d", n, size)
	}
	var nilCache *DomainCache
	if got := nilCache.Registrable("a.example.org"); got != "example.org" {
		t.Errorf("nil cache: %q", got)
	}
}

// TestDomainCacheKeepsNoHeaderText checks that the names the cache keeps
// do not keep the string they were cut from alive: in a scan that is a
// message's header text, one per name for the whole run.
func TestDomainCacheKeepsNoHeaderText(t *testing.T) {
	c := NewDomainCache(0)
	collected := make(chan struct{})
	func() {
		text := strings.Repeat("x", 1<<16) + " mail.example.org mx.example.net"
		runtime.AddCleanup(unsafe.StringData(text), func(c chan struct{}) { close(c) }, collected)
		i := strings.Index(text, "mail.example.org")
		if got := c.Registrable(text[i : i+len("mail.example.org")]); got != "example.org" {
			t.Fatalf("Registrable = %q", got)
		}
	}()
	for range 20 {
		runtime.GC()
		select {
		case <-collected:
			if got := c.Registrable("mail.example.org"); got != "example.org" {
				t.Fatalf("Registrable after collection = %q", got)
			}
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatal("the cache keeps the text its host name came from alive")
}

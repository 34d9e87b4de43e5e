package analyzer

import (
	"fmt"
	"sync"
	"testing"

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

package htmlreport

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

var (
	screenshots = flag.String("screenshots", "", "TestScreenshots: write report-trace.png, report-scan.png and report-provider.png into this folder")
	openFile    = flag.String("open", "", "TestOpenTime: the HTML file to time opening in the browser")
)

// findBrowser returns a Chromium or Chrome executable: $MAILROUTE_CHROMIUM,
// else the first found on PATH or in /usr/bin. Without one the test skips,
// except in CI (CI set), where it fails.
func findBrowser(t *testing.T) string {
	t.Helper()
	candidates := []string{os.Getenv("MAILROUTE_CHROMIUM"), "chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "/usr/bin/chromium"}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no Chromium found (install the Debian package chromium, or set MAILROUTE_CHROMIUM); CI needs the browser test")
	}
	t.Skip("no Chromium found: install the Debian package chromium (or set MAILROUTE_CHROMIUM) to run the browser test")
	return ""
}

// browser starts a headless browser for the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	exe := findBrowser(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.WindowSize(1200, 900),
		chromedp.Flag("allow-file-access-from-files", false),
	)
	actx, cancel := chromedp.NewExecAllocator(t.Context(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	return ctx
}

// visit is what the browser saw while loading one page.
type visit struct {
	mu       sync.Mutex
	errors   []string // console errors, exceptions, log errors (CSP violations)
	requests []string // requests other than the page itself
}

// open loads the file in a new tab, records errors and requests, and runs
// the steps once the page has loaded.
func open(t *testing.T, bctx context.Context, path string, steps ...chromedp.Action[chromedp.Void]) *visit {
	t.Helper()
	ctx, cancel := chromedp.NewContext(bctx)
	defer cancel()
	url := "file://" + path
	v := &visit{}
	err := chromedp.Listen(ctx, func(ev any) {
		v.mu.Lock()
		defer v.mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				v.errors = append(v.errors, "console: "+strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			v.errors = append(v.errors, "exception: "+e.ExceptionDetails.Text)
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError || e.Entry.Level == log.EntryLevelWarning {
				v.errors = append(v.errors, "log: "+e.Entry.Text)
			}
		case *network.EventRequestWillBeSent:
			if e.Request.URL != url {
				v.requests = append(v.requests, e.Request.URL)
			}
		}
	})
	if err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	tctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()
	all := append([]chromedp.Action[chromedp.Void]{chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body"))}, steps...)
	all = append(all, chromedp.Sleep(200*time.Millisecond)) // late console messages
	if err := chromedp.Do(tctx, all...); err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v
}

// into runs an action with a value and stores the value.
func into[T any](a chromedp.Action[T], p *T) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		v, err := a(ctx, t)
		*p = v
		return err
	})
}

func writePage(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBrowser(t *testing.T) {
	bctx := browser(t)
	dir := t.TempDir()
	results := sampleResults(t)
	pages := map[string]string{
		"trace":    writePage(t, dir, "trace.html", tracePage(t, results)),
		"scan":     writePage(t, dir, "scan.html", scanPage(t, results)),
		"provider": writePage(t, dir, "provider.html", providerPage(t)),
		"hostile":  writePage(t, dir, "hostile.html", tracePage(t, sampleResults(t, "hostile-headers.eml"))),
	}
	clean := func(t *testing.T, name string, v *visit) {
		t.Helper()
		for _, e := range v.errors {
			t.Errorf("%s: %s", name, e)
		}
		for _, r := range v.requests {
			t.Errorf("%s: network request %s", name, r)
		}
	}

	t.Run("trace", func(t *testing.T) {
		var points []int
		var png []byte
		v := open(t, bctx, pages["trace"],
			into(chromedp.Evaluate[[]int](`Array.from(document.querySelectorAll("section.message svg.map"), m => m.querySelectorAll("circle.node").length)`), &points),
			into(chromedp.FullScreenshot(80), &png))
		clean(t, "trace", v)
		if len(points) != len(results) {
			t.Fatalf("%d maps, want one per message (%d)", len(points), len(results))
		}
		for i, res := range results {
			want := 0
			for _, n := range res.Nodes {
				if !n.Internal && n.Location.Country != "" {
					want++
				}
			}
			if points[i] != want {
				t.Errorf("%s: map shows %d points, want one per located node (%d)", res.Source, points[i], want)
			}
		}
		writePage(t, t.TempDir(), "trace.jpg", png)
	})

	t.Run("gmail sample shows US and DE", func(t *testing.T) {
		var titles []string
		v := open(t, bctx, pages["trace"], into(chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("section.message"))
			.filter(s => s.textContent.includes("samples/gmail-to-gmx.eml"))
			.flatMap(s => Array.from(s.querySelectorAll("svg.map circle.node title"), x => x.textContent))`), &titles))
		clean(t, "trace", v)
		joined := strings.Join(titles, "\n")
		for _, want := range []string{" (US, third-country)", "DE, home)"} {
			if !strings.Contains(joined, want) {
				t.Errorf("gmail-to-gmx map points %q lack %q", titles, want)
			}
		}
	})

	t.Run("scan sorts", func(t *testing.T) {
		var before, after []string
		var sorted string
		v := open(t, bctx, pages["scan"],
			into(chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("table.comparison tbody tr"), r => r.cells[0].textContent)`), &before),
			chromedp.Click(chromedp.CSS(`table.comparison thead th:nth-child(1)`)),
			into(chromedp.Evaluate[string](`document.querySelector("table.comparison thead th").getAttribute("aria-sort") || ""`), &sorted),
			into(chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("table.comparison tbody tr"), r => r.cells[0].textContent)`), &after),
		)
		clean(t, "scan", v)
		if sorted != "ascending" {
			t.Errorf("aria-sort %q after a click: the sorting script did not run", sorted)
		}
		if len(after) != len(before) || len(after) < 2 {
			t.Fatalf("rows %d before, %d after sorting", len(before), len(after))
		}
		for i := 1; i < len(after); i++ {
			if strings.ToLower(after[i-1]) > strings.ToLower(after[i]) && !strings.HasPrefix(after[i], "(") {
				t.Errorf("not sorted by name: %q before %q", after[i-1], after[i])
			}
		}
	})

	t.Run("provider", func(t *testing.T) {
		var n int
		v := open(t, bctx, pages["provider"], into(chromedp.Evaluate[int](`document.querySelectorAll("svg.map .node").length`), &n))
		clean(t, "provider", v)
		if n != 3 { // one public MX address and two authorised SPF networks
			t.Errorf("%d points on the provider maps, want 3", n)
		}
	})

	t.Run("hostile headers run no script", func(t *testing.T) {
		var pwned bool
		var scripts, handlers int
		var subject string
		v := open(t, bctx, pages["hostile"],
			into(chromedp.Evaluate[bool](`window.mailroutePwned !== undefined`), &pwned),
			into(chromedp.Evaluate[int](`document.scripts.length`), &scripts),
			into(chromedp.Evaluate[int](`Array.from(document.querySelectorAll("*")).filter(e => Array.from(e.attributes).some(a => a.name.startsWith("on") || /^\s*javascript:/i.test(a.value))).length`), &handlers),
			into(chromedp.Text(chromedp.CSS(`section.message h2`)), &subject),
		)
		clean(t, "hostile", v)
		if pwned {
			t.Error("a script from the headers ran")
		}
		if scripts != 1 || handlers != 0 {
			t.Errorf("%d scripts (want the page's 1), %d elements with event handlers or javascript: values (want 0)", scripts, handlers)
		}
		if !strings.Contains(subject, "<script>window.mailroutePwned=4</script>") {
			t.Errorf("subject shown as %q, want the tags as text", subject)
		}
	})
}

// TestScreenshots writes the README's screenshots when -screenshots names a
// folder: go test ./htmlreport -run TestScreenshots -screenshots=../docs
func TestScreenshots(t *testing.T) {
	if *screenshots == "" {
		t.Skip("no -screenshots folder given")
	}
	bctx := browser(t)
	dir := t.TempDir()
	results := sampleResults(t)
	for name, data := range map[string][]byte{
		"trace":    tracePage(t, sampleResults(t, "gmail-to-gmx.eml", "icloud-to-webde.eml")),
		"scan":     scanPage(t, results),
		"provider": providerPage(t),
	} {
		var png []byte
		height := int64(1000)
		if name == "scan" {
			height = 1500
		}
		open(t, bctx, writePage(t, dir, name+".html", data),
			chromedp.EmulateViewport(1200, height),
			into(chromedp.CaptureScreenshot(), &png))
		writePage(t, *screenshots, "report-"+name+".png", png)
	}
}

// TestOpenTime opens the file named by -open and reports how long the
// browser took until the load event and the first paint of the whole page:
// go test ./htmlreport -run TestOpenTime -open=/tmp/scan.html -v
func TestOpenTime(t *testing.T) {
	if *openFile == "" {
		t.Skip("no -open file given")
	}
	abs, err := filepath.Abs(*openFile)
	if err != nil {
		t.Fatal(err)
	}
	bctx := browser(t)
	for i := range 3 {
		start := time.Now()
		var nodes int
		v := open(t, bctx, abs, into(chromedp.Evaluate[int](`document.querySelectorAll("*").length`), &nodes))
		el := time.Since(start) - 200*time.Millisecond // open waits that long for late messages
		t.Logf("run %d: opened %s (%d elements) in %v; %d errors, %d requests", i+1, abs, nodes, el.Round(time.Millisecond), len(v.errors), len(v.requests))
	}
}

package render

import (
	"bytes"
	"encoding/json"
	"github.com/mailroute/mailroute/jurisdiction"
	"io"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailroute/mailroute/analyzer"
	"github.com/mailroute/mailroute/internal/format"
	"github.com/mailroute/mailroute/internal/golden"
)

func f64(v float64) *float64 { return &v }

// hostile is a result whose header-derived strings try to attack the
// terminal, HTML and JSON consumers.
func hostile() analyzer.Result {
	return analyzer.Result{
		SchemaVersion: analyzer.SchemaVersion,
		Source:        "evil\x1b[2J.eml",
		MessageID:     "<script>alert(1)</script>",
		FromDomain:    "example.org\x1b]0;pwned\x07",
		Date:          "2026-01-02T10:00:00Z",
		Nodes: []analyzer.Node{
			{Name: "client\u202etxt.exe", IP: netip.MustParseAddr("198.51.100.7"), Role: analyzer.RoleOrigin, Jurisdiction: jurisdiction.ClassUnknown},
			{Name: "mx.example.org\r\nX-Injected: 1", IP: netip.MustParseAddr("203.0.113.5"), Role: analyzer.RoleFinal, Organisation: "=cmd|' /C calc'!A0",
				Location: analyzer.Location{Country: "DE", City: "Berlin\x1b[31m"}, Jurisdiction: jurisdiction.ClassHome},
		},
		Segments: []analyzer.Segment{{From: 0, To: 1, Protocol: "ESMTPS\x07", Encryption: analyzer.EncryptionYes, TLSVersion: "TLSv1.3", DelaySeconds: f64(2)}},
		Flags:    []analyzer.Flag{{Code: "by-from-mismatch", Received: 0, Detail: "named \x1b[5mblink"}},
		Notes:    []string{"note\x00with nul"},
		Summary: analyzer.Summary{Hops: 1, Relays: 1, Organisations: []string{"=cmd|' /C calc'!A0"}, Countries: []string{"DE"},
			Jurisdictions:     map[jurisdiction.Class]int{jurisdiction.ClassHome: 1, jurisdiction.ClassUnknown: 1},
			EncryptedSegments: 1, TLSVersions: []string{"TLSv1.3"}, TransitSeconds: f64(2), BodyEncryption: "pgp"},
	}
}

func TestTableEscapes(t *testing.T) {
	var buf bytes.Buffer
	w, err := New(&buf, format.Table)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(hostile()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, bad := range []string{"\x1b", "\x07", "\x00", "\u202e", "\r"} {
		if strings.Contains(out, bad) {
			t.Errorf("table output contains %q", bad)
		}
	}
	golden.Check(t, filepath.Join("testdata", "hostile.txt"), buf.Bytes())
}

func TestJSONLines(t *testing.T) {
	var buf bytes.Buffer
	w, err := New(&buf, format.JSON)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := w.Write(hostile()); err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2", len(lines))
	}
	var back analyzer.Result
	if err := json.Unmarshal([]byte(lines[0]), &back); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if back.MessageID != hostile().MessageID {
		t.Errorf("message_id did not round-trip: %q", back.MessageID)
	}
	if strings.Contains(lines[0], "<script>") {
		t.Errorf("JSON keeps raw <script>; want it escaped for HTML consumers")
	}
}

func TestNewFormats(t *testing.T) {
	for _, f := range Formats() {
		if _, err := New(io.Discard, f); err != nil {
			t.Errorf("New(%s): %v", f, err)
		}
	}
	for _, f := range []format.Format{format.CSV, format.Markdown, format.HTML, "xml"} {
		if _, err := New(io.Discard, f); err == nil {
			t.Errorf("New(%s) succeeded; trace results have no such renderer", f)
		}
	}
}

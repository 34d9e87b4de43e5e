package corpus

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"slices"
	"testing"
)

// archive builds a gzip'd tar of the named files, in order.
func archive(t *testing.T, files ...[2]string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f[0], Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(f[1]))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestEach(t *testing.T) {
	data := archive(t,
		[2]string{"./messages/a+b/one.eml", "Subject: 1\n\n"},
		[2]string{"messages/a+b/README", "not a message"},
		[2]string{"messages/c+d/two.eml", "Subject: 2\n\n"},
	)
	var got []string
	err := Each(bytes.NewReader(data), func(name string, msg io.Reader) error {
		b, err := io.ReadAll(msg)
		got = append(got, name+"="+string(b))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"messages/a+b/one.eml=Subject: 1\n\n", "messages/c+d/two.eml=Subject: 2\n\n"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}

	stop := errors.New("stop")
	calls := 0
	if err := Each(bytes.NewReader(data), func(string, io.Reader) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
		t.Errorf("Each = %v after %d calls, want the callback's error after 1", err, calls)
	}
	if err := Each(bytes.NewReader([]byte("not gzip")), func(string, io.Reader) error { return nil }); err == nil {
		t.Error("Each of a non-gzip stream succeeded")
	}
	if err := Each(bytes.NewReader(data[:len(data)/2]), func(string, io.Reader) error { return nil }); err == nil {
		t.Error("Each of a cut archive succeeded")
	}
}

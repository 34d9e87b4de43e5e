package mailbox_test

import (
	"fmt"
	"io"
	"strings"

	"github.com/mailroute/mailroute/mailbox"
)

func ExampleNewMboxReader() {
	const box = "From a@example.org Mon Jan  2 15:04:05 2006\n" +
		"Received: from relay.example.net by mx.example.org; Mon, 2 Jan 2006 15:04:05 +0000\n" +
		"Subject: first\n\nbody\n>From an escaped line\n\n" +
		"From b@example.org Mon Jan  2 15:04:05 2006\n" +
		"Subject: second\n\nbody\n"
	r := mailbox.NewMboxReader(strings.NewReader(box), "inbox", mailbox.Options{})
	for {
		m, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Printf("%s line %d: %d header bytes, %d bytes\n", m.Pos, m.Pos.Line, len(m.Header), m.Size)
	}
	// Output:
	// inbox:1 line 1: 99 header bytes, 127 bytes
	// inbox:2 line 8: 17 header bytes, 22 bytes
}

func ExampleDetect() {
	for _, s := range []string{"From a@example.org Mon Jan  2 15:04:05 2006\n", "Subject: hi\n", "\x1f\x8b\x08", "hello"} {
		fmt.Println(mailbox.Detect([]byte(s)))
	}
	// Output:
	// mbox
	// message
	// gzip
	// unknown
}

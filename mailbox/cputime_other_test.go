//go:build !unix

package mailbox

import "time"

// cpuTime is unknown here; benchmarks then skip the CPU-time metric.
func cpuTime() time.Duration { return 0 }

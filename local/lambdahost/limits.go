package lambdahost

import (
	"fmt"
	"io/fs"
	"path/filepath"
)

// The quotas Lambda sets on a function's execution environment
// (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html):
// its memory (MemorySize), 1,024 file descriptors and its /tmp (EphemeralStorage).
// Where AWS enforces them inside the sandbox (a process over its memory is killed, a
// write past /tmp's size fails with ENOSPC), the host checks after the invocation:
// the peak RSS it measured against MemoryMB, the bytes left in the instance's
// private TMPDIR against EphemeralMB. The file descriptors are the process's
// RLIMIT_NOFILE, as on AWS (limitFiles).

// overLimits fails an invocation whose process passed its memory or left more in its
// /tmp than the function's ephemeral storage; ok is true when it stayed within both.
func (inst *instance) overLimits(inv *invocation, peakKB int64) (Result, bool) {
	f := inst.f
	if peakKB > int64(f.MemoryMB)*1024 {
		// What Lambda reports when a function runs out of memory: its process is
		// killed and the invocation fails with Runtime.OutOfMemory.
		return errorResult(inv.id, "Runtime.OutOfMemory", fmt.Sprintf(
			"RequestId: %s Error: Runtime exited with error: signal: killed (peak memory %d MB over the function's MemorySize %d MB)",
			inv.id, (peakKB+1023)/1024, f.MemoryMB)), false
	}
	if used := dirBytes(inst.tmp); used > int64(f.EphemeralMB)<<20 {
		return errorResult(inv.id, "Runtime.EphemeralStorageExceeded", fmt.Sprintf(
			"RequestId: %s Error: /tmp holds %d bytes, over the function's EphemeralStorage of %d MB (on AWS the write fails with ENOSPC: no space left on device)",
			inv.id, used, f.EphemeralMB)), false
	}
	return Result{}, true
}

// dirBytes is the size of the regular files under dir.
func dirBytes(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

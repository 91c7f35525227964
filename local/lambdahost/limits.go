package lambdahost

import (
	"fmt"
	"io/fs"
	"path/filepath"
)

// The quotas Lambda sets on a function's execution environment
// (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html), each
// enforced while the invocation runs, as AWS does:
//
//   - memory (MemorySize): memWatch polls the process's peak RSS every few
//     milliseconds and kills the process group when it passes; the invocation fails
//     as Lambda's does when a function runs out of memory, with the process killed
//     (errorMessage "RequestId: ID Error: Runtime exited with error: signal: killed").
//     A spike shorter than the poll that ends with the invocation is caught after it
//     (VmHWM is exact). Only the bootstrap process is measured, not children it starts.
//   - /tmp (EphemeralStorage): a tmpfs of that size, so the write that passes it fails
//     with ENOSPC in the function (sandbox_linux.go). Where none can be mounted, memWatch
//     polls the directory's size and kills the process when it passes, failing the
//     invocation with Runtime.EphemeralStorageExceeded (a name of ours).
//   - 1,024 file descriptors: the process's RLIMIT_NOFILE, as on AWS (limitFiles).
//
// Step Functions sees an out-of-memory kill as an unhandled function error
// (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html).

// overLimit names the quota a watched process passed; none is the zero value.
type overLimit int

const (
	withinLimits overLimit = iota
	overMemory
	overTmp
)

// errOutOfMemory is the errorType of an invocation killed for passing MemorySize.
const errOutOfMemory = "Runtime.OutOfMemory"

// limitResult is the result of an invocation whose process passed a quota.
func (inst *instance) limitResult(inv *invocation, why overLimit) Result {
	if why == overTmp {
		return errorResult(inv.id, "Runtime.EphemeralStorageExceeded", fmt.Sprintf(
			"RequestId: %s Error: /tmp holds more than the function's EphemeralStorage of %d MB (on AWS the write that passes it fails with ENOSPC: no space left on device)",
			inv.id, inst.f.EphemeralMB))
	}
	return errorResult(inv.id, errOutOfMemory,
		fmt.Sprintf("RequestId: %s Error: Runtime exited with error: signal: killed", inv.id))
}

// overAfter is what the watch may have missed when the invocation ended between
// two polls: a memory peak past MemorySize (VmHWM is exact), or, without a tmpfs,
// more left in /tmp than EphemeralStorage.
func (inst *instance) overAfter(peakKB int64) overLimit {
	f := inst.f
	if peakKB > int64(f.MemoryMB)*1024 {
		return overMemory
	}
	if !inst.tmpfs && dirBytes(inst.tmp) > int64(f.EphemeralMB)<<20 {
		return overTmp
	}
	return withinLimits
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

package ledger

import (
	"errors"
	"fmt"
	"time"
)

// now is the time written into items: UTC, without a monotonic reading, so a stored and
// a returned item compare equal.
func now() time.Time { return time.Now().UTC().Round(0) }

func checkCommit(c Commit) error {
	switch {
	case c.JobID == "":
		return errors.New("commit: empty job ID")
	case c.Chunk < 0:
		return fmt.Errorf("commit chunk %d of job %s: negative chunk index", c.Chunk, c.JobID)
	}
	return nil
}

func checkFinal(status Status) error {
	if status != Succeeded && status != Failed {
		return fmt.Errorf("status %q is not %s or %s", status, Succeeded, Failed)
	}
	return nil
}

// finished is job after Finish moved it to status at t.
func finished(job Job, status Status, output, errMsg string, t time.Time) Job {
	job.Status, job.Updated = status, t
	if output != "" {
		job.Output = output
	}
	if errMsg != "" {
		job.Error = errMsg
	}
	return job
}

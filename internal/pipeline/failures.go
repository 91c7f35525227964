package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
)

// ChunkFailure is what a mapper that failed for good (bad input, a malformed
// record under --strict) leaves in the work area, so the job's recorded error
// can name the source and offset: a Distributed Map's own failure says only that
// the tolerated failure threshold was exceeded.
type ChunkFailure struct {
	Chunk        int    `json:"chunk"`
	ErrorType    string `json:"errorType"`
	ErrorMessage string `json:"errorMessage"`
}

func failuresPrefix(workBucket, jobID string) string {
	return WorkArea(workBucket, jobID) + "failures/"
}

// noteChunkFailure records a chunk's final error; it is best effort, since the
// error itself still fails the chunk.
func (h *Handler) noteChunkFailure(ctx context.Context, in MapInput, err error) {
	body, _ := json.Marshal(ChunkFailure{Chunk: in.Chunk.Index, ErrorType: ErrorType(err), ErrorMessage: err.Error()})
	key := fmt.Sprintf("%s%08d.json", failuresPrefix(h.WorkBucket, in.JobID), in.Chunk.Index)
	if perr := h.Store.Put(ctx, key, bytes.NewReader(body)); perr != nil {
		h.log().WarnContext(ctx, "record chunk failure", "jobId", in.JobID, "chunk", in.Chunk.Index, "err", perr)
	}
}

// firstChunkFailure returns the failure of the lowest-numbered failed chunk; found is
// false when no chunk left one. A listing or read the store refuses is an error
// (storeFailure); a record that is not JSON is ignored.
func (h *Handler) firstChunkFailure(ctx context.Context, jobID string) (f ChunkFailure, found bool, err error) {
	prefix := failuresPrefix(h.WorkBucket, jobID)
	infos, err := h.Store.List(ctx, prefix)
	if err != nil {
		return f, false, storeFailure(err, "list chunk failures %s", prefix)
	}
	if len(infos) == 0 {
		return f, false, nil
	}
	rc, err := h.Store.Open(ctx, infos[0].Key, 0, -1) // List sorts by key: the lowest chunk first
	if err != nil {
		return f, false, storeFailure(err, "read chunk failure %s", infos[0].Key)
	}
	defer rc.Close()
	raw, err := io.ReadAll(io.LimitReader(rc, 64<<10))
	if err != nil {
		return f, false, storeFailure(err, "read chunk failure %s", infos[0].Key)
	}
	if json.Unmarshal(raw, &f) != nil {
		return f, false, nil
	}
	return f, true, nil
}

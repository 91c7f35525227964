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

// firstChunkFailure returns the failure of the lowest-numbered failed chunk.
func (h *Handler) firstChunkFailure(ctx context.Context, jobID string) (ChunkFailure, bool) {
	infos, err := h.Store.List(ctx, failuresPrefix(h.WorkBucket, jobID))
	if err != nil || len(infos) == 0 {
		return ChunkFailure{}, false
	}
	rc, err := h.Store.Open(ctx, infos[0].Key, 0, -1) // List sorts by key: the lowest chunk first
	if err != nil {
		return ChunkFailure{}, false
	}
	defer rc.Close()
	var f ChunkFailure
	raw, err := io.ReadAll(io.LimitReader(rc, 64<<10))
	if err != nil || json.Unmarshal(raw, &f) != nil {
		return ChunkFailure{}, false
	}
	return f, true
}

package attempts

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/scattergather/scattergather/internal/blob"
)

// The phases of a job, as attempt records and the summary name them.
const (
	PhasePlan   = "plan"
	PhaseMap    = "map"
	PhaseGather = "gather"
)

// The outcomes of an attempt.
const (
	// OutcomeCommitted: a mapper attempt whose commit won; its ID is the ledger commit's.
	OutcomeCommitted = "committed"
	// OutcomeDuplicate: a mapper attempt that found its chunk committed by another attempt
	// (before or after doing the work), or a gather of a job that had already succeeded.
	OutcomeDuplicate = "duplicate"
	// OutcomeFailed: the attempt returned an error; the state machine retries it.
	OutcomeFailed = "failed"
	// OutcomeOK: a plan or gather attempt that succeeded.
	OutcomeOK = "ok"
)

// The memory sizes in MB that template.yaml gives the functions by default; an attempt that
// does not know its own (a local run) is priced with these.
const (
	DefaultSplitterMemoryMB = 512
	DefaultMapperMemoryMB   = 1769
	DefaultReducerMemoryMB  = 2048
)

// Attempt is the record of one invocation of a handler on a job: every splitter, mapper and
// reducer attempt writes one to the job's work area (an S3 PUT, not a ledger write) when it
// ends, at a key that encodes everything the summary needs, so that one LIST reads them
// all. An attempt killed by a Lambda timeout writes none.
type Attempt struct {
	JobID string `json:"jobId"`
	Phase string `json:"phase"`
	// Chunk is the chunk's index for the map phase, -1 otherwise.
	Chunk int `json:"chunk"`
	// ID is the attempt's ID: for a committed mapper attempt, the ledger commit's Attempt.
	ID string `json:"attempt"`
	// Winner is, for a duplicate, the attempt whose commit the chunk has.
	Winner string `json:"winner,omitempty"`
	// Worker is the Lambda execution environment (its log stream); empty on a local run.
	Worker   string    `json:"worker,omitempty"`
	MemoryMB int       `json:"memoryMb"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Outcome  string    `json:"outcome"`
	Error    string    `json:"error,omitempty"`
	// BytesRead, RecordsIn and Skipped are the mapper's counts.
	BytesRead int64 `json:"bytesRead,omitempty"`
	RecordsIn int64 `json:"recordsIn,omitempty"`
	Skipped   int64 `json:"skipped,omitempty"`
}

// Duration is the attempt's wall time.
func (a Attempt) Duration() time.Duration { return a.End.Sub(a.Start) }

// Prefix is the location prefix of the attempt records of the job whose work area is work.
func Prefix(work string) string { return work + "attempts/" }

// Key is where a's record goes: attempts/PHASE/[CHUNK/]STARTMS-DURMS-MEMMB-OUTCOME-ID.json.
func Key(work string, a Attempt) string {
	dir := Prefix(work) + a.Phase + "/"
	if a.Phase == PhaseMap {
		dir += fmt.Sprintf("%08d/", a.Chunk)
	}
	return fmt.Sprintf("%s%d-%d-%d-%s-%s.json", dir, a.Start.UnixMilli(), a.Duration().Milliseconds(), a.MemoryMB, a.Outcome, a.ID)
}

// parseKey reads what Key encoded; ok is false for a key of another shape.
func parseKey(prefix, key string) (a Attempt, ok bool) {
	rest, found := strings.CutPrefix(key, prefix)
	if !found || !strings.HasSuffix(rest, ".json") {
		return a, false
	}
	dir, file := path.Split(strings.TrimSuffix(rest, ".json"))
	parts := strings.SplitN(file, "-", 5)
	if len(parts) != 5 {
		return a, false
	}
	start, err1 := strconv.ParseInt(parts[0], 10, 64)
	dur, err2 := strconv.ParseInt(parts[1], 10, 64)
	mem, err3 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return a, false
	}
	a.Chunk = -1
	switch dir = strings.TrimSuffix(dir, "/"); {
	case dir == PhasePlan || dir == PhaseGather:
		a.Phase = dir
	case strings.HasPrefix(dir, PhaseMap+"/"):
		n, err := strconv.Atoi(strings.TrimPrefix(dir, PhaseMap+"/"))
		if err != nil || n < 0 {
			return a, false
		}
		a.Phase, a.Chunk = PhaseMap, n
	default:
		return a, false
	}
	a.Start = time.UnixMilli(start).UTC()
	a.End = a.Start.Add(time.Duration(dur) * time.Millisecond)
	a.MemoryMB, a.Outcome, a.ID = mem, parts[3], parts[4]
	return a, true
}

// List returns the attempt records of the job whose work area is work, ordered by
// start. With detail it also reads every record's body (one GET each) for the workers,
// errors and counts; without, one LIST per thousand attempts suffices.
func List(ctx context.Context, store blob.Store, work string, detail bool) ([]Attempt, error) {
	prefix := Prefix(work)
	infos, err := store.List(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("list attempts %s: %w", prefix, err)
	}
	out := make([]Attempt, 0, len(infos))
	for _, inf := range infos {
		a, ok := parseKey(prefix, inf.Key)
		if !ok {
			continue
		}
		if detail {
			if full, err := read(ctx, store, inf.Key); err == nil {
				full.Start, full.End = full.Start.UTC(), full.End.UTC()
				a = full
			}
		}
		out = append(out, a)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.Before(out[j].Start)
		}
		return out[i].Chunk < out[j].Chunk
	})
	return out, nil
}

// read reads the body of the record at key.
func read(ctx context.Context, store blob.Store, key string) (Attempt, error) {
	rc, err := store.Open(ctx, key, 0, -1)
	if err != nil {
		return Attempt{}, err
	}
	defer rc.Close()
	var a Attempt
	return a, json.NewDecoder(rc).Decode(&a)
}

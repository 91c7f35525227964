package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/feed"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/split"
	"github.com/scattergather/scattergather/record"
)

// CSV parts cut out of an object start where a guess says (split.Speculate):
// a mapper cannot know the quote state at its first byte without reading
// the object from its start. Each mapper records, in its committed stats,
// the state it assumed, where its first record started and where the record
// after its last one starts (CSVBound). Before merging anything, the gather
// confirms the guesses: for each object, part i+1's First must be part i's
// Next. Part 0 starts at the object's start, so by induction every part then
// owns exactly the records whose first byte lies in it. A part whose guess
// was wrong has its chunk read again from the right record start, and that
// partial replaces the committed one in the merge (the ledger's commit stays:
// the re-read is a function of the committed partials, so a retried gather
// redoes it with the same bytes).

// csvPartKey names a part of an object in runMapperFrom's firsts.
func csvPartKey(url string, start int64) string { return fmt.Sprintf("%d:%s", start, url) }

// mapCSV feeds the CSV records part owns to f, speculating its start unless
// firsts knows it, and records the bounds of a part cut out of its object.
func (h *Handler) mapCSV(ctx context.Context, f *feed.Feeder, p plan.Part, firsts map[string]int64, st *MapStats) (split.Stats, error) {
	first, known := firsts[csvPartKey(p.URL, p.Start)]
	if !known {
		first = -1
	}
	ps, b, err := split.PartCSV(ctx, h.Store, p, f.Delim(), first, f.Record, f.CSVBlock())
	if err == nil && p.Compression() == "" && (p.Start > 0 || p.End < p.Size) {
		cb := CSVBound{URL: p.URL, Start: p.Start, End: p.End, First: b.First, Next: b.Next}
		if !known && p.Start > 0 {
			cb.Assumed = b.Assumed.String()
		}
		st.CSV = append(st.CSV, cb)
	}
	return ps, err
}

// CSVPart is one recorded CSV part and the chunk that read it.
type CSVPart struct {
	Chunk int
	Bound CSVBound
}

// CSVParts lists the CSV parts every chunk's stats recorded (stats by chunk).
func CSVParts(stats map[int]MapStats) []CSVPart {
	var parts []CSVPart
	for c, st := range stats {
		for _, b := range st.CSV {
			parts = append(parts, CSVPart{c, b})
		}
	}
	return parts
}

// ConfirmCSV checks the CSV parts object by object, in order: each part's
// First must be the previous part's Next. For a part whose guess was wrong
// it calls reread with the part, the record start it should have begun at
// and every start known so far for its chunk (by csvPartKey, as
// runMapperFrom takes them); reread reads the chunk again and returns the
// bounds it recorded, which replace the part's (a re-read part's Next may
// differ, and the next part is checked against it). Every part then owns
// exactly the records whose first byte lies in it. It returns how many
// re-reads there were.
func ConfirmCSV(parts []CSVPart, reread func(p CSVPart, want int64, firsts map[string]int64) ([]CSVBound, error)) (int, error) {
	byURL := map[string][]CSVPart{}
	for _, p := range parts {
		byURL[p.Bound.URL] = append(byURL[p.Bound.URL], p)
	}
	urls := make([]string, 0, len(byURL))
	for u := range byURL {
		urls = append(urls, u)
	}
	sort.Strings(urls)
	firsts := map[int]map[string]int64{}
	n := 0
	for _, u := range urls {
		parts := byURL[u]
		sort.Slice(parts, func(a, b int) bool { return parts[a].Bound.Start < parts[b].Bound.Start })
		for k := 1; k < len(parts); k++ {
			prev, cur := parts[k-1].Bound, parts[k].Bound
			if prev.End != cur.Start || cur.First == prev.Next {
				continue
			}
			c := parts[k].Chunk
			if firsts[c] == nil {
				firsts[c] = map[string]int64{}
			}
			firsts[c][csvPartKey(u, cur.Start)] = prev.Next
			again, err := reread(parts[k], prev.Next, firsts[c])
			if err != nil {
				return n, err
			}
			n++
			for _, b := range again { // the re-read's bounds replace the guess's
				if b.URL == u && b.Start == cur.Start {
					parts[k].Bound = b
				}
			}
		}
	}
	return n, nil
}

// confirmCSV checks every CSV part's First against the previous part's
// Next and re-reads the chunks whose guess was wrong (ConfirmCSV). It
// returns partials with the re-read chunks' partials in place and adjusts
// sum's counts to theirs.
func (h *Handler) confirmCSV(ctx context.Context, in GatherInput, commits map[int]ledger.Commit, partials []string, sum *Summary) ([]string, error) {
	stats := make(map[int]MapStats)
	for i := 0; i < in.Chunks; i++ {
		var st MapStats
		if json.Unmarshal([]byte(commits[i].Stats), &st) != nil || len(st.CSV) == 0 {
			continue
		}
		stats[i] = st
	}
	var manifest []plan.Chunk
	_, err := ConfirmCSV(CSVParts(stats), func(p CSVPart, want int64, firsts map[string]int64) ([]CSVBound, error) {
		c := p.Chunk
		if manifest == nil {
			var err error
			if manifest, err = h.readManifest(ctx, in); err != nil {
				return nil, err
			}
		}
		st, key, err := h.reread(ctx, in, manifest, c, firsts)
		if err != nil {
			return nil, err
		}
		h.log().InfoContext(ctx, "csv guess was wrong: chunk read again", "jobId", in.JobID, "chunk", c, "object", p.Bound.URL, "start", p.Bound.Start, "assumed", p.Bound.Assumed, "first", p.Bound.First, "want", want)
		sum.CSVRereads++
		sum.swapCounts(stats[c], st)
		stats[c] = st
		partials[c] = key
		return st.CSV, nil
	})
	if err != nil {
		return nil, err
	}
	return partials, nil
}

// readManifest reads the job's chunks (the plan's manifest).
func (h *Handler) readManifest(ctx context.Context, in GatherInput) ([]plan.Chunk, error) {
	rc, err := h.Store.Open(ctx, in.Work+"manifest.json", 0, -1)
	if err != nil {
		return nil, storeFailure(err, "gather %s: read manifest", in.JobID)
	}
	defer rc.Close()
	var chunks []plan.Chunk
	if err := json.NewDecoder(rc).Decode(&chunks); err != nil {
		return nil, inputErrorf("gather %s: manifest: %w", in.JobID, err)
	}
	if len(chunks) != in.Chunks {
		return nil, inputErrorf("gather %s: manifest has %d chunks, the job %d", in.JobID, len(chunks), in.Chunks)
	}
	return chunks, nil
}

// reread maps chunk c again with the record starts firsts gives and writes
// its partial beside the committed ones, at a key of its own.
func (h *Handler) reread(ctx context.Context, in GatherInput, manifest []plan.Chunk, c int, firsts map[string]int64) (MapStats, string, error) {
	job, err := in.newJob()
	if err != nil {
		return MapStats{}, "", err
	}
	m, st, err := h.runMapperFrom(ctx, job, manifest[c], readOptsOf(in.Params), firsts)
	if err != nil {
		return st, "", err
	}
	key := fmt.Sprintf("%spartials/%08d/reread.part", in.Work, c)
	_, err = h.putFrom(ctx, key, func(w io.Writer) error {
		var err error
		st.Stats, err = m.Finish(w)
		return err
	})
	return st, key, err
}

// swapCounts replaces a chunk's record counts in the summary: old's out,
// now's in. The bytes both read stay counted. s may be a fresh summary (a
// gather tree's plan step counts only the re-reads' changes), so its maps
// may be nil: a count taken out of none goes negative.
func (s *Summary) swapCounts(old, now MapStats) {
	s.RecordsIn -= old.RecordsIn
	s.Skipped -= old.Skipped
	s.BytesRead += now.BytesRead
	if s.SkipReasons == nil && len(old.SkipReason) > 0 {
		s.SkipReasons = map[string]int64{}
	}
	for k, v := range old.SkipReason {
		s.SkipReasons[k] -= v
		if s.SkipReasons[k] == 0 {
			delete(s.SkipReasons, k)
			delete(s.SkipExamples, k)
		}
	}
	s.addRecords(now.Stats)
}

// rereadsKey is where a gather tree's plan step writes the partials of the
// chunks it read again, for the merges of level 0 (committedRange).
func rereadsKey(work string) string { return work + "csv-rereads.json" }

// readsCSV reports whether the job of in may read CSV records.
func readsCSV(in GatherInput) bool {
	j, err := jobs.New(in.Job, in.Params)
	if err != nil {
		return false
	}
	f := j.Input().Format
	return f == record.CSV || f == record.Auto
}

// confirmCSVTree is confirmCSV before a gather tree's first merges: it
// writes the re-read chunks' partials (chunk -> key) to rereadsKey, which
// committedRange applies.
func (h *Handler) confirmCSVTree(ctx context.Context, in GatherInput) error {
	if !readsCSV(in) {
		return nil
	}
	commits, err := h.Ledger.Chunks(ctx, in.JobID)
	if err != nil {
		return retryable("gather %s: list commits: %w", in.JobID, err)
	}
	byIndex := make(map[int]ledger.Commit, len(commits))
	partials := make([]string, in.Chunks)
	for _, c := range commits {
		if c.Chunk >= 0 && c.Chunk < in.Chunks {
			byIndex[c.Chunk], partials[c.Chunk] = c, c.Partial
		}
	}
	var sum Summary
	fixed, err := h.confirmCSV(ctx, in, byIndex, append([]string(nil), partials...), &sum)
	if err != nil || sum.CSVRereads == 0 {
		return err
	}
	rereads := map[int]string{}
	for i, k := range fixed {
		if k != partials[i] {
			rereads[i] = k
		}
	}
	b, _ := json.Marshal(rereads)
	if err := h.Store.Put(ctx, rereadsKey(in.Work), bytes.NewReader(b)); err != nil {
		return storeFailure(err, "gather %s: write csv re-reads", in.JobID)
	}
	return nil
}

// applyRereads puts the partials of chunks confirmCSVTree read again in
// place of the committed ones among keys, the partials of chunks from on.
func (h *Handler) applyRereads(ctx context.Context, in GatherInput, from int, keys []string) ([]string, error) {
	if !readsCSV(in) {
		return keys, nil
	}
	rc, err := h.Store.Open(ctx, rereadsKey(in.Work), 0, -1)
	if errors.Is(err, blob.ErrNotFound) {
		return keys, nil
	} else if err != nil {
		return nil, storeFailure(err, "gather %s: read csv re-reads", in.JobID)
	}
	defer rc.Close()
	var rereads map[int]string
	if err := json.NewDecoder(rc).Decode(&rereads); err != nil {
		return nil, inputErrorf("gather %s: csv re-reads: %w", in.JobID, err)
	}
	for c, k := range rereads {
		if c >= from && c < from+len(keys) {
			keys[c-from] = k
		}
	}
	return keys, nil
}

package pipeline_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/ledger/ledgertest"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
	"github.com/scattergather/scattergather/internal/report"
	"github.com/scattergather/scattergather/internal/testutil"
)

// footerRow is a row of TestMapperReadsFooterOnce's file.
type footerRow struct {
	ID   int64  `parquet:"id"`
	Name string `parquet:"name"`
}

// TestMapperReadsFooterOnce: the splitter puts each Parquet part's footer
// length in the chunk, so a mapper reads the footer with one ranged GET of
// the object's last bytes (a plan without it takes two, the length first).
func TestMapperReadsFooterOnce(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "t.parquet")
	var groups [][]footerRow
	for g := 0; g < 6; g++ {
		var rows []footerRow
		for i := 0; i < 200; i++ {
			rows = append(rows, footerRow{ID: int64(g*200 + i), Name: "n"})
		}
		groups = append(groups, rows)
	}
	pqtest.WriteGo(t, in, groups)
	h, store := countingHandler(t)
	ctx := context.Background()
	p, err := h.Plan(ctx, pipeline.PlanInput{Job: "select", Params: map[string]string{"columns": "id", "where": "id >= 0"},
		Inputs: []string{in}, Output: filepath.Join(dir, "out.csv"), ChunkSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	chunks := manifest(t, h, p)
	if len(chunks) < 2 {
		t.Fatalf("%d chunks, want one per row group", len(chunks))
	}
	for _, old := range []bool{false, true} {
		for _, c := range chunks {
			part := c.Parts[0]
			if part.Footer <= 0 {
				t.Fatalf("chunk %d: part %+v carries no footer length", c.Index, part)
			}
			want, start := 1, part.Size-8-part.Footer
			if old { // a plan written before parts carried the footer
				c.Parts[0].Footer = 0
				want, start = 2, part.Size-8
			}
			store.Reset()
			if _, err := h.Map(ctx, mapInput(p, c)); err != nil {
				t.Fatal(err)
			}
			var footerGets int
			first := int64(-1)
			for _, r := range store.Reads() {
				if r.Key == in && r.Off >= part.Size-8-part.Footer {
					footerGets++
					if first < 0 {
						first = r.Off
					}
				}
			}
			if footerGets != want || first != start {
				t.Errorf("chunk %d (footer length in the plan: %v): %d GETs of the footer, the first at byte %d; want %d, at %d",
					c.Index, !old, footerGets, first, want, start)
			}
			c.Parts[0].Footer = part.Footer
		}
		if !old {
			// The chunks are committed: map them again as another job.
			p.JobID += "-old"
		}
	}
}

// TestParquetScanCountsOnlyParquet: a job whose inputs mix CSV and Parquet
// says in its "parquet: read" line what it read of the Parquet inputs (as
// the store counted), not of the CSV too.
func TestParquetScanCountsOnlyParquet(t *testing.T) {
	dir := t.TempDir()
	pqIn := filepath.Join(dir, "t.parquet")
	var rows []footerRow
	for i := 0; i < 500; i++ {
		rows = append(rows, footerRow{ID: int64(i), Name: "n"})
	}
	pqtest.WriteGo(t, pqIn, [][]footerRow{rows[:250], rows[250:]})
	csv := "id,name\n" + strings.Repeat("7,a longer name than the Parquet file's\n", 2000)
	csvIn := testutil.WriteFile(t, dir, "t.csv", []byte(csv))
	h, store := countingHandler(t)
	ctx := context.Background()
	p, err := h.Plan(ctx, pipeline.PlanInput{Job: "select", Params: map[string]string{"columns": "id", "where": "id >= 0"},
		Inputs: []string{csvIn, pqIn}, Output: filepath.Join(dir, "out.csv"), ChunkSize: 16 << 10})
	if err != nil {
		t.Fatal(err)
	}
	store.Reset() // the planner's reads are not the mappers'
	var sum pipeline.MapStats
	for _, c := range manifest(t, h, p) {
		res, err := h.Map(ctx, mapInput(p, c))
		if err != nil {
			t.Fatal(err)
		}
		sum.BytesRead += res.Stats.BytesRead
		sum.ParquetBytesRead += res.Stats.ParquetBytesRead
	}
	var pqBytes int64
	for _, r := range store.Reads() {
		if r.Key == pqIn {
			pqBytes += r.Len
		}
	}
	if sum.ParquetBytesRead != pqBytes || sum.BytesRead < sum.ParquetBytesRead+int64(len(csv)) {
		t.Fatalf("mappers read %d bytes, %d of them Parquet; the store served %d of the Parquet file and the CSV is %d bytes",
			sum.BytesRead, sum.ParquetBytesRead, pqBytes, len(csv))
	}
	res, err := h.Gather(ctx, pipeline.GatherInput{JobID: p.JobID, Job: p.Job, Params: p.Params, Work: p.Work, Output: p.Output, Chunks: p.Chunks})
	if err != nil {
		t.Fatal(err)
	}
	var s pipeline.Summary
	if err := json.Unmarshal(readAll(t, h, res.Summary), &s); err != nil {
		t.Fatal(err)
	}
	if s.ParquetBytesRead != pqBytes || s.BytesRead != sum.BytesRead {
		t.Fatalf("summary: %d bytes read, %d of Parquet; want %d and %d", s.BytesRead, s.ParquetBytesRead, sum.BytesRead, pqBytes)
	}
	onlyParquet := s
	onlyParquet.BytesRead = pqBytes
	if got, want := report.ParquetScan(s), report.ParquetScan(onlyParquet); got != want || !strings.HasPrefix(got, "read ") {
		t.Fatalf("parquet line %q, want %q", got, want)
	}
}

// countingHandler is a pipeline handler over the local disk and a work
// store whose reads are counted.
func countingHandler(t *testing.T) (*pipeline.Handler, *pqtest.CountingStore) {
	t.Helper()
	mux := blob.NewMux(nil)
	mux.Mount(work, blob.NewFS(t.TempDir()))
	store := pqtest.NewCountingStore(mux)
	return &pipeline.Handler{Store: store, Ledger: ledgertest.OpenBolt(t), WorkBucket: work, TriggerBucket: "in"}, store
}

// TestParquetChunksWeighColumnsRead: the splitter weighs a Parquet row group
// by the decoded bytes of the columns the job reads, what its mapper
// decodes: a job of the narrow column gets fewer chunks than one of every
// column at the same chunk size, and every row group is in one chunk; a job
// that reads no column is one chunk.
func TestParquetChunksWeighColumnsRead(t *testing.T) {
	type wideRow struct {
		ID   int64  `parquet:"id"`
		Text string `parquet:"text"`
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "w.parquet")
	const groups = 8
	var rgs [][]wideRow
	for g := 0; g < groups; g++ {
		var rows []wideRow
		for i := 0; i < 300; i++ {
			rows = append(rows, wideRow{ID: int64(g*300 + i), Text: strings.Repeat(string(rune('a'+(g+i)%26)), 40+i%7)})
		}
		rgs = append(rgs, rows)
	}
	pqtest.WriteGo(t, in, rgs)
	size, store := pqtest.LocalFile(t, in)
	ctx := context.Background()
	f, err := pq.ReadFooter(ctx, store, in, in, size)
	if err != nil {
		t.Fatal(err)
	}
	// Two row groups' worth of the id column.
	chunkSize := f.DecodedBytes(0, []string{"id"}) + f.DecodedBytes(1, []string{"id"})
	if all := f.DecodedBytes(0, nil); all < 2*chunkSize {
		t.Fatalf("the text column should outweigh id: a row group decodes %d bytes, id two groups' %d", all, chunkSize)
	}
	for _, c := range []struct {
		columns string
		chunks  int
	}{{"id", groups / 2}, {"id,text", groups}} {
		h, _ := countingHandler(t)
		p, err := h.Plan(ctx, pipeline.PlanInput{Job: "select", Params: map[string]string{"columns": c.columns},
			Inputs: []string{in}, Output: filepath.Join(dir, "out.csv"), ChunkSize: chunkSize})
		if err != nil {
			t.Fatal(err)
		}
		chunks := manifest(t, h, p)
		if len(chunks) != c.chunks {
			t.Errorf("select %s at chunk size %d: %d chunks, want %d", c.columns, chunkSize, len(chunks), c.chunks)
		}
		owned := 0
		for _, g := range f.RowGroups() {
			for _, ch := range chunks {
				if part := ch.Parts[0]; g.Start >= part.Start && g.Start < part.End {
					owned++
				}
			}
		}
		if owned != groups {
			t.Errorf("select %s: %d row group ownerships, want %d (each in exactly one chunk)", c.columns, owned, groups)
		}
	}
	// A job that reads no column (the footer's row counts) weighs the footer
	// alone: one chunk, not one per two row groups of every column.
	h, _ := countingHandler(t)
	p, err := h.Plan(ctx, pipeline.PlanInput{Job: "sql", Params: map[string]string{"query": "SELECT count(*) FROM 'w.parquet'"},
		Inputs: []string{in}, Output: filepath.Join(dir, "count.csv"), ChunkSize: chunkSize})
	if err != nil {
		t.Fatal(err)
	}
	if chunks := manifest(t, h, p); len(chunks) != 1 || chunks[0].Parts[0].Start != 0 || chunks[0].Parts[0].End != size {
		t.Errorf("SELECT count(*) at chunk size %d: chunks %+v, want one of the whole file", chunkSize, chunks)
	}
}

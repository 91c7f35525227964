package jobs_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
)

// TestParquetChunksKeepNoReaderBytes: the Parquet reader's fetch and page
// buffers go to process-wide pools when it closes, for the next chunk's
// reader, and within a reader are reused from one batch and row group to
// the next. A mapper that kept a slice of a value (a key, a min or max
// text, a row) past the batch would read another value's bytes there. Under
// pq.PoisonReleased every released buffer is overwritten at once: the
// groupby, select and sql mappers, fed gbData's file one row group at a
// time (a chunk each, one reader after the other) and by several mappers at
// once (their readers sharing the pools), write the partials they write
// fed the whole file without the poison, for an uncompressed and a Snappy
// file (values in the fetched bytes, in the decompressed pages).
func TestParquetChunksKeepNoReaderBytes(t *testing.T) {
	_, path := gbData(t)
	rows, err := parquet.ReadFile[gbRow](path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows { // texts longer than a key's or a state's words
		if p := rows[i].Plain; p != nil && i%3 != 0 {
			long := "a-text-longer-than-16-bytes-" + *p
			rows[i].Plain = &long
		}
	}
	plain, snappy := filepath.Join(t.TempDir(), "u.parquet"), filepath.Join(t.TempDir(), "s.parquet")
	for _, f := range []struct {
		path  string
		codec compress.Codec
	}{{plain, &parquet.Uncompressed}, {snappy, &parquet.Snappy}} {
		pqtest.WriteGo(t, f.path, [][]gbRow{rows}, parquet.Compression(f.codec),
			parquet.PageBufferSize(700), parquet.MaxRowsPerRowGroup(1300))
	}
	cases := []struct {
		job string
		p   jobs.Params
	}{
		{"groupby", jobs.Params{"key": "plain", "agg": "min:rev,max:n,sum:revd,count:*"}},
		{"groupby", jobs.Params{"key": "key", "agg": "sum:rev,count:*"}},
		{"groupby", jobs.Params{"key": "d", "agg": "max:dec,min:revd"}},
		{"groupby", jobs.Params{"key": "plain:3", "agg": "sum:rev,avg:revd", "where": "rev > 100"}},
		{"select", jobs.Params{"columns": "plain,key,rev,d,b"}},
		{"select", jobs.Params{"columns": "plain,dec", "where": "key == USA"}},
		{"sql", jobs.Params{"query": `SELECT plain, min(key), max(plain), count(*) FROM 'g' GROUP BY plain`}},
		{"sql", jobs.Params{"query": `SELECT key, max(plain), min(d), sum(rev) FROM 'g' GROUP BY key`}},
		{"sql", jobs.Params{"query": `SELECT count(DISTINCT plain), min(upper(plain)), max(trim(key)), min(CAST(n AS VARCHAR)) FROM 'g'`}},
		{"sql", jobs.Params{"query": `SELECT plain, d FROM 'g' WHERE rev > 0 ORDER BY plain DESC LIMIT 70`}},
		{"sql", jobs.Params{"query": `SELECT DISTINCT substr(plain, 1, 2), key FROM 'g'`}},
		{"sql", jobs.Params{"query": `SELECT substr(plain, 1, 3) AS p, max(key), count(*) FROM 'g' GROUP BY p`}},
		{"sql", jobs.Params{"query": `SELECT * FROM 'g' WHERE plain LIKE '1%'`}},
		{"sql", jobs.Params{"query": `SELECT key, max(plain), min(upper(plain)), min(CAST(d AS VARCHAR)) FROM 'g' GROUP BY key`}},
	}
	for _, path := range []string{plain, snappy} {
		for _, c := range cases {
			name := fmt.Sprintf("%s %s %v", filepath.Base(path), c.job, c.p)
			want := chunkedPartial(t, c.job, c.p, path, false)
			if len(want) < 100 {
				t.Fatalf("%s: a partial of %d bytes", name, len(want))
			}
			off := pq.PoisonReleased()
			got := chunkedPartial(t, c.job, c.p, path, true)
			var wg sync.WaitGroup
			many := make([][]byte, 4)
			for i := range many {
				wg.Add(1)
				go func() {
					defer wg.Done()
					many[i] = chunkedPartial(t, c.job, c.p, path, true)
				}()
			}
			wg.Wait()
			off()
			if !bytes.Equal(got, want) {
				t.Errorf("%s: fed a row group at a time, the partial (%d bytes) differs from the whole file's (%d bytes)", name, len(got), len(want))
			}
			for i, m := range many {
				if !bytes.Equal(m, want) {
					t.Errorf("%s: mapper %d of 4 at once wrote a partial (%d bytes) other than the whole file's (%d bytes)", name, i, len(m), len(want))
				}
			}
		}
	}
}

// chunkedPartial is the partial of job name (with p) fed the Parquet file
// at path whole, or one row group at a time (chunks).
func chunkedPartial(t *testing.T, name string, p jobs.Params, path string, chunks bool) []byte {
	j, err := jobs.New(name, p)
	if err != nil {
		t.Error(err)
		return nil
	}
	span, store := pqtest.WholeFile(t, path)
	f, err := pq.ReadFooter(context.Background(), store, span.Source, span.URL, span.Size)
	if err != nil {
		t.Error(err)
		return nil
	}
	spans := []pq.Span{span}
	if chunks {
		spans = spans[:0]
		for _, g := range f.RowGroups() {
			s := span
			s.Start, s.End = g.Start, g.End
			spans = append(spans, s)
		}
	}
	m := feeder(t, j, p)
	for _, s := range spans {
		if _, err := m.Parquet(context.Background(), store, s, 0, f); err != nil {
			t.Error(err)
			return nil
		}
	}
	var out bytes.Buffer
	if _, err := m.Finish(&out); err != nil {
		t.Error(err)
		return nil
	}
	return out.Bytes()
}

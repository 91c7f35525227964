package feed_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/feed"
	"github.com/scattergather/scattergather/internal/hive"
	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
	"github.com/scattergather/scattergather/job"
	"github.com/scattergather/scattergather/record"
)

// yearRow is a row of TestPartitionColumnsInBatches's file, whose own
// column year a partition replaces.
type yearRow struct {
	Amount string `parquet:"amount"`
	Year   string `parquet:"year"`
}

// colsJob reads the columns city, amount, year, k by batches (colsMapper).
type colsJob struct{ failJob }

func (colsJob) Input() job.Input {
	return job.Input{Format: record.CSV, Columns: []string{"city", "amount", "year", "k"}}
}
func (colsJob) NewMapper() job.Mapper { return &colsMapper{} }

// colsMapper takes a Parquet span by batches, writing each row's values
// from the batch's vectors: Bytes for the partition columns (and their
// one-entry Dictionary), Text for amount; Row writes a row fed to it.
type colsMapper struct {
	failMapper
	batches, rows int
	out           strings.Builder
}

func (*colsMapper) ParquetBatches(*pq.Reader) bool { return true }
func (m *colsMapper) ParquetBatch(r *pq.Reader, n int, _ func(i int) error) error {
	m.batches++
	city, cityNull, ok1 := r.Bytes(0)
	year, _, ok2 := r.Bytes(2)
	_, kNull, ok3 := r.Bytes(3)
	idx, dict, _, ok4 := r.Dictionary(0)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		m.out.WriteString("not vectors\n")
		return nil
	}
	for i := 0; i < n; i++ {
		r.At(i)
		if cityNull[i] || !kNull[i] || !r.Null(3) || string(dict[idx[i]]) != string(city[i]) {
			m.out.WriteString("bad null or dictionary\n")
		}
		m.out.WriteString(string(city[i]) + "," + string(r.Text(1)) + "," + string(year[i]) + "," + string(r.Text(2)) + "\n")
	}
	return nil
}
func (m *colsMapper) Row(r *record.Row) error {
	m.rows++
	return nil
}

// TestPartitionColumnsInBatches: a mapper that takes a Parquet span by
// batches (feed.ColumnMapper) takes the span of a Hive partitioned object
// so too, its partition columns constant columns of every batch (a
// VARCHAR vector of the path's value, URL-decoded; null for NULL; one in
// place of the file's own column of its name), over row groups and
// batches; before, such a span was fed row by row.
func TestPartitionColumnsInBatches(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "city=b%20c", "k=NULL", "year=2024")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "t.parquet")
	var groups [][]yearRow
	var want strings.Builder
	for g := 0; g < 2; g++ {
		var rows []yearRow
		for i := 0; i < 700; i++ {
			v := string(rune('0'+g)) + "." + strings.Repeat("1", i%5+1)
			rows = append(rows, yearRow{Amount: v, Year: "1999"})
			want.WriteString("b c," + v + ",2024,2024\n")
		}
		groups = append(groups, rows)
	}
	pqtest.WriteGo(t, path, groups)
	span, store := pqtest.WholeFile(t, path)
	f, err := feed.New(colsJob{}, false)
	if err != nil {
		t.Fatal(err)
	}
	f.SetPartitions([]hive.Column{{Name: "city", Type: "VARCHAR"}, {Name: "k", Type: "VARCHAR"}, {Name: "year", Type: "BIGINT"}})
	if _, err := f.Parquet(context.Background(), store, span, 0, nil); err != nil {
		t.Fatal(err)
	}
	m := f.Mapper().(*colsMapper)
	if m.rows != 0 || m.batches < 4 {
		t.Fatalf("%d batches, %d rows fed one by one; want every row by batches (4 at least)", m.batches, m.rows)
	}
	if m.out.String() != want.String() {
		t.Errorf("rows from the batches:\n%.300s\nwant\n%.300s", m.out.String(), want.String())
	}
	if _, err := f.Finish(io.Discard); err != nil {
		t.Fatal(err)
	}
}

package pqcheck

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
)

// goRow is a row the Go library writes: every encoding it offers for flat
// columns (plain, dictionary, delta) and every codec, with nulls.
type goRow struct {
	ID    int64    `parquet:"id,plain,uncompressed"`
	I32   *int32   `parquet:"i32,optional,dict,snappy"`
	Delta int64    `parquet:"delta,delta,zstd"`
	F64   float64  `parquet:"f64,gzip"`
	F32   float32  `parquet:"f32,plain,zstd"`
	S     *string  `parquet:"s,optional,dict,gzip"`
	SP    string   `parquet:"sp,plain,snappy"`
	SD    string   `parquet:"sd,delta,snappy"`
	Dec   int64    `parquet:"dec,decimal(2:18),snappy"`
	Dec32 int32    `parquet:"dec32,decimal(3:9),dict"`
	D     int32    `parquet:"d,date,zstd"`
	TS    int64    `parquet:"ts,timestamp(microsecond),zstd"`
	TSms  int64    `parquet:"tsms,timestamp(millisecond),snappy"`
	B     bool     `parquet:"b"`
	U     [16]byte `parquet:"u,uuid"`
	Bin   []byte   `parquet:"bin,optional"`
}

func goRows(n int) []goRow {
	rows := make([]goRow, n)
	for i := range rows {
		r := &rows[i]
		r.ID = int64(i)
		if i%6 != 0 {
			v := int32(i*7919%100000 - 50000)
			r.I32 = &v
		}
		r.Delta = int64(i)*1_000_003 - 1<<40
		r.F64 = float64(i) / 7
		r.F32 = float32(i) / 3
		if i%9 != 0 {
			s := fmt.Sprintf("city-%d", i%37)
			if i%23 == 0 {
				s = ""
			}
			r.S = &s
		}
		r.SP = fmt.Sprintf("p,%d\"", i)
		r.SD = fmt.Sprintf("prefix-%06d", i/3)
		r.Dec = int64(i*12345 - 5_000_000)
		r.Dec32 = int32(i%2000 - 1000)
		r.D = int32(i%30000 - 10000)
		r.TS = int64(i)*3_600_000_123 - 1_000_000_000_000
		r.TSms = int64(i) * 86_400_001
		r.B = i%4 == 1
		for k := range r.U {
			r.U[k] = byte(i*31 + k)
		}
		if i%5 != 0 {
			r.Bin = []byte{byte(i), '\\', 'a', byte(i >> 8)}
		}
	}
	return rows
}

// writeGo writes rows with the Go library: rowsPerGroup rows per row group,
// small pages, the given data page version.
func writeGo(t *testing.T, path string, rows []goRow, rowsPerGroup int64, pageVersion int) {
	t.Helper()
	pqtest.WriteGo(t, path, [][]goRow{rows}, parquet.MaxRowsPerRowGroup(rowsPerGroup),
		parquet.PageBufferSize(2048), parquet.DataPageVersion(pageVersion))
}

// TestGoLibraryFiles reads files the Go library wrote (plain, dictionary and
// delta encodings, every codec, data pages v1 and v2, a page index) and
// compares every value with DuckDB's CSV output of the same file.
func TestGoLibraryFiles(t *testing.T) {
	db := openDB(t)
	store := blob.NewMux(nil)
	rows := goRows(6000)
	for _, pv := range []int{1, 2} {
		t.Run(fmt.Sprintf("pagesV%d", pv), func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "go.parquet")
			writeGo(t, file, rows, 1000, pv)
			cols := columnNames(t, store, file)
			want := duckCSV(t, db, file, cols)
			for _, cs := range []int64{1, 64 << 10, 1 << 30} {
				got, st := readAll(t, store, file, cols, cs)
				compare(t, want[1:], got, cols)
				if st.RowGroups != 6 {
					t.Errorf("chunk size %d: %d row groups read, want 6", cs, st.RowGroups)
				}
			}
		})
	}
	_ = context.Background
}

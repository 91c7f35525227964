package pqcheck

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/testutil"
)

// intervalQuery is a table of DuckDB INTERVALs of every part (DuckDB writes
// only intervals of no negative part to Parquet, at millisecond precision).
const intervalQuery = `SELECT i AS id, CASE WHEN i % 9 = 0 AND i < 5000 THEN NULL ELSE iv END AS iv FROM (
	SELECT i, to_months(i % 3 * (i % 29)) + to_days((i * 7) % 5 * (i % 41)) + to_milliseconds(CASE WHEN i % 4 = 0 THEN 0 ELSE (i * 7919013) % 400000000 END) AS iv
	FROM range(5000) t(i)
	UNION ALL SELECT 5000 + j, v FROM (VALUES (0, INTERVAL '7 minutes' + INTERVAL 1 DAY), (1, INTERVAL 2 MONTH),
		(2, INTERVAL '1 year 2 months 3 days 04:05:06.007'), (3, INTERVAL 0 SECOND), (4, INTERVAL '100 hours 1 ms'),
		(5, INTERVAL '1 month 1 day 00:00:00.1'), (6, INTERVAL '12 months'), (7, INTERVAL '13 months 1 day'),
		(8, INTERVAL '00:00:00.01'), (9, INTERVAL '00:00:10.5')) v(j, v)
) ORDER BY id`

// TestIntervals reads DuckDB's INTERVAL columns (FIXED_LEN_BYTE_ARRAY(12)
// with the INTERVAL converted type) as DuckDB's CSV writer prints them;
// before, the reader refused the column's type.
func TestIntervals(t *testing.T) {
	db := openDB(t)
	store := blob.NewMux(nil)
	file := filepath.Join(t.TempDir(), "iv.parquet")
	exec(t, db, fmt.Sprintf(`COPY (%s) TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 1024)`, intervalQuery, file))
	cols := []string{"id", "iv"}
	want := duckCSV(t, db, file, cols)
	for _, cs := range []int64{1, 1 << 30} {
		got, _ := readAll(t, store, file, cols, cs)
		compare(t, want[1:], got, cols)
	}
	// DuckDB's own text, not only ours equal to it
	seen := map[string]string{}
	for _, rec := range want[1:] {
		seen[rec[0]] = rec[1]
	}
	for id, text := range map[string]string{"5000": "1 day 00:07:00", "5001": "2 months",
		"5002": "1 year 2 months 3 days 04:05:06.007", "5003": "00:00:00", "5004": "100:00:00.001"} {
		if seen[id] != text {
			t.Errorf("DuckDB prints row %s as %q, want %q", id, seen[id], text)
		}
	}
}

// intervalType is a FIXED_LEN_BYTE_ARRAY(12) with the INTERVAL converted
// type, which the Go library has no node for.
type intervalType struct{ parquet.Type }

func (intervalType) ConvertedType() *deprecated.ConvertedType {
	ct := deprecated.Interval
	return &ct
}

// TestOddTypesOfOtherWriters reads what DuckDB does not write: INTERVALs of
// every word at its extremes (the months and days read as signed, the
// milliseconds as unsigned, as DuckDB reads them), DECIMALs stored as
// variable-length BYTE_ARRAYs (up to 38 digits, negative ones), and compares every value with DuckDB's CSV output of
// the same file.
func TestOddTypesOfOtherWriters(t *testing.T) {
	db := openDB(t)
	store := blob.NewMux(nil)
	file := filepath.Join(t.TempDir(), "odd.parquet")
	schema := parquet.NewSchema("odd", parquet.Group{
		"a_id":  parquet.Leaf(parquet.Int64Type),
		"b_iv":  parquet.Leaf(intervalType{parquet.FixedLenByteArrayType(12)}),
		"c_dec": parquet.Encoded(parquet.Decimal(4, 38, parquet.ByteArrayType), &parquet.Plain),
	})
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewWriter(f, schema, parquet.MaxRowsPerRowGroup(100))
	words := []uint32{0, 1, 2, 11, 12, 13, 29, 30, 31, 59_999, 60_000, 86_399_999, 86_400_000, 1 << 31, 1<<31 - 1, 1<<32 - 1}
	var rows []parquet.Row
	for i := 0; i < 1000; i++ {
		iv := make([]byte, 12)
		binary.LittleEndian.PutUint32(iv, words[i%len(words)])
		binary.LittleEndian.PutUint32(iv[4:], words[i/len(words)%len(words)])
		binary.LittleEndian.PutUint32(iv[8:], words[(i*7+3)%len(words)])
		dec := big.NewInt(int64(i*7919 - 4_000_000))
		dec.Mul(dec, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(i%31)), nil))
		rows = append(rows, parquet.Row{
			parquet.Int64Value(int64(i)).Level(0, 0, 0),
			parquet.FixedLenByteArrayValue(iv).Level(0, 0, 1),
			parquet.ByteArrayValue(twosComplement(dec)).Level(0, 0, 2),
		})
	}
	writeAndClose(t, w, f, rows)
	cols := columnNames(t, store, file)
	want := duckCSV(t, db, file, cols)
	got, _ := readAll(t, store, file, cols, 1<<30)
	compare(t, want[1:], got, cols)
}

// twosComplement is x as a big-endian two's complement integer of the
// fewest bytes.
func twosComplement(x *big.Int) []byte {
	if x.Sign() >= 0 {
		b := x.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	n := (x.BitLen() + 8) / 8 // room for the sign bit
	m := new(big.Int).Lsh(big.NewInt(1), uint(8*n))
	return m.Add(m, x).FillBytes(make([]byte, n))
}

// TestJobsOnIntervals: select writes an INTERVAL column as DuckDB's CSV
// writer does (and into a .parquet output as VARCHAR of that text), groupby
// keys on it as on DuckDB's CSV of the same data, and the sql job selects it
// and finds a value by its text as DuckDB does.
func TestJobsOnIntervals(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	pqPath, csvPath := filepath.Join(dir, "iv.parquet"), filepath.Join(dir, "iv.csv")
	exec(t, db, fmt.Sprintf(`COPY (%s) TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 1024)`, intervalQuery, pqPath))
	exec(t, db, fmt.Sprintf(`COPY (SELECT * FROM read_parquet('%s')) TO '%s' (HEADER)`, pqPath, csvPath))
	state := filepath.Join(dir, "state")
	n := 0
	run := func(in, ext string, args ...string) []byte {
		t.Helper()
		n++
		out := filepath.Join(dir, "out", fmt.Sprintf("%d%s", n, ext))
		runCLI(t, append([]string{"run", "--input", in, "--output", out, "--state-dir", state}, args...)...)
		if ext == ".parquet" {
			return duckCSVBytes(t, db, out, "")
		}
		got := testutil.ReadFile(t, out)
		return got
	}
	want := testutil.ReadFile(t, csvPath)
	for _, size := range []string{"1GiB", "20KiB"} {
		sel := []string{"--job", "select", "--columns", "id,iv", "--chunk-size", size}
		if got := run(pqPath, ".csv", sel...); !bytes.Equal(got, want) {
			t.Fatalf("chunk size %s: select's output differs from DuckDB's CSV: %s", size, testutil.FirstLineDiff(got, want))
		}
		if got := run(pqPath, ".parquet", sel...); !bytes.Equal(got, want) {
			t.Fatalf("chunk size %s: select's .parquet output, as DuckDB reads it, differs from DuckDB's CSV: %s", size, testutil.FirstLineDiff(got, want))
		}
		gb := []string{"--job", "groupby", "--key", "iv", "--agg", "count:*,sum:id", "--chunk-size", size}
		if got, fromCSV := run(pqPath, ".csv", gb...), run(csvPath, ".csv", gb...); !bytes.Equal(got, fromCSV) || bytes.Count(got, []byte("\n")) < 100 {
			t.Fatalf("chunk size %s: groupby on the Parquet file differs from groupby on its CSV: %s", size, testutil.FirstLineDiff(got, fromCSV))
		}
	}
	duckAgrees(t, db, pqPath, "20KiB", []string{
		"SELECT id, iv FROM 'F' WHERE id % 7 = 1 OR id >= 5000 ORDER BY id",
		"SELECT id, iv FROM 'F' WHERE iv = '1 year 2 months 3 days 04:05:06.007' OR iv = '100:00:00.001' ORDER BY id",
	})
}

// TestBSONRefused: a BSON column, which DuckDB refuses, is refused with an
// error naming the file and the column; the file's other columns read.
func TestBSONRefused(t *testing.T) {
	db := openDB(t)
	store := blob.NewMux(nil)
	file := filepath.Join(t.TempDir(), "bson.parquet")
	schema := parquet.NewSchema("b", parquet.Group{"a_id": parquet.Leaf(parquet.Int64Type), "doc": parquet.BSON()})
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewWriter(f, schema)
	if _, err := w.WriteRows([]parquet.Row{{parquet.Int64Value(7).Level(0, 0, 0), parquet.ByteArrayValue([]byte{5, 0, 0, 0, 0}).Level(0, 0, 1)}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := db.Exec(fmt.Sprintf(`SELECT * FROM read_parquet('%s')`, file)); err == nil {
		t.Log("DuckDB reads BSON now: reconsider refusing it")
	}
	_, err = pq.Open(context.Background(), store, pq.Span{Source: file, URL: file, Size: fileSize(t, file), Start: 0, End: fileSize(t, file)}, []string{"a_id", "doc"}, pq.Options{})
	if err == nil || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), `"doc"`) || !strings.Contains(err.Error(), "BSON") {
		t.Fatalf("opening a BSON column: %v, want an error naming the file, the column and BSON", err)
	}
	got, _ := readAll(t, store, file, []string{"a_id"}, 1<<30)
	if len(got) != 1 || got[0][0] != "7" {
		t.Fatalf("the other column reads %v, want [[7]]", got)
	}
}

func fileSize(t *testing.T, file string) int64 {
	t.Helper()
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

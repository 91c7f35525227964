package pqcheck

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
	"github.com/scattergather/scattergather/internal/testutil"
)

// nullText stands for NULL in DuckDB's CSV output, so that an empty string
// and a null differ.
const nullText = `\N`

// typesQuery is a table of every type the reader prints, with nulls, empty
// strings, quotes, special floats and dates before the common era.
const typesQuery = `SELECT
	i::BIGINT AS id,
	CASE WHEN i % 7 = 0 THEN NULL ELSE (i % 200 - 100)::TINYINT END AS tiny,
	(i * 31 % 60000 - 30000)::SMALLINT AS small,
	CASE WHEN i % 5 = 0 THEN NULL ELSE (i * 7919)::INTEGER END AS int32,
	(i * 1000003 - 5000000000)::BIGINT AS big,
	(i % 250)::UTINYINT AS ut,
	(i * 13)::UINTEGER AS ui,
	(i::UBIGINT * 1234567891 + 9223372036854775000::UBIGINT) AS ub,
	CASE i % 1000 WHEN 1 THEN 'inf'::DOUBLE WHEN 2 THEN '-inf'::DOUBLE WHEN 3 THEN 'nan'::DOUBLE WHEN 4 THEN 1e300 WHEN 5 THEN -0.0 ELSE i / 7.0 END AS dbl,
	(i / 3.0)::FLOAT AS flt,
	(i * 1e-9)::DOUBLE AS tinydbl,
	CASE WHEN i % 11 = 0 THEN NULL ELSE (((i * 37) % 100000) - 50000) / 100 END::DECIMAL(9,2) AS dec9,
	((((i * 7919) % 1000000000) - 500000000) / 1000)::DECIMAL(18,3) AS dec18,
	(i * 123456789012345.678 - 600000000000000000)::DECIMAL(38,3) AS dec38,
	(i * 1e17)::DECIMAL(38,0) AS dec38big,
	DATE '2000-01-01' + ((i * 37) % 20000)::INTEGER AS d,
	CASE i % 4 WHEN 0 THEN DATE '0001-01-01' - (i % 900)::INTEGER WHEN 1 THEN DATE '9999-12-31' ELSE DATE '1970-01-01' - (i % 3)::INTEGER END AS oddd,
	TIMESTAMP '2001-02-03 04:05:06' + to_microseconds(i * 1234567891) AS ts,
	(TIMESTAMP '1969-12-31 23:59:59' + to_microseconds(i * 1000))::TIMESTAMPTZ AS tstz,
	(TIMESTAMP '2001-02-03 04:05:06' + to_milliseconds(i * 1234))::TIMESTAMP_MS AS tsms,
	(TIMESTAMP '2001-02-03 04:05:06' + to_microseconds(i * 1234))::TIMESTAMP_NS + to_microseconds(i % 3) AS tsns,
	TIME '00:00:00' + to_microseconds((i * 1000003) % 86400000000) AS tm,
	i % 3 = 0 AS b,
	CASE WHEN i % 13 = 0 THEN NULL WHEN i % 17 = 0 THEN '' ELSE 'str-' || ((i * 31) % 1000)::VARCHAR || CASE WHEN i % 19 = 0 THEN ',"q"' || chr(10) || 'é' ELSE '' END END AS s,
	md5(i::VARCHAR)::UUID AS u,
	unhex(printf('%02x5c%02x', i % 256, (i * 7) % 256)) AS bl,
	NULL::INTEGER AS allnull
FROM range(10000) t(i)`

// writeTypes has DuckDB write typesQuery's table to file as Parquet with
// the codec, in row groups of 2048 rows.
func writeTypes(t *testing.T, db *sql.DB, file, codec string) {
	t.Helper()
	exec(t, db, fmt.Sprintf(`COPY (%s) TO '%s' (FORMAT parquet, COMPRESSION %s, ROW_GROUP_SIZE 2048)`, typesQuery, file, codec))
}

func openDB(t *testing.T) *sql.DB {
	t.Helper()
	db := testutil.OpenSQL(t, "duckdb", "")
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`SET TimeZone = 'UTC'`); err != nil {
		t.Fatal(err)
	}
	return db
}

func exec(t *testing.T, db *sql.DB, q string) {
	t.Helper()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%v\n%.200s", err, q)
	}
}

// duckCSVBytes is a Parquet file as DuckDB reads it, every column, written
// by its CSV writer with a header row (opts: more COPY options, such as
// NULLSTR), for byte comparisons.
func duckCSVBytes(t *testing.T, db *sql.DB, file, opts string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "back.csv")
	exec(t, db, fmt.Sprintf(`COPY (SELECT * FROM read_parquet('%s')) TO '%s' (HEADER%s)`, file, out, opts))
	b := testutil.ReadFile(t, out)
	return b
}

// duckCSV is DuckDB's CSV output of a Parquet file's columns, as records
// (header first), nulls written as nullText.
func duckCSV(t *testing.T, db *sql.DB, file string, cols []string) [][]string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.csv")
	sel := "*"
	if len(cols) > 0 {
		quoted := make([]string, len(cols))
		for i, c := range cols {
			quoted[i] = `"` + c + `"`
		}
		sel = strings.Join(quoted, ", ")
	}
	exec(t, db, fmt.Sprintf(`COPY (SELECT %s FROM read_parquet('%s')) TO '%s' (FORMAT csv, HEADER, NULLSTR '%s')`, sel, file, out, nullText))
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// readAll reads every row of the file through the planned chunks of the given
// size, each read by its own Reader, as records of text (nulls as nullText).
func readAll(t *testing.T, store blob.Store, file string, cols []string, chunkSize int64) ([][]string, pq.Stats) {
	t.Helper()
	ctx := context.Background()
	objs, err := plan.Resolve(ctx, store, []string{file})
	if err != nil {
		t.Fatal(err)
	}
	if objs[0].Parquet == nil {
		t.Fatalf("%s: Resolve read no footer", file)
	}
	var rows [][]string
	var total pq.Stats
	for _, ch := range plan.SplitColumns(objs, chunkSize, cols) {
		for _, p := range ch.Parts {
			if p.Format != plan.FormatParquet {
				t.Fatalf("part %+v is not marked parquet", p)
			}
			r, err := pq.Open(ctx, store, pq.Span{Source: p.Source, URL: p.URL, Size: p.Size, Start: p.Start, End: p.End}, cols, pq.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for r.Next() {
				rec := make([]string, len(cols))
				for c := range cols {
					if r.Null(c) {
						rec[c] = nullText
					} else {
						rec[c] = string(r.Text(c))
					}
				}
				rows = append(rows, rec)
			}
			if err := r.Err(); err != nil {
				t.Fatal(err)
			}
			st := r.Stats()
			total.BytesRead += st.BytesRead
			total.RowGroups += st.RowGroups
			total.Rows += st.Rows
			r.Close()
		}
	}
	return rows, total
}

func columnNames(t *testing.T, store blob.Store, file string) []string {
	t.Helper()
	size, _ := pqtest.LocalFile(t, file)
	f, err := pq.ReadFooter(context.Background(), store, file, file, size)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range f.Columns {
		names = append(names, c.Name)
	}
	return names
}

func compare(t *testing.T, want, got [][]string, cols []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("read %d rows, DuckDB %d", len(got), len(want))
	}
	bad := 0
	for i := range want {
		for c := range cols {
			if got[i][c] != want[i][c] {
				bad++
				if bad <= 10 {
					t.Errorf("row %d column %s: read %q, DuckDB %q", i, cols[c], got[i][c], want[i][c])
				}
			}
		}
	}
	if bad > 10 {
		t.Errorf("... %d values differ in all", bad)
	}
}

// TestDuckDBFiles reads files DuckDB wrote, with small row groups, every
// codec and both encodings, through chunks of several sizes, and compares
// every value's text with DuckDB's CSV output of the same file.
func TestDuckDBFiles(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	store := blob.NewMux(nil)
	for _, codec := range []string{"snappy", "zstd", "gzip", "uncompressed"} {
		t.Run(codec, func(t *testing.T) {
			file := filepath.Join(dir, codec+".parquet")
			writeTypes(t, db, file, codec)
			cols := columnNames(t, store, file)
			want := duckCSV(t, db, file, cols)
			if strings.Join(want[0], ",") != strings.Join(cols, ",") {
				t.Fatalf("DuckDB's header %v, the footer's columns %v", want[0], cols)
			}
			for _, cs := range []int64{1, 50 << 10, 1 << 30} {
				got, st := readAll(t, store, file, cols, cs)
				compare(t, want[1:], got, cols)
				if st.Rows != 10000 {
					t.Errorf("chunk size %d: %d rows read, want 10000", cs, st.Rows)
				}
			}
		})
	}
}

package pqcheck

import (
	"bytes"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/testutil"
)

// parquetSchema is each leaf column of a Parquet file as DuckDB's
// parquet_schema reads it: name, physical type, converted type, scale,
// precision and logical type, a line each.
func parquetSchema(t *testing.T, db *sql.DB, file string) []string {
	t.Helper()
	_, rows, err := testutil.QueryStrings(db, `SELECT concat_ws(' ', name, type, coalesce(converted_type, '-'), coalesce(scale::VARCHAR, '-'),
		coalesce(precision::VARCHAR, '-'), coalesce(logical_type::VARCHAR, '-'))
		FROM parquet_schema('`+file+`') WHERE type IS NOT NULL`, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r[0])
	}
	return out
}

// sqlWritesAsDuckDB runs each query (its input written 'F') through the
// sql job to a .parquet output, at chunk size chunk, and checks the
// output is DuckDB's COPY of the same query over from (the input as
// DuckDB reads it: read_parquet('in'), or read_csv with its options).
func sqlWritesAsDuckDB(t *testing.T, db *sql.DB, dir, in, from, chunk string, queries ...string) {
	t.Helper()
	for i, q := range queries {
		out := filepath.Join(dir, fmt.Sprintf("out%d.parquet", i))
		runCLI(t, "sql", strings.ReplaceAll(q, "'F'", "'"+in+"'"), "--output", out, "--chunk-size", chunk,
			"--state-dir", filepath.Join(dir, "state"))
		want := filepath.Join(dir, fmt.Sprintf("want%d.parquet", i))
		exec(t, db, fmt.Sprintf(`COPY (%s) TO '%s' (FORMAT parquet)`, strings.ReplaceAll(q, "'F'", from), want))
		sameAsDuckDB(t, db, out, want, nil)
	}
}

// sameAsDuckDB checks that the Parquet file got reads in DuckDB as the
// file want, which DuckDB wrote: the same DESCRIBE types and parquet_schema
// (but for the columns in gaps, which must read as VARCHAR in got), and
// every value, compared through DuckDB's CSV writer.
func sameAsDuckDB(t *testing.T, db *sql.DB, got, want string, gaps map[string]bool) {
	t.Helper()
	gt, wt := strings.Split(duckTypes(t, db, got), ","), strings.Split(duckTypes(t, db, want), ",")
	if len(gt) != len(wt) {
		t.Fatalf("DuckDB reads our output's columns as %v, want %v", gt, wt)
	}
	for i := range gt {
		name := strings.Fields(wt[i])[0]
		switch {
		case gaps[name]:
			if gt[i] != name+" VARCHAR" {
				t.Errorf("column %s: %s, want VARCHAR (a type the output does not keep)", name, gt[i])
			}
		case gt[i] != wt[i]:
			t.Errorf("DuckDB reads our output's column as %s, want %s (DuckDB's COPY)", gt[i], wt[i])
		}
	}
	// DuckDB writes only the converted type of an integer, a DATE or a
	// string, where the library writes the logical type too: both say the
	// same; the logical type is compared where DuckDB writes one.
	gs, ws := parquetSchema(t, db, got), parquetSchema(t, db, want)
	for i := range min(len(gs), len(ws)) {
		g, w := strings.SplitN(gs[i], " ", 6), strings.SplitN(ws[i], " ", 6)
		if w[5] == "-" {
			g[5] = "-"
		}
		if !gaps[w[0]] && strings.Join(g, " ") != ws[i] {
			t.Errorf("parquet_schema of our output: %s\nwant (DuckDB's COPY):     %s", gs[i], ws[i])
		}
	}
	nulls := fmt.Sprintf(", NULLSTR '%s'", nullText)
	if g, w := duckCSVBytes(t, db, got, nulls), duckCSVBytes(t, db, want, nulls); !bytes.Equal(g, w) || bytes.Count(w, []byte("\n")) < 3 {
		t.Errorf("our output's values, read by DuckDB, differ from DuckDB's COPY: %s", testutil.FirstLineDiff(g, w))
	}
}

// TestSelectParquetOutputKeepsTypes: select over a file DuckDB wrote with
// every type writes a .parquet output whose columns have the input's
// Parquet types (physical and logical: integers of each width and sign,
// FLOAT, DOUBLE, DECIMAL(p,s), DATE, TIMESTAMP, TIMESTAMP_NS, TIMESTAMP WITH
// TIME ZONE, TIME, BOOLEAN, VARCHAR, BLOB, UUID), and its NULLs and
// values, as DuckDB's COPY (SELECT ...) TO 'x.parquet' writes them.
func TestSelectParquetOutputKeepsTypes(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "types.parquet")
	writeTypes(t, db, in, "snappy")
	cols := columnNames(t, blob.NewMux(nil), in)
	for _, c := range []struct{ where, chunk string }{{"", "1GiB"}, {"id < 7000", "50KiB"}} {
		out := filepath.Join(dir, fmt.Sprintf("out%s.parquet", c.chunk))
		args := []string{"run", "--job", "select", "--input", in, "--columns", strings.Join(cols, ","), "--output", out,
			"--chunk-size", c.chunk, "--state-dir", filepath.Join(dir, "state")}
		where := ""
		if c.where != "" {
			args, where = append(args, "--where", c.where), " WHERE "+c.where
		}
		runCLI(t, args...)
		want := filepath.Join(dir, fmt.Sprintf("want%s.parquet", c.chunk))
		exec(t, db, fmt.Sprintf(`COPY (SELECT "%s" FROM read_parquet('%s')%s) TO '%s' (FORMAT parquet)`, strings.Join(cols, `", "`), in, where, want))
		sameAsDuckDB(t, db, out, want, nil)
	}
}

// sniffColumns are columns of a CSV, each a list of values (one a row; ""
// is an empty field, NULL), with the type DuckDB's sniffer gives them.
var sniffColumns = []struct {
	name string
	vals []string
}{
	{"b", []string{"true", "false", "T", "f", "yes", "NO"}},
	{"i", []string{"7", "-7", " 7", "0", "-0", "9223372036854775807", "-9223372036854775808", "-007"}},
	{"ibig", []string{"9223372036854775808", "1"}},
	{"d", []string{"1.5", ".5", "5.", "1e5", "-2.5E-3", "nan", "0.0", "7", "inf", "-inf", " 2.5", "1e400"}},
	{"lead0", []string{"007", "7"}},
	{"lead0d", []string{"0.5", "00.5"}},
	{"plus", []string{"+7", "8"}},
	{"dt", []string{"2001-01-01", "0044-03-15 (BC)", "12345-01-01", "infinity", "-infinity", " 2001-02-03"}},
	{"ts", []string{"2001-01-01 10:00:00", "2001-01-01 10:00:00.123456", "12345-01-01 10:00:00", "1969-12-31 23:59:59.5"}},
	{"tsns", []string{"2001-01-01 10:00:00.123456789", "2001-01-01 10:00:00"}},
	{"tz", []string{"2001-01-01 10:00:00+00", "2001-01-01 11:00:00+01", "2001-01-01 10:00:00", "2001-01-01 10:00:00-05:30"}},
	{"datets", []string{"2001-01-01", "2001-01-01 10:00:00"}},
	{"boolint", []string{"true", "1"}},
	{"intbool", []string{"1", "0"}},
	{"s", []string{"abc", "7", "a,b", `say "hi"`, ""}},
	{"nulls", []string{"", ""}},
	{"nullword", []string{"NULL", "7"}},
	{"trail", []string{"1.5 ", "2.5"}},
	{"neg00", []string{"-00", "5"}},
	{"neg00d", []string{"-0.5", "-00.5"}},
	{"trailint", []string{"7 ", " -7", "1e3"}},
	{"trailintd", []string{"7 ", "1.5"}},
	{"leadnegd", []string{" -7", "1.5"}},
	{"dash", []string{"-", "1"}},
	{"under", []string{"1_000", "2"}},
	{"expnone", []string{"1.5e", "2"}},
	{"dashsp", []string{"- 7", "2"}},
	{"bigd", []string{"99999999999999999999999", "1.5"}},
	{"spbool", []string{" true", "false"}},
	// The looser forms DuckDB's sniffer takes (internal/pq/sniffforms.go).
	{"tT", []string{"2001-01-01T10:00:00", "2001-01-01T10:00", "2001-1-1T1:2", "2001-01-01T 10:00:00"}},
	{"tnosec", []string{"2001-01-01 10:00", "2001-01-02 11:30", "2001-01-01  10:00:00", "2001-01-01 10:00:0", "2001-01-01 10:00:00.", "2001-01-01 10:00:00 "}},
	{"tfrac", []string{"2001-01-01 10:00:00.1234567", "2001-01-01 1:00:00"}},
	{"dshort", []string{"2001-1-1", "2001-12-31", "2001-01-1 "}},
	{"tzulu", []string{"2001-01-01 10:00:00Z", "2001-01-01T10:00:00.5Z", "2001-01-01 10:00:00+0100", "2001-01-01 10:00:00+01:00:30", "2001-01-01 10:00:00"}},
	{"zulunosec", []string{"2001-01-01 10:00Z", "2001-01-01 10:00:00"}},
	{"zulusp", []string{"2001-01-01 10:00:00 Z", "2001-01-01 10:00:00"}},
	{"hex", []string{"0x10", "0X1f", "7", "-7", "0b101", " 0x10", "0x7FFFFFFFFFFFFFFF"}},
	{"hexd", []string{"0x10", "1.5"}},
	{"hexneg", []string{"-0x10", "1"}},
	{"infcase", []string{"Infinity", "-INFINITY", " infinity", "2001-01-01"}},
	{"negnan", []string{"-nan", "1.5", "-NaN", "-inf"}},
}

// sniffCSV writes sniffColumns as a CSV in dir, the values again and
// again over many rows, and returns its path and column names.
func sniffCSV(t *testing.T, dir string) (string, []string) {
	var b strings.Builder
	var names []string
	for _, c := range sniffColumns {
		names = append(names, c.name)
	}
	b.WriteString(strings.Join(names, ",") + "\n")
	for r := range 600 {
		for i, c := range sniffColumns {
			if i > 0 {
				b.WriteByte(',')
			}
			v := c.vals[r%len(c.vals)]
			if strings.ContainsAny(v, ",\"") {
				v = `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
			}
			b.WriteString(v)
		}
		b.WriteByte('\n')
	}
	return testutil.WriteFile(t, dir, "in.csv", []byte(b.String())), names
}

// TestSelectCSVOutputTypedAsDuckDBSniffs: select over a CSV writes a
// .parquet output whose columns have the types DuckDB's CSV sniffer gives
// the same values over the whole file (read_csv with sample_size = -1),
// with the same values, as DuckDB's COPY of that read writes them; an
// all-strings output fails it.
func TestSelectCSVOutputTypedAsDuckDBSniffs(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	in, names := sniffCSV(t, dir)
	out := filepath.Join(dir, "out.parquet")
	runCLI(t, "run", "--job", "select", "--input", in, "--columns", strings.Join(names, ","), "--output", out,
		"--chunk-size", "4KiB", "--state-dir", filepath.Join(dir, "state"))
	want := filepath.Join(dir, "want.parquet")
	exec(t, db, fmt.Sprintf(`COPY (SELECT * FROM read_csv('%s', sample_size = -1)) TO '%s' (FORMAT parquet)`, in, want))
	sameAsDuckDB(t, db, out, want, nil)
}

// TestSQLUntypedColumnsTypedAsDuckDBSniffs: the sql job over a CSV with no
// schema writes a .parquet output whose untyped columns (SELECT *, or named)
// have the types and values of DuckDB's answer to the same query over
// read_csv with sample_size = -1, and whose typed ones keep the query's.
func TestSQLUntypedColumnsTypedAsDuckDBSniffs(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	in, _ := sniffCSV(t, dir)
	sqlWritesAsDuckDB(t, db, dir, in, "read_csv('"+in+"', sample_size = -1)", "4KiB",
		"SELECT * FROM 'F'",
		"SELECT i, d, lower(s) AS ls, ts, b, s FROM 'F' WHERE i > 0")
}

// TestSQLParquetColumnsKeepTypes: the sql job over a Parquet file writes a
// column it selects as it stands with the column's type there (integers of
// each width and sign, FLOAT, DOUBLE, DECIMAL, TIMESTAMP WITH TIME ZONE,
// TIME, BOOLEAN, VARCHAR, UUID, BLOB, and the DATE and TIMESTAMP columns it reads as such),
// with the values and NULLs of DuckDB's COPY of the same query.
func TestSQLParquetColumnsKeepTypes(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "types.parquet")
	writeTypes(t, db, in, "snappy")
	sqlWritesAsDuckDB(t, db, dir, in, "read_parquet('"+in+"')", "50KiB",
		"SELECT id, tiny, small, ut, ub, flt, dbl, dec9, dec18, dec38, d, ts, tstz, tsns, tm, b, s, u, bl, allnull FROM 'F' WHERE id < 5000 ORDER BY id")
}

// moreTypesQuery is a table of the types typesQuery lacks: TIME WITH TIME
// ZONE at several offsets, JSON, an ENUM (written as a string), TIMESTAMP_S,
// TIMESTAMP_MS and TIMESTAMP_NS, small and 20-digit DECIMALs and a HUGEINT
// (written as a DOUBLE), with NULLs.
const moreTypesQuery = `SELECT
	i::BIGINT AS id,
	CASE WHEN i % 5 = 0 THEN NULL ELSE ('10:00:00'::TIME + to_microseconds(i * 7000003))::VARCHAR || CASE i % 3 WHEN 0 THEN '+02' WHEN 1 THEN '-05:30' ELSE '+00' END END::TIMETZ AS ttz,
	CASE WHEN i % 7 = 0 THEN NULL ELSE ('{"k": ' || i || ', "s": "a,\"b"}')::JSON END AS js,
	(['x', 'y', 'z'])[i % 3 + 1]::ENUM('x', 'y', 'z') AS en,
	(TIMESTAMP '2001-02-03 04:05:06' + to_seconds(i * 1234))::TIMESTAMP_S AS tss,
	(TIMESTAMP '2001-02-03 04:05:06' + to_milliseconds(i * 1234))::TIMESTAMP_MS AS tms,
	('2001-02-03 04:05:06'::TIMESTAMP_NS + to_microseconds(i * 1234))::TIMESTAMP_NS AS tns,
	((i % 2000 - 1000) / 10)::DECIMAL(4,1) AS d41,
	(i * 12345678901234.56 - 50000000000000000)::DECIMAL(20,2) AS d202,
	(i::HUGEINT * 1000000007) AS hi
FROM range(3000) t(i)`

// TestSelectKeepsMoreTypes: select over a file of moreTypesQuery's types
// writes a CSV output equal to DuckDB's CSV of it (a TIME WITH TIME ZONE at
// UTC, "+00"), and a .parquet output of the input's types and values, as
// DuckDB's COPY writes them (a JSON column as JSON, a TIME WITH TIME ZONE
// adjusted to UTC).
func TestSelectKeepsMoreTypes(t *testing.T) {
	selectKeepsTypes(t, moreTypesQuery, 1000, "20KiB")
}

// selectKeepsTypes checks select over a file of query's table (row groups
// of rowGroup rows, read in chunks of chunk) against DuckDB: its CSV
// output equal to DuckDB's CSV of the file, its .parquet output of the
// file's types and values, as DuckDB's COPY writes them.
func selectKeepsTypes(t *testing.T, query string, rowGroup int, chunk string) {
	t.Helper()
	db := openDB(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.parquet")
	exec(t, db, fmt.Sprintf(`COPY (%s) TO '%s' (FORMAT parquet, ROW_GROUP_SIZE %d)`, query, in, rowGroup))
	cols := columnNames(t, blob.NewMux(nil), in)
	state := filepath.Join(dir, "state")
	csvOut := filepath.Join(dir, "out.csv")
	runCLI(t, "run", "--job", "select", "--input", in, "--columns", strings.Join(cols, ","), "--output", csvOut,
		"--chunk-size", chunk, "--state-dir", state)
	got := testutil.ReadFile(t, csvOut)
	if want := duckCSVBytes(t, db, in, ""); !bytes.Equal(got, want) {
		t.Errorf("select's CSV output differs from DuckDB's CSV: %s", testutil.FirstLineDiff(got, want))
	}
	out := filepath.Join(dir, "out.parquet")
	runCLI(t, "run", "--job", "select", "--input", in, "--columns", strings.Join(cols, ","), "--output", out,
		"--chunk-size", chunk, "--state-dir", state)
	want := filepath.Join(dir, "want.parquet")
	exec(t, db, fmt.Sprintf(`COPY (SELECT * FROM read_parquet('%s')) TO '%s' (FORMAT parquet)`, in, want))
	sameAsDuckDB(t, db, out, want, nil)
}

// edgeTypesQuery is the edge values of the types a .parquet output keeps
// (BLOB, UUID, TIME, TIME WITH TIME ZONE, JSON): an empty BLOB, one of
// escaped bytes, NULL in each, TIME 24:00:00 and 00:00:00, TIME WITH TIME
// ZONE at negative, positive and zero offsets across midnight, JSON null
// and an empty JSON string.
const edgeTypesQuery = `SELECT
	i::BIGINT AS id,
	CASE i % 4 WHEN 0 THEN NULL WHEN 1 THEN ''::BLOB WHEN 2 THEN '\x00\x5C\xFFa,"b'::BLOB ELSE 'x'::BLOB END AS bl,
	CASE WHEN i % 3 = 0 THEN NULL ELSE ('00000000-0000-0000-0000-' || lpad(i::VARCHAR, 12, '0'))::UUID END AS u,
	CASE i % 4 WHEN 0 THEN NULL WHEN 1 THEN '24:00:00'::TIME WHEN 2 THEN '00:00:00'::TIME ELSE '23:59:59.999999'::TIME END AS tm,
	CASE i % 5 WHEN 0 THEN NULL WHEN 1 THEN '23:30:00-05:30'::TIMETZ WHEN 2 THEN '00:15:00+02'::TIMETZ WHEN 3 THEN '12:00:00-00:00:30'::TIMETZ ELSE '00:00:00+00'::TIMETZ END AS ttz,
	CASE i % 3 WHEN 0 THEN NULL WHEN 1 THEN 'null'::JSON ELSE '""'::JSON END AS js
FROM range(60) t(i)`

// TestSelectKeepsEdgeValuesOfMoreTypes: selectKeepsTypes of
// edgeTypesQuery's edge values, in row groups of 20 rows (fails when the
// writer reads TIME 24:00:00 as 23:59:59).
func TestSelectKeepsEdgeValuesOfMoreTypes(t *testing.T) {
	selectKeepsTypes(t, edgeTypesQuery, 20, "1MiB")
}

// TestSQLStarAndAggregatesKeepParquetTypes: the sql job over a Parquet
// file writes the columns of SELECT * (also beside another item) with
// their types there, and a group key, a min or max of a column, a sum of
// a DECIMAL(p,s) (DECIMAL(38,s)) or of an integer (DuckDB's HUGEINT, a
// DOUBLE in Parquet) with the types and values of DuckDB's COPY of the
// same query (docs/jobs.md).
func TestSQLStarAndAggregatesKeepParquetTypes(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "types.parquet")
	writeTypes(t, db, in, "snappy")
	sqlWritesAsDuckDB(t, db, dir, in, "read_parquet('"+in+"')", "50KiB",
		"SELECT * FROM 'F' WHERE id < 5000 ORDER BY id",
		"SELECT *, dec9 AS d2, s AS s2 FROM 'F' WHERE id % 3 = 1",
		`SELECT b, tiny, sum(dec9) s9, sum(dec38) s38, count(*) c, count(small) cs, min(dec9) m9, max(d) md,
			min(ts) mts, max(small) ms, min(s) mstr, sum(small) ss, sum(int32) si, sum(big) sb, sum(ut) su,
			avg(dec9) a9, min(flt) mf, max(ub) mu, min(tstz) mz, max(tsns) mn, min(u) mu2, max(tm) mtm, max(ui) mui
			FROM 'F' GROUP BY b, tiny ORDER BY b, tiny`)
}

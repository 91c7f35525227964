package csvcheck

import (
	"bytes"
	gosql "database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/testutil"
)

// dateFormCases are columns of dates, timestamps and times of day in the
// forms DuckDB's CSV sniffer tries besides ISO 8601 (values split at |):
// each separator, day-first and month-first orders the values settle,
// two-digit years, 12-hour times, and mixtures it refuses.
var dateFormCases = []string{
	"01/02/2001", "2001/01/01", "12/31/2000|01/02/2001", "01/02/2001|12/31/2000", "1.2.2001", "01-02-03",
	"13/01/2001|01/02/2001", "1/2/2001|12/13/2001", "01.02.2001|31.12.2001", "2001.01.31|2001.12.01", "01 02 2001",
	"01/02/01|31/12/99", "99/12/31", "01/02/2001|2001/01/02", "01/02/2001|01-02-2001", "31/04/2001", "02/29/2001", "29/02/2000",
	"1/2/2001|infinity", " 01/02/2001", "01/02/2001 ", "01/02/2001|", "1/2/2001|1/2/01", "01/02/12345", "0/1/2001",
	"01/02/2001 10:00:00", "01/02/2001 10:00:00 PM", "01/02/2001 12:00:00 AM|12/31/2001 1:02:03 pm", "2001/01/01 10:00:00.123",
	"2001/01/01 10:00:00|2001/01/02 11:00:00", "31.12.2001 23:59:59", "01-02-03 04:05:06", "01/02/2001  10:00:00",
	"01/02/2001 10:00", "2001/01/01 10:00:00.1234567", "01/02/2001 25:00:00", "01/02/2001 10:00:00|01/02/2001",
	"01/02/2001 10:00:00|infinity", "-infinity|1/2/2001", "2001\\1\\2", "12345/01/01", "2001/1/2|2001/01/03", "2001/01/01 10:00:00|2001/01/01 10:00:00.5",
	"10:30:00", "10:30", "24:00:00", "1:2:3", "10:30:00.123456789", "10:3", "24:00:01", " 10:30:00 ", "10:30 ", "10:30:00|10:30",
	"100:00:00", "10:60:00", "10:30:00|2001-01-01", "10:30:00.", "123456789:00:00",
	"2001-01-01|01-02-2001", "01-02-2001|2001-01-01", "2001-01-01", "2001-1-1|2001-01-02",
	"30/02/05|01/02/99", "12/11/30|13/11/31",
}

// TestDateFormsAsDuckDB: a column of each of dateFormCases, typed by the
// TypeSniffer and written to Parquet by values (the .parquet output of
// select and sql over a CSV), has DuckDB's type (read_csv with
// sample_size = -1) and its values, as DuckDB prints them. Where DuckDB
// fails to read the file (its sniffer chose a format a value it had
// already taken is not in), the column is VARCHAR.
func TestDateFormsAsDuckDB(t *testing.T) {
	db, err := gosql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dir := t.TempDir()
	for i, c := range dateFormCases {
		vals := strings.Split(c, "|")
		text := "c\n" + strings.Join(vals, "\n") + "\n"
		in := testutil.WriteFile(t, dir, fmt.Sprintf("in%d.csv", i), []byte(text))
		wantType, want, err := columnOf(db, fmt.Sprintf("read_csv('%s', sample_size = -1)", in))
		if err != nil {
			wantType, want = "VARCHAR", nil
			for _, v := range vals {
				want = append(want, v)
			}
			if vals[len(vals)-1] == "" {
				want[len(want)-1] = "NULL"
			}
		}
		var out bytes.Buffer
		conv, err := pq.NewCSVToParquet(&out, pq.ByValues())
		if err != nil {
			t.Fatal(err)
		}
		conv.Write([]byte(text))
		if err := conv.Close(); err != nil {
			t.Errorf("%q: %v", c, err)
			continue
		}
		got := testutil.WriteFile(t, dir, fmt.Sprintf("out%d.parquet", i), out.Bytes())
		gotType, gotVals, err := columnOf(db, fmt.Sprintf("read_parquet('%s')", got))
		if err != nil {
			t.Fatal(err)
		}
		if gotType != wantType || strings.Join(gotVals, "|") != strings.Join(want, "|") {
			t.Errorf("%q: %s %q, DuckDB %s %q", c, gotType, gotVals, wantType, want)
		}
	}
}

// columnOf is the type and the values (as DuckDB casts them to VARCHAR,
// NULL for a NULL) of column c of a table function's rows.
func columnOf(db *gosql.DB, from string) (string, []string, error) {
	_, rows, err := testutil.QueryStrings(db, fmt.Sprintf("SELECT typeof(c), coalesce(c::VARCHAR, 'NULL') FROM %s", from), nil)
	if err != nil || len(rows) == 0 {
		return "", nil, err
	}
	vals := make([]string, len(rows))
	for i, r := range rows {
		vals[i] = r[1]
	}
	return rows[len(rows)-1][0], vals, nil
}

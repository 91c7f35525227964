package record_test

import (
	"strings"
	"testing"

	"github.com/scattergather/scattergather/record"
)

// TestFix: a column Fix gives the object's value (a Hive partition's) is
// that value, or NULL, in every record Read and ReadCSVBlock read, whether
// or not the header or the JSON object has a column of its name, and is
// written as a CSV field; the other columns are read as before.
func TestFix(t *testing.T) {
	rows := func(r *record.Reader, data string, block bool) []string {
		var out []string
		add := func(row *record.Row) {
			var line []byte
			for i := 0; i < row.Len(); i++ {
				if i > 0 {
					line = append(line, '|')
				}
				if row.Null(i) {
					line = append(line, "NULL"...)
					continue
				}
				line = row.AppendCSV(line, i)
			}
			out = append(out, string(line))
		}
		if block {
			_, _, err := r.ReadCSVBlock([]byte(data), 0, func(row *record.Row, _ int64, _ bool, _ string) error {
				if row != nil {
					add(row)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		off := int64(0)
		for _, l := range strings.SplitAfter(data, "\n") {
			if l == "" {
				continue
			}
			row, _, _, err := r.Read([]byte(strings.TrimSuffix(l, "\n")), off)
			if err != nil {
				t.Fatal(err)
			}
			if row != nil {
				add(row)
			}
			off += int64(len(l))
		}
		return out
	}
	const csv = "id,year\n1,1999\n2,2000\n"
	for _, block := range []bool{false, true} {
		r, err := record.NewReader(record.CSV, []string{"year", "id", "month", "k"})
		if err != nil {
			t.Fatal(err)
		}
		r.Fix(0, []byte("2024"), false)
		r.Fix(2, nil, true)
		r.Fix(3, []byte("a,b"), false)
		if err := r.Start("t/year=2024/p.csv", []byte("id,year")); err != nil {
			t.Fatal(err)
		}
		if got, want := strings.Join(rows(r, csv, block), " "), `2024|1|NULL|"a,b" 2024|2|NULL|"a,b"`; got != want {
			t.Errorf("CSV (block %v): %s, want %s", block, got, want)
		}
	}
	r, err := record.NewReader(record.JSONLines, []string{"id", "year"})
	if err != nil {
		t.Fatal(err)
	}
	r.Fix(1, []byte("2024"), false)
	if got, want := strings.Join(rows(r, `{"id":1,"year":1999}`+"\n"+`{"id":2}`+"\n", false), " "), "1|2024 2|2024"; got != want {
		t.Errorf("JSON Lines: %s, want %s", got, want)
	}
}

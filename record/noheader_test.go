package record_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/record"
)

// TestNumberedColumns: a CSV file without a header row has the columns
// DuckDB's read_csv names column0, column1, ..., zero-padded to the digits
// of the last, one a field of its first record.
func TestNumberedColumns(t *testing.T) {
	for _, c := range []struct {
		rec  string
		want string
	}{
		{"1,2,3", "[column0 column1 column2]"},
		{"\ufeff7\r", "[column0]"},
		{`"a,b",c`, "[column0 column1]"},
		{strings.Repeat("x,", 11) + "x", "[column00 column01 column02 column03 column04 column05 column06 column07 column08 column09 column10 column11]"},
	} {
		got, err := record.NumberedColumns([]byte(c.rec), ',')
		if err != nil || fmt.Sprint(got) != c.want {
			t.Errorf("NumberedColumns(%q) = %v, %v; want %s", c.rec, got, err, c.want)
		}
	}
	if _, err := record.NumberedColumns([]byte(`a"b`), ','); err == nil {
		t.Error(`NumberedColumns(a"b): no error`)
	}
}

// TestNoHeaderReader: without a header row (SetNoHeader), the record at
// the header offset is a row, read by Read and ReadCSVBlock alike, and the
// columns are named column0, ...; with one it is the header, as before.
func TestNoHeaderReader(t *testing.T) {
	const data = "1,Oslo\n2,Rome\n"
	for _, none := range []bool{true, false} {
		for _, block := range []bool{false, true} {
			cols := []string{"column1"}
			if !none {
				cols = []string{"Oslo"}
			}
			r, err := record.NewReader(record.CSV, cols)
			if err != nil {
				t.Fatal(err)
			}
			r.SetNoHeader(none)
			if err := r.Start("f.csv", []byte("1,Oslo")); err != nil {
				t.Fatal(err)
			}
			var got []string
			take := func(row *record.Row, _ int64, _ bool, _ string) error {
				if row != nil {
					got = append(got, string(row.Value(0)))
				}
				return nil
			}
			if block {
				if _, _, err := r.ReadCSVBlock([]byte(data), 0, take); err != nil {
					t.Fatal(err)
				}
			} else {
				for i, l := range []string{"1,Oslo", "2,Rome"} {
					off := int64(7 * i)
					row, data, reason, err := r.Read([]byte(l), off)
					if err != nil {
						t.Fatal(err)
					}
					_ = take(row, off, data, reason)
				}
			}
			want := "[Rome]"
			if none {
				want = "[Oslo Rome]"
			}
			if fmt.Sprint(got) != want {
				t.Errorf("no header %v, block %v: rows %v, want %s", none, block, got, want)
			}
		}
	}
}

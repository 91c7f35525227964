package pq

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// TestCSVToParquetKeepsNulls: converting a job's CSV output keeps NULL (an
// empty field, as the job's CSV writer and DuckDB's write it) apart from the
// empty string (""), in untyped and typed columns alike, and reads quoted
// fields whole (commas, doubled quotes, newlines, CRLF rows).
func TestCSVToParquetKeepsNulls(t *testing.T) {
	type cell struct {
		null bool
		text string
	}
	var csvText strings.Builder
	csvText.WriteString("name,amount,note\r\n")
	var want [][3]cell
	for i := range 300 {
		row := [3]cell{{text: fmt.Sprintf("n%d", i)}, {text: fmt.Sprintf("%d.5", i)}, {text: "plain"}}
		amount, note := row[1].text, "plain"
		if i%3 == 0 {
			row[1], amount = cell{null: true}, ""
		}
		switch i % 4 {
		case 0:
			row[2], note = cell{text: ""}, `""`
		case 1:
			row[2], note = cell{text: "multi\nline, \"quoted\""}, `"multi`+"\n"+`line, ""quoted"""`
		case 2:
			row[2], note = cell{null: true}, ""
		}
		fmt.Fprintf(&csvText, "%s,%s,%s\r\n", row[0].text, amount, note)
		want = append(want, row)
	}
	for _, c := range []struct {
		name string
		cols []OutputColumn
	}{
		{"untyped", nil},
		{"typed", []OutputColumn{{Kind: OutString}, {Kind: OutDouble}, {Kind: OutString}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			conv, err := NewCSVToParquet(&out, c.cols)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.WriteString(conv, csvText.String()); err != nil {
				t.Fatal(err)
			}
			if err := conv.Close(); err != nil {
				t.Fatal(err)
			}
			f, err := parquet.OpenFile(bytes.NewReader(out.Bytes()), int64(out.Len()))
			if err != nil {
				t.Fatal(err)
			}
			var got []parquet.Row
			for _, rg := range f.RowGroups() {
				rows := rg.Rows()
				buf := make([]parquet.Row, 64)
				for {
					n, err := rows.ReadRows(buf)
					for _, r := range buf[:n] {
						got = append(got, r.Clone())
					}
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
				}
				rows.Close()
			}
			if len(got) != len(want) {
				t.Fatalf("%d rows, want %d", len(got), len(want))
			}
			for i, r := range got {
				for j, v := range r {
					w := want[i][j]
					if v.IsNull() != w.null {
						t.Fatalf("row %d column %d: null %v, want %v (%+v)", i, j, v.IsNull(), w.null, w)
					}
					if w.null {
						continue
					}
					var text string
					if c.cols != nil && j == 1 {
						text = strconv.FormatFloat(v.Double(), 'f', -1, 64)
					} else {
						text = string(v.ByteArray())
					}
					if text != w.text {
						t.Fatalf("row %d column %d: %q, want %q", i, j, text, w.text)
					}
				}
			}
		})
	}
}

// TestCSVToParquetBadInput: a record with the wrong number of fields, or bad
// quoting, is an error naming it by its number among the records (the
// header the first), which is not its line's when a quoted field before it
// holds a newline.
func TestCSVToParquetBadInput(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"a,b\n1,2\n3\n", "record 3 of the job's CSV"},
		{"a,\"b\nc\"\n\"1\n2\",2\n3\n", "record 3 of the job's CSV"},
		{"a,b\n1,\"2\n", "record 2 of the job's CSV"},
		{"", "no header"},
	} {
		var out bytes.Buffer
		conv, err := NewCSVToParquet(&out, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(conv, c.text); err != nil {
			t.Fatal(err)
		}
		if err := conv.Close(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want an error naming %q", c.text, err, c.want)
		}
	}
}

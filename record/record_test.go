package record_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/split"
	"github.com/scattergather/scattergather/record"
)

// randomCSV writes a header of cols names and rows records of random
// fields: plain, empty, holding "\r" or spaces, quoted ones holding commas,
// doubled quotes, "\n" and "\r\n", and now and then a bare quote, a field
// not closed, text after a closing quote, a blank line or a record of the
// wrong field count; records end in "\n" or "\r\n", the last one sometimes
// in nothing.
func randomCSV(r *rand.Rand, cols, rows int) []byte {
	var b bytes.Buffer
	for c := 0; c < cols; c++ {
		if c > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "c%d", c)
	}
	b.WriteByte('\n')
	pieces := []string{"a", "7.25", "", " ", "x\ry", "-3", "1e5", "abcdefghijklmnopq"}
	quoted := []string{`"q,""x"""`, `""`, `"a\nb"`, `"a\r\n"`, `"Opera/9.80 (Windows NT 6.1; U; en)"`, `"12.5"`, `""""`}
	bad := []string{`a"b`, `"a"b`, `"open`, `"a"` + "\r" + `x`}
	for i := 0; i < rows; i++ {
		n := cols
		switch r.IntN(12) {
		case 0:
			n = 0 // a blank line
		case 1:
			n = cols + 1 - 2*r.IntN(2)
		}
		for c := 0; c < n; c++ {
			if c > 0 {
				b.WriteByte(',')
			}
			switch k := r.IntN(60); {
			case k < 8:
				b.WriteString(quoted[r.IntN(len(quoted))])
			case k == 8:
				b.WriteString(bad[r.IntN(len(bad))])
			default:
				for k := r.IntN(3); k >= 0; k-- {
					b.WriteString(pieces[r.IntN(len(pieces))])
				}
			}
		}
		if i < rows-1 || r.IntN(2) == 0 {
			b.WriteString([]string{"\n", "\r\n"}[r.IntN(2)])
		}
	}
	return b.Bytes()
}

// readOne is what one record read gives, for comparison.
func readOne(row *record.Row, off int64, data bool, reason string) string {
	s := fmt.Sprintf("%d %v %q", off, data, reason)
	if row != nil {
		s += fmt.Sprintf(" at %d:", row.Offset)
		for c := 0; c < row.Len(); c++ {
			s += fmt.Sprintf(" %q/%q", row.Value(c), row.AppendCSV(nil, c))
		}
	}
	return s
}

// TestReadCSVBlockMatchesRead: for random CSV (see randomCSV), columns asked
// for in any order and twice, records read in blocks as split.PartCSV reads
// them (ReadCSVBlock over the whole lines from a record start, then Read for
// the record it stops at, from every starting record) give every record's
// row, offset, data flag and skip reason exactly as Read does one record at
// a time, the records found by the CSV automaton (split.CSVRecords).
// A quarter of the files separate fields by ',', '\t', ';' and '|' each
// (a comma file with its commas and that byte swapped).
func TestReadCSVBlockMatchesRead(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 9))
	for iter := 0; iter < 400; iter++ {
		cols := 1 + r.IntN(6)
		delim := []byte{',', '\t', ';', '|'}[iter%4]
		data := swapBytes(randomCSV(r, cols, r.IntN(30)), ',', delim)
		checkBlocks(t, r, data, cols, -1, delim)
	}
}

// swapBytes is data with every a made b and every b made a.
func swapBytes(data []byte, a, b byte) []byte {
	for i, c := range data {
		switch c {
		case a:
			data[i] = b
		case b:
			data[i] = a
		}
	}
	return data
}

// TestReadCSVBlockAcrossWindows: as TestReadCSVBlockMatchesRead (its
// delimiters too) on files of a few hundred KiB, some of whose quoted fields (with newlines)
// run across the windows ReadCSVBlock marks at once, read from a few
// random records.
func TestReadCSVBlockAcrossWindows(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 10))
	for iter := 0; iter < 6; iter++ {
		cols := 2 + r.IntN(5)
		var b bytes.Buffer
		b.Write(randomCSV(r, cols, 2000))
		for b.Len() < 300<<10 {
			b.WriteString("\n7,\"")
			for n := r.IntN(40 << 10); n > 0; n -= 10 {
				b.WriteString("x,\"\"y\n\r\n,")
			}
			b.WriteString("\"")
			for c := 2; c < cols; c++ {
				b.WriteString(",z")
			}
			b.WriteString("\n")
			b.Write(randomCSV(r, cols, 1+r.IntN(3000))[4*cols:]) // no second header
		}
		delim := []byte{',', '\t', ';', '|'}[iter%4]
		checkBlocks(t, r, swapBytes(b.Bytes(), ',', delim), cols, 8, delim)
	}
}

// checkBlocks reads data (CSV of cols columns c0, c1, ...) with random
// columns asked for, one record at a time (Read, on the records the CSV
// automaton finds: split.CSVRecords) and in blocks as split.PartCSV reads
// them (ReadCSVBlock over the whole lines from a record start, then Read
// for the record it stops at), from every starting record (froms < 0) or
// from froms random ones, and fails unless every record's row, offset,
// data flag and skip reason agree. delim separates the fields.
func checkBlocks(t *testing.T, r *rand.Rand, data []byte, cols, froms int, delim byte) {
	t.Helper()
	var columns []string
	for k := r.IntN(4); k >= 0; k-- {
		columns = append(columns, fmt.Sprintf("c%d", r.IntN(cols)))
	}
	one, block := newCSVReader(t, data, columns, delim), newCSVReader(t, data, columns, delim)
	var want []string
	var starts []int64
	recs := map[int64][]byte{}
	err := split.CSVRecords(data, delim, func(rec []byte, off int64) error {
		row, d, reason, err := one.Read(rec, off)
		want = append(want, readOne(row, off, d, reason))
		starts = append(starts, off)
		recs[off] = rec
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	lines := data[:bytes.LastIndexByte(data, '\n')+1]
	order := make([]int, len(starts))
	for i := range order {
		order[i] = i
	}
	if froms >= 0 {
		order = order[:0]
		for k := 0; k < froms; k++ {
			order = append(order, r.IntN(len(starts)))
		}
	}
	for _, from := range order {
		var got []string
		collect := func(row *record.Row, off int64, d bool, reason string) error {
			got = append(got, readOne(row, off, d, reason))
			return nil
		}
		for off := int(starts[from]); off < len(data); {
			if off < len(lines) {
				used, n, err := block.ReadCSVBlock(lines[off:], int64(off), collect)
				if err != nil {
					t.Fatal(err)
				}
				if used > 0 && data[off+used-1] != '\n' || n > used {
					t.Fatalf("%.200q from %d: used %d bytes, %d records", data, off, used, n)
				}
				if off += used; off == len(data) {
					break
				}
			}
			rec, ok := recs[int64(off)]
			if !ok {
				t.Fatalf("%.200q: a block stopped at %d, not a record's start", data, off)
			}
			row, d, reason, err := block.Read(rec, int64(off))
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, readOne(row, int64(off), d, reason))
			off += len(rec) + 1
		}
		if g, w := strings.Join(got, "\n"), strings.Join(want[from:], "\n"); g != w {
			t.Fatalf("%.300q columns %v from record %d:\n%.2000s\nwant\n%.2000s", data, columns, from, g, w)
		}
	}
}

// newCSVReader returns a CSV reader of columns started on data's header.
func newCSVReader(t *testing.T, data []byte, columns []string, delim byte) *record.Reader {
	t.Helper()
	r, err := record.NewReader(record.CSV, columns)
	if err != nil {
		t.Fatal(err)
	}
	r.SetDelim(delim)
	header, _, _ := bytes.Cut(data, []byte{'\n'})
	if err := r.Start("x.csv", header); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestReadCSVBlockStopsAtError: an error of fn ends the block at once,
// with the bytes and records before the record it was returned for.
func TestReadCSVBlockStopsAtError(t *testing.T) {
	r, err := record.NewReader(record.CSV, []string{"b"})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start("x.csv", []byte("a,b")); err != nil {
		t.Fatal(err)
	}
	stop := fmt.Errorf("stop")
	var seen []string
	used, n, err := r.ReadCSVBlock([]byte("1,2\n3,4\n5,6\n"), 10, func(row *record.Row, off int64, _ bool, _ string) error {
		seen = append(seen, string(row.Value(0)))
		if off == 14 {
			return stop
		}
		return nil
	})
	if err != stop || used != 4 || n != 1 || strings.Join(seen, " ") != "2 4" {
		t.Fatalf("used %d, %d records, %v, saw %v; want 4, 1, stop, [2 4]", used, n, err, seen)
	}
}

// TestJSONKeyCase: a JSON object's key finds its column as a CSV header's
// name does: the same name, else the same but for ASCII case (DuckDB's
// identifiers are case-insensitive); a key named exactly wins over one of
// another case in either order, and a later duplicate wins as before.
func TestJSONKeyCase(t *testing.T) {
	r, err := record.NewReader(record.JSONLines, []string{"Country", "qty"})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start("t.jsonl", nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ line, country, qty string }{
		{`{"country":"usa","QTY":3}`, "usa", "3"},
		{`{"Country":"exact","country":"folded"}`, "exact", ""},
		{`{"country":"folded","Country":"exact"}`, "exact", ""},
		{`{"COUNTRY":"a","country":"b","qty":1,"qty":2}`, "b", "2"},
		{`{"countr":"no","quantity":5}`, "", ""},
	} {
		row, data, reason, err := r.Read([]byte(c.line), 0)
		if err != nil || !data || reason != "" {
			t.Fatalf("%s: %v %v %q", c.line, err, data, reason)
		}
		if got := string(row.Value(0)); got != c.country || row.Present(0) != (c.country != "") {
			t.Errorf("%s: Country %q (present %v), want %q", c.line, got, row.Present(0), c.country)
		}
		if got := string(row.Value(1)); got != c.qty {
			t.Errorf("%s: qty %q, want %q", c.line, got, c.qty)
		}
	}
}

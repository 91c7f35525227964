package split_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/jobs/csvline"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/split"
)

// randomCSV writes rows of random fields separated by delim: plain,
// empty, and quoted ones holding delimiters (delim and the others), doubled
// quotes, "\n" and "\r\n"; rows end in "\r\n" or "\n", and the last one
// sometimes in nothing. With bad set, a few bare quotes and unclosed fields
// make some records malformed.
func randomCSV(r *rand.Rand, rows int, bad bool, delim byte) []byte {
	var b bytes.Buffer
	cols := 1 + r.IntN(4)
	pieces := []string{"a", "bc", ",", string(delim), "\t;|", `""`, "\n", "\r\n", " ", "x y", "1.5"}
	for i := 0; i < rows; i++ {
		for c := 0; c < cols; c++ {
			if c > 0 {
				b.WriteByte(delim)
			}
			switch k := r.IntN(10); {
			case k < 3:
				b.WriteString(fmt.Sprint(r.IntN(1000)))
			case k == 3: // empty
			case bad && k == 4 && r.IntN(8) == 0:
				b.WriteString([]string{`a"b`, `"a"b`, `"open`}[r.IntN(3)])
			default:
				b.WriteByte('"')
				for n := r.IntN(5); n > 0; n-- {
					b.WriteString(pieces[r.IntN(len(pieces))])
				}
				b.WriteByte('"')
			}
		}
		if i < rows-1 || r.IntN(2) == 0 {
			b.WriteString([]string{"\n", "\r\n"}[r.IntN(2)])
		}
	}
	return b.Bytes()
}

// csvRecords is every record of data (fields separated by delim) read by
// the automaton one byte at a time from the object's start: the ownership
// every chunking must give.
func csvRecords(data []byte, delim byte) []record {
	var out []record
	start := 0
	q := csvline.AtField
	for i, c := range data {
		var end bool
		if q, end = stepAll(q, c, delim); end {
			out = append(out, record{int64(start), string(data[start:i])})
			start = i + 1
		}
	}
	if start < len(data) {
		out = append(out, record{int64(start), string(data[start:])})
	}
	return out
}

// stepAll runs the automaton (csvline.Step) on one byte.
func stepAll(q csvline.QuoteState, c, delim byte) (csvline.QuoteState, bool) {
	next, end, _ := csvline.Step(q, c, delim)
	return next, end
}

// readCSV reads the parts of a plan of the object as the pipeline does:
// each part speculates, and a part whose First differs from the previous
// part's Next is read again from that Next (the confirmation). It returns
// the records in order and how many parts were read again. Fields are
// separated by delim.
func readCSV(t *testing.T, store blob.Store, key string, size int64, cuts []int64, delim byte) ([]record, int) {
	return readCSVBlocks(t, store, key, size, cuts, false, delim)
}

// readCSVBlocks is readCSV, with blocks set reading runs of quote-free
// records at once as record.Reader.ReadCSVBlock does (split.CSVBlockFunc).
func readCSVBlocks(t *testing.T, store blob.Store, key string, size int64, cuts []int64, blocks bool, delim byte) ([]record, int) {
	return readCSVFrom(t, store, key, size, 0, cuts, blocks, delim)
}

// readCSVFrom is readCSVQuoted of an object quoted with '"' doubled.
func readCSVFrom(t *testing.T, store blob.Store, key string, size, header int64, cuts []int64, blocks bool, delim byte) ([]record, int) {
	t.Helper()
	return readCSVQuoted(t, store, key, size, header, cuts, blocks, delim, "", "")
}

// readCSVQuoted is readCSVBlocks of an object whose header is at byte
// header (plan.Part.Header, past a preamble), its fields quoted as quote
// and escape say (plan.Part.Quote, plan.Part.Escape).
func readCSVQuoted(t *testing.T, store blob.Store, key string, size, header int64, cuts []int64, blocks bool, delim byte, quote, escape string) ([]record, int) {
	t.Helper()
	var got []record
	start, prevNext, rereads := int64(0), header, 0
	for _, end := range append(cuts, size) {
		p := plan.Part{Source: key, URL: key, Start: start, End: end, Size: size, Header: header, Quote: quote, Escape: escape}
		var recs []record
		collect := func(rec []byte, off int64) error {
			recs = append(recs, record{off, string(rec)})
			return nil
		}
		var block split.CSVBlockFunc
		if blocks {
			block = func(data []byte, off int64) (used, n int, err error) {
				if !bytes.HasSuffix(data, []byte{'\n'}) {
					t.Fatalf("part [%d,%d): a block %q that does not end a line", start, end, data)
				}
				for used < len(data) {
					line, _, _ := bytes.Cut(data[used:], []byte{'\n'})
					if bytes.IndexByte(line, '"') >= 0 {
						break
					}
					recs = append(recs, record{off + int64(used), string(line)})
					used, n = used+len(line)+1, n+1
				}
				return used, n, nil
			}
		}
		_, b, err := split.PartCSV(context.Background(), store, p, delim, -1, collect, block)
		if err != nil {
			t.Fatalf("part [%d,%d): %v", start, end, err)
		}
		if b.First != prevNext && start > 0 { // as pipeline.ConfirmCSV: part 0 is not read again
			rereads++
			recs = nil
			if _, b, err = split.PartCSV(context.Background(), store, p, delim, prevNext, collect, block); err != nil {
				t.Fatalf("part [%d,%d) from %d: %v", start, end, prevNext, err)
			}
		}
		if b.First != prevNext || b.Next < end && b.Next != size {
			t.Fatalf("part [%d,%d): bounds %+v after a part that ended at %d", start, end, b, prevNext)
		}
		for _, r := range recs {
			if r.off < start || r.off >= end {
				t.Fatalf("part [%d,%d) delivered a record at %d", start, end, r.off)
			}
		}
		got = append(got, recs...)
		start, prevNext = end, b.Next
	}
	return got, rereads
}

// goCSV reads data with encoding/csv (fields separated by delim): each
// record's fields, "\r\n" inside quotes kept as Go reads it ("\n");
// malformed records are skipped as Go's reader resumes after them.
func goCSV(data []byte, delim byte) [][]string {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.Comma = rune(delim)
	var out [][]string
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err == nil {
			out = append(out, rec)
		}
	}
}

// fieldsOf decodes the well-formed records with csvline, the way
// record.Reader does, "\r\n" read as Go reads it; blank records are
// skipped as Go skips empty lines.
func fieldsOf(t *testing.T, recs []record, delim byte) [][]string {
	var out [][]string
	for _, r := range recs {
		line := csvline.TrimCR([]byte(r.line))
		if len(line) == 0 {
			continue
		}
		fs, err := csvline.Split(nil, line, delim)
		if err != nil {
			continue
		}
		var row []string
		for _, f := range fs {
			v, _ := f.Value(line, nil)
			row = append(row, strings.ReplaceAll(string(v), "\r\n", "\n"))
		}
		out = append(out, row)
	}
	return out
}

// TestCSVEveryRecordOnce is record ownership for RFC 4180 CSV: for random
// files with quoted newlines, doubled quotes, quoted commas and CRLF at
// every position relative to chunk boundaries (every cut, 1-byte chunks
// and random ones), the records of all parts, read as the pipeline reads
// them, are exactly the records of a single-chunk read, each once; and
// their fields are what encoding/csv reads. A quarter of the files each
// separate fields by ',', '\t', ';' and '|' (holding the other
// delimiters in their fields).
func TestCSVEveryRecordOnce(t *testing.T) {
	store := blob.NewFS(t.TempDir())
	r := rand.New(rand.NewPCG(7, 11))
	rereads := 0
	for iter := 0; iter < 200; iter++ {
		bad := iter%4 == 3
		delim := []byte{',', '\t', ';', '|'}[iter/4%4]
		data := randomCSV(r, 1+r.IntN(12), bad, delim)
		key := fmt.Sprintf("in/%d.csv", iter)
		if err := store.Put(context.Background(), key, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		size := int64(len(data))
		want := csvRecords(data, delim)
		whole, _ := readCSV(t, store, key, size, nil, delim)
		if fmt.Sprint(whole) != fmt.Sprint(want) {
			t.Fatalf("%q: one part read\n%v\nwant\n%v", data, whole, want)
		}
		if !bad {
			if got, goWant := fieldsOf(t, whole, delim), goCSV(data, delim); fmt.Sprint(got) != fmt.Sprint(goWant) {
				t.Fatalf("%q (delimiter %q): fields\n%q\nencoding/csv\n%q", data, delim, got, goWant)
			}
		}
		var cutsList [][]int64
		for c := int64(1); c < size; c++ { // one cut at every position
			cutsList = append(cutsList, []int64{c})
		}
		var ones, random []int64
		for c := int64(1); c < size; c++ {
			ones = append(ones, c)
		}
		for c := int64(r.IntN(8)); c < size; c += 1 + int64(r.IntN(16)) {
			if c > 0 {
				random = append(random, c)
			}
		}
		cutsList = append(cutsList, ones, random)
		for _, cuts := range cutsList {
			got, n := readCSV(t, store, key, size, cuts, delim)
			rereads += n
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%q (delimiter %q) cut at %v:\n%v\nwant\n%v", data, delim, cuts, got, want)
			}
			if got, _ := readCSVBlocks(t, store, key, size, cuts, true, delim); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%q (delimiter %q) cut at %v, in blocks:\n%v\nwant\n%v", data, delim, cuts, got, want)
			}
		}
	}
	t.Logf("%d parts read again after a wrong guess", rereads)
}

// TestCSVPreambleRecordsOnce: an object whose header follows a preamble
// (plan.Part.Header) has the records from the header on, each owned by one
// part at every cut (inside the preamble, whose quote is left open, and
// inside the header too), read one by one or in blocks; its header is the
// record there.
func TestCSVPreambleRecordsOnce(t *testing.T) {
	store := blob.NewFS(t.TempDir())
	r := rand.New(rand.NewPCG(9, 12))
	for iter := 0; iter < 40; iter++ {
		preamble := []byte("Report \"of, 2026\n;by|us\n\n")
		body := randomCSV(r, 1+r.IntN(8), false, ',')
		data := append(preamble, body...)
		key := fmt.Sprintf("in/%d.csv", iter)
		if err := store.Put(context.Background(), key, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		size, h := int64(len(data)), int64(len(preamble))
		var want []record
		for _, rec := range csvRecords(body, ',') {
			want = append(want, record{rec.off + h, rec.line})
		}
		hdr, err := split.CSVHeader(context.Background(), store, plan.Part{Source: key, URL: key, End: size, Size: size, Header: h}, ',')
		if err != nil || string(hdr) != strings.TrimSuffix(want[0].line, "\r") {
			t.Fatalf("%q: header %q, %v, want %q", data, hdr, err, want[0].line)
		}
		var ones []int64
		for c := int64(1); c < size; c++ {
			ones = append(ones, c)
			for _, blocks := range []bool{false, true} {
				if got, _ := readCSVFrom(t, store, key, size, h, []int64{c}, blocks, ','); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("%q cut at %d (blocks %v):\n%v\nwant\n%v", data, c, blocks, got, want)
				}
			}
		}
		if got, _ := readCSVFrom(t, store, key, size, h, ones, false, ','); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%q cut at every byte:\n%v\nwant\n%v", data, got, want)
		}
	}
}

// TestCSVWrongGuessReread: a quoted field longer than the speculation's
// window whose lines look like records ("",""), cut inside: the guess is
// unquoted and wrong, the part's First differs from the previous part's
// Next, and reading it again from there gives the single-chunk records.
func TestCSVWrongGuessReread(t *testing.T) {
	store := blob.NewFS(t.TempDir())
	var b bytes.Buffer
	b.WriteString("id,note\n1,\"start\n")
	for b.Len() < 3*split.SpecWindow {
		b.WriteString("\"\"\"\",\"\"\"\"\n") // the text "","" inside quotes
	}
	b.WriteString("end\"\n2,plain\n3,\"x,\"\"y\"\"\"\r\n")
	data := b.Bytes()
	if err := store.Put(context.Background(), "w.csv", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	size := int64(len(data))
	cuts := []int64{size / 3, 2 * size / 3}
	got, rereads := readCSV(t, store, "w.csv", size, cuts, ',')
	want := csvRecords(data, ',')
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("records\n%.300v\nwant\n%.300v", got, want)
	}
	if len(want) != 4 {
		t.Fatalf("%d records, want 4 (header, the long one, 2, 3)", len(want))
	}
	if rereads == 0 {
		t.Fatal("no part was read again: the guess inside the long field should have been wrong")
	}
}

// TestSpeculate: the guess at typical cuts of a Python-csv-like file, its
// commas each delimiter in turn.
func TestSpeculate(t *testing.T) {
	cases := []struct {
		data   string
		quoted bool
		first  int
	}{
		{"x,y\nb,c\n", false, 4},
		{"text inside\n\",Lee,3\n4,\"a,b\",5\n", true, 20},
		{"lo, J\",10\r\n2,\"Ng\",9\r\n", true, 11},
		{",9\r\n2,\"say \"\"hi\"\"\",1\r\n", false, 4},
		{"\"\"hi\"\"\",1\n3,x,2\n", true, 10},
	}
	for _, c := range cases {
		for _, d := range []byte{',', '\t', ';', '|'} {
			data := strings.ReplaceAll(c.data, ",", string(d))
			q, first := split.Speculate([]byte(data), split.SpecWindow, d)
			if q.Quoted() != c.quoted || first != c.first {
				t.Errorf("Speculate(%q, %q) = %v (quoted %v), first %d; want quoted %v, first %d", data, d, q, q.Quoted(), first, c.quoted, c.first)
			}
		}
	}
}

// randomQuoted writes rows of random fields separated by ',', quoted as qt
// says: plain, empty and quoted ones holding delimiters, newlines, an
// escaped quote, an escaped escape, an escape before another byte (a
// newline too), and the other quote; it returns the file and every
// record's field values as qt reads them (csvline.Field.Value).
func randomQuoted(r *rand.Rand, rows int, qt csvline.Quoting) ([]byte, [][]string) {
	var b bytes.Buffer
	var want [][]string
	cols := 1 + r.IntN(4)
	q, e := string(qt.Quote), string(qt.Escape)
	type piece struct{ raw, val string }
	other := `'`
	if qt.Quote == '\'' {
		other = `"`
	}
	pieces := []piece{{"a", "a"}, {",", ","}, {"\n", "\n"}, {"\r\n", "\r\n"}, {"x y", "x y"}, {e + q, q}, {e + e, e}, {other, other}}
	if !qt.Doubled() {
		pieces = append(pieces, piece{e + "n", "n"}, piece{e + "\n", "\n"}, piece{e + e + e + q, e + q}, piece{e + ",", ","}, piece{`\`, ``})
		pieces[len(pieces)-1] = piece{e + other, other}
	}
	for i := 0; i < rows; i++ {
		var row []string
		for c := 0; c < cols; c++ {
			if c > 0 {
				b.WriteByte(',')
			}
			switch k := r.IntN(10); {
			case k < 3:
				v := fmt.Sprint(r.IntN(1000))
				b.WriteString(v)
				row = append(row, v)
			case k == 3 && cols > 1: // empty (not a blank record)
				row = append(row, "")
			default:
				b.WriteString(q)
				var v strings.Builder
				for n := r.IntN(5); n > 0; n-- {
					p := pieces[r.IntN(len(pieces))]
					b.WriteString(p.raw)
					v.WriteString(p.val)
				}
				b.WriteString(q)
				row = append(row, v.String())
			}
		}
		want = append(want, row)
		if i < rows-1 || r.IntN(2) == 0 {
			b.WriteString([]string{"\n", "\r\n"}[r.IntN(2)])
		}
	}
	return b.Bytes(), want
}

// TestCSVQuotedEveryRecordOnce is TestCSVEveryRecordOnce for the other
// quotings the planner sniffs (plan.QuotingCandidates): '"' escaped by a
// backslash (MySQL's), '\” doubled and '\” escaped by a backslash, with
// escaped quotes, escaped backslashes and escaped newlines at every
// position relative to chunk boundaries: the records of all parts are
// exactly those of the automaton read from the object's start (one cut at
// every byte, 1-byte chunks, random ones), each once, and their fields
// the values written.
func TestCSVQuotedEveryRecordOnce(t *testing.T) {
	store := blob.NewFS(t.TempDir())
	r := rand.New(rand.NewPCG(17, 5))
	rereads := 0
	for iter := 0; iter < 150; iter++ {
		qt := plan.QuotingCandidates[1+iter%3]
		quote, escape := string(qt.Quote), string(qt.Escape)
		if qt.Quote == '"' {
			quote = ""
		}
		if qt.Doubled() {
			escape = ""
		}
		data, values := randomQuoted(r, 1+r.IntN(10), qt)
		key := fmt.Sprintf("in/q%d.csv", iter)
		if err := store.Put(context.Background(), key, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		size := int64(len(data))
		want := quotedRecords(data, qt)
		if got := quotedFields(t, want, qt); fmt.Sprint(got) != fmt.Sprint(values) {
			t.Fatalf("%q (quoting %q): fields\n%q\nwant\n%q", data, qt, got, values)
		}
		var cutsList [][]int64
		var ones, random []int64
		for c := int64(1); c < size; c++ {
			cutsList = append(cutsList, []int64{c})
			ones = append(ones, c)
		}
		for c := int64(r.IntN(8)); c < size; c += 1 + int64(r.IntN(16)) {
			if c > 0 {
				random = append(random, c)
			}
		}
		cutsList = append(cutsList, nil, ones, random)
		for _, cuts := range cutsList {
			got, n := readCSVQuoted(t, store, key, size, 0, cuts, false, ',', quote, escape)
			rereads += n
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%q (quoting %q) cut at %v:\n%v\nwant\n%v", data, qt, cuts, got, want)
			}
		}
	}
	t.Logf("%d parts read again after a wrong guess", rereads)
}

// quotedRecords is every record of data (fields separated by ',', quoted
// as qt says) read by the automaton one byte at a time from the start.
func quotedRecords(data []byte, qt csvline.Quoting) []record {
	var out []record
	start := 0
	q := csvline.AtField
	for i, c := range data {
		var end bool
		if q, end, _ = csvline.StepQuoted(q, c, ',', qt); end {
			out = append(out, record{int64(start), string(data[start:i])})
			start = i + 1
		}
	}
	if start < len(data) {
		out = append(out, record{int64(start), string(data[start:])})
	}
	return out
}

// quotedFields decodes records (csvline.SplitQuoted) as record.Reader
// does.
func quotedFields(t *testing.T, recs []record, qt csvline.Quoting) [][]string {
	t.Helper()
	var out [][]string
	for _, r := range recs {
		line := csvline.TrimCR([]byte(r.line))
		fs, err := csvline.SplitQuoted(nil, line, ',', qt)
		if err != nil {
			t.Fatalf("record %q: %v", line, err)
		}
		var row []string
		for _, f := range fs {
			v, _ := f.Value(line, nil)
			row = append(row, string(v))
		}
		out = append(out, row)
	}
	return out
}

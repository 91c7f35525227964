package kv_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"

	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
	"github.com/scattergather/scattergather/internal/testutil/sumjob"
	"github.com/scattergather/scattergather/job"
	"github.com/scattergather/scattergather/job/jobtest"
	"github.com/scattergather/scattergather/job/kv"
	"github.com/scattergather/scattergather/record"
)

// spend sums an amount per city of a CSV, with a parameter: a table job.
var spend = kv.Def[string, int64]{
	Name: "kvtest-spend", Version: "1", Summary: "amount per city",
	Params: []job.Param{{Name: "min", Usage: "smallest amount counted", Default: "0"}},
	New: func(p job.Params) (kv.Job[string, int64], error) {
		least, err := strconv.ParseInt(p["min"], 10, 64)
		if err != nil {
			return kv.Job[string, int64]{}, fmt.Errorf("--min %q: %w", p["min"], err)
		}
		return kv.Job[string, int64]{
			Input: job.Input{Format: record.CSV, Columns: []string{"city", "amount"}},
			Key:   kv.String, Value: kv.Int64,
			MapRow: func(r *record.Row, emit func(string, int64)) error {
				n, err := strconv.ParseInt(string(r.Value(1)), 10, 64)
				if err != nil {
					return kv.Skip("amount is not a number")
				}
				if n >= least {
					emit(string(r.Value(0)), n)
				}
				return nil
			},
			Combine: func(a, b int64) int64 { return a + b },
			Header:  "city,amount",
			Format: func(dst []byte, k string, v int64) []byte {
				return strconv.AppendInt(append(append(dst, k...), ','), v, 10)
			},
		}, nil
	},
}.Definition()

func text(n int) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%c line %d\n", 'a'+i*7%26, i)
	}
	return b.Bytes()
}

func TestTypedJobs(t *testing.T) {
	var csv bytes.Buffer
	csv.WriteString("city,amount\n")
	want := map[string]int64{}
	for i := 0; i < 400; i++ {
		city := []string{"Oslo", "Lima", "Pune", "Kyiv", "Accra"}[i%5]
		fmt.Fprintf(&csv, "%s,%d\n", city, i)
		if i >= 10 {
			want[city] += int64(i)
		}
	}
	wantCSV := "city,amount\n"
	for _, c := range []string{"Accra", "Kyiv", "Lima", "Oslo", "Pune"} {
		wantCSV += fmt.Sprintf("%s,%d\n", c, want[c])
	}
	lines, sums := sumjob.Generate(rand.New(rand.NewPCG(1, 1)), sumjob.Pool, 3000)
	cut := len(lines)/3 + bytes.IndexByte(lines[len(lines)/3:], '\n') + 1
	jobtest.Check(t, sumjob.Def, // a Lines job
		jobtest.Case{Name: "two files", Inputs: []jobtest.Input{{Name: "a.txt", Data: lines[:cut]}, {Name: "b.txt", Data: lines[cut:]}}, Want: sums},
	)
	jobtest.Check(t, spend,
		jobtest.Case{Name: "csv", Params: job.Params{"min": "10"}, Inputs: []jobtest.Input{{Name: "s.csv", Data: csv.Bytes()}}, Want: []byte(wantCSV)},
		jobtest.Case{Name: "bad amount", Params: job.Params{"min": "0"},
			Inputs:    []jobtest.Input{{Name: "s.csv", Data: []byte("city,amount\nOslo,1\nLima,x\n")}},
			Want:      []byte("city,amount\nOslo,1\n"),
			BadRecord: "s.csv:19"},
	)
}

// TestCheckCatchesNonAssociativeCombine: a Combine that is not associative
// (here: keeps the difference) makes the output depend on how partials are
// grouped, and the kit says so.
func TestCheckCatchesNonAssociativeCombine(t *testing.T) {
	bad := kv.Def[[]byte, int64]{
		Name: "kvtest-bad", Version: "1",
		New: func(job.Params) (kv.Job[[]byte, int64], error) {
			return kv.Job[[]byte, int64]{
				Key: kv.Bytes, Value: kv.Varint,
				MapLine: func(line []byte, emit func([]byte, int64)) error { emit(line[:1], 1); return nil },
				Combine: func(a, b int64) int64 { return a - b },
				Format:  func(dst, k []byte, v int64) []byte { return strconv.AppendInt(append(dst, k...), v, 10) },
			}, nil
		},
	}.Definition()
	job.Register(bad)
	err := jobtest.Verify(t.TempDir(), bad.Name, jobtest.Case{Inputs: []jobtest.Input{{Name: "x.txt", Data: text(500)}}})
	if err == nil || !strings.Contains(err.Error(), "associative") {
		t.Fatalf("Verify of a non-associative combine: %v, want an error saying the output depends on how partials are merged", err)
	}
}

// spendRow is a row of spend's input as Parquet: an amount may be NULL.
type spendRow struct {
	City   string `parquet:"city,dict"`
	Amount *int64 `parquet:"amount,optional"`
}

// TestTypedJobOnParquet: a user's table job (MapRow over the public
// record.Row) reads a Parquet input as it reads the same data as CSV: the
// same output at every chunk size, a NULL skipped as the CSV's empty field
// is, and --strict naming its row (its index in the file) and row group.
func TestTypedJobOnParquet(t *testing.T) {
	var groups [][]spendRow
	csv := "city,amount\n"
	want := map[string]int64{}
	badAt := 0 // the CSV's byte offset of the row without an amount
	for i := 0; i < 600; i++ {
		if i%50 == 0 {
			groups = append(groups, nil)
		}
		r := spendRow{City: []string{"Oslo", "Lima", "Pune", "Kyiv", "Accra"}[i*3%5]}
		if i == 57 { // the one NULL amount: row 7 of row group 1
			badAt = len(csv)
			csv += r.City + ",\n"
		} else {
			n := int64(i*7919%1000 - 300)
			r.Amount = &n
			csv += fmt.Sprintf("%s,%d\n", r.City, n)
			if n >= 10 {
				want[r.City] += n
			}
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], r)
	}
	wantCSV := "city,amount\n"
	for _, c := range []string{"Accra", "Kyiv", "Lima", "Oslo", "Pune"} {
		wantCSV += fmt.Sprintf("%s,%d\n", c, want[c])
	}
	path := filepath.Join(t.TempDir(), "s.parquet")
	pqtest.WriteGo(t, path, groups)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	jobtest.Check(t, spend,
		jobtest.Case{Name: "csv twin", Params: job.Params{"min": "10"}, Inputs: []jobtest.Input{{Name: "s.csv", Data: []byte(csv)}},
			Want: []byte(wantCSV), BadRecord: "s.csv:" + strconv.Itoa(badAt)},
		jobtest.Case{Name: "parquet", Params: job.Params{"min": "10"}, Inputs: []jobtest.Input{{Name: "s.parquet", Data: data}},
			Want: []byte(wantCSV), BadRecord: "s.parquet:57:1"},
	)
}

// greatest keeps each city's greatest note (kv.Bytes values), whose map
// function emits the row's value as it stands: a slice of the row, valid
// only during the call, which the framework must copy to keep.
var greatest = greatestOf("kvtest-greatest", kv.Bytes)

// greatestNote is greatest with values of a user's own byte-slice type,
// note, which the framework must copy as it copies a []byte.
var greatestNote = greatestOf("kvtest-greatest-note", kv.Codec[note](noteCodec{}))

// note is a user's own byte-slice type.
type note []byte

// noteCodec is a user's codec of note values (kv.Bytes's encoding).
type noteCodec struct{}

func (noteCodec) Append(dst []byte, v note) []byte { return append(dst, v...) }
func (noteCodec) Decode(b []byte) (note, error)    { return note(bytes.Clone(b)), nil }

// greatestOf is the job of greatest, named name, with values of V.
func greatestOf[V ~[]byte](name string, values kv.Codec[V]) job.Definition {
	return kv.Def[string, V]{
		Name: name, Version: "1", Summary: "greatest note per city",
		New: func(job.Params) (kv.Job[string, V], error) {
			return kv.Job[string, V]{
				Input: job.Input{Format: record.CSV, Columns: []string{"city", "note"}},
				Key:   kv.String, Value: values,
				MapRow: func(r *record.Row, emit func(string, V)) error {
					emit(string(r.Value(0)), V(r.Value(1)))
					return nil
				},
				Combine: func(a, b V) V {
					if bytes.Compare(b, a) > 0 {
						return b
					}
					return a
				},
				Header: "city,note",
				Format: func(dst []byte, k string, v V) []byte {
					return append(append(append(dst, k...), ','), v...)
				},
			}, nil
		},
	}.Definition()
}

type noteRow struct {
	City string `parquet:"city,dict"`
	Note string `parquet:"note"`
}

// TestBytesValuesOutliveTheirRows: a kv.Bytes value emitted as a slice of
// its row (what MapRow's doc allows: the built-in codecs copy), or one of a
// user's own byte-slice type (note), is kept by the framework past the row: over Parquet row groups and pages whose
// buffers the reader reuses (and, under pq.PoisonReleased, overwrites as
// soon as it lets go of them), and over CSV, the output is each city's
// greatest note, at every chunk size.
func TestBytesValuesOutliveTheirRows(t *testing.T) {
	defer pq.PoisonReleased()()
	var groups [][]noteRow
	csv := "city,note\n"
	best := map[string]string{}
	for i := 0; i < 3000; i++ {
		if i%400 == 0 {
			groups = append(groups, nil)
		}
		r := noteRow{City: []string{"Oslo", "Lima", "Pune", "Kyiv", "Accra"}[i*3%5], Note: fmt.Sprintf("note %05d of row %d", i*7919%10007, i)}
		best[r.City] = max(best[r.City], r.Note)
		csv += r.City + "," + r.Note + "\n"
		groups[len(groups)-1] = append(groups[len(groups)-1], r)
	}
	want := "city,note\n"
	for _, c := range []string{"Accra", "Kyiv", "Lima", "Oslo", "Pune"} {
		want += c + "," + best[c] + "\n"
	}
	var cases []jobtest.Case
	for _, codec := range []compress.Codec{&parquet.Snappy, &parquet.Uncompressed} {
		path := filepath.Join(t.TempDir(), "n.parquet")
		pqtest.WriteGo(t, path, groups, parquet.Compression(codec), parquet.PageBufferSize(2000))
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, jobtest.Case{Name: "parquet " + codec.String(), Inputs: []jobtest.Input{{Name: "n.parquet", Data: data}}, Want: []byte(want)})
	}
	cases = append(cases, jobtest.Case{Name: "csv", Inputs: []jobtest.Input{{Name: "n.csv", Data: []byte(csv)}}, Want: []byte(want)})
	for _, def := range []job.Definition{greatest, greatestNote} {
		t.Run(def.Name, func(t *testing.T) { jobtest.Check(t, def, cases...) })
	}
}

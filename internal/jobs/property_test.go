package jobs_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/feed"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/jobs/reference"
	"github.com/scattergather/scattergather/internal/split"
	"github.com/scattergather/scattergather/record"
)

// inputRecord is one line of one input, as the mapper runtime delivers it.
type inputRecord struct {
	ord    int
	line   []byte
	offset int64
}

func splitLines(data []byte) (lines [][]byte, offsets []int64) {
	var off int64
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			lines, offsets = append(lines, data), append(offsets, off)
			break
		}
		lines, offsets = append(lines, data[:i]), append(offsets, off)
		data = data[i+1:]
		off += int64(i + 1)
	}
	return lines, offsets
}

// feedLines starts part on m, with data's header as the runtime gives it, and hands m
// data's lines at their offsets; it returns the first error.
func feedLines(m *feed.Feeder, part jobs.Part, data []byte) error {
	if err := m.StartPart(part, header(data)); err != nil {
		return fmt.Errorf("StartPart: %w", err)
	}
	lines, offs := splitLines(data)
	for i, l := range lines {
		if err := m.Record(l, offs[i]); err != nil {
			return fmt.Errorf("Record: %w", err)
		}
	}
	return nil
}

// header is the CSV header the runtime gives the feeder: the first line.
func header(data []byte) []byte {
	if len(data) == 0 {
		return nil
	}
	l, _ := splitLines(data)
	return bytes.Clone(bytes.TrimSuffix(l[0], []byte{'\r'}))
}

// recordsOf splits an input into the records the pipeline reads from it:
// CSV records (split.CSVRecords) when j reads it as CSV, else lines.
func recordsOf(j jobs.Job, source string, data []byte) (recs [][]byte, offsets []int64) {
	if record.Of(source, j.Input().Format) != record.CSV {
		return splitLines(data)
	}
	_ = split.CSVRecords(data, ',', func(rec []byte, off int64) error {
		recs, offsets = append(recs, rec), append(offsets, off)
		return nil
	})
	return recs, offsets
}

// headerOf is the header the runtime gives the feeder for an input of j:
// its first record.
func headerOf(j jobs.Job, source string, data []byte) []byte {
	recs, _ := recordsOf(j, source, data)
	if len(recs) == 0 {
		return nil
	}
	return bytes.Clone(bytes.TrimSuffix(recs[0], []byte{'\r'}))
}

// runChunked runs job over inputs as the pipeline does, with random chunks
// (each a run of consecutive records, possibly spanning objects), then random
// tree-shaped merges of consecutive partials, then Output.
func runChunked(r *rand.Rand, job string, p jobs.Params, inputs []reference.Input) ([]byte, jobs.Stats, error) {
	j, err := jobs.New(job, p)
	if err != nil {
		return nil, jobs.Stats{}, err
	}
	var recs []inputRecord
	for ord, in := range inputs {
		lines, offs := recordsOf(j, in.Source, in.Data)
		for i := range lines {
			recs = append(recs, inputRecord{ord, lines[i], offs[i]})
		}
	}
	cut := []float64{0, 0.02, 0.1, 0.3, 1}[r.IntN(5)]
	var chunks [][]inputRecord
	start := 0
	for i := 1; i <= len(recs); i++ {
		if i == len(recs) || r.Float64() < cut {
			chunks = append(chunks, recs[start:i])
			start = i
		}
	}
	var mapStats jobs.Stats
	var partials [][]byte
	scratch := make([]byte, 0, 1024)
	for _, chunk := range chunks {
		m := feeder(nil, j, p)
		bm := m.Block()
		blocks := bm != nil && r.IntN(2) == 0
		var block []byte
		var blockOff int64
		var blockN int
		// flush hands the records gathered so far to Records, then scribbles over them.
		flush := func() error {
			if blockN == 0 {
				return nil
			}
			err := bm(block, blockOff, blockN)
			for i := range block {
				block[i] = '#'
			}
			block, blockN = block[:0], 0
			return err
		}
		cur := -1
		for _, rc := range chunk {
			if rc.ord != cur {
				if err := flush(); err != nil {
					return nil, mapStats, err
				}
				cur = rc.ord
				if err := m.StartPart(jobs.Part{Source: inputs[cur].Source, Ordinal: cur}, headerOf(j, inputs[cur].Source, inputs[cur].Data)); err != nil {
					return nil, mapStats, err
				}
			}
			var err error
			if terminated := rc.offset+int64(len(rc.line)) < int64(len(inputs[cur].Data)); blocks && terminated {
				// Whole records, in runs of random length, through Records.
				if blockN == 0 {
					blockOff = rc.offset
				}
				block = append(append(block, rc.line...), '\n')
				if blockN++; r.IntN(3) == 0 {
					err = flush()
				}
			} else {
				if err = flush(); err == nil {
					// The line is only valid during the call: scribble over it after.
					scratch = append(scratch[:0], rc.line...)
					err = m.Record(scratch, rc.offset)
					for i := range scratch {
						scratch[i] = '#'
					}
				}
			}
			if err != nil {
				return nil, mapStats, err
			}
		}
		if err := flush(); err != nil {
			return nil, mapStats, err
		}
		var buf bytes.Buffer
		st, err := m.Finish(&buf)
		if err != nil {
			return nil, mapStats, err
		}
		mapStats.Add(st)
		partials = append(partials, buf.Bytes())
	}
	if r.IntN(4) == 0 {
		// Sometimes a chunk with no records at all.
		var buf bytes.Buffer
		if _, err := feeder(nil, j, p).Finish(&buf); err != nil {
			return nil, mapStats, err
		}
		at := r.IntN(len(partials) + 1)
		partials = append(partials[:at], append([][]byte{buf.Bytes()}, partials[at:]...)...)
	}
	for len(partials) > 1 && r.IntN(3) > 0 {
		var next [][]byte
		for i := 0; i < len(partials); {
			n := min(1+r.IntN(4), len(partials)-i)
			var buf bytes.Buffer
			if err := j.Merge(&buf, readers(partials[i:i+n])); err != nil {
				return nil, mapStats, fmt.Errorf("merge: %w", err)
			}
			next = append(next, buf.Bytes())
			i += n
		}
		partials = next
	}
	var out bytes.Buffer
	st, err := j.Output(&out, readers(partials))
	if err != nil {
		return nil, mapStats, fmt.Errorf("output: %w", err)
	}
	if c, ok := j.(jobs.Concatenator); ok {
		if err := checkConcat(c, partials, out.Bytes(), st.RecordsOut); err != nil {
			return nil, mapStats, err
		}
	}
	mapStats.RecordsOut = st.RecordsOut
	return out.Bytes(), mapStats, nil
}

// checkConcat assembles a Concatenator's output from its prefix and the byte
// ranges of its partials, as a reducer composing on S3 does, and compares it
// with Output's.
func checkConcat(c jobs.Concatenator, partials [][]byte, want []byte, rows int64) error {
	got := c.OutputPrefix()
	var n int64
	for i, p := range partials {
		ranges, r, err := c.OutputRanges(bytes.NewReader(p), int64(len(p)), i)
		if err != nil {
			return fmt.Errorf("output ranges of partial %d: %w", i, err)
		}
		for _, rg := range ranges {
			got = append(got, p[rg.Off:rg.Off+rg.N]...)
		}
		n += r
	}
	if !bytes.Equal(got, want) || n != rows {
		return fmt.Errorf("output from ranges: %d rows, %q; Output: %d rows, %q", n, got, rows, want)
	}
	return nil
}

func readers(bs [][]byte) []io.Reader {
	rs := make([]io.Reader, len(bs))
	for i, b := range bs {
		rs[i] = bytes.NewReader(b)
	}
	return rs
}

// Generators of random inputs.

var vocab = []string{"alpha", "Beta", "beta", "GAMMA", "delta_1", "x", "ab", "abc", "a-b", "über", "naïve", "\xff\xfe", "q", "Q9", "__", "-", "..."}
var seps = []string{" ", " ", " ", "  ", "\t", "\v", "\f", "\r", ", ", ". "}

func textLine(r *rand.Rand) string {
	var b strings.Builder
	for n := r.IntN(8); n > 0; n-- {
		if r.IntN(4) == 0 || b.Len() > 0 {
			b.WriteString(seps[r.IntN(len(seps))])
		}
		b.WriteString(vocab[r.IntN(len(vocab))])
	}
	return b.String()
}

// lines joins lines with "\n" or "\r\n", sometimes without a final newline.
func joinLines(r *rand.Rand, lines []string) []byte {
	var b bytes.Buffer
	crlf := r.IntN(3) == 0
	for i, l := range lines {
		b.WriteString(l)
		if i < len(lines)-1 || r.IntN(4) > 0 {
			if crlf || r.IntN(10) == 0 {
				b.WriteString("\r\n")
			} else {
				b.WriteByte('\n')
			}
		}
	}
	return b.Bytes()
}

func genText(r *rand.Rand) []reference.Input {
	var ins []reference.Input
	for i := r.IntN(4); i >= 0; i-- {
		var lines []string
		for n := r.IntN(40); n > 0; n-- {
			lines = append(lines, textLine(r))
		}
		ins = append(ins, reference.Input{Source: fmt.Sprintf("dir/text-%d.txt", len(ins)), Data: joinLines(r, lines)})
	}
	return ins
}

func number(r *rand.Rand) string {
	switch r.IntN(12) {
	case 0:
		return fmt.Sprintf("%d", r.Int64()) // large
	case 1:
		return "99999999999999999999.5" // beyond int64
	case 2:
		return fmt.Sprintf("-%d.%03d", r.IntN(100), r.IntN(1000))
	case 3:
		return fmt.Sprintf(".%d", r.IntN(10))
	case 4:
		return fmt.Sprintf("%de%d", r.IntN(20), r.IntN(5)-2)
	case 5:
		return fmt.Sprintf("+%d.%d", r.IntN(10), r.IntN(100))
	case 6:
		return "0.10"
	case 7:
		return "-0"
	default:
		scale := r.IntN(4)
		s := fmt.Sprintf("%d", r.IntN(1000))
		if scale > 0 {
			s += "." + fmt.Sprintf("%0*d", scale, r.IntN(pow10(scale)))
		}
		return s
	}
}

func pow10(n int) int {
	p := 1
	for ; n > 0; n-- {
		p *= 10
	}
	return p
}

var keys = []string{"a", "b", "ab", "abc", "A", "b,c", `q"t`, "", "über", "abd"}

func csvValue(r *rand.Rand, numeric bool) string {
	if numeric && r.IntN(15) > 0 {
		v := number(r)
		if r.IntN(6) == 0 {
			return `"` + v + `"`
		}
		return v
	}
	switch r.IntN(6) {
	case 0:
		return `"` + strings.ReplaceAll(keys[r.IntN(len(keys))], `"`, `""`) + `"`
	case 1:
		return `"x, ""y"""`
	case 2:
		return ""
	case 3:
		return "12"
	default:
		k := keys[r.IntN(len(keys))]
		if strings.ContainsAny(k, `,"`) {
			return `"` + strings.ReplaceAll(k, `"`, `""`) + `"`
		}
		return k
	}
}

// CSV columns: k (key), n (numbers), m (numbers), s (strings), "x,y" (quoted name).
func genCSV(r *rand.Rand) []reference.Input {
	var ins []reference.Input
	for i := r.IntN(3); i >= 0; i-- {
		cols := []string{"k", "n", "m", "s", `"x""y"`}
		r.Shuffle(len(cols), func(a, b int) { cols[a], cols[b] = cols[b], cols[a] })
		lines := []string{strings.Join(cols, ",")}
		for n := r.IntN(60); n > 0; n-- {
			switch r.IntN(30) {
			case 0:
				lines = append(lines, `a,"unterminated,1,2,3`)
				continue
			case 1:
				lines = append(lines, "a,1,2")
				continue
			case 2:
				lines = append(lines, "")
				continue
			case 3:
				lines = append(lines, `a,b"c,1,2,3`)
				continue
			case 4:
				lines = append(lines, `"a"b,1,2,3,4`)
				continue
			}
			vals := make([]string, len(cols))
			for c, name := range cols {
				vals[c] = csvValue(r, name == "n" || name == "m")
			}
			lines = append(lines, strings.Join(vals, ","))
		}
		ins = append(ins, reference.Input{Source: fmt.Sprintf("t%d.csv", len(ins)), Data: joinLines(r, lines)})
	}
	return ins
}

func jsonValue(r *rand.Rand, numeric bool) string {
	if numeric && r.IntN(12) > 0 {
		switch r.IntN(6) {
		case 0:
			return `"` + number(r) + `"`
		case 1:
			return "1.5e2"
		case 2:
			return "-0.25"
		default:
			return fmt.Sprintf("%d.%d", r.IntN(100), r.IntN(100))
		}
	}
	switch r.IntN(12) {
	case 0:
		return "null"
	case 1:
		return "true"
	case 2:
		return `{"z": [1, 2], "w": "v"}`
	case 3:
		return `[ ]`
	case 4:
		return `"tab\there \"q\" \u00fc \ud83d\ude00 \ud800 x,y"`
	case 5:
		return `"line\nbreak"`
	case 6:
		return "12"
	default:
		k := keys[r.IntN(len(keys))]
		return `"` + strings.ReplaceAll(k, `"`, `\"`) + `"`
	}
}

func genJSONL(r *rand.Rand) []reference.Input {
	var ins []reference.Input
	for i := r.IntN(3); i >= 0; i-- {
		var lines []string
		for n := r.IntN(60); n > 0; n-- {
			switch r.IntN(30) {
			case 0:
				lines = append(lines, `{"k": "a", "n": 1`)
				continue
			case 1:
				lines = append(lines, "  ")
				continue
			case 2:
				lines = append(lines, `[1,2]`)
				continue
			case 3:
				lines = append(lines, `{"k":"a","n":01}`)
				continue
			}
			var members []string
			for _, name := range []string{"k", "n", "m", "s", "x\\\"y", "k"} {
				if r.IntN(8) == 0 {
					continue // missing (or, for the last "k", no duplicate)
				}
				key := `"` + name + `"`
				if name == "s" && r.IntN(3) == 0 {
					key = `"\u0073"` // an escaped key
				}
				members = append(members, key+": "+jsonValue(r, name == "n" || name == "m"))
			}
			r.Shuffle(len(members), func(a, b int) { members[a], members[b] = members[b], members[a] })
			lines = append(lines, " {"+strings.Join(members, ", ")+"} ")
		}
		ins = append(ins, reference.Input{Source: fmt.Sprintf("t%d.jsonl", len(ins)), Data: joinLines(r, lines)})
	}
	return ins
}

type propCase struct {
	name string
	job  string
	p    jobs.Params
	gen  func(*rand.Rand) []reference.Input
}

// grepPatterns exercise the prefilters: literal prefixes, required literals
// (anchored or not, in alternations and repeats) and patterns without either.
var grepPatterns = []string{
	"(?m)^al", "a+b", "(be){1,}ta", "(?:ab)*c", "x{0,2}y", "über|\\x{FFFD}", "\\x{FFFD}",
	"^(alpha|Beta)\\b", "ta$", "a.?b|q9", "\\v|\\f", "^$", "^", "(?i)ü", "[ab]c|^Q", "beta|gamma|delta",
}

func propCases() []propCase {
	var grepCases []propCase
	for _, pat := range grepPatterns {
		grepCases = append(grepCases, propCase{"grep " + pat, "grep", jobs.Params{"pattern": pat}, genText})
	}
	return append(grepCases, []propCase{
		{"wordcount", "wordcount", jobs.Params{}, genText},
		{"grep literal", "grep", jobs.Params{"pattern": "beta"}, genText},
		{"grep anchored", "grep", jobs.Params{"pattern": "^a|x$"}, genText},
		{"grep folded", "grep", jobs.Params{"pattern": "(?i)gamma\\s"}, genText},
		{"grep literal prefix", "grep", jobs.Params{"pattern": "ab[c-]"}, genText},
		{"search", "search", jobs.Params{"query": "beta X a-b ab BETA", "k": "7"}, genText},
		{"search k1", "search", jobs.Params{"query": "q9 über", "k": "1"}, genText},
		{"select csv numeric", "select", jobs.Params{"where": "n >= 5.5", "columns": "k,n,s,x\"y", "format": "csv"}, genCSV},
		{"select csv string", "select", jobs.Params{"where": "k != 'ab'", "columns": "s,k"}, genCSV},
		{"select csv all", "select", jobs.Params{"columns": "m,m"}, genCSV},
		{"select jsonl", "select", jobs.Params{"where": `n < "50"`, "columns": "k,s,x\"y,m", "format": "jsonl"}, genJSONL},
		{"select jsonl eq", "select", jobs.Params{"where": "k == a", "columns": "s,n", "format": "jsonl"}, genJSONL},
		{"groupby csv", "groupby", jobs.Params{"key": "k", "agg": "count:n,sum:n,min:m,max:n,avg:m,sum:m", "format": "csv"}, genCSV},
		{"groupby csv prefix", "groupby", jobs.Params{"key": "s:1", "agg": "avg:n,count:*"}, genCSV},
		{"groupby jsonl", "groupby", jobs.Params{"key": "k", "agg": "sum:n,max:m,min:n,avg:n", "format": "jsonl"}, genJSONL},
		{"groupby jsonl nested key", "groupby", jobs.Params{"key": "s:3", "agg": "count:k", "format": "jsonl"}, genJSONL},
		// one sum or avg (beside counts) keeps its state in the table's entry
		{"groupby csv one sum", "groupby", jobs.Params{"key": "k", "agg": "sum:n"}, genCSV},
		{"groupby csv one avg", "groupby", jobs.Params{"key": "s:2", "agg": "count:*,avg:m,count:n"}, genCSV},
	}...)
}

// TestMatchesReference: whatever the chunking and merge tree, every job's
// output equals the reference byte for byte, and the counts agree.
func TestMatchesReference(t *testing.T) {
	for ci, c := range propCases() {
		t.Run(c.name, func(t *testing.T) {
			spill := jobs.SpillEveryOther(t)
			for iter := 0; iter < 60; iter++ {
				spill(iter) // every other iteration the combiners spill every few records
				r := rand.New(rand.NewPCG(uint64(ci), uint64(iter)))
				inputs := c.gen(r)
				want, err := reference.RunResult(c.job, c.p, inputs)
				if err != nil {
					t.Fatalf("iter %d: reference: %v", iter, err)
				}
				got, st, err := runChunked(r, c.job, c.p, inputs)
				if err != nil {
					t.Fatalf("iter %d: %v", iter, err)
				}
				if !bytes.Equal(got, want.Output) {
					t.Fatalf("iter %d: output differs\n got: %q\nwant: %q\ninputs: %q", iter, got, want.Output, inputs)
				}
				if st.RecordsIn != want.RecordsIn || st.Skipped != want.Skipped {
					t.Fatalf("iter %d: records in %d skipped %d, reference %d and %d", iter, st.RecordsIn, st.Skipped, want.RecordsIn, want.Skipped)
				}
				for k, v := range want.SkipReasons {
					if st.SkipReason[k] != v {
						t.Fatalf("iter %d: skip reasons %v, reference %v", iter, st.SkipReason, want.SkipReasons)
					}
				}
				// Strict: a failure exactly when the reference finds a malformed record.
				sp := jobs.Params{"strict": "true"}
				for k, v := range c.p {
					sp[k] = v
				}
				_, refErr := reference.RunResult(c.job, sp, inputs)
				_, _, err = runChunked(r, c.job, sp, inputs)
				var re *jobs.RecordError
				if (refErr != nil) != (err != nil) || (err != nil && !errors.As(err, &re)) {
					t.Fatalf("iter %d: strict: error %v, reference %v", iter, err, refErr)
				}
			}
		})
	}
}

// feeder returns a feeder of a new mapper of j, strict as p says; tb may be
// nil where a failure is returned instead.
func feeder(tb testing.TB, j jobs.Job, p jobs.Params) *feed.Feeder {
	strict, _ := jobs.ParseStrict(p)
	f, err := feed.New(j, strict)
	if err != nil {
		if tb == nil {
			panic(err)
		}
		tb.Fatal(err)
	}
	return f
}

// TestGroupbyManyGroups: with tens of thousands of groups, most rows
// beginning one (so the mapper sizes its table at once from a sample, then
// fills it past what the sample saw), under the default combine budget and
// under one that spills a few times, groupby's output over three inputs (one
// mapper each) equals the reference's byte for byte. Keys of 3 to 34 bytes
// (past the 16 an entry holds in its words), numbers of every scale and some
// of more than 18 digits.
func TestGroupbyManyGroups(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 1))
	var inputs []reference.Input
	for in := 0; in < 3; in++ {
		var csv strings.Builder
		csv.WriteString("k,n,m\n")
		for i := 0; i < 15000; i++ {
			k := fmt.Sprintf("%x", r.Uint64N(1<<uint(16+r.IntN(40))))
			if r.IntN(4) == 0 {
				k = "key-of-more-than-16:" + k
			}
			fmt.Fprintf(&csv, "%s,%s,%s\n", k, number(r), number(r))
		}
		inputs = append(inputs, reference.Input{Source: fmt.Sprintf("many%d.csv", in), Data: []byte(csv.String())})
	}
	p := jobs.Params{"key": "k:24", "agg": "sum:n,count:*,min:m,max:n,avg:m"}
	want, err := reference.RunResult("groupby", p, inputs)
	if err != nil {
		t.Fatal(err)
	}
	j, err := jobs.New("groupby", p)
	if err != nil {
		t.Fatal(err)
	}
	for _, budget := range []int64{0, 4 << 20} {
		if budget > 0 {
			t.Cleanup(jobs.SetCombineBudget(budget))
		}
		var partials [][]byte
		var in int64
		for ord, input := range inputs {
			f := feeder(t, j, p)
			if err := f.Object(jobs.Part{Source: input.Source, Ordinal: ord}, input.Data); err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			st, err := f.Finish(&buf)
			if err != nil {
				t.Fatal(err)
			}
			in += st.RecordsIn
			partials = append(partials, buf.Bytes())
		}
		var out bytes.Buffer
		st, err := j.Output(&out, readers(partials))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), want.Output) {
			t.Fatalf("budget %d: output differs from the reference (%d bytes, want %d)", budget, out.Len(), len(want.Output))
		}
		if in != want.RecordsIn || st.RecordsOut < 30000 {
			t.Fatalf("budget %d: %d records in (reference %d), %d groups out: want tens of thousands", budget, in, want.RecordsIn, st.RecordsOut)
		}
	}
}

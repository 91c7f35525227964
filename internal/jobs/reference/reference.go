package reference

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/scattergather/scattergather/internal/jobs"
)

// Input is one whole input object.
type Input struct {
	Source string
	Data   []byte
}

// Result is the output of a reference run and its counts.
type Result struct {
	Output      []byte
	RecordsIn   int64
	Skipped     int64
	SkipReasons map[string]int64
}

// Run runs job over inputs (in input order) and returns its exact output.
func Run(job string, p jobs.Params, inputs []Input) ([]byte, error) {
	r, err := RunResult(job, p, inputs)
	return r.Output, err
}

// RunResult is Run with the counts of data records and skipped records.
func RunResult(job string, p jobs.Params, inputs []Input) (Result, error) {
	r := &runner{p: p, inputs: inputs, res: Result{SkipReasons: map[string]int64{}}}
	switch p["strict"] {
	case "", "false":
	case "true":
		r.strict = true
	default:
		return Result{}, fmt.Errorf("bad strict %q", p["strict"])
	}
	var err error
	switch job {
	case "wordcount":
		err = r.wordcount()
	case "grep":
		err = r.grep()
	case "select":
		err = r.selectJob()
	case "groupby":
		err = r.groupby()
	case "search":
		err = r.search()
	default:
		err = fmt.Errorf("unknown job %q", job)
	}
	if err != nil {
		return Result{}, err
	}
	return r.res, nil
}

type runner struct {
	p      jobs.Params
	inputs []Input
	strict bool
	res    Result
	out    bytes.Buffer
}

// line is one record: its text without "\n" and its byte offset.
type line struct {
	text   string
	offset int64
}

// lines splits data into "\n"-terminated lines; a last line without "\n" counts.
func lines(data []byte) []line {
	var out []line
	s := string(data)
	var off int64
	for len(s) > 0 {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, line{s, off})
			break
		}
		out = append(out, line{s[:i], off})
		s = s[i+1:]
		off += int64(i) + 1
	}
	return out
}

// malformed skips a record, or fails under strict.
func (r *runner) malformed(src string, off int64, reason string) error {
	if r.strict {
		return fmt.Errorf("malformed record in %s at byte %d: %s", src, off, reason)
	}
	r.res.Skipped++
	r.res.SkipReasons[reason]++
	return nil
}

func (r *runner) finish() { r.res.Output = r.out.Bytes() }

func isSpace(c rune) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func (r *runner) wordcount() error {
	counts := map[string]int{}
	for _, in := range r.inputs {
		for _, l := range lines(in.Data) {
			r.res.RecordsIn++
			for _, w := range bytes.FieldsFunc([]byte(l.text), isSpace) {
				counts[string(w)]++
			}
		}
	}
	words := slices.Sorted(maps.Keys(counts))
	for _, w := range words {
		fmt.Fprintf(&r.out, "%s\t%d\n", w, counts[w])
	}
	r.finish()
	return nil
}

func (r *runner) grep() error {
	re, err := regexp.Compile(r.p["pattern"])
	if err != nil {
		return err
	}
	for _, in := range r.inputs {
		for _, l := range lines(in.Data) {
			r.res.RecordsIn++
			if re.MatchString(strings.TrimSuffix(l.text, "\r")) {
				r.out.WriteString(l.text + "\n")
			}
		}
	}
	r.finish()
	return nil
}

// csvField quotes a value for CSV output when it holds , " \r or \n.
func csvField(s string) string {
	if strings.ContainsAny(s, ",\"\r\n") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// value is one column of a row: its text, how it is written in CSV output,
// and whether it is present at all (a JSON member may be missing).
type value struct {
	text    string
	out     string
	present bool
}

// row is a parsed data record, by column name.
type row func(col string) value

// rows calls fn for every data record of every input, parsed as CSV with a
// header or as JSON Lines; malformed records are skipped (or fail under
// strict), including those fn finds malformed by returning a reason.
func (r *runner) rows(jsonl bool, cols []string, fn func(rw row) string) error {
	for _, in := range r.inputs {
		ls := lines(in.Data)
		if !jsonl {
			ls = csvRecords(in.Data)
			if len(ls) == 0 {
				continue
			}
			header, _, err := parseCSV(strings.TrimPrefix(ls[0].text, "\ufeff"))
			if err != nil {
				return fmt.Errorf("CSV header of %s: %w", in.Source, err)
			}
			pos := map[string]int{}
			for i, name := range header {
				if _, dup := pos[name]; !dup {
					pos[name] = i
				}
			}
			for _, c := range cols {
				if _, ok := pos[c]; !ok {
					return fmt.Errorf("column %q is not in the CSV header of %s", c, in.Source)
				}
			}
			for _, l := range ls[1:] {
				if strings.TrimSuffix(l.text, "\r") == "" {
					continue
				}
				r.res.RecordsIn++
				rec, raw, err := parseCSV(l.text)
				if err != nil {
					if err := r.malformed(in.Source, l.offset, "csv: bad quoting"); err != nil {
						return err
					}
					continue
				}
				if len(rec) != len(header) {
					if err := r.malformed(in.Source, l.offset, "csv: field count"); err != nil {
						return err
					}
					continue
				}
				reason := fn(func(col string) value {
					i := pos[col]
					return value{text: rec[i], out: raw[i], present: true}
				})
				if reason != "" {
					if err := r.malformed(in.Source, l.offset, reason); err != nil {
						return err
					}
				}
			}
			continue
		}
		for _, l := range ls {
			if strings.TrimLeft(l.text, " \t\r") == "" {
				continue
			}
			r.res.RecordsIn++
			obj, reason := parseJSON(l.text)
			if reason != "" {
				if err := r.malformed(in.Source, l.offset, reason); err != nil {
					return err
				}
				continue
			}
			reason = fn(func(col string) value {
				return obj[col] // the zero value: not present
			})
			if reason != "" {
				if err := r.malformed(in.Source, l.offset, reason); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// csvRecords splits CSV text into records: a record ends at a "\n" outside
// quotes. A quote opens a quoted field at a field's start; inside one, ""
// is a quote and a quote before ",", "\n" or "\r\n" closes it; any other
// quote is bad quoting, and the record then ends at the end of its line.
func csvRecords(data []byte) []line {
	s := string(data)
	var out []line
	for start := 0; start < len(s); {
		end := recordEnd(s, start)
		out = append(out, line{s[start:end], int64(start)})
		start = end + 1
	}
	return out
}

// recordEnd is the index of the "\n" that ends the record starting at i,
// or len(s).
func recordEnd(s string, i int) int {
	toLineEnd := func(j int) int {
		if k := strings.IndexByte(s[j:], '\n'); k >= 0 {
			return j + k
		}
		return len(s)
	}
	atField := true
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\n':
			return i
		case c == '"' && atField:
			j := i + 1
			for {
				k := strings.IndexByte(s[j:], '"')
				if k < 0 {
					return len(s) // never closed
				}
				j += k + 1
				if j < len(s) && s[j] == '"' {
					j++
					continue
				}
				break
			}
			switch {
			case j == len(s):
				return j
			case s[j] == ',':
				i = j // the loop's i++ passes the comma
				atField = true
				continue
			case s[j] == '\n':
				return j
			case s[j] == '\r' && j+1 < len(s) && s[j+1] == '\n':
				return j + 1
			}
			return toLineEnd(j)
		case c == '"':
			return toLineEnd(i)
		default:
			atField = c == ','
		}
	}
	return len(s)
}

// parseCSV reads one record (its "\r" before "\n" included) and returns the
// decoded fields and each field's raw bytes; encoding/csv decides whether
// it is well formed. A blank record is one empty field.
func parseCSV(text string) (fields, raw []string, err error) {
	body := strings.TrimSuffix(text, "\r")
	if body == "" {
		return []string{""}, []string{""}, nil
	}
	cr := csv.NewReader(strings.NewReader(text + "\n"))
	cr.FieldsPerRecord = -1
	rec, err := cr.Read()
	if err != nil {
		return nil, nil, err
	}
	if _, err := cr.Read(); !errors.Is(err, io.EOF) {
		return nil, nil, fmt.Errorf("more than one record on a line")
	}
	inQuotes, start := false, 0
	for i := 0; i <= len(body); i++ {
		if i == len(body) || (body[i] == ',' && !inQuotes) {
			raw = append(raw, body[start:i])
			start = i + 1
		} else if body[i] == '"' {
			inQuotes = !inQuotes
		}
	}
	if len(raw) != len(rec) {
		return nil, nil, fmt.Errorf("%d raw fields, %d decoded", len(raw), len(rec))
	}
	fields = make([]string, len(raw))
	for i, r := range raw {
		fields[i] = r
		if strings.HasPrefix(r, `"`) { // kept as written: encoding/csv would read "\r\n" inside as "\n"
			fields[i] = strings.ReplaceAll(r[1:len(r)-1], `""`, `"`)
		}
	}
	return fields, raw, nil
}

// parseJSON decodes one JSON Lines record into its top-level members.
func parseJSON(text string) (map[string]value, string) {
	if !json.Valid([]byte(text)) {
		return nil, "json: syntax"
	}
	if !strings.HasPrefix(strings.TrimLeft(text, " \t\r\n"), "{") {
		return nil, "json: not an object"
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		return nil, "json: syntax"
	}
	obj := make(map[string]value, len(m))
	for k, raw := range m {
		v := value{text: string(raw), out: string(raw), present: true}
		switch raw[0] {
		case '"':
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return nil, "json: syntax"
			}
			v.text, v.out = s, csvField(s)
		case '{', '[':
			v.out = csvField(v.text)
		}
		obj[k] = v
	}
	return obj, ""
}

// numberRE is the text DuckDB casts to a number, once the whitespace around
// it is trimmed: a point may end the digits ("5."), and a single underscore
// may stand between two digits ("1_000").
var numberRE = regexp.MustCompile(`^[+-]?([0-9](_?[0-9])*(\.([0-9](_?[0-9])*)?)?|\.[0-9](_?[0-9])*)([eE]([+-]?)([0-9](_?[0-9])*))?$`)

// number parses an exact decimal as DuckDB casts text to one; the second
// result is its scale, the number of decimal places it denotes (never
// negative).
func number(s string) (*big.Rat, int, bool) {
	s = strings.TrimFunc(s, isSpace)
	m := numberRE.FindStringSubmatch(s)
	if m == nil {
		return nil, 0, false
	}
	s = strings.ReplaceAll(s, "_", "")
	exp := 0
	if m[9] != "" {
		digits := strings.TrimLeft(strings.ReplaceAll(m[9], "_", ""), "0")
		if len(digits) > 4 {
			return nil, 0, false
		}
		exp, _ = strconv.Atoi("0" + digits)
		if exp > 1000 {
			return nil, 0, false
		}
		if m[8] == "-" {
			exp = -exp
		}
	}
	if i := strings.IndexByte(s, '.'); i >= 0 && (i+1 == len(s) || s[i+1] < '0' || s[i+1] > '9') {
		s = s[:i] + s[i+1:] // "5." is 5
	}
	mant := s
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant = s[:i]
	}
	frac := 0
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		frac = len(mant) - i - 1
	}
	v, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, 0, false
	}
	return v, max(0, frac-exp), true
}

// compare applies op to a and b: numerically when both are numbers.
func compare(a, op, b string) bool {
	var c int
	x, _, okx := number(a)
	y, _, oky := number(b)
	if okx && oky {
		c = x.Cmp(y)
	} else {
		c = strings.Compare(a, b)
	}
	switch op {
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case "==":
		return c == 0
	case "!=":
		return c != 0
	}
	panic("operator " + op)
}

var whereRE = regexp.MustCompile(`(?s)^([^<>=!]*)(>=|<=|==|!=|>|<)(.*)$`)

func splitList(s string) []string {
	var out []string
	for _, c := range strings.Split(s, ",") {
		out = append(out, strings.TrimSpace(c))
	}
	return out
}

func (r *runner) selectJob() error {
	jsonl := r.p["format"] == "jsonl"
	cols := splitList(r.p["columns"])
	need := append([]string{}, cols...)
	var wcol, wop, wval string
	if w := r.p["where"]; w != "" {
		m := whereRE.FindStringSubmatch(w)
		if m == nil || strings.TrimSpace(m[1]) == "" {
			return fmt.Errorf("bad where %q", w)
		}
		wcol, wop, wval = strings.TrimSpace(m[1]), m[2], strings.TrimSpace(m[3])
		if len(wval) >= 2 && (wval[0] == '\'' || wval[0] == '"') && wval[len(wval)-1] == wval[0] {
			wval = wval[1 : len(wval)-1]
		}
		need = append(need, wcol)
	}
	var header []string
	for _, c := range cols {
		header = append(header, csvField(c))
	}
	r.out.WriteString(strings.Join(header, ",") + "\n")
	err := r.rows(jsonl, need, func(rw row) string {
		if wcol != "" {
			v := rw(wcol)
			if !v.present || !compare(v.text, wop, wval) {
				return ""
			}
		}
		out := make([]string, len(cols))
		for i, c := range cols {
			out[i] = rw(c).out
		}
		r.out.WriteString(strings.Join(out, ",") + "\n")
		return ""
	})
	if err != nil {
		return err
	}
	r.finish()
	return nil
}

type agg struct{ fn, col string }

type aggState struct {
	sum      *big.Rat
	scale    int
	best     *big.Rat
	bestText string
}

type groupState struct {
	count int64
	aggs  []aggState
}

func (r *runner) groupby() error {
	jsonl := r.p["format"] == "jsonl"
	keySpec := strings.TrimSpace(r.p["key"])
	keyCol, keyLen := keySpec, 0
	if i := strings.LastIndexByte(keySpec, ':'); i >= 0 {
		n, err := strconv.Atoi(strings.TrimSpace(keySpec[i+1:]))
		if err != nil || n < 1 {
			return fmt.Errorf("bad key %q", keySpec)
		}
		keyCol, keyLen = strings.TrimSpace(keySpec[:i]), n
	}
	var aggs []agg
	need := []string{keyCol}
	for _, a := range splitList(r.p["agg"]) {
		fn, col, ok := strings.Cut(a, ":")
		if !ok {
			return fmt.Errorf("bad agg %q", a)
		}
		aggs = append(aggs, agg{strings.TrimSpace(fn), strings.TrimSpace(col)})
		if col := strings.TrimSpace(col); col != "*" {
			need = append(need, col)
		}
	}
	groups := map[string]*groupState{}
	err := r.rows(jsonl, need, func(rw row) string {
		vals := make([]*big.Rat, len(aggs))
		scales := make([]int, len(aggs))
		texts := make([]string, len(aggs))
		for i, a := range aggs {
			if a.fn == "count" {
				continue
			}
			v := rw(a.col)
			n, sc, ok := number(v.text)
			if !ok {
				return "groupby: non-numeric " + a.fn + ":" + a.col
			}
			vals[i], scales[i], texts[i] = n, sc, strings.TrimFunc(v.text, isSpace)
		}
		key := rw(keyCol).text
		if keyLen > 0 && len(key) > keyLen {
			key = key[:keyLen]
		}
		g := groups[key]
		if g == nil {
			g = &groupState{aggs: make([]aggState, len(aggs))}
			groups[key] = g
		}
		g.count++
		for i, a := range aggs {
			s := &g.aggs[i]
			switch a.fn {
			case "sum", "avg":
				if s.sum == nil {
					s.sum = new(big.Rat)
				}
				s.sum.Add(s.sum, vals[i])
				s.scale = max(s.scale, scales[i])
			case "min":
				if s.best == nil || vals[i].Cmp(s.best) < 0 {
					s.best, s.bestText = vals[i], texts[i]
				}
			case "max":
				if s.best == nil || vals[i].Cmp(s.best) > 0 {
					s.best, s.bestText = vals[i], texts[i]
				}
			}
		}
		return ""
	})
	if err != nil {
		return err
	}
	return r.groupOutput(aggs, groups)
}

func (r *runner) groupOutput(aggs []agg, groups map[string]*groupState) error {
	head := []string{"key"}
	for _, a := range aggs {
		head = append(head, csvField(a.fn+"_"+a.col))
	}
	r.out.WriteString(strings.Join(head, ",") + "\n")
	keys := slices.Sorted(maps.Keys(groups))
	for _, k := range keys {
		g := groups[k]
		fields := []string{csvField(k)}
		for i, a := range aggs {
			s := g.aggs[i]
			switch a.fn {
			case "count":
				fields = append(fields, strconv.FormatInt(g.count, 10))
			case "sum":
				fields = append(fields, s.sum.FloatString(s.scale))
			case "avg":
				fields = append(fields, average(s.sum, g.count))
			default:
				fields = append(fields, s.bestText)
			}
		}
		r.out.WriteString(strings.Join(fields, ",") + "\n")
	}
	r.finish()
	return nil
}

// average is sum/count rounded half to even to 6 places, trailing zeros and
// a trailing "." removed.
func average(sum *big.Rat, count int64) string {
	x := new(big.Rat).Quo(sum, new(big.Rat).SetInt64(count))
	x.Mul(x, new(big.Rat).SetInt64(1_000_000))
	num, den := new(big.Int).Abs(x.Num()), x.Denom()
	q, rem := new(big.Int).QuoRem(num, den, new(big.Int))
	twice := new(big.Int).Mul(rem, big.NewInt(2))
	if c := twice.Cmp(den); c > 0 || (c == 0 && q.Bit(0) == 1) {
		q.Add(q, big.NewInt(1))
	}
	digits := q.String()
	for len(digits) < 7 {
		digits = "0" + digits
	}
	s := digits[:len(digits)-6] + "." + digits[len(digits)-6:]
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if x.Sign() < 0 && q.Sign() != 0 {
		s = "-" + s
	}
	return s
}

func (r *runner) search() error {
	k := 10
	if v := r.p["k"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("bad k %q", v)
		}
		k = n
	}
	seen := map[string]bool{}
	var terms []string
	for _, t := range strings.FieldsFunc(r.p["query"], isSpace) {
		t = lower(t)
		if !seen[t] {
			seen[t] = true
			terms = append(terms, t)
		}
	}
	if len(terms) == 0 {
		return fmt.Errorf("no terms")
	}
	type hit struct {
		score int
		src   string
		off   int64
		text  string
	}
	var hits []hit
	for _, in := range r.inputs {
		for _, l := range lines(in.Data) {
			r.res.RecordsIn++
			low := lower(l.text)
			score := 0
			for _, t := range terms {
				for i := 0; i+len(t) <= len(low); i++ {
					if low[i:i+len(t)] == t && (i == 0 || !wordByte(low[i-1])) && (i+len(t) == len(low) || !wordByte(low[i+len(t)])) {
						score++
					}
				}
			}
			if score > 0 {
				hits = append(hits, hit{score, in.Source, l.offset, l.text})
			}
		}
	}
	// hits are in input order; a stable sort by score keeps it for ties.
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].score > hits[j].score })
	if len(hits) > k {
		hits = hits[:k]
	}
	for _, h := range hits {
		fmt.Fprintf(&r.out, "%d\t%s:%d\t%s\n", h.score, h.src, h.off, h.text)
	}
	r.finish()
	return nil
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func wordByte(c byte) bool {
	return c == '_' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

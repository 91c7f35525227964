package jobs_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/jobs/decimal"
	"github.com/scattergather/scattergather/internal/jobs/jsonline"
	"github.com/scattergather/scattergather/record"
)

// FuzzJSONLine: jsonline accepts exactly what encoding/json accepts, and its
// members (last duplicate winning) and string texts are encoding/json's.
func FuzzJSONLine(f *testing.F) {
	for _, s := range []string{`{"a":1,"b":"x"}`, `{"a":{"b":[1,2,{"c":null}]},"a":true}`, `[1]`, `{"k":"\ud83d\ude00\ud800\u0041\"\\\/"}`,
		"{\"k\":\"\xff\xfe\"}", `{"a":-0.5e+10}`, `{"a":01}`, ` { } `, `{"\u0061":"x"}`, `{"a":"b",}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		valid := json.Valid(line)
		if got := jsonline.Valid(line); got != valid {
			t.Fatalf("%q: Valid %v, encoding/json %v", line, got, valid)
		}
		members, err := jsonline.Members(nil, line)
		var m map[string]json.RawMessage
		isObject := valid && bytes.HasPrefix(bytes.TrimLeft(line, " \t\r\n"), []byte("{"))
		switch {
		case !valid:
			if !errors.Is(err, jsonline.ErrSyntax) {
				t.Fatalf("%q: error %v, want ErrSyntax", line, err)
			}
			return
		case !isObject:
			if !errors.Is(err, jsonline.ErrNotObject) {
				t.Fatalf("%q: error %v, want ErrNotObject", line, err)
			}
			return
		case err != nil:
			t.Fatalf("%q: %v", line, err)
		}
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("%q: encoding/json: %v", line, err)
		}
		got := map[string]string{}
		var scratch []byte
		for _, mb := range members {
			key := string(jsonline.AppendString(nil, mb.Key(line)))
			var text []byte
			text, scratch = mb.Text(line, scratch)
			got[key] = string(text)
			if ok, _ := mb.KeyEquals(line, key, nil); !ok {
				t.Fatalf("%q: KeyEquals(%q) is false", line, key)
			}
		}
		if len(got) != len(m) {
			t.Fatalf("%q: %d keys, encoding/json %d", line, len(got), len(m))
		}
		for k, raw := range m {
			want := string(raw)
			if raw[0] == '"' {
				var s string
				if err := json.Unmarshal(raw, &s); err != nil {
					t.Fatal(err)
				}
				want = s
			}
			if got[k] != want {
				t.Fatalf("%q: member %q = %q, encoding/json %q", line, k, got[k], want)
			}
		}
	})
}

var decimalRE = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]+)?|\.[0-9]+)([eE]([+-]?)([0-9]+))?$`)

// ratOf parses s by the decimal grammar with math/big, independently of Parse.
func ratOf(s string) (*big.Rat, int, bool) {
	m := decimalRE.FindStringSubmatch(s)
	if m == nil {
		return nil, 0, false
	}
	exp := 0
	if m[5] != "" {
		d := strings.TrimLeft(m[5], "0")
		if len(d) > 4 {
			return nil, 0, false
		}
		exp, _ = strconv.Atoi("0" + d)
		if exp > decimal.MaxExponent {
			return nil, 0, false
		}
		if m[4] == "-" {
			exp = -exp
		}
	}
	frac := 0
	if m[2] != "" {
		frac = len(m[2]) - 1
	} else if strings.HasPrefix(m[1], ".") {
		frac = len(m[1]) - 1
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, 0, false
	}
	return r, max(0, frac-exp), true
}

// FuzzDecimal: Parse, Cmp, Add, Append and AppendAvg agree with math/big.
func FuzzDecimal(f *testing.F) {
	for _, s := range [][2]string{{"1", "2.5"}, {"0.10", "0.20"}, {".5", "-1e3"}, {"99999999999999999999.5", "-1"}, {"1e1000", "1e-1000"},
		{"9223372036854775807", "9223372036854775807"}, {"-0", "+0.000"}, {"5.", "1e"}, {"1.5E-3", "007"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		da, oka := decimal.Parse([]byte(a))
		ra, sa, okr := ratOf(a)
		if oka != okr {
			t.Fatalf("Parse(%q) ok=%v, big.Rat ok=%v", a, oka, okr)
		}
		if !oka {
			return
		}
		if da.Scale() != sa {
			t.Fatalf("Parse(%q) scale %d, want %d", a, da.Scale(), sa)
		}
		if got := da.String(); got != ra.FloatString(sa) {
			t.Fatalf("Parse(%q) = %s, want %s", a, got, ra.FloatString(sa))
		}
		db, okb := decimal.Parse([]byte(b))
		rb, sb, _ := ratOf(b)
		if !okb {
			return
		}
		if got, want := decimal.Cmp(da, db), ra.Cmp(rb); got != want {
			t.Fatalf("Cmp(%s, %s) = %d, want %d", a, b, got, want)
		}
		sum := decimal.Add(da, db)
		want := new(big.Rat).Add(ra, rb).FloatString(max(sa, sb))
		if got := sum.String(); got != want {
			t.Fatalf("%s + %s = %s, want %s", a, b, got, want)
		}
		if len(want) < 400 {
			avg := string(decimal.AppendAvg(nil, sum, 3, 6))
			x := new(big.Rat).Quo(new(big.Rat).Add(ra, rb), big.NewRat(3, 1))
			diff := new(big.Rat).Sub(x, mustRat(t, avg))
			if diff.Abs(diff).Cmp(big.NewRat(1, 2_000_000)) > 0 {
				t.Fatalf("avg(%s)/3 = %s, too far from %s", want, avg, x.FloatString(8))
			}
		}
	})
}

func mustRat(t *testing.T, s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("bad number %q", s)
	}
	return r
}

// fuzzJobs are the jobs whose partial decoding FuzzPartial exercises.
var fuzzJobs = []struct {
	job string
	p   jobs.Params
}{
	{"wordcount", jobs.Params{}},
	{"grep", jobs.Params{"pattern": "a"}},
	{"select", jobs.Params{"columns": "k"}},
	{"groupby", jobs.Params{"key": "k", "agg": "sum:v,min:v,max:v,avg:v,count:*"}},
	{"search", jobs.Params{"query": "a b", "k": "3"}},
}

// FuzzPartial: decoding arbitrary bytes as a partial never panics, and when it
// succeeds, Output after Merge is Output.
func FuzzPartial(f *testing.F) {
	inputs := []string{"a b a\n", "k,v\nx,1.5\ny,-2\nx,3\n", "a\nb a\n"}
	for i, fj := range fuzzJobs {
		j, err := jobs.New(fj.job, fj.p)
		if err != nil {
			f.Fatal(err)
		}
		for _, in := range inputs {
			if j.Input().Format == record.CSV && !strings.HasPrefix(in, "k,v") {
				continue
			}
			f.Add(uint8(i), mapPartial(f, j, in))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		fj := fuzzJobs[int(which)%len(fuzzJobs)]
		j, err := jobs.New(fj.job, fj.p)
		if err != nil {
			t.Fatal(err)
		}
		var direct bytes.Buffer
		_, derr := j.Output(&direct, []io.Reader{bytes.NewReader(data)})
		var merged bytes.Buffer
		merr := j.Merge(&merged, []io.Reader{bytes.NewReader(data)})
		if (derr == nil) != (merr == nil) {
			t.Fatalf("Output error %v, Merge error %v", derr, merr)
		}
		if derr != nil {
			if !errors.Is(derr, jobs.ErrCorruptPartial) {
				t.Fatalf("error %v is not ErrCorruptPartial", derr)
			}
			return
		}
		var via bytes.Buffer
		if _, err := j.Output(&via, []io.Reader{&merged}); err != nil {
			t.Fatalf("Output of a merged partial: %v", err)
		}
		if !bytes.Equal(via.Bytes(), direct.Bytes()) {
			t.Fatalf("Output after Merge %q, Output %q", via.Bytes(), direct.Bytes())
		}
	})
}

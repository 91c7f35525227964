package jobs_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/jobs/reference"
)

// runSimple maps each input in one chunk and writes the output; it also checks
// that the reference agrees.
func runSimple(t *testing.T, job string, p jobs.Params, inputs []reference.Input) string {
	t.Helper()
	j, err := jobs.New(job, p)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	var partials [][]byte
	for ord, in := range inputs {
		m := feeder(t, j, p)
		if err := feedLines(m, jobs.Part{Source: in.Source, Ordinal: ord}, in.Data); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := m.Finish(&buf); err != nil {
			t.Fatalf("Finish: %v", err)
		}
		partials = append(partials, buf.Bytes())
	}
	var out bytes.Buffer
	if _, err := j.Output(&out, readers(partials)); err != nil {
		t.Fatalf("Output: %v", err)
	}
	want, err := reference.Run(job, p, inputs)
	if err != nil {
		t.Fatalf("reference: %v", err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("fast and reference differ:\n fast: %q\n  ref: %q", out.Bytes(), want)
	}
	return out.String()
}

func in(src, data string) reference.Input { return reference.Input{Source: src, Data: []byte(data)} }

func TestJobOutputs(t *testing.T) {
	visits := in("v.csv", "id,name,amount,\"odd\"\"name\"\r\n"+
		"1,\"Smith, J\",10.50,x\r\n"+
		"2,Lee,9,y\r\n"+
		"\r\n"+
		"3,\"Ng\",10.5,\"q\"\"\"\r\n"+
		"4,bad\"quote,1,z\r\n"+
		"5,short\r\n")
	jsonl := in("j.jsonl", `{"a":"x,y","b":1.50,"c":{"d": 1},"e":null,"f":"say \"hi\"","g":true}`+"\n"+
		"\n"+
		`{"a":"plain","b":"7","b":2}`+"\n"+
		`[1]`+"\n"+
		`{"a":`+"\n")
	cases := []struct {
		name   string
		job    string
		p      jobs.Params
		inputs []reference.Input
		want   string
	}{
		{"wordcount", "wordcount", nil, []reference.Input{in("a", "b a\tb\r\n\va  c\n"), in("b", "x\ry\fa\u00a0z")},
			"a\t2\na\u00a0z\t1\nb\t2\nc\t1\nx\t1\ny\t1\n"},
		{"wordcount empty", "wordcount", nil, []reference.Input{in("a", "\n\n \t\n")}, ""},
		{"grep crlf", "grep", jobs.Params{"pattern": "foo$"}, []reference.Input{in("a", "foo\r\nbar\nfoo bar\r")}, "foo\r\n"},
		{"grep keeps cr", "grep", jobs.Params{"pattern": "r$"}, []reference.Input{in("a", "foo\r\nbar\nfoo bar\r")}, "bar\nfoo bar\r\n"},
		{"grep input order", "grep", jobs.Params{"pattern": "o"}, []reference.Input{in("a", "one\ntwo"), in("b", "four\nsix\n")}, "one\ntwo\nfour\n"},
		{"select numeric", "select", jobs.Params{"where": "amount >= 10.5", "columns": "name,amount"}, []reference.Input{visits},
			"name,amount\n\"Smith, J\",10.50\n\"Ng\",10.5\n"},
		{"select string eq", "select", jobs.Params{"where": `name == "Lee"`, "columns": "amount,odd\"name,name,id"}, []reference.Input{visits},
			"amount,\"odd\"\"name\",name,id\n9,y,Lee,2\n"},
		{"select bytewise", "select", jobs.Params{"where": "name>M", "columns": "id"}, []reference.Input{visits},
			"id\n1\n3\n"},
		{"select raw fields", "select", jobs.Params{"columns": "odd\"name"}, []reference.Input{visits},
			"\"odd\"\"name\"\nx\ny\n\"q\"\"\"\n"},
		{"select header only", "select", jobs.Params{"where": "amount > 100", "columns": "id"}, []reference.Input{visits}, "id\n"},
		{"select jsonl values", "select", jobs.Params{"format": "jsonl", "columns": "a,b,c,e,f,g,missing"}, []reference.Input{jsonl},
			"a,b,c,e,f,g,missing\n\"x,y\",1.50,\"{\"\"d\"\": 1}\",null,\"say \"\"hi\"\"\",true,\nplain,2,,,,,\n"},
		{"select jsonl missing never matches", "select", jobs.Params{"format": "jsonl", "where": "e != 'zzz'", "columns": "a"}, []reference.Input{jsonl},
			"a\n\"x,y\"\n"},
		{"select jsonl numeric string", "select", jobs.Params{"format": "jsonl", "where": "b < 1.6", "columns": "a"}, []reference.Input{jsonl},
			"a\n\"x,y\"\n"},
		{"groupby", "groupby", jobs.Params{"key": "k", "agg": "sum:v,count:v,avg:v,min:v,max:v"},
			[]reference.Input{in("g.csv", "k,v\na,0.10\nb,1\na,0.20\nb,2.5\nc,x\n\"d,e\",-3\n")},
			"key,sum_v,count_v,avg_v,min_v,max_v\na,0.30,2,0.15,0.10,0.20\nb,3.5,2,1.75,1,2.5\n\"d,e\",-3,1,-3,-3,-3\n"},
		{"groupby numbers as duckdb reads them", "groupby", jobs.Params{"key": "k", "agg": "sum:v,count:v,min:v,max:v"},
			[]reference.Input{in("g.csv", "\ufeffk,v\na,  7\na,7 \na,5.\nb,.5\nb,+1e1\nb,1_000\nb,\t-2.5e-1\r\nc,1__0\nc,nan\nc,.\nc,e3\nc,\n")},
			"key,sum_v,count_v,min_v,max_v\na,19,3,5.,7\nb,1010.25,4,-2.5e-1,1_000\n"},
		{"select numbers as duckdb reads them", "select", jobs.Params{"where": "v > 6", "columns": "k"},
			[]reference.Input{in("g.csv", "\ufeffk,v\na,  7\nb,7 \nc,5.\nd,+1e1\ne,6_5\nf,x\n")},
			"k\na\nb\nd\ne\nf\n"}, // x > 6 byte-wise
		{"groupby first of equals", "groupby", jobs.Params{"key": "k", "agg": "min:v,max:v,sum:v"},
			[]reference.Input{in("g.csv", "k,v\na,1.0\na,1\na,1.00\na,1e0\n")},
			"key,min_v,max_v,sum_v\na,1.0,1.0,4.00\n"},
		{"groupby prefix key", "groupby", jobs.Params{"key": "ip:3", "agg": "count:*,avg:n"},
			[]reference.Input{in("g.csv", "ip,n\n10.1.2.3,1\n10.9.9.9,2\n1,4\n10.,2\n")},
			"key,count_*,avg_n\n1,1,4\n10.,3,1.666667\n"},
		{"groupby jsonl", "groupby", jobs.Params{"format": "jsonl", "key": "a", "agg": "sum:b"}, []reference.Input{jsonl},
			"key,sum_b\nplain,2\n\"x,y\",1.50\n"},
		{"groupby empty", "groupby", jobs.Params{"key": "k", "agg": "sum:v"}, []reference.Input{in("g.csv", "k,v\n")}, "key,sum_v\n"},
		{"search", "search", jobs.Params{"query": "Foo  bar foo", "k": "3"},
			[]reference.Input{in("f1", "foobar\nfoo foo bar\nFOO_x foo\n"), in("f2", "bar-foo\r\nxx\nBAR\n")},
			"3\tf1:7\tfoo foo bar\n2\tf2:0\tbar-foo\r\n1\tf1:19\tFOO_x foo\n"},
		{"search ties in input order", "search", jobs.Params{"query": "x", "k": "2"},
			[]reference.Input{in("b", "x\nx\n"), in("a", "x x\n")},
			"2\ta:0\tx x\n1\tb:0\tx\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := runSimple(t, c.job, c.p, c.inputs); got != c.want {
				t.Fatalf("output\n got: %q\nwant: %q", got, c.want)
			}
		})
	}
}

func TestStats(t *testing.T) {
	j, err := jobs.New("groupby", jobs.Params{"key": "k", "agg": "sum:v"})
	if err != nil {
		t.Fatal(err)
	}
	m := feeder(t, j, nil)
	data := "k,v\na,1\n\nb,x\na,\"2\nc,1,2\na,3\n"
	if err := feedLines(m, jobs.Part{Source: "s"}, []byte(data)); err != nil {
		t.Fatal(err)
	}
	st, err := m.Finish(io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"groupby: non-numeric sum:v": 1, "csv: bad quoting": 1, "csv: field count": 1}
	if st.RecordsIn != 5 || st.RecordsOut != 1 || st.Skipped != 3 || len(st.SkipReason) != len(want) {
		t.Fatalf("stats %+v, want 5 in, 1 out, 3 skipped %v", st, want)
	}
	for k, v := range want {
		if st.SkipReason[k] != v {
			t.Fatalf("skip reasons %v, want %v", st.SkipReason, want)
		}
	}
	if ex := st.SkipExamples["groupby: non-numeric sum:v"]; !strings.HasPrefix(ex, "s at byte ") || !strings.HasSuffix(ex, `: column v: "x" is not a number`) {
		t.Fatalf("the non-numeric skip's example is %q, want the source, the byte offset, the column and the value", ex)
	}
}

func TestStrict(t *testing.T) {
	cases := []struct {
		name   string
		job    string
		p      jobs.Params
		data   string
		offset int64
		reason string
	}{
		{"csv quoting", "select", jobs.Params{"columns": "a"}, "a,b\n1,2\n\"x,3\n", 8, "csv: bad quoting"},
		{"csv fields", "select", jobs.Params{"columns": "a"}, "a,b\n1,2,3\n", 4, "csv: field count"},
		{"json", "select", jobs.Params{"columns": "a", "format": "jsonl"}, "{\"a\":1}\n{nope}\n", 8, "json: syntax"},
		{"json not object", "groupby", jobs.Params{"key": "a", "agg": "count:a", "format": "jsonl"}, "\n[]\n", 1, "json: not an object"},
		{"non-numeric", "groupby", jobs.Params{"key": "a", "agg": "count:a,max:b"}, "a,b\nx,1\ny,z\n", 8, "groupby: non-numeric max:b"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := jobs.Params{"strict": "true"}
			for k, v := range c.p {
				p[k] = v
			}
			j, err := jobs.New(c.job, p)
			if err != nil {
				t.Fatal(err)
			}
			got := feedLines(feeder(t, j, p), jobs.Part{Source: "src"}, []byte(c.data))
			var re *jobs.RecordError
			if !errors.As(got, &re) || re.Offset != c.offset || re.Reason != c.reason {
				t.Fatalf("error %#v, want RecordError at %d: %s", got, c.offset, c.reason)
			}
		})
	}
}

func TestMissingColumn(t *testing.T) {
	cases := []struct {
		name string
		p    jobs.Params
		job  string
	}{
		{"select column", jobs.Params{"columns": "a,nope"}, "select"},
		{"select where", jobs.Params{"columns": "a", "where": "nope > 1"}, "select"},
		{"groupby key", jobs.Params{"key": "nope:2", "agg": "count:a"}, "groupby"},
		{"groupby agg", jobs.Params{"key": "a", "agg": "count:*,sum:nope"}, "groupby"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j, err := jobs.New(c.job, c.p)
			if err != nil {
				t.Fatal(err)
			}
			err = feeder(t, j, nil).StartPart(jobs.Part{Source: "data/x.csv"}, []byte("a,b"))
			if err == nil || !strings.Contains(err.Error(), "data/x.csv") || !strings.Contains(err.Error(), `"nope"`) {
				t.Fatalf("error %v, want one naming data/x.csv and \"nope\"", err)
			}
			if _, err := reference.Run(c.job, c.p, []reference.Input{in("data/x.csv", "a,b\n1,2\n")}); err == nil {
				t.Fatal("reference accepts a missing column")
			}
		})
	}
	j, _ := jobs.New("select", jobs.Params{"columns": "a"})
	if err := feeder(t, j, nil).StartPart(jobs.Part{Source: "h.csv"}, []byte(`"a,b`)); err == nil || !strings.Contains(err.Error(), "h.csv") {
		t.Fatalf("bad header: error %v, want one naming h.csv", err)
	}
}

func TestNew(t *testing.T) {
	cases := []struct {
		name string
		job  string
		p    jobs.Params
		want string // substring of the error; empty for success
	}{
		{"wordcount", "wordcount", nil, ""},
		{"unknown job", "nope", nil, `unknown job "nope"`},
		{"unknown param", "wordcount", jobs.Params{"pattern": "x"}, "unknown parameter --pattern"},
		{"bad strict", "wordcount", jobs.Params{"strict": "yes"}, "--strict"},
		{"strict true", "grep", jobs.Params{"pattern": "x", "strict": "true"}, ""},
		{"grep missing pattern", "grep", nil, "missing --pattern"},
		{"grep bad pattern", "grep", jobs.Params{"pattern": "a("}, "pattern"},
		{"select", "select", jobs.Params{"columns": "a", "where": "b <= '3'"}, ""},
		{"select no where", "select", jobs.Params{"columns": "a"}, ""},
		{"select missing columns", "select", jobs.Params{"where": "a > 1"}, "missing --columns"},
		{"select empty column", "select", jobs.Params{"columns": "a,,b"}, "empty column"},
		{"select bad format", "select", jobs.Params{"columns": "a", "format": "xml"}, "--format"},
		{"select no operator", "select", jobs.Params{"columns": "a", "where": "a 1"}, "want 'COLUMN OP VALUE'"},
		{"select single equals is SQL", "select", jobs.Params{"columns": "a", "where": "a = 1"}, ""},
		{"select bang", "select", jobs.Params{"columns": "a", "where": "a ! 1"}, "unknown operator"},
		{"select no column", "select", jobs.Params{"columns": "a", "where": " >= 1"}, "no column"},
		{"groupby", "groupby", jobs.Params{"key": "a:8", "agg": "sum:b, avg:c ,count:*"}, ""},
		{"groupby missing agg", "groupby", jobs.Params{"key": "a"}, "missing --agg"},
		{"groupby zero N", "groupby", jobs.Params{"key": "a:0", "agg": "count:a"}, "positive"},
		{"groupby bad N", "groupby", jobs.Params{"key": "a:x", "agg": "count:a"}, "positive"},
		{"groupby no key column", "groupby", jobs.Params{"key": ":3", "agg": "count:a"}, "no column"},
		{"groupby unknown func", "groupby", jobs.Params{"key": "a", "agg": "median:b"}, `unknown function "median"`},
		{"groupby no column", "groupby", jobs.Params{"key": "a", "agg": "sum"}, "FUNC:COL"},
		{"groupby star", "groupby", jobs.Params{"key": "a", "agg": "sum:*"}, "only count"},
		{"search", "search", jobs.Params{"query": "a b"}, ""},
		{"search k zero", "search", jobs.Params{"query": "a", "k": "0"}, "--k"},
		{"search k text", "search", jobs.Params{"query": "a", "k": "ten"}, "--k"},
		{"search blank query", "search", jobs.Params{"query": " \t "}, "no terms"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := jobs.New(c.job, c.p)
			if c.want == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestDefinitions(t *testing.T) {
	want := map[string][]string{
		"grep":      {"pattern", "column"},
		"groupby":   {"key", "agg", "where", "schema", "format"},
		"search":    {"query", "k", "column"},
		"select":    {"where", "schema", "columns", "format", "input-types"},
		"sql":       {"query", "schema", "input-columns", "input-types"},
		"wordcount": {"column"},
	}
	defs := jobs.Definitions()
	if len(defs) != len(want) {
		t.Fatalf("%d jobs registered, want %d", len(defs), len(want))
	}
	for _, d := range defs {
		t.Run(d.Name, func(t *testing.T) {
			var names []string
			for _, p := range d.Params {
				names = append(names, p.Name)
				if p.Usage == "" {
					t.Errorf("--%s has no usage", p.Name)
				}
			}
			if strings.Join(names, ",") != strings.Join(want[d.Name], ",") {
				t.Fatalf("params %v, want %v", names, want[d.Name])
			}
			if d.Summary == "" {
				t.Error("no summary")
			}
		})
	}
	s, _ := jobs.Lookup("search")
	if s.Params[1].Default != "10" {
		t.Errorf("search --k default %q, want 10", s.Params[1].Default)
	}
	sel, _ := jobs.Lookup("select")
	for _, p := range sel.Params {
		if p.Name == "format" && p.Default != "csv" {
			t.Errorf("select --format default %q, want csv", p.Default)
		}
	}
}

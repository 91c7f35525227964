package asl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// concurrency counts concurrent calls and remembers the most at once. With want set,
// each call waits in enter until want calls have been in at once (or a minute, the
// bound that only matters when the engine never runs that many), so reaching the peak
// does not depend on how the calls happen to overlap.
type concurrency struct {
	now, peak atomic.Int64
	want      int64
	reached   chan struct{}
	once      sync.Once
}

func newConcurrency(want int64) *concurrency {
	return &concurrency{want: want, reached: make(chan struct{})}
}

func (c *concurrency) enter() {
	n := c.now.Add(1)
	for {
		p := c.peak.Load()
		if n <= p || c.peak.CompareAndSwap(p, n) {
			break
		}
	}
	if c.want == 0 {
		return
	}
	if n >= c.want {
		c.once.Do(func() { close(c.reached) })
	}
	select {
	case <-c.reached:
	case <-time.After(time.Minute):
		c.once.Do(func() { close(c.reached) }) // never reached: let the rest through
	}
}

func (c *concurrency) exit() { c.now.Add(-1) }

// double returns {"v": 2*item.v}. Its short pause decides nothing for an engine that
// keeps its cap; it widens the window in which one that breaks it is seen with more
// calls at once than the cap.
func double(c *concurrency) func(context.Context, any) (any, error) {
	return func(ctx context.Context, p any) (any, error) {
		c.enter()
		defer c.exit()
		time.Sleep(5 * time.Millisecond)
		n, _ := toInt(p.(map[string]any)["v"])
		return map[string]any{"v": 2 * n}, nil
	}
}

func TestMapInline(t *testing.T) {
	cases := []struct {
		name, state, input, want string
	}{
		{
			name: "ItemsPath ItemSelector with $$.Map.Item",
			state: `{"Type":"Map","ItemsPath":"$.items","ItemSelector":{"v.$":"$$.Map.Item.Value.n","i.$":"$$.Map.Item.Index","tag.$":"$.tag"},
				"ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
				"ResultPath":"$.out","End":true}`,
			input: `{"tag":"t","items":[{"n":1},{"n":2},{"n":3}]}`,
			want:  `{"tag":"t","items":[{"n":1},{"n":2},{"n":3}],"out":[{"v":1,"i":0,"tag":"t"},{"v":2,"i":1,"tag":"t"},{"v":3,"i":2,"tag":"t"}]}`,
		},
		{
			name: "legacy Iterator and Parameters",
			state: `{"Type":"Map","ItemsPath":"$.items","Parameters":{"v.$":"$$.Map.Item.Value"},
				"Iterator":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`,
			input: `{"items":["a","b"]}`,
			want:  `[{"v":"a"},{"v":"b"}]`,
		},
		{
			name: "items are the iteration input by default; ResultSelector",
			state: `{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"double","Payload.$":"$"},"OutputPath":"$.Payload","End":true}}},
				"ResultSelector":{"all.$":"$[*].v","n.$":"States.ArrayLength($)"},"End":true}`,
			input: `[{"v":1},{"v":2},{"v":3},{"v":4}]`,
			want:  `{"all":[2,4,6,8],"n":4}`,
		},
		{
			name: "ResultPath null discards the results",
			state: `{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
				"ResultPath":null,"End":true}`,
			input: `{"items":[1,2]}`,
			want:  `{"items":[1,2]}`,
		},
		{
			name:  "empty array",
			state: `{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`,
			input: `[]`,
			want:  `[]`,
		},
		{
			name: "nested maps",
			state: `{"Type":"Map","ItemProcessor":{"StartAt":"Inner","States":{"Inner":{"Type":"Map",
				"ItemSelector":{"x.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index"},
				"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}},"End":true}`,
			input: `[[1,2],[3]]`,
			want:  `[[{"x":1,"i":0},{"x":2,"i":1}],[{"x":3,"i":0}]]`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var cc concurrency
			l := &lambdas{fns: map[string]func(context.Context, any) (any, error){"double": double(&cc)}}
			out, err := mustParse(t, single(c.state)).Execute(context.Background(), raw(c.input), Options{Lambda: l.invoke})
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, out, c.want)
		})
	}
}

func TestMapConcurrency(t *testing.T) {
	cases := []struct {
		name        string
		maxConc     string // the MaxConcurrency field(s)
		input       string
		maxParallel int
		wantPeak    int64
	}{
		{"MaxConcurrency 3", `"MaxConcurrency":3,`, `{}`, 0, 3},
		{"MaxConcurrency 1 is sequential", `"MaxConcurrency":1,`, `{}`, 0, 1},
		{"MaxConcurrencyPath", `"MaxConcurrencyPath":"$.conc",`, `{"conc":2}`, 0, 2},
		{"unbounded capped by MaxParallel", ``, `{}`, 4, 4},
		{"MaxConcurrency 0 capped by MaxParallel", `"MaxConcurrency":0,`, `{}`, 5, 5},
		{"MaxParallel caps a larger MaxConcurrency", `"MaxConcurrency":10,`, `{}`, 3, 3},
	}
	items := make([]string, 24)
	for i := range items {
		items[i] = fmt.Sprintf(`{"v":%d}`, i)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			def := single(`{"Type":"Map",` + c.maxConc + `"ItemsPath":"$.items","ItemSelector":{"v.$":"$$.Map.Item.Value.v"},
				"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"double","Payload.$":"$"},"OutputPath":"$.Payload.v","End":true}}},
				"ResultPath":"$.out","End":true}`)
			input := strings.TrimSuffix(c.input, "}")
			if input != "{" {
				input += ","
			}
			input += `"items":[` + strings.Join(items, ",") + `]}`
			cc := newConcurrency(c.wantPeak)
			l := &lambdas{fns: map[string]func(context.Context, any) (any, error){"double": double(cc)}}
			out, err := mustParse(t, def).Execute(context.Background(), raw(input), Options{Lambda: l.invoke, MaxParallel: c.maxParallel})
			if err != nil {
				t.Fatal(err)
			}
			if p := cc.peak.Load(); p != c.wantPeak {
				t.Errorf("peak concurrency %d, want %d", p, c.wantPeak)
			}
			res := out.(map[string]any)["out"].([]any)
			for i, v := range res {
				if n, _ := toInt(v); n != int64(2*i) {
					t.Fatalf("result %d = %v: results out of order", i, v)
				}
			}
		})
	}
}

func TestMapFailure(t *testing.T) {
	t.Run("inline: the first failure fails the map and cancels the others", func(t *testing.T) {
		def := single(`{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},"End":true}}},"End":true}`)
		var cancelled, started atomic.Int64
		allIn := make(chan struct{})
		l := &lambdas{fns: map[string]func(context.Context, any) (any, error){"f": func(ctx context.Context, p any) (any, error) {
			if started.Add(1) == 4 {
				close(allIn)
			}
			if n, _ := toInt(p); n == 0 {
				select { // fail once the others run (the minute only bounds a broken engine)
				case <-allIn:
				case <-time.After(time.Minute):
				}
				return nil, &Failure{Name: "Bad", Cause: "item 0"}
			}
			return untilCancelled(ctx, func() { cancelled.Add(1) }, time.Minute, "not cancelled")
		}}}
		_, err := mustParse(t, def).Execute(context.Background(), raw(`[0,1,2,3]`), Options{Lambda: l.invoke})
		if f := failureOf(t, err); f.Name != "Bad" || f.Cause != "item 0" {
			t.Errorf("got %v, want the iteration's error", f)
		}
		if started.Load() != 4 || cancelled.Load() != 3 {
			t.Errorf("%d of %d running iterations were cancelled", cancelled.Load(), started.Load()-1)
		}
	})

	t.Run("caught by the Map's Catch", func(t *testing.T) {
		def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"ItemError","Cause":"bad item"}}},
			"Catch":[{"ErrorEquals":["ItemError"],"ResultPath":"$.error","Next":"Z"}],"ResultPath":"$.r","End":true},"Z":{"Type":"Pass","End":true}}}`
		_, err := mustParse(t, def).Execute(context.Background(), raw(`{"items":1}`), Options{})
		if err == nil {
			t.Fatal("a Map over a non-array succeeded")
		}
		if f := failureOf(t, err); f.Name != ErrRuntime {
			t.Errorf("got %v, want %s for an input that is not an array", f, ErrRuntime)
		}
		out, err := mustParse(t, strings.Replace(def, `"Type":"Map",`, `"Type":"Map","ItemsPath":"$.list",`, 1)).Execute(context.Background(), raw(`{"list":[1]}`), Options{})
		if err != nil {
			t.Fatal(err)
		}
		assertJSON(t, out, `{"list":[1],"error":{"Error":"ItemError","Cause":"bad item"}}`)
	})
}

// distributed is a Distributed Map over the manifest; items whose "fail" is
// true fail with ItemError.
func distributed(tolerance string) string {
	return `{"StartAt":"M","States":{"M":{"Type":"Map",
		"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},
			"Parameters":{"Bucket.$":"$.manifest.bucket","Key.$":"$.manifest.key"}},
		"ItemSelector":{"job.$":"$.job","item.$":"$$.Map.Item.Value","index.$":"$$.Map.Item.Index"},
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"W","States":{
			"W":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"work","Payload.$":"$"},"OutputPath":"$.Payload","End":true}}},
		` + tolerance + `"ResultPath":"$.results","End":true}}}`
}

func work(_ context.Context, p any) (any, error) {
	m := p.(map[string]any)
	item := m["item"].(map[string]any)
	if item["fail"] == true {
		return nil, &Failure{Name: "ItemError", Cause: fmt.Sprintf("item %v failed", m["index"])}
	}
	return map[string]any{"job": m["job"], "id": item["id"], "index": m["index"]}, nil
}

func TestMapDistributed(t *testing.T) {
	objects := map[string]string{
		"b/manifest.json":  `[{"id":"a"},{"id":"b"},{"id":"c"}]`,
		"b/manifest.jsonl": "{\"id\":\"a\"}\n\n{\"id\":\"b\"}\n",
		"b/object.json":    `{"id":"a"}`,
		"b/broken.json":    `[{"id":`,
	}
	getObject := func(_ context.Context, bucket, key string) ([]byte, error) {
		s, ok := objects[bucket+"/"+key]
		if !ok {
			return nil, errors.New("NoSuchKey")
		}
		return []byte(s), nil
	}
	cases := []struct {
		name, def, key string
		want           string // results, or the error name
	}{
		{"JSON array", distributed(""), "manifest.json",
			`[{"job":"j","id":"a","index":0},{"job":"j","id":"b","index":1},{"job":"j","id":"c","index":2}]`},
		{"JSON Lines", strings.Replace(distributed(""), `"InputType":"JSON"`, `"InputType":"JSONL"`, 1), "manifest.jsonl",
			`[{"job":"j","id":"a","index":0},{"job":"j","id":"b","index":1}]`},
		{"MaxItems", strings.Replace(distributed(""), `"InputType":"JSON"`, `"InputType":"JSON","MaxItems":2`, 1), "manifest.json",
			`[{"job":"j","id":"a","index":0},{"job":"j","id":"b","index":1}]`},
		{"missing object", distributed(""), "nope.json", ErrItemReaderFailed},
		{"not an array", distributed(""), "object.json", ErrItemReaderFailed},
		{"not JSON", distributed(""), "broken.json", ErrItemReaderFailed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := &lambdas{fns: map[string]func(context.Context, any) (any, error){"work": work}}
			input := `{"job":"j","manifest":{"bucket":"b","key":"` + c.key + `"}}`
			out, err := mustParse(t, c.def).Execute(context.Background(), raw(input), Options{Lambda: l.invoke, GetObject: getObject})
			if strings.HasPrefix(c.want, "States.") {
				if f := failureOf(t, err); f.Name != c.want || !strings.Contains(f.Cause, "s3://b/"+c.key) {
					t.Errorf("got %v, want %s naming the object", f, c.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, out.(map[string]any)["results"], c.want)
		})
	}
}

// TestDistributedMapResults: without a ResultWriter a Distributed Map's collected
// results must fit Step Functions' 256 KiB payload quota, else the state fails with
// States.DataLimitExceeded, which no Catch takes; with one, any number of results go to
// S3 and the state's result is the export's location, as
// https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html has it.
func TestDistributedMapResults(t *testing.T) {
	const resultBytes = 100 // each item's result: {"pad":"xxx..."} of about this size
	pad := func(_ context.Context, p any) (any, error) {
		return map[string]any{"pad": strings.Repeat("x", resultBytes-10)}, nil
	}
	manifest := func(n int) []byte {
		return []byte("[" + strings.TrimSuffix(strings.Repeat(`{"id":1},`, n), ",") + "]")
	}
	caught := strings.Replace(distributed(""), `"ResultPath":"$.results","End":true`,
		`"ResultPath":"$.results","Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}],"End":true},"Caught":{"Type":"Succeed"`, 1)
	withWriter := strings.Replace(distributed(""), `"ResultPath":"$.results"`,
		`"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket.$":"$.manifest.bucket","Prefix":"out/results"}},"ResultPath":"$.results"`, 1)
	under, over := MaxPayloadBytes/(resultBytes+1)-10, MaxPayloadBytes/(resultBytes+1)+10
	cases := []struct {
		name  string
		def   string
		items int
		want  string // "" for success, else the error name
	}{
		{"under the quota", caught, under, ""},
		{"over the quota, even with a Catch", caught, over, ErrDataLimitExceeded},
		{"over the quota through a ResultWriter", withWriter, 3 * over, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var mu sync.Mutex
			written := map[string][]byte{}
			opts := Options{
				Lambda:    (&lambdas{fns: map[string]func(context.Context, any) (any, error){"work": pad}}).invoke,
				GetObject: func(context.Context, string, string) ([]byte, error) { return manifest(c.items), nil },
				PutObject: func(_ context.Context, bucket, key string, body []byte) error {
					mu.Lock()
					defer mu.Unlock()
					written[bucket+"/"+key] = body
					return nil
				},
			}
			out, err := mustParse(t, c.def).Execute(context.Background(), raw(`{"job":"j","manifest":{"bucket":"b","key":"m.json"}}`), opts)
			if c.want != "" {
				if f := failureOf(t, err); f.Name != c.want || !strings.Contains(f.Cause, "ResultWriter") {
					t.Fatalf("got %v, want %s advising a ResultWriter", err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			res := out.(map[string]any)["results"]
			if strings.Contains(c.def, "ResultWriter") {
				details := res.(map[string]any)["ResultWriterDetails"].(map[string]any)
				key := details["Key"].(string)
				if details["Bucket"] != "b" || !strings.HasPrefix(key, "out/results/") || !strings.HasSuffix(key, "/manifest.json") {
					t.Fatalf("ResultWriterDetails %v", details)
				}
				var m struct {
					ResultFiles map[string][]struct{ Key string }
				}
				if err := json.Unmarshal(written["b/"+key], &m); err != nil || len(m.ResultFiles["SUCCEEDED"]) != 1 {
					t.Fatalf("manifest %s: %v", written["b/"+key], err)
				}
				var entries []map[string]any
				if err := json.Unmarshal(written["b/"+m.ResultFiles["SUCCEEDED"][0].Key], &entries); err != nil || len(entries) != c.items {
					t.Fatalf("the SUCCEEDED file has %d entries (%v), want %d", len(entries), err, c.items)
				}
				return
			}
			if n := len(res.([]any)); n != c.items {
				t.Fatalf("%d results, want %d", n, c.items)
			}
		})
	}
}

func TestToleratedFailures(t *testing.T) {
	// Ten items; the first `failures` of them fail.
	cases := []struct {
		name      string
		tolerance string
		input     string
		failures  int
		wantErr   bool
	}{
		{"no threshold: one failure fails", ``, `{}`, 1, true},
		{"no failures", ``, `{}`, 0, false},
		{"percentage 0: one failure fails", `"ToleratedFailurePercentage":0,`, `{}`, 1, true},
		{"percentage 30: 3 of 10 pass", `"ToleratedFailurePercentage":30,`, `{}`, 3, false},
		{"percentage 30: 4 of 10 fail", `"ToleratedFailurePercentage":30,`, `{}`, 4, true},
		{"percentage 100: all may fail", `"ToleratedFailurePercentage":100,`, `{}`, 10, false},
		{"count 2: 2 pass", `"ToleratedFailureCount":2,`, `{}`, 2, false},
		{"count 2: 3 fail", `"ToleratedFailureCount":2,`, `{}`, 3, true},
		{"count and percentage: either exceeded fails", `"ToleratedFailureCount":5,"ToleratedFailurePercentage":20,`, `{}`, 3, true},
		{"count and percentage: neither exceeded", `"ToleratedFailureCount":5,"ToleratedFailurePercentage":50,`, `{}`, 5, false},
		{"percentage path", `"ToleratedFailurePercentagePath":"$.pct",`, `{"pct":50}`, 5, false},
		{"percentage path exceeded", `"ToleratedFailurePercentagePath":"$.pct",`, `{"pct":49.9}`, 5, true},
		{"count path", `"ToleratedFailureCountPath":"$.n",`, `{"n":1}`, 2, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			items := make([]string, 10)
			for i := range items {
				items[i] = fmt.Sprintf(`{"id":"%d","fail":%v}`, i, i < c.failures)
			}
			getObject := func(context.Context, string, string) ([]byte, error) {
				return []byte("[" + strings.Join(items, ",") + "]"), nil
			}
			l := &lambdas{fns: map[string]func(context.Context, any) (any, error){"work": work}}
			input := strings.TrimSuffix(c.input, "}")
			if input != "{" {
				input += ","
			}
			input += `"job":"j","manifest":{"bucket":"b","key":"k"}}`
			ev := &events{}
			out, err := mustParse(t, distributed(c.tolerance)).Execute(context.Background(), raw(input), Options{Lambda: l.invoke, GetObject: getObject, OnEvent: ev.on, MaxParallel: 3})
			if c.wantErr {
				f := failureOf(t, err)
				if f.Name != ErrExceedToleratedFailureThreshold || !strings.Contains(f.Cause, "ItemError") {
					t.Errorf("got %v, want %s with the item's error", f, ErrExceedToleratedFailureThreshold)
				}
				if !strings.Contains(err.Error(), `state "M"`) {
					t.Errorf("error %q does not name the Map state", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			res := out.(map[string]any)["results"].([]any)
			for i, r := range res {
				failed := i < c.failures
				if _, isErr := r.(map[string]any)["Error"]; isErr != failed {
					t.Errorf("result %d = %v", i, r)
				}
			}
			if n := len(ev.ofType(EventMapIterationFailed)); n != c.failures {
				t.Errorf("%d MapIterationFailed events, want %d", n, c.failures)
			}
		})
	}
}

func TestParallel(t *testing.T) {
	t.Run("branches run concurrently on the same input", func(t *testing.T) {
		def := single(`{"Type":"Parallel","Parameters":{"x.$":"$.x"},"Branches":[
			{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"meet","Payload":{"who":"A","x.$":"$.x"}},"OutputPath":"$.Payload","End":true}}},
			{"StartAt":"B","States":{"B":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"meet","Payload":{"who":"B","x.$":"$.x"}},"OutputPath":"$.Payload","End":true}}},
			{"StartAt":"C","States":{"C":{"Type":"Pass","Result":"c","End":true}}}],
			"ResultSelector":{"a.$":"$[0]","b.$":"$[1]","c.$":"$[2]"},"ResultPath":"$.out","End":true}`)
		// Each branch waits for the other: they must run at the same time.
		var wg sync.WaitGroup
		wg.Add(2)
		meet := func(ctx context.Context, p any) (any, error) {
			wg.Done()
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(time.Minute): // only bounds a failure
				return nil, errors.New("branches did not run concurrently")
			}
			return p, nil
		}
		l := &lambdas{fns: map[string]func(context.Context, any) (any, error){"meet": meet}}
		out, err := mustParse(t, def).Execute(context.Background(), raw(`{"x":1}`), Options{Lambda: l.invoke})
		if err != nil {
			t.Fatal(err)
		}
		assertJSON(t, out, `{"x":1,"out":{"a":{"who":"A","x":1},"b":{"who":"B","x":1},"c":"c"}}`)
	})
	t.Run("a failed branch fails the state, cancels the others, and is caught", func(t *testing.T) {
		def := `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
			{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"wait"},"End":true}}},
			{"StartAt":"B","States":{"B":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"fail"},"End":true}}}],
			"Catch":[{"ErrorEquals":["BranchError"],"Next":"Z"}],"End":true},"Z":{"Type":"Pass","End":true}}}`
		var cancelled atomic.Bool
		started := make(chan struct{})
		l := &lambdas{fns: map[string]func(context.Context, any) (any, error){"fail": func(context.Context, any) (any, error) {
			<-started
			return nil, &Failure{Name: "BranchError", Cause: "b failed"}
		}, "wait": func(ctx context.Context, _ any) (any, error) {
			close(started)
			return untilCancelled(ctx, func() { cancelled.Store(true) }, time.Minute, "not cancelled")
		}}}
		out, err := mustParse(t, def).Execute(context.Background(), raw(`{}`), Options{Lambda: l.invoke})
		if err != nil {
			t.Fatal(err)
		}
		assertJSON(t, out, `{"Error":"BranchError","Cause":"b failed"}`)
		if !cancelled.Load() {
			t.Error("the running branch was not cancelled")
		}
	})
}

func TestWait(t *testing.T) {
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	cases := []struct {
		name, state, input string
		want               time.Duration // the slept duration; -1: about an hour
		wantErr            string
	}{
		{"Seconds", `{"Type":"Wait","Seconds":5,"End":true}`, `{}`, 5 * time.Second, ""},
		{"Seconds 0", `{"Type":"Wait","Seconds":0,"End":true}`, `{}`, 0, ""},
		{"SecondsPath", `{"Type":"Wait","SecondsPath":"$.s","End":true}`, `{"s":7}`, 7 * time.Second, ""},
		{"SecondsPath not a number", `{"Type":"Wait","SecondsPath":"$.s","End":true}`, `{"s":"7"}`, 0, ErrRuntime},
		{"SecondsPath negative", `{"Type":"Wait","SecondsPath":"$.s","End":true}`, `{"s":-1}`, 0, ErrRuntime},
		{"Timestamp in the past", `{"Type":"Wait","Timestamp":"2016-03-14T01:59:00Z","End":true}`, `{}`, 0, ""},
		{"Timestamp in the future", `{"Type":"Wait","Timestamp":"` + future + `","End":true}`, `{}`, -1, ""},
		{"TimestampPath", `{"Type":"Wait","TimestampPath":"$.t","End":true}`, `{"t":"` + future + `"}`, -1, ""},
		{"TimestampPath not a timestamp", `{"Type":"Wait","TimestampPath":"$.t","End":true}`, `{"t":"tomorrow"}`, 0, ErrRuntime},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sl := &sleeper{}
			out, err := mustParse(t, single(c.state)).Execute(context.Background(), raw(c.input), Options{Sleep: sl.sleep})
			if c.wantErr != "" {
				if f := failureOf(t, err); f.Name != c.wantErr {
					t.Errorf("got %v, want %s", f, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, out, c.input)
			got := sl.durations()
			switch {
			case c.want == 0 && len(got) != 0:
				t.Errorf("slept %v, want no sleep", got)
			case c.want > 0 && !slices.Equal(got, []time.Duration{c.want}):
				t.Errorf("slept %v, want %v", got, c.want)
			case c.want < 0 && (len(got) != 1 || got[0] < 59*time.Minute || got[0] > time.Hour):
				t.Errorf("slept %v, want about an hour", got)
			}
		})
	}
}

func TestFail(t *testing.T) {
	cases := []struct {
		name, state, input string
		want               Failure
	}{
		{"Error and Cause", `{"Type":"Fail","Error":"MyError","Cause":"my cause"}`, `{}`, Failure{Name: "MyError", Cause: "my cause"}},
		{"no Cause", `{"Type":"Fail","Error":"MyError"}`, `{}`, Failure{Name: "MyError"}},
		{"ErrorPath and CausePath", `{"Type":"Fail","ErrorPath":"$.error.Error","CausePath":"$.error.Cause"}`, `{"error":{"Error":"E","Cause":"C"}}`, Failure{Name: "E", Cause: "C"}},
		{"CausePath intrinsic", `{"Type":"Fail","Error":"E","CausePath":"States.Format('item {} failed', $.id)"}`, `{"id":7}`, Failure{Name: "E", Cause: "item 7 failed"}},
		{"ErrorPath not a string", `{"Type":"Fail","ErrorPath":"$.n"}`, `{"n":1}`, Failure{Name: ErrRuntime}},
		{"ErrorPath missing", `{"Type":"Fail","ErrorPath":"$.nope"}`, `{}`, Failure{Name: ErrRuntime}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := mustParse(t, single(c.state)).Execute(context.Background(), raw(c.input), Options{})
			f := failureOf(t, err)
			if f.Name != c.want.Name || (c.want.Name != ErrRuntime && f.Cause != c.want.Cause) {
				t.Errorf("got %+v, want %+v", *f, c.want)
			}
			if !strings.HasPrefix(err.Error(), `state "S": `+f.Name) {
				t.Errorf("error %q: want it to begin with the state and error name", err)
			}
		})
	}
}

func TestEvents(t *testing.T) {
	def := `{"StartAt":"First","States":{
		"First":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"flaky"},
			"Retry":[{"ErrorEquals":["E"]}],"ResultPath":null,"Next":"M"},
		"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
			"StartAt":"W","States":{"W":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"ok"},"End":true}}},
			"End":true}}}`
	var calls atomic.Int64
	l := &lambdas{fns: map[string]func(context.Context, any) (any, error){
		"flaky": failing(&calls, "E"),
		"ok":    func(context.Context, any) (any, error) { return 1, nil },
	}}
	ev := &events{}
	sl := &sleeper{}
	if _, err := mustParse(t, def).Execute(context.Background(), raw(`{"items":[1,2,3]}`), Options{Lambda: l.invoke, OnEvent: ev.on, Sleep: sl.sleep}); err != nil {
		t.Fatal(err)
	}
	check := func(name string, got []Event, want int, ok func(Event) bool) {
		t.Run(name, func(t *testing.T) {
			if len(got) != want {
				t.Fatalf("%d events, want %d: %+v", len(got), want, got)
			}
			for _, e := range got {
				if !ok(e) || e.Time.IsZero() {
					t.Errorf("unexpected %+v", e)
				}
			}
		})
	}
	check("TaskStarted", ev.ofType(EventTaskStarted), 5, func(e Event) bool {
		return (e.State == "First" && e.MapIndex == -1 && e.Attempt >= 1 && e.Attempt <= 2) || (e.State == "W" && e.MapIndex >= 0 && e.Attempt == 1)
	})
	check("TaskFailed", ev.ofType(EventTaskFailed), 1, func(e Event) bool {
		return e.State == "First" && e.Attempt == 1 && e.Error != nil && e.Error.Name == "E"
	})
	check("TaskRetryScheduled", ev.ofType(EventTaskRetryScheduled), 1, func(e Event) bool {
		return e.State == "First" && e.Attempt == 2 && e.Error.Name == "E"
	})
	check("TaskSucceeded", ev.ofType(EventTaskSucceeded), 4, func(e Event) bool { return e.State == "First" || e.State == "W" })
	check("MapRunStarted", ev.ofType(EventMapRunStarted), 1, func(e Event) bool { return e.State == "M" && e.Items == 3 && e.MapIndex == -1 })
	check("MapIterationStarted", ev.ofType(EventMapIterationStarted), 3, func(e Event) bool { return e.State == "M" && e.MapIndex >= 0 && e.MapIndex < 3 })
	check("MapIterationSucceeded", ev.ofType(EventMapIterationSucceeded), 3, func(e Event) bool { return e.State == "M" && e.MapIndex >= 0 })
	check("StateEntered", ev.ofType(EventStateEntered), 5, func(e Event) bool { return e.State != "" })
	check("StateExited", ev.ofType(EventStateExited), 5, func(e Event) bool { return e.Error == nil })
	check("ExecutionSucceeded", ev.ofType(EventExecutionSucceeded), 1, func(e Event) bool { return e.MapIndex == -1 })
	indexes := map[int]bool{}
	for _, e := range ev.ofType(EventMapIterationSucceeded) {
		indexes[e.MapIndex] = true
	}
	if len(indexes) != 3 {
		t.Errorf("iteration indexes %v, want 0, 1, 2", indexes)
	}
}

// BenchmarkDistributedMap measures the engine's own cost per Map item: the
// ItemSelector, the lambda:invoke round trip and the ResultSelector.
func BenchmarkDistributedMap(b *testing.B) {
	items := make([]string, 1000)
	for i := range items {
		items[i] = fmt.Sprintf(`{"id":"%d","source":"s3://bucket/key","start":%d,"end":%d}`, i, i*1000, (i+1)*1000)
	}
	manifest := []byte("[" + strings.Join(items, ",") + "]")
	getObject := func(context.Context, string, string) ([]byte, error) { return manifest, nil }
	lambda := func(_ context.Context, _ string, p any) (any, error) {
		m := p.(map[string]any)
		return map[string]any{"job": m["job"], "id": m["item"].(map[string]any)["id"], "index": m["index"]}, nil
	}
	m, err := Parse([]byte(distributed(`"ToleratedFailurePercentage":0,`)), nil)
	if err != nil {
		b.Fatal(err)
	}
	input := raw(`{"job":"j","manifest":{"bucket":"b","key":"k"}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Execute(context.Background(), input, Options{Lambda: lambda, GetObject: getObject, MaxParallel: 8}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestExpressChildren: a Distributed Map of Express children runs them as Standard
// ones, but a child that runs past the Express limit (five minutes on AWS, 500 ms
// here) fails with States.Timeout, whatever its task is doing, and counts against
// the Map Run's tolerated failures; a Standard child is not limited.
func TestExpressChildren(t *testing.T) {
	express := strings.Replace(distributed(`"ToleratedFailureCount":1,`), `"ExecutionType":"STANDARD"`, `"ExecutionType":"EXPRESS"`, 1)
	getObject := func(context.Context, string, string) ([]byte, error) {
		return []byte(`[{"id":"a"},{"id":"slow"},{"id":"c"}]`), nil
	}
	// The slow child waits for the limit to end it; a Standard child has no
	// limit, so there it is released once the fast children have answered.
	// No wall-clock race: nothing here depends on how busy the machine is.
	var fast sync.WaitGroup
	slow := func(ctx context.Context, p any) (any, error) {
		if p.(map[string]any)["item"].(map[string]any)["id"] != "slow" {
			defer fast.Done()
			return work(ctx, p)
		}
		done := make(chan struct{})
		go func() { fast.Wait(); close(done) }()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-done:
		}
		if deadline, ok := ctx.Deadline(); ok && !deadline.IsZero() {
			<-ctx.Done() // an Express child: it runs until the limit ends it
			return nil, ctx.Err()
		}
		return work(ctx, p)
	}
	// The fast Express children run under the limit too: it is long enough that a
	// loaded machine's scheduling does not time them out.
	const expressLimit = 2 * time.Second
	input := raw(`{"job":"j","manifest":{"bucket":"b","key":"k"}}`)
	for _, c := range []struct {
		name, def   string
		wantTimeout bool
	}{
		{"express", express, true},
		{"standard", distributed(`"ToleratedFailureCount":1,`), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			fast.Add(2)
			l := &lambdas{fns: map[string]func(context.Context, any) (any, error){"work": slow}}
			ev := &events{}
			out, err := mustParse(t, c.def).Execute(context.Background(), input, Options{Lambda: l.invoke, GetObject: getObject, OnEvent: ev.on, ExpressLimit: expressLimit})
			if err != nil {
				t.Fatal(err)
			}
			res := out.(map[string]any)["results"].([]any)
			got := res[1].(map[string]any)
			if !c.wantTimeout {
				if got["id"] != "slow" {
					t.Fatalf("the slow Standard child answered %v, want its result", got)
				}
				return
			}
			if got["Error"] != ErrTimeout || !strings.Contains(fmt.Sprint(got["Cause"]), "maximum duration of "+expressLimit.String()) {
				t.Fatalf("the slow Express child answered %v, want %s naming the limit", got, ErrTimeout)
			}
			if res[0].(map[string]any)["id"] != "a" || res[2].(map[string]any)["id"] != "c" {
				t.Errorf("the other children answered %v", res)
			}
			if n := len(ev.ofType(EventMapIterationFailed)); n != 1 {
				t.Errorf("%d MapIterationFailed events, want 1", n)
			}
		})
	}
	// With no tolerance the timed-out child fails the Map Run.
	noTolerance := strings.Replace(distributed(""), `"ExecutionType":"STANDARD"`, `"ExecutionType":"EXPRESS"`, 1)
	fast.Add(2)
	l := &lambdas{fns: map[string]func(context.Context, any) (any, error){"work": slow}}
	_, err := mustParse(t, noTolerance).Execute(context.Background(), input, Options{Lambda: l.invoke, GetObject: getObject, ExpressLimit: expressLimit})
	if f := failureOf(t, err); f.Name != ErrExceedToleratedFailureThreshold || !strings.Contains(f.Cause, ErrTimeout) {
		t.Errorf("got %v, want %s naming %s", f, ErrExceedToleratedFailureThreshold, ErrTimeout)
	}
}

package asl

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scattergather/scattergather/statemachine"
)

// fakeJob stands in for the splitter, mapper and reducer of the real
// definition: plain functions over the payloads the definition builds.
type fakeJob struct {
	chunks     int
	done       bool
	mapperFail map[int]string   // chunk index -> error name, every attempt
	flaky      map[int]int      // chunk index -> attempts that fail with RetryableError first
	lambdaErrs map[int][]string // chunk index -> the Lambda service errors its first attempts meet, in order
	hang       map[int]int      // chunk index -> attempts that hang until the Task's timeout
	timeout    int              // mapTimeoutSeconds of the plan; 0 means 60
	fanIn      int              // fanIn of the plan; 0 means 256
	partitions int              // key ranges the gather's plan chooses; under 2: the tree
	spans      int              // with partitions: the sort round's spans (0: no sort round)

	mu       sync.Mutex
	attempts map[int]int
	failures []any // RecordFailure payloads
	gathers  []any
	objects  map[string][]byte // what the ResultWriter wrote, by s3://bucket/key
	plans    []int             // levels planned, in order
	merges   [][2]int          // {level, group} merged, in order of calls
	ranges   map[int]int       // key range -> times reduced
	sorted   map[int]int       // span of the sort round -> times written
	sortPlan int               // times the sort round was planned
	maxLevel int               // the highest level merged so far; a merge below it is out of order
}

// reset forgets what an earlier run of the job recorded.
func (j *fakeJob) reset() {
	j.attempts = map[int]int{}
	j.failures, j.gathers, j.objects, j.plans, j.merges, j.ranges, j.maxLevel = nil, nil, nil, nil, nil, nil, 0
	j.sorted, j.sortPlan = nil, 0
}

func (j *fakeJob) lambda(ctx context.Context, function string, payload any) (any, error) {
	p := payload.(map[string]any)
	switch function {
	case "splitter":
		return map[string]any{
			"jobId": "job-1", "job": p["job"], "params": map[string]any{"k": "v"}, "jobVersion": "2",
			"manifest": map[string]any{"bucket": "work", "key": "jobs/job-1/manifest.json"},
			"work":     "s3://work/jobs/job-1/", "output": p["output"],
			"chunks": j.chunks, "bytes": 1000, "maxConcurrency": 2, "mapTimeoutSeconds": cmp.Or(j.timeout, 60),
			"fanIn": cmp.Or(j.fanIn, 256), "done": j.done,
			"mapResults": map[string]any{"bucket": "work", "key": "jobs/job-1/mapresults"},
			"partitions": j.partitions, "outputParts": false,
		}, nil
	case "mapper":
		if p["jobId"] != "job-1" || p["job"] != "wordcount" || p["jobVersion"] != "2" || p["work"] != "s3://work/jobs/job-1/" {
			return nil, fmt.Errorf("mapper payload %v", p)
		}
		chunk := p["chunk"].(map[string]any)
		idx, _ := toInt(chunk["index"])
		j.mu.Lock()
		j.attempts[int(idx)]++
		n := j.attempts[int(idx)]
		j.mu.Unlock()
		if name, ok := j.mapperFail[int(idx)]; ok {
			return nil, &Failure{Name: name, Cause: fmt.Sprintf(`{"errorMessage":"chunk %d is bad","errorType":%q}`, idx, name)}
		}
		if want, _ := toInt(p["timeoutSeconds"]); int(want) != cmp.Or(j.timeout, 60) {
			return nil, fmt.Errorf("mapper payload has timeoutSeconds %v, want the plan's", p["timeoutSeconds"])
		}
		if n <= j.hang[int(idx)] {
			<-ctx.Done() // the Task's TimeoutSeconds ends it
			return nil, ctx.Err()
		}
		if errs := j.lambdaErrs[int(idx)]; n <= len(errs) {
			return nil, &Failure{Name: errs[n-1], Cause: "the Lambda service"}
		}
		if n <= j.flaky[int(idx)] {
			return nil, &Failure{Name: "RetryableError", Cause: "try again"}
		}
		return map[string]any{"chunk": chunk, "attempt": fmt.Sprintf("a%d", n), "duplicate": false, "stats": map[string]any{"bytes": 10}}, nil
	case "reducer":
		j.mu.Lock()
		defer j.mu.Unlock()
		if _, ok := p["failure"]; ok {
			// The reducer records the failure and fails the execution at this Task.
			j.failures = append(j.failures, payload)
			return nil, &Failure{Name: "JobFailedError", Cause: `{"errorMessage":"recorded","errorType":"JobFailedError"}`}
		}
		fanIn, _ := toInt(p["fanIn"])
		level, _ := toInt(p["level"])
		if p["jobId"] != "job-1" || p["work"] != "s3://work/jobs/job-1/" || (fanIn != int64(cmp.Or(j.fanIn, 256)) && p["step"] != "range") {
			return nil, fmt.Errorf("reducer payload %v", p)
		}
		switch p["step"] {
		case "plan":
			if round, _ := toInt(p["round"]); round == 1 {
				return j.planSort(p)
			}
			// The handler's arithmetic: level L+1 has one partial per group of fanIn of level L.
			j.plans = append(j.plans, int(level))
			n := j.chunks
			for l := 0; l < int(level); l++ {
				n = (n + int(fanIn) - 1) / int(fanIn)
			}
			none := map[string]any{"bucket": "", "key": ""}
			tree := map[string]any{"level": level, "partials": n, "fanIn": fanIn, "merge": false, "groups": []any{}, "next": level,
				"partitions": 0, "ranges": none, "rangeResults": none, "round": 0, "sortRound": false}
			if level == 0 && j.partitions > 1 {
				// A keyed job's gather by key ranges: no tree.
				tree["partitions"] = j.partitions
				tree["ranges"] = map[string]any{"bucket": "work", "key": "jobs/job-1/ranges/items.json"}
				tree["rangeResults"] = map[string]any{"bucket": "work", "key": "jobs/job-1/ranges/results"}
				tree["sortRound"] = j.spans > 0
				return map[string]any{"jobId": "job-1", "status": "RUNNING", "tree": tree}, nil
			}
			if n > int(fanIn) {
				var groups []any
				for g := 0; g*int(fanIn) < n; g++ {
					groups = append(groups, g)
				}
				tree["merge"], tree["groups"], tree["next"] = true, groups, level+1
			}
			return map[string]any{"jobId": "job-1", "status": "RUNNING", "tree": tree}, nil
		case "merge":
			group, _ := toInt(p["group"])
			if int(level) < j.maxLevel {
				return nil, fmt.Errorf("merge of level %d after level %d", level, j.maxLevel)
			}
			j.maxLevel = int(level)
			j.merges = append(j.merges, [2]int{int(level), int(group)})
			return map[string]any{"jobId": "job-1", "status": "RUNNING", "partial": fmt.Sprintf("s3://work/jobs/job-1/tree/%d/%d.part", level+1, group)}, nil
		case "range":
			r, _ := toInt(p["range"])
			if round, _ := toInt(p["round"]); round == 1 {
				if j.sorted == nil {
					j.sorted = map[int]int{}
				}
				j.sorted[int(r)]++
				return map[string]any{"jobId": "job-1", "status": "RUNNING", "partial": fmt.Sprintf("s3://work/jobs/job-1/ranges/sort/%05d/a.part", r)}, nil
			}
			if j.ranges == nil {
				j.ranges = map[int]int{}
			}
			j.ranges[int(r)]++
			return map[string]any{"jobId": "job-1", "status": "RUNNING", "partial": fmt.Sprintf("s3://work/jobs/job-1/ranges/%05d/a.part", r)}, nil
		}
		j.gathers = append(j.gathers, payload)
		return map[string]any{"status": "SUCCEEDED", "output": p["output"], "summary": "s3://out/summary.json", "extra": 1}, nil
	}
	return nil, &Failure{Name: "Lambda.ResourceNotFoundException", Cause: function}
}

// planSort answers the sort round's plan (PlanSort): its payload carries the
// first round's partitions, and its tree the spans, in round 1.
func (j *fakeJob) planSort(p map[string]any) (any, error) {
	if n, _ := toInt(p["partitions"]); int(n) != j.partitions || j.spans == 0 || len(j.ranges) != j.partitions {
		return nil, fmt.Errorf("sort round planned with payload %v after ranges %v", p, j.ranges)
	}
	j.sortPlan++
	tree := map[string]any{"level": 0, "partials": j.partitions, "fanIn": p["fanIn"], "merge": false, "groups": []any{}, "next": 0,
		"partitions": j.spans, "round": 1, "sortRound": false,
		"ranges":       map[string]any{"bucket": "work", "key": "jobs/job-1/ranges/sort/items.json"},
		"rangeResults": map[string]any{"bucket": "work", "key": "jobs/job-1/ranges/sort/results"}}
	return map[string]any{"jobId": "job-1", "status": "RUNNING", "tree": tree}, nil
}

func (j *fakeJob) putObject(_ context.Context, bucket, key string, body []byte) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.objects == nil {
		j.objects = map[string][]byte{}
	}
	j.objects["s3://"+bucket+"/"+key] = body
	return nil
}

// resultFiles decodes the ResultWriter's manifest and files of one Map Run.
func (j *fakeJob) resultFiles(t *testing.T) (manifest map[string]any, byStatus map[string][]map[string]any) {
	t.Helper()
	byStatus = map[string][]map[string]any{}
	for k, v := range j.objects {
		if !strings.HasPrefix(k, "s3://work/jobs/job-1/mapresults/") {
			t.Errorf("the ResultWriter wrote %s, outside the job's mapresults/", k)
		}
		switch {
		case strings.HasSuffix(k, "/manifest.json"):
			if err := json.Unmarshal(v, &manifest); err != nil {
				t.Fatalf("%s: %v", k, err)
			}
		default:
			var entries []map[string]any
			if err := json.Unmarshal(v, &entries); err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			status := k[strings.LastIndex(k, "/")+1 : strings.LastIndex(k, "_")]
			byStatus[status] = append(byStatus[status], entries...)
		}
	}
	if manifest == nil {
		t.Fatal("the ResultWriter wrote no manifest.json")
	}
	return manifest, byStatus
}

func (j *fakeJob) getObject(_ context.Context, bucket, key string) ([]byte, error) {
	if n := map[string]int{"jobs/job-1/ranges/items.json": j.partitions, "jobs/job-1/ranges/sort/items.json": j.spans}[key]; bucket == "work" && n > 0 {
		items := make([]any, n)
		for i := range items {
			items[i] = map[string]any{"range": i}
		}
		return json.Marshal(items)
	}
	if bucket != "work" || key != "jobs/job-1/manifest.json" {
		return nil, fmt.Errorf("no object s3://%s/%s", bucket, key)
	}
	items := make([]any, j.chunks)
	for i := range items {
		items[i] = map[string]any{"index": i, "source": "in.txt", "start": i * 100, "end": (i + 1) * 100}
	}
	return json.Marshal(items)
}

// TestScatterGatherDefinition runs statemachine/scatter-gather.asl.json, the
// one definition the project deploys, with fake functions.
// definitionCases are TestScatterGatherDefinition's: fake jobs run through the shipped definition.
var definitionCases = []struct {
	name       string
	job        *fakeJob
	wantErr    string // the execution's error name; "" for success
	wantSleeps int
	// wantMergeRuns are the items of the MergeLevel Map runs, in order.
	wantMergeRuns []int
	check         func(t *testing.T, j *fakeJob, out any, err error)
}{
	{
		name: "success with retried chunks",
		job:  &fakeJob{chunks: 5, flaky: map[int]int{1: 2, 3: 1}},
		check: func(t *testing.T, j *fakeJob, out any, err error) {
			o := out.(map[string]any)
			assertJSON(t, o["result"], `{"status":"SUCCEEDED","output":"out.txt","summary":"s3://out/summary.json"}`)
			assertJSON(t, o["plan"].(map[string]any)["manifest"], `{"bucket":"work","key":"jobs/job-1/manifest.json"}`)
			if _, ok := o["job"]; !ok {
				t.Errorf("output %v lost the execution input", o)
			}
			for i := 0; i < 5; i++ {
				if want := 1 + j.flaky[i]; j.attempts[i] != want {
					t.Errorf("chunk %d: %d attempts, want %d", i, j.attempts[i], want)
				}
			}
			if len(j.gathers) != 1 {
				t.Fatalf("%d reducer calls", len(j.gathers))
			}
			assertJSON(t, j.gathers[0], `{"jobId":"job-1","job":"wordcount","params":{"k":"v"},"jobVersion":"2","work":"s3://work/jobs/job-1/","output":"out.txt","chunks":5,"fanIn":256,"level":0,"partitions":0,"outputParts":false,"round":0}`)
			if len(j.merges) != 0 || fmt.Sprint(j.plans) != "[0]" {
				t.Errorf("5 chunks under a fan-in of 256: planned %v, merged %v; want one plan, no merge", j.plans, j.merges)
			}
			// The Distributed Map's results went to the job's work area, not into the state.
			manifest, files := j.resultFiles(t)
			if len(files["SUCCEEDED"]) != 5 || len(files["FAILED"]) != 0 || len(files["PENDING"]) != 0 {
				t.Fatalf("result files: %d succeeded, %d failed, %d pending; want 5, 0, 0", len(files["SUCCEEDED"]), len(files["FAILED"]), len(files["PENDING"]))
			}
			for _, e := range files["SUCCEEDED"] {
				var in, result map[string]any
				if json.Unmarshal([]byte(e["Input"].(string)), &in) != nil || json.Unmarshal([]byte(e["Output"].(string)), &result) != nil {
					t.Fatalf("entry %v: Input and Output are not JSON text", e)
				}
				if in["jobId"] != "job-1" || result["attempt"] == nil || e["Status"] != "SUCCEEDED" || !strings.Contains(e["ExecutionArn"].(string), "/Scatter:") {
					t.Errorf("result entry %v", e)
				}
			}
			if manifest["DestinationBucket"] != "work" || !strings.Contains(manifest["MapRunArn"].(string), ":mapRun:") {
				t.Errorf("manifest %v", manifest)
			}
		},
		wantSleeps: 3,
	},
	{
		// https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html:
		// the service exceptions are transient, Lambda.Unknown covers timeouts and
		// out-of-memory, and throttling (TooManyRequests) gets a longer retrier of its own.
		// A timeout is Sandbox.Timedout, the errorType Lambda answers with (local/engine's
		// ErrTimedOut, local/lambdahost's), retried as Lambda.Unknown is.
		name: "Lambda service errors and throttling are retried",
		job: &fakeJob{chunks: 3, lambdaErrs: map[int][]string{
			0: {"Lambda.TooManyRequestsException", "Lambda.TooManyRequestsException", "Lambda.TooManyRequestsException",
				"Lambda.TooManyRequestsException", "Lambda.TooManyRequestsException", "Lambda.TooManyRequestsException",
				"Lambda.TooManyRequestsException", "Lambda.TooManyRequestsException", "Lambda.TooManyRequestsException",
				"Lambda.TooManyRequestsException", "Lambda.TooManyRequestsException"},
			1: {"Lambda.ClientExecutionTimeoutException", "Lambda.ServiceException"},
			2: {"Lambda.Unknown", "Sandbox.Timedout"},
		}},
		check: func(t *testing.T, j *fakeJob, out any, err error) {
			if j.attempts[0] != 12 || j.attempts[1] != 3 || j.attempts[2] != 3 || len(j.gathers) != 1 {
				t.Errorf("attempts %v and %d gathers: want 11 throttles, 2 service errors and 2 unhandled errors (a timeout) retried, then success", j.attempts, len(j.gathers))
			}
		},
		wantSleeps: 15,
	},
	{
		name: "a gather tree of three levels",
		// 40 partials, fan-in 3: levels of 40, 14, 5 and 2 partials.
		job: &fakeJob{chunks: 40, fanIn: 3},
		check: func(t *testing.T, j *fakeJob, out any, err error) {
			if got := fmt.Sprint(j.plans); got != "[0 1 2 3]" {
				t.Errorf("levels planned %s, want [0 1 2 3]", got)
			}
			perLevel := map[int]map[int]bool{}
			for _, m := range j.merges {
				if perLevel[m[0]] == nil {
					perLevel[m[0]] = map[int]bool{}
				}
				if perLevel[m[0]][m[1]] {
					t.Errorf("level %d group %d merged twice", m[0], m[1])
				}
				perLevel[m[0]][m[1]] = true
			}
			for level, groups := range map[int]int{0: 14, 1: 5, 2: 2} {
				if len(perLevel[level]) != groups {
					t.Errorf("level %d: %d groups merged, want %d", level, len(perLevel[level]), groups)
				}
			}
			if len(j.merges) != 21 {
				t.Errorf("%d merges, want 21", len(j.merges))
			}
			if len(j.gathers) != 1 {
				t.Fatalf("%d gathers", len(j.gathers))
			}
			assertJSON(t, j.gathers[0], `{"jobId":"job-1","job":"wordcount","params":{"k":"v"},"jobVersion":"2","work":"s3://work/jobs/job-1/","output":"out.txt","chunks":40,"fanIn":3,"level":3,"partitions":0,"outputParts":false,"round":0}`)
			o := out.(map[string]any)
			assertJSON(t, o["result"], `{"status":"SUCCEEDED","output":"out.txt","summary":"s3://out/summary.json"}`)
		},
		wantMergeRuns: []int{14, 5, 2},
	},
	{
		name: "a keyed job gathered by four key ranges",
		job:  &fakeJob{chunks: 40, fanIn: 3, partitions: 4},
		check: func(t *testing.T, j *fakeJob, out any, err error) {
			if fmt.Sprint(j.plans) != "[0]" || len(j.merges) != 0 {
				t.Errorf("planned levels %v, merged %v: a gather by key ranges has no tree", j.plans, j.merges)
			}
			if fmt.Sprint(j.ranges) != "map[0:1 1:1 2:1 3:1]" {
				t.Errorf("ranges reduced %v, want each of 4 once", j.ranges)
			}
			if len(j.gathers) != 1 {
				t.Fatalf("%d gathers", len(j.gathers))
			}
			assertJSON(t, j.gathers[0], `{"jobId":"job-1","job":"wordcount","params":{"k":"v"},"jobVersion":"2","work":"s3://work/jobs/job-1/","output":"out.txt","chunks":40,"fanIn":3,"level":0,"partitions":4,"outputParts":false,"round":0}`)
			// The GatherRanges Map wrote its results beside the ranges, as the Scatter Map does.
			n := 0
			for k := range j.objects {
				if strings.HasPrefix(k, "s3://work/jobs/job-1/ranges/results/") && strings.Contains(k, "SUCCEEDED_") {
					n++
				}
			}
			if n == 0 {
				t.Errorf("no GatherRanges results under ranges/results/: %v", slices.Collect(maps.Keys(j.objects)))
			}
		},
	},
	{
		name: "a keyed job whose ranges are sorted runs takes the sort round",
		job:  &fakeJob{chunks: 40, fanIn: 3, partitions: 4, spans: 3},
		check: func(t *testing.T, j *fakeJob, out any, err error) {
			if fmt.Sprint(j.plans) != "[0]" || len(j.merges) != 0 || j.sortPlan != 1 {
				t.Errorf("planned levels %v, merged %v, sort round planned %d times: want the ranges' plan, then the sort round's once", j.plans, j.merges, j.sortPlan)
			}
			if fmt.Sprint(j.ranges) != "map[0:1 1:1 2:1 3:1]" || fmt.Sprint(j.sorted) != "map[0:1 1:1 2:1]" {
				t.Errorf("ranges reduced %v, spans written %v: want each of 4 ranges, then each of 3 spans, once", j.ranges, j.sorted)
			}
			if len(j.gathers) != 1 {
				t.Fatalf("%d gathers", len(j.gathers))
			}
			assertJSON(t, j.gathers[0], `{"jobId":"job-1","job":"wordcount","params":{"k":"v"},"jobVersion":"2","work":"s3://work/jobs/job-1/","output":"out.txt","chunks":40,"fanIn":3,"level":0,"partitions":3,"outputParts":false,"round":1}`)
			// Each round's Map Run wrote its results under its own prefix.
			rounds := map[string]int{}
			for k := range j.objects {
				if strings.HasSuffix(k, "/manifest.json") {
					rounds[k[:strings.Index(k, "results/")]]++
				}
			}
			if rounds["s3://work/jobs/job-1/ranges/"] != 1 || rounds["s3://work/jobs/job-1/ranges/sort/"] != 1 {
				t.Errorf("GatherRanges manifests %v: want one under ranges/results/ and one under ranges/sort/results/", rounds)
			}
		},
	},
	{
		name: "a stuck mapper is timed out and retried",
		job:  &fakeJob{chunks: 3, hang: map[int]int{1: 1}, timeout: 1},
		check: func(t *testing.T, j *fakeJob, out any, err error) {
			if j.attempts[1] != 2 || j.attempts[0] != 1 || j.attempts[2] != 1 {
				t.Errorf("attempts %v: want chunk 1 tried again after its timeout", j.attempts)
			}
			if len(j.gathers) != 1 {
				t.Fatalf("%d reducer calls", len(j.gathers))
			}
		},
		wantSleeps: 1,
	},
	{
		name: "already done: no scatter, no gather",
		job:  &fakeJob{chunks: 3, done: true},
		check: func(t *testing.T, j *fakeJob, out any, err error) {
			if len(j.attempts) != 0 || len(j.gathers) != 0 {
				t.Errorf("mapped %v and gathered %d times for a done job", j.attempts, len(j.gathers))
			}
		},
	},
	{
		name:    "a failed chunk fails the job through RecordFailure",
		job:     &fakeJob{chunks: 4, mapperFail: map[int]string{2: "InputError"}},
		wantErr: "JobFailedError",
		check: func(t *testing.T, j *fakeJob, out any, err error) {
			// The execution fails at the RecordFailure Task, which a redrive runs again.
			if !strings.HasPrefix(err.Error(), `state "RecordFailure": JobFailedError`) {
				t.Errorf("error %q", err)
			}
			assertJSON(t, j.failures[0].(map[string]any)["failedAt"], `{"resume":"Scatter","redriveCount":0}`)
			if rc := j.failures[0].(map[string]any)["redriveCount"]; fmt.Sprint(rc) != "0" {
				t.Errorf("RecordFailure's redriveCount %v, want 0", rc)
			}
			_, files := j.resultFiles(t)
			if len(files["FAILED"]) != 1 || files["FAILED"][0]["Error"] != "InputError" || len(files["SUCCEEDED"])+len(files["PENDING"]) != 3 {
				t.Errorf("result files of the failed Map Run: %v", files)
			}
			if j.attempts[2] != 1 {
				t.Errorf("InputError was retried: %d attempts", j.attempts[2])
			}
			if len(j.failures) != 1 || len(j.gathers) != 0 {
				t.Fatalf("%d RecordFailure calls, %d gathers", len(j.failures), len(j.gathers))
			}
			f := j.failures[0].(map[string]any)["failure"].(map[string]any)
			if f["Error"] != ErrExceedToleratedFailureThreshold || !strings.Contains(f["Cause"].(string), "chunk 2 is bad") {
				t.Errorf("RecordFailure payload %v", j.failures[0])
			}
		},
	},
}

// TestScatterGatherDefinition runs the shipped definition through every case
// with Standard children and with Express ones (the template's ChildWorkflowType):
// the same states, retries and results.
func TestScatterGatherDefinition(t *testing.T) {
	for _, children := range []string{statemachine.Standard, statemachine.Express} {
		t.Run(children, func(t *testing.T) { testScatterGatherDefinition(t, children) })
	}
}

func testScatterGatherDefinition(t *testing.T, children string) {
	subs := map[string]string{"SplitterFunctionArn": "splitter", "MapperFunctionArn": "mapper", "ReducerFunctionArn": "reducer", statemachine.ChildExecutionType: children}
	m, err := Parse(statemachine.Definition, subs)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	input := raw(`{"job":"wordcount","inputs":["in.txt"],"output":"out.txt"}`)

	t.Run("placeholders must be substituted", func(t *testing.T) {
		_, err := Parse(statemachine.Definition, nil)
		if err == nil || !strings.Contains(err.Error(), "${SplitterFunctionArn}") {
			t.Errorf("got %v", err)
		}
	})

	for _, c := range definitionCases {
		t.Run(c.name, func(t *testing.T) {
			c.job.reset()
			ev := &events{}
			sl := &sleeper{}
			out, err := m.Execute(context.Background(), input, Options{Lambda: c.job.lambda, GetObject: c.job.getObject, PutObject: c.job.putObject, Sleep: sl.sleep, OnEvent: ev.on})
			if c.wantErr != "" {
				if f := failureOf(t, err); f.Name != c.wantErr {
					t.Fatalf("got %v, want %s", err, c.wantErr)
				}
			} else if err != nil {
				t.Fatalf("Execute: %v (failures %v)", err, c.job.failures)
			}
			if n := len(sl.durations()); n != c.wantSleeps {
				t.Errorf("%d retry sleeps, want %d", n, c.wantSleeps)
			}
			for _, d := range sl.durations() {
				if d < 0 || d > 120*time.Second {
					t.Errorf("retry sleep %v outside the jittered [0, 120s] of the throttling retrier", d)
				}
			}
			if !c.job.done {
				var scatters []Event
				var merges []int
				for _, r := range ev.ofType(EventMapRunStarted) {
					switch r.State {
					case "Scatter":
						scatters = append(scatters, r)
					case "MergeLevel":
						merges = append(merges, r.Items)
					}
				}
				if len(scatters) != 1 || scatters[0].Items != c.job.chunks {
					t.Errorf("Scatter's MapRunStarted events %+v", scatters)
				}
				if fmt.Sprint(merges) != fmt.Sprint(c.wantMergeRuns) && (len(merges) > 0 || len(c.wantMergeRuns) > 0) {
					t.Errorf("MergeLevel runs of %v items, want %v", merges, c.wantMergeRuns)
				}
			}
			c.check(t, c.job, out, err)
		})
	}
}

func TestMachineTimeout(t *testing.T) {
	// TimeoutSeconds is whole seconds, so this waits one real second.
	def := `{"TimeoutSeconds":1,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":120,"End":true}}}`
	start := time.Now()
	_, err := mustParse(t, def).Execute(context.Background(), nil, Options{})
	if f := failureOf(t, err); f.Name != ErrTimeout {
		t.Errorf("got %v, want %s", f, ErrTimeout)
	}
	// Generous for a loaded machine; it only tells the timeout from the Wait's end.
	if d := time.Since(start); d < time.Second || d > 30*time.Second {
		t.Errorf("took %v, want about 1s", d)
	}
}

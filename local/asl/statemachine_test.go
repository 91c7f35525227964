package asl

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
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
	mapperFail map[int]string // chunk index -> error name, every attempt
	flaky      map[int]int    // chunk index -> attempts that fail with RetryableError first
	hang       map[int]int    // chunk index -> attempts that hang until the Task's timeout
	timeout    int            // mapTimeoutSeconds of the plan; 0 means 60

	mu       sync.Mutex
	attempts map[int]int
	failures []any // RecordFailure payloads
	gathers  []any
}

func (j *fakeJob) lambda(ctx context.Context, function string, payload any) (any, error) {
	p := payload.(map[string]any)
	switch function {
	case "splitter":
		return map[string]any{
			"jobId": "job-1", "job": p["job"], "params": map[string]any{"k": "v"},
			"manifest": map[string]any{"bucket": "work", "key": "jobs/job-1/manifest.json"},
			"work":     "s3://work/jobs/job-1/", "output": p["output"],
			"chunks": j.chunks, "bytes": 1000, "maxConcurrency": 2, "mapTimeoutSeconds": cmp.Or(j.timeout, 60), "done": j.done,
		}, nil
	case "mapper":
		if p["jobId"] != "job-1" || p["job"] != "wordcount" || p["work"] != "s3://work/jobs/job-1/" {
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
		if n <= j.flaky[int(idx)] {
			return nil, &Failure{Name: "RetryableError", Cause: "try again"}
		}
		return map[string]any{"chunk": chunk, "attempt": fmt.Sprintf("a%d", n), "duplicate": false, "stats": map[string]any{"bytes": 10}}, nil
	case "reducer":
		j.mu.Lock()
		defer j.mu.Unlock()
		if _, ok := p["failure"]; ok {
			j.failures = append(j.failures, payload)
			return map[string]any{"recorded": true}, nil
		}
		j.gathers = append(j.gathers, payload)
		return map[string]any{"status": "SUCCEEDED", "output": p["output"], "summary": "s3://out/summary.json", "extra": 1}, nil
	}
	return nil, &Failure{Name: "Lambda.ResourceNotFoundException", Cause: function}
}

func (j *fakeJob) getObject(_ context.Context, bucket, key string) ([]byte, error) {
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
func TestScatterGatherDefinition(t *testing.T) {
	subs := map[string]string{"SplitterFunctionArn": "splitter", "MapperFunctionArn": "mapper", "ReducerFunctionArn": "reducer"}
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

	cases := []struct {
		name       string
		job        *fakeJob
		wantErr    string // the execution's error name; "" for success
		wantSleeps int
		check      func(t *testing.T, j *fakeJob, out any, err error)
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
				assertJSON(t, j.gathers[0], `{"jobId":"job-1","job":"wordcount","params":{"k":"v"},"work":"s3://work/jobs/job-1/","output":"out.txt","chunks":5}`)
			},
			wantSleeps: 3,
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
			wantErr: ErrExceedToleratedFailureThreshold,
			check: func(t *testing.T, j *fakeJob, out any, err error) {
				if !strings.HasPrefix(err.Error(), `state "Failed": States.ExceedToleratedFailureThreshold`) {
					t.Errorf("error %q", err)
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
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.job.attempts = map[int]int{}
			ev := &events{}
			sl := &sleeper{}
			out, err := m.Execute(context.Background(), input, Options{Lambda: c.job.lambda, GetObject: c.job.getObject, Sleep: sl.sleep, OnEvent: ev.on})
			if c.wantErr != "" {
				if f := failureOf(t, err); f.Name != c.wantErr {
					t.Fatalf("got %v, want %s", err, c.wantErr)
				}
			} else if err != nil {
				t.Fatalf("Execute: %v", err)
			}
			if n := len(sl.durations()); n != c.wantSleeps {
				t.Errorf("%d retry sleeps, want %d", n, c.wantSleeps)
			}
			for _, d := range sl.durations() {
				if d < 0 || d > 20*time.Second {
					t.Errorf("retry sleep %v outside the jittered [0, 20s]", d)
				}
			}
			if !c.job.done {
				runs := ev.ofType(EventMapRunStarted)
				if len(runs) != 1 || runs[0].Items != c.job.chunks || runs[0].State != "Scatter" {
					t.Errorf("MapRunStarted events %+v", runs)
				}
			}
			c.check(t, c.job, out, err)
		})
	}
}

func TestMachineTimeout(t *testing.T) {
	// TimeoutSeconds is whole seconds, so this waits one real second.
	def := `{"TimeoutSeconds":1,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":30,"End":true}}}`
	start := time.Now()
	_, err := mustParse(t, def).Execute(context.Background(), nil, Options{})
	if f := failureOf(t, err); f.Name != ErrTimeout {
		t.Errorf("got %v, want %s", f, ErrTimeout)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

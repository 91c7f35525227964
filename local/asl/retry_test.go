package asl

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// failing returns a Lambda that fails with the given error names in turn,
// then succeeds with {"ok":true}; it counts its calls.
func failing(calls *atomic.Int64, names ...string) func(context.Context, any) (any, error) {
	return func(_ context.Context, _ any) (any, error) {
		n := calls.Add(1)
		if int(n) <= len(names) {
			name := names[n-1]
			if name == "plain" {
				return nil, errors.New("boom")
			}
			return nil, &Failure{Name: name, Cause: fmt.Sprintf("attempt %d", n)}
		}
		return map[string]any{"ok": true}, nil
	}
}

func taskMachine(retry, catch string) string {
	return `{"StartAt":"T","States":{
		"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},
			"ResultSelector":{"ok.$":"$.Payload.ok"},"ResultPath":"$.result",
			"Retry":` + retry + `,"Catch":` + catch + `,"Next":"Done"},
		"Done":{"Type":"Pass","End":true},
		"Z":{"Type":"Pass","End":true},
		"Y":{"Type":"Pass","End":true}}}`
}

// retryCases are TestRetry's: a Task's Retry and Catch against the errors its Lambda fails with.
var retryCases = []struct {
	name         string
	retry, catch string
	errors       []string // what the Lambda fails with, in turn
	wantSleeps   []time.Duration
	wantCalls    int64
	wantErr      string // the execution's error name; "" for success
	wantOutput   string // with wantErr "", a substring of the output JSON
}{
	{
		name:       "defaults: 1s interval, 3 attempts, backoff 2",
		retry:      `[{"ErrorEquals":["RetryableError"]}]`,
		errors:     []string{"RetryableError", "RetryableError", "RetryableError", "RetryableError"},
		wantSleeps: secs(1, 2, 4),
		wantCalls:  4,
		wantErr:    "RetryableError",
	},
	{
		name:       "succeeds on a retry",
		retry:      `[{"ErrorEquals":["RetryableError"],"IntervalSeconds":3}]`,
		errors:     []string{"RetryableError", "RetryableError"},
		wantSleeps: secs(3, 6),
		wantCalls:  3,
		wantOutput: `"result":{"ok":true}`,
	},
	{
		name:       "MaxDelaySeconds caps the backoff",
		retry:      `[{"ErrorEquals":["E"],"IntervalSeconds":1,"BackoffRate":3,"MaxAttempts":5,"MaxDelaySeconds":10}]`,
		errors:     slices.Repeat([]string{"E"}, 6),
		wantSleeps: secs(1, 3, 9, 10, 10),
		wantCalls:  6,
		wantErr:    "E",
	},
	{
		name:       "fractional BackoffRate",
		retry:      `[{"ErrorEquals":["E"],"IntervalSeconds":2,"BackoffRate":1.5,"MaxAttempts":3}]`,
		errors:     slices.Repeat([]string{"E"}, 4),
		wantSleeps: secs(2, 3, 4.5),
		wantCalls:  4,
		wantErr:    "E",
	},
	{
		name:      "MaxAttempts 0 never retries",
		retry:     `[{"ErrorEquals":["E"],"MaxAttempts":0}]`,
		errors:    []string{"E"},
		wantCalls: 1,
		wantErr:   "E",
	},
	{
		name:      "unmatched error is not retried",
		retry:     `[{"ErrorEquals":["Other"]}]`,
		errors:    []string{"E"},
		wantCalls: 1,
		wantErr:   "E",
	},
	{
		name:       "each retrier counts its own attempts, then Catch (docs example)",
		retry:      `[{"ErrorEquals":["ErrorA","ErrorB"],"IntervalSeconds":1,"BackoffRate":2,"MaxAttempts":2},{"ErrorEquals":["ErrorC"],"IntervalSeconds":5}]`,
		catch:      `[{"ErrorEquals":["States.ALL"],"Next":"Z"}]`,
		errors:     []string{"ErrorA", "ErrorB", "ErrorC", "ErrorB"},
		wantSleeps: secs(1, 2, 5),
		wantCalls:  4,
		wantOutput: `"Error":"ErrorB"`,
	},
	{
		name:       "States.ALL retries anything",
		retry:      `[{"ErrorEquals":["States.ALL"],"MaxAttempts":1}]`,
		errors:     []string{"Anything"},
		wantSleeps: secs(1),
		wantCalls:  2,
		wantOutput: `"ok":true`,
	},
	{
		name:       "a plain Go error is States.TaskFailed",
		retry:      `[{"ErrorEquals":["States.TaskFailed"],"MaxAttempts":1}]`,
		errors:     []string{"plain", "plain"},
		wantSleeps: secs(1),
		wantCalls:  2,
		wantErr:    ErrTaskFailed,
	},
	{
		name:       "States.TaskFailed matches any error name",
		retry:      `[{"ErrorEquals":["States.TaskFailed"],"MaxAttempts":1}]`,
		errors:     []string{"Custom.Error"},
		wantSleeps: secs(1),
		wantCalls:  2,
		wantOutput: `"ok":true`,
	},
	{
		name:      "States.TaskFailed does not match States.Timeout",
		retry:     `[{"ErrorEquals":["States.TaskFailed"]}]`,
		errors:    []string{ErrTimeout},
		wantCalls: 1,
		wantErr:   ErrTimeout,
	},
	{
		name:       "Catch ResultPath keeps the input and adds the error",
		catch:      `[{"ErrorEquals":["Other"],"Next":"Y"},{"ErrorEquals":["E"],"ResultPath":"$.error","Next":"Z"}]`,
		errors:     []string{"E"},
		wantCalls:  1,
		wantOutput: `{"error":{"Cause":"attempt 1","Error":"E"},"in":1}`,
	},
	{
		name:       "Catch without ResultPath outputs the error",
		catch:      `[{"ErrorEquals":["E"],"Next":"Z"}]`,
		errors:     []string{"E"},
		wantCalls:  1,
		wantOutput: `{"Cause":"attempt 1","Error":"E"}`,
	},
	{
		name:       "Catch ResultPath null keeps the input",
		catch:      `[{"ErrorEquals":["E"],"ResultPath":null,"Next":"Z"}]`,
		errors:     []string{"E"},
		wantCalls:  1,
		wantOutput: `{"in":1}`,
	},
	{
		name:       "Catch after retries are exhausted",
		retry:      `[{"ErrorEquals":["E"],"MaxAttempts":2,"IntervalSeconds":2}]`,
		catch:      `[{"ErrorEquals":["States.TaskFailed"],"ResultPath":"$.error","Next":"Z"}]`,
		errors:     []string{"E", "E", "E"},
		wantSleeps: secs(2, 4),
		wantCalls:  3,
		wantOutput: `"error":{"Cause":"attempt 3","Error":"E"}`,
	},
}

func TestRetry(t *testing.T) {
	for _, c := range retryCases {
		t.Run(c.name, func(t *testing.T) {
			if c.retry == "" {
				c.retry = "[]"
			}
			if c.catch == "" {
				c.catch = "[]"
			}
			m := mustParse(t, taskMachine(c.retry, c.catch))
			var calls atomic.Int64
			l := &lambdas{fns: map[string]func(context.Context, any) (any, error){"f": failing(&calls, c.errors...)}}
			sl := &sleeper{}
			out, err := m.Execute(context.Background(), raw(`{"in":1}`), Options{Lambda: l.invoke, Sleep: sl.sleep})
			if got := sl.durations(); !slices.Equal(got, c.wantSleeps) {
				t.Errorf("sleeps %v, want %v", got, c.wantSleeps)
			}
			if got := calls.Load(); got != c.wantCalls {
				t.Errorf("%d calls, want %d", got, c.wantCalls)
			}
			if c.wantErr != "" {
				if f := failureOf(t, err); f.Name != c.wantErr {
					t.Errorf("error %v, want %s", err, c.wantErr)
				}
				if !strings.Contains(err.Error(), `state "T"`) {
					t.Errorf("error %q does not name the state", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Execute: %v", err)
			}
			if got := canon(t, out); !strings.Contains(got, c.wantOutput) {
				t.Errorf("output %s does not contain %s", got, c.wantOutput)
			}
		})
	}
}

func TestRetryJitter(t *testing.T) {
	retry := `[{"ErrorEquals":["E"],"IntervalSeconds":10,"BackoffRate":2,"MaxAttempts":5,"MaxDelaySeconds":30,"JitterStrategy":"FULL"}]`
	bounds := secs(10, 20, 30, 30, 30)
	run := func(t *testing.T, seed int64) []time.Duration {
		t.Helper()
		m := mustParse(t, taskMachine(retry, "[]"))
		var calls atomic.Int64
		l := &lambdas{fns: map[string]func(context.Context, any) (any, error){"f": failing(&calls, slices.Repeat([]string{"E"}, 6)...)}}
		sl := &sleeper{}
		_, err := m.Execute(context.Background(), raw(`{}`), Options{Lambda: l.invoke, Sleep: sl.sleep, Rand: rand.New(rand.NewSource(seed))})
		if f := failureOf(t, err); f.Name != "E" {
			t.Fatalf("error %v", err)
		}
		return sl.durations()
	}
	cases := []struct {
		name string
		seed int64
	}{{"seed 1", 1}, {"seed 2", 2}, {"seed 99", 99}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := run(t, c.seed)
			if len(got) != len(bounds) {
				t.Fatalf("sleeps %v, want %d", got, len(bounds))
			}
			jittered := false
			for i, d := range got {
				if d < 0 || d > bounds[i] {
					t.Errorf("retry %d slept %v, outside [0, %v]", i+1, d, bounds[i])
				}
				if d != bounds[i] {
					jittered = true
				}
			}
			if !jittered {
				t.Errorf("sleeps %v are exactly the backoff: no jitter", got)
			}
			if again := run(t, c.seed); !slices.Equal(got, again) {
				t.Errorf("same seed, different sleeps: %v and %v", got, again)
			}
		})
	}
	t.Run("JitterStrategy NONE", func(t *testing.T) {
		m := mustParse(t, taskMachine(strings.Replace(retry, "FULL", "NONE", 1), "[]"))
		var calls atomic.Int64
		l := &lambdas{fns: map[string]func(context.Context, any) (any, error){"f": failing(&calls, slices.Repeat([]string{"E"}, 6)...)}}
		sl := &sleeper{}
		_, _ = m.Execute(context.Background(), raw(`{}`), Options{Lambda: l.invoke, Sleep: sl.sleep})
		if got := sl.durations(); !slices.Equal(got, bounds) {
			t.Errorf("sleeps %v, want %v", got, bounds)
		}
	})
}

func TestRetryCountInContext(t *testing.T) {
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
		"Parameters":{"FunctionName":"f","Payload":{"retry.$":"$$.State.RetryCount"}},
		"Retry":[{"ErrorEquals":["E"],"MaxAttempts":2}],"End":true}}}`
	var calls atomic.Int64
	l := &lambdas{fns: map[string]func(context.Context, any) (any, error){"f": failing(&calls, "E", "E")}}
	sl := &sleeper{}
	if _, err := mustParse(t, def).Execute(context.Background(), raw(`{}`), Options{Lambda: l.invoke, Sleep: sl.sleep}); err != nil {
		t.Fatal(err)
	}
	want := []string{`{"retry":0}`, `{"retry":1}`, `{"retry":2}`}
	if got := l.callsTo("f"); !slices.Equal(got, want) {
		t.Errorf("payloads %v, want %v", got, want)
	}
}

func TestRuntimeErrorsAreTerminal(t *testing.T) {
	// A ResultSelector path that matches nothing is States.Runtime: neither
	// States.ALL retriers nor catchers handle it.
	def := `{"StartAt":"T","States":{
		"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},
			"ResultSelector":{"x.$":"$.Payload.missing"},
			"Retry":[{"ErrorEquals":["States.ALL"]}],
			"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Z"}],"End":true},
		"Z":{"Type":"Succeed"}}}`
	var calls atomic.Int64
	l := &lambdas{fns: map[string]func(context.Context, any) (any, error){"f": failing(&calls)}}
	sl := &sleeper{}
	_, err := mustParse(t, def).Execute(context.Background(), raw(`{}`), Options{Lambda: l.invoke, Sleep: sl.sleep})
	f := failureOf(t, err)
	if f.Name != ErrRuntime || !strings.Contains(f.Cause, "$.Payload.missing") {
		t.Errorf("got %v, want %s naming the path", f, ErrRuntime)
	}
	if calls.Load() != 1 || len(sl.durations()) != 0 {
		t.Errorf("%d calls and sleeps %v: a runtime error was retried", calls.Load(), sl.durations())
	}
}

func TestTaskTimeout(t *testing.T) {
	// TimeoutSeconds is whole seconds, so this waits one real second.
	def := `{"StartAt":"T","States":{
		"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"slow"},
			"TimeoutSecondsPath":"$.timeout",
			"Retry":[{"ErrorEquals":["States.TaskFailed"]}],
			"Catch":[{"ErrorEquals":["States.Timeout"],"ResultPath":"$.error","Next":"Z"}],"End":true},
		"Z":{"Type":"Pass","End":true}}}`
	var sawCancel atomic.Bool
	l := &lambdas{fns: map[string]func(context.Context, any) (any, error){"slow": func(ctx context.Context, _ any) (any, error) {
		return untilCancelled(ctx, func() { sawCancel.Store(true) }, time.Minute, "late")
	}}}
	sl := &sleeper{}
	start := time.Now()
	out, err := mustParse(t, def).Execute(context.Background(), raw(`{"timeout":1}`), Options{Lambda: l.invoke, Sleep: sl.sleep})
	if err != nil {
		t.Fatal(err)
	}
	// Never before the second; the upper bound is generous for a loaded machine and
	// only tells a timeout of the wrong scale.
	if d := time.Since(start); d < time.Second || d > 30*time.Second {
		t.Errorf("took %v, want about 1s", d)
	}
	if !sawCancel.Load() {
		t.Error("the Lambda's context was not cancelled")
	}
	if got := canon(t, out); !strings.Contains(got, `"Error":"States.Timeout"`) {
		t.Errorf("output %s: want the States.Timeout error caught", got)
	}
	if len(l.callsTo("slow")) != 1 || len(sl.durations()) != 0 {
		t.Errorf("States.Timeout was retried by a States.TaskFailed retrier")
	}
}

func TestCancelledExecution(t *testing.T) {
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},
		"Retry":[{"ErrorEquals":["States.ALL"]}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Z"}],"End":true},"Z":{"Type":"Succeed"}}}`
	ctx, cancel := context.WithCancel(context.Background())
	l := &lambdas{fns: map[string]func(context.Context, any) (any, error){"f": func(ctx context.Context, _ any) (any, error) {
		cancel()
		<-ctx.Done()
		return nil, ctx.Err()
	}}}
	_, err := mustParse(t, def).Execute(ctx, raw(`{}`), Options{Lambda: l.invoke})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if n := len(l.callsTo("f")); n != 1 {
		t.Errorf("cancellation was retried: %d calls", n)
	}
}

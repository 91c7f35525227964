package lambdahost_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/scattergather/scattergather/internal/testutil"
	"github.com/scattergather/scattergather/local/lambdahost"
	"github.com/scattergather/scattergather/local/lambdahost/lambdahosttest"
)

// bootstrap is testdata/echo built by TestMain.
var bootstrap string

func TestMain(m *testing.M) { os.Exit(lambdahosttest.Main(m, "./testdata/echo", &bootstrap)) }

// syncBuffer collects the host's logs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testHost is a Host serving on its own listener and mounted in a mux.
type testHost struct {
	*lambdahost.Host
	url     string // Listen's
	mounted string // an httptest server routing /2015-03-31/functions/ to the Host
	logs    *syncBuffer
}

func echoFn(name string) lambdahost.Function {
	return lambdahost.Function{Name: name, Path: bootstrap, Timeout: 5 * time.Second, MaxInstances: 2}
}

func newHost(t *testing.T, opts lambdahost.Options, fns ...lambdahost.Function) *testHost {
	t.Helper()
	logs := &syncBuffer{}
	opts.Logs = logs
	h, err := lambdahost.New(fns, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	url, err := h.Listen("")
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/2015-03-31/functions/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &testHost{Host: h, url: url, mounted: srv.URL, logs: logs}
}

func sdkClient(url string) *lambda.Client {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
	return lambda.NewFromConfig(cfg, func(o *lambda.Options) { o.BaseEndpoint = aws.String(url) })
}

// invokers call a function the three ways a caller can.
var invokers = []struct {
	name string
	call func(t *testing.T, h *testHost, fn string, payload []byte) (out []byte, functionError string)
}{
	{"Host.Invoke", func(t *testing.T, h *testHost, fn string, payload []byte) ([]byte, string) {
		res, err := h.Invoke(context.Background(), fn, payload)
		if err != nil {
			t.Fatalf("Invoke(%s): %v", fn, err)
		}
		return res.Payload, res.FunctionError
	}},
	{"sdk/listener", func(t *testing.T, h *testHost, fn string, payload []byte) ([]byte, string) {
		return sdkInvoke(t, h.url, fn, payload)
	}},
	{"sdk/mounted", func(t *testing.T, h *testHost, fn string, payload []byte) ([]byte, string) {
		return sdkInvoke(t, h.mounted, fn, payload)
	}},
}

func sdkInvoke(t *testing.T, url, fn string, payload []byte) ([]byte, string) {
	t.Helper()
	out, err := sdkClient(url).Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String(fn), Payload: payload})
	if err != nil {
		t.Fatalf("sdk Invoke(%s): %v", fn, err)
	}
	if out.StatusCode != http.StatusOK {
		t.Fatalf("sdk Invoke(%s): status %d, want 200", fn, out.StatusCode)
	}
	if aws.ToString(out.ExecutedVersion) != "$LATEST" {
		t.Errorf("ExecutedVersion = %q, want $LATEST", aws.ToString(out.ExecutedVersion))
	}
	return out.Payload, aws.ToString(out.FunctionError)
}

// errorDoc is a Lambda error document.
type errorDoc struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType"`
}

func parseError(t *testing.T, payload []byte) errorDoc {
	t.Helper()
	var d errorDoc
	if err := json.Unmarshal(payload, &d); err != nil {
		t.Fatalf("error payload %q: %v", payload, err)
	}
	return d
}

// reply is what the echo function answers to most actions.
type reply struct {
	PID    int               `json:"pid"`
	Child  int               `json:"child"`
	ARN    string            `json:"arn"`
	Env    map[string]string `json:"env"`
	Joined int               `json:"joined"`
}

func parseReply(t *testing.T, payload []byte) reply {
	t.Helper()
	var r reply
	if err := json.Unmarshal(payload, &r); err != nil || r.PID == 0 {
		t.Fatalf("reply %q: %v", payload, err)
	}
	return r
}

func TestInvokeOutcomes(t *testing.T) {
	arn := "arn:aws:lambda:us-east-1:" + lambdahost.DefaultAccountID + ":function:echo"
	cases := []struct {
		name        string
		fn          string
		payload     string
		wantPayload string // exact, when set
		wantType    string // errorType; "" means success
		wantMsg     string // substring of errorMessage
	}{
		{name: "payload round-trip", fn: "echo", payload: `{"action":"echo","data":[1,2.5,"x"],"s":"h\u00e9llo \"q\""}`,
			wantPayload: `{"action":"echo","data":[1,2.5,"x"],"s":"h\u00e9llo \"q\""}`},
		{name: "by ARN", fn: arn, payload: `{"action":"echo"}`, wantPayload: `{"action":"echo"}`},
		{name: "by ARN with qualifier", fn: arn + ":$LATEST", payload: `{"action":"echo"}`, wantPayload: `{"action":"echo"}`},
		{name: "named error type", fn: "echo", payload: `{"action":"fail","msg":"no column 7"}`,
			wantType: "InputError", wantMsg: "bad input: no column 7"},
		{name: "panic", fn: "echo", payload: `{"action":"panic","msg":"p"}`, wantType: "string", wantMsg: "boom: p"},
		{name: "exit", fn: "echo", payload: `{"action":"exit","code":3}`, wantType: "Runtime.ExitError", wantMsg: "exit status 3"},
		{name: "timeout", fn: "short", payload: `{"action":"sleep","ms":600000}`, wantType: "Sandbox.Timedout",
			wantMsg: "Task timed out after 0.50 seconds"},
	}
	short := echoFn("short")
	short.Timeout = 500 * time.Millisecond
	h := newHost(t, lambdahost.Options{}, echoFn("echo"), short)
	for _, inv := range invokers {
		for _, tc := range cases {
			t.Run(inv.name+"/"+tc.name, func(t *testing.T) {
				out, fe := inv.call(t, h, tc.fn, []byte(tc.payload))
				if tc.wantType == "" {
					if fe != "" {
						t.Fatalf("FunctionError %q, payload %s", fe, out)
					}
					if string(out) != tc.wantPayload {
						t.Fatalf("payload = %s, want %s", out, tc.wantPayload)
					}
					return
				}
				if fe != "Unhandled" {
					t.Fatalf("FunctionError = %q, want Unhandled (payload %s)", fe, out)
				}
				d := parseError(t, out)
				if d.ErrorType != tc.wantType || !strings.Contains(d.ErrorMessage, tc.wantMsg) {
					t.Fatalf("error = %+v, want type %s and message containing %q", d, tc.wantType, tc.wantMsg)
				}
			})
		}
	}
}

// gone reports whether pid has exited (or is a zombie nobody reaps).
func gone(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	i := bytes.LastIndexByte(b, ')')
	return i > 0 && len(b) > i+2 && b[i+2] == 'Z'
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	testutil.WaitFor(t, time.Minute, fmt.Sprintf("process %d to exit", pid), func() bool { return gone(pid) })
}

func mustInvoke(t *testing.T, h *testHost, fn, payload string) lambdahost.Result {
	t.Helper()
	res, err := h.Invoke(context.Background(), fn, []byte(payload))
	if err != nil {
		t.Fatalf("Invoke(%s, %s): %v", fn, payload, err)
	}
	return res
}

func TestRecoveryOnFreshInstance(t *testing.T) {
	cases := []struct {
		name     string
		payload  string
		wantType string
	}{
		{"timeout", `{"action":"sleep","ms":600000}`, "Sandbox.Timedout"},
		{"panic", `{"action":"panic"}`, "string"},
		{"exit", `{"action":"exit","code":0}`, "Runtime.ExitError"},
		{"exit 7", `{"action":"exit","code":7}`, "Runtime.ExitError"},
	}
	fn := echoFn("echo")
	fn.Timeout = 2 * time.Second // also the quick invocations', on a loaded machine
	fn.MaxInstances = 1
	h := newHost(t, lambdahost.Options{}, fn)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := mustInvoke(t, h, "echo", `{"action":"pid"}`)
			pid := parseReply(t, before.Payload).PID

			failed := mustInvoke(t, h, "echo", tc.payload)
			if failed.FunctionError != "Unhandled" || failed.ErrorType != tc.wantType {
				t.Fatalf("got FunctionError %q ErrorType %q (%s), want Unhandled %s", failed.FunctionError, failed.ErrorType, failed.Payload, tc.wantType)
			}
			if failed.Instance != before.Instance {
				t.Fatalf("failing invoke ran on instance %d, want the warm %d", failed.Instance, before.Instance)
			}
			if tc.wantType == "Sandbox.Timedout" && failed.Duration < fn.Timeout {
				t.Errorf("timed out after %v, before the %v timeout", failed.Duration, fn.Timeout)
			}
			waitGone(t, pid)

			after := mustInvoke(t, h, "echo", `{"action":"pid"}`)
			if after.FunctionError != "" {
				t.Fatalf("invoke after %s failed: %s", tc.name, after.Payload)
			}
			if after.Instance == before.Instance || parseReply(t, after.Payload).PID == pid {
				t.Fatalf("invoke after %s ran on instance %d pid %d, want a fresh one", tc.name, after.Instance, parseReply(t, after.Payload).PID)
			}
			if after.InitDuration == 0 {
				t.Errorf("fresh instance reported no init duration")
			}
		})
	}
}

func TestWarmReuse(t *testing.T) {
	h := newHost(t, lambdahost.Options{}, echoFn("echo"))
	first := mustInvoke(t, h, "echo", `{"action":"pid"}`)
	second := mustInvoke(t, h, "echo", `{"action":"pid"}`)
	p1, p2 := parseReply(t, first.Payload), parseReply(t, second.Payload)
	if first.Instance != second.Instance || p1.PID != p2.PID {
		t.Fatalf("sequential invokes ran on instances %d (pid %d) and %d (pid %d), want one warm instance",
			first.Instance, p1.PID, second.Instance, p2.PID)
	}
	if first.InitDuration == 0 || second.InitDuration != 0 {
		t.Errorf("InitDuration = %v then %v, want cold then warm", first.InitDuration, second.InitDuration)
	}
	if p1.ARN != "arn:aws:lambda:us-east-1:"+lambdahost.DefaultAccountID+":function:echo" {
		t.Errorf("InvokedFunctionArn = %q", p1.ARN)
	}
	stats := h.Stats()
	if len(stats) != 2 {
		t.Fatalf("Stats has %d records, want 2: %+v", len(stats), stats)
	}
	for i, res := range []lambdahost.Result{first, second} {
		r := stats[i]
		if r.Function != "echo" || r.RequestID != res.RequestID || r.Instance != res.Instance ||
			r.Duration != res.Duration || r.PeakRSSKB != res.PeakRSSKB || r.ErrorType != "" || r.Start.IsZero() {
			t.Errorf("Stats[%d] = %+v, does not match the result %+v", i, r, res)
		}
	}
	if stats[0].RequestID == stats[1].RequestID {
		t.Errorf("two invocations share request ID %s", stats[0].RequestID)
	}
}

func TestConcurrency(t *testing.T) {
	cases := []struct {
		name         string
		maxInstances int
		invokes      int
		payload      func(dir string) string
		wantDistinct int
	}{
		// Each invocation waits in the function until maxInstances are inside
		// at once, so this passes only if the host runs that many together.
		{"up to MaxInstances together", 3, 7, func(dir string) string {
			return fmt.Sprintf(`{"action":"barrier","dir":%q,"n":3}`, dir)
		}, 3},
		{"waits for the one instance", 1, 4, func(string) string { return `{"action":"sleep","ms":20}` }, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fn := echoFn("echo")
			fn.MaxInstances = tc.maxInstances
			fn.Timeout = 20 * time.Second
			h := newHost(t, lambdahost.Options{}, fn)
			payload := tc.payload(t.TempDir())
			results := make([]lambdahost.Result, tc.invokes)
			errs := make([]error, tc.invokes)
			var wg sync.WaitGroup
			for i := range tc.invokes {
				wg.Go(func() { results[i], errs[i] = h.Invoke(context.Background(), "echo", []byte(payload)) })
			}
			wg.Wait()
			instances, pids := map[int]bool{}, map[int]bool{}
			for i, res := range results {
				if errs[i] != nil || res.FunctionError != "" {
					t.Fatalf("invoke %d: %v %s", i, errs[i], res.Payload)
				}
				instances[res.Instance] = true
				pids[parseReply(t, res.Payload).PID] = true
			}
			if len(instances) != tc.wantDistinct || len(pids) != tc.wantDistinct {
				t.Fatalf("used %d instances (%d pids), want %d", len(instances), len(pids), tc.wantDistinct)
			}
		})
	}
}

func TestCloseKillsEverything(t *testing.T) {
	// Admitted tells when the in-flight invocation below has its turn; it then sleeps
	// far longer than the test, so Close always finds it in flight.
	admitted := make(chan struct{}, 1)
	inFlight := func(name string) {
		if name == "other" {
			select {
			case admitted <- struct{}{}:
			default:
			}
		}
	}
	other := echoFn("other")
	other.Timeout = 10 * time.Minute
	h := newHost(t, lambdahost.Options{Admitted: inFlight}, echoFn("echo"), other)
	spawned := parseReply(t, mustInvoke(t, h, "echo", `{"action":"spawn"}`).Payload)
	warm := parseReply(t, mustInvoke(t, h, "other", `{"action":"pid"}`).Payload)
	<-admitted
	for _, pid := range []int{spawned.PID, spawned.Child, warm.PID} {
		if gone(pid) {
			t.Fatalf("process %d is not running before Close", pid)
		}
	}
	// One invocation in flight when Close comes.
	inflight := make(chan error, 1)
	go func() {
		_, err := h.Invoke(context.Background(), "other", []byte(`{"action":"sleep","ms":600000}`))
		inflight <- err
	}()
	<-admitted
	if err := h.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, pid := range []int{spawned.PID, spawned.Child, warm.PID} {
		waitGone(t, pid)
	}
	if err := <-inflight; !errors.Is(err, lambdahost.ErrClosed) {
		t.Errorf("in-flight invoke returned %v, want ErrClosed", err)
	}
	if _, err := h.Invoke(context.Background(), "echo", []byte(`{"action":"pid"}`)); !errors.Is(err, lambdahost.ErrClosed) {
		t.Errorf("Invoke after Close returned %v, want ErrClosed", err)
	}
}

func TestInvocationTypes(t *testing.T) {
	h := newHost(t, lambdahost.Options{}, echoFn("echo"))
	c := sdkClient(h.url)
	cases := []struct {
		name       string
		typ        types.InvocationType
		wantStatus int32
		wantRuns   int
	}{
		{"DryRun", types.InvocationTypeDryRun, http.StatusNoContent, 0},
		{"Event", types.InvocationTypeEvent, http.StatusAccepted, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(h.Stats())
			out, err := c.Invoke(context.Background(), &lambda.InvokeInput{
				FunctionName: aws.String("echo"), InvocationType: tc.typ, Payload: []byte(`{"action":"pid"}`),
			})
			if err != nil {
				t.Fatalf("Invoke: %v", err)
			}
			if out.StatusCode != tc.wantStatus || len(out.Payload) != 0 {
				t.Fatalf("status %d payload %q, want %d and none", out.StatusCode, out.Payload, tc.wantStatus)
			}
			want := before + tc.wantRuns
			testutil.WaitFor(t, time.Minute, "the invocations to end", func() bool { return len(h.Stats()) >= want })
			stats := h.Stats()
			if len(stats) != want {
				t.Fatalf("%d invocations ran, want %d", len(stats)-before, tc.wantRuns)
			}
			if tc.wantRuns > 0 && stats[len(stats)-1].ErrorType != "" {
				t.Fatalf("event invocation failed: %+v", stats[len(stats)-1])
			}
		})
	}
}

func TestInvokeAPIErrors(t *testing.T) {
	h := newHost(t, lambdahost.Options{}, echoFn("echo"))
	cases := []struct {
		name       string
		path       string
		body       string
		header     map[string]string
		wantStatus int
		wantCode   string
		wantMsg    string
	}{
		{"unknown function", "/2015-03-31/functions/nope/invocations", `{}`, nil, 404, "ResourceNotFoundException", "Function not found: arn:aws:lambda:"},
		{"unknown function ARN", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Anope/invocations", `{}`, nil, 404, "ResourceNotFoundException", ":function:nope"},
		{"not json", "/2015-03-31/functions/echo/invocations", `not json`, nil, 400, "InvalidRequestContentException", "Could not parse"},
		{"bad invocation type", "/2015-03-31/functions/echo/invocations", `{}`, map[string]string{"X-Amz-Invocation-Type": "Later"}, 400, "InvalidParameterValueException", "invocationType"},
		{"other operation", "/2015-03-31/functions/echo", ``, nil, 404, "UnknownOperationException", "Unknown operation"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, h.url+tc.path, strings.NewReader(tc.body))
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct{ Type, Message string }
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatalf("body: %v", err)
			}
			if resp.StatusCode != tc.wantStatus || resp.Header.Get("X-Amzn-ErrorType") != tc.wantCode ||
				body.Type != "User" || !strings.Contains(body.Message, tc.wantMsg) {
				t.Fatalf("got %d %s %+v, want %d %s with message containing %q",
					resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), body, tc.wantStatus, tc.wantCode, tc.wantMsg)
			}
		})
	}

	t.Run("sdk unknown function", func(t *testing.T) {
		_, err := sdkClient(h.url).Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("nope")})
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Fatalf("err = %v, want ResourceNotFoundException", err)
		}
	})
	t.Run("Host.Invoke unknown function", func(t *testing.T) {
		if _, err := h.Invoke(context.Background(), "nope", nil); !errors.Is(err, lambdahost.ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
	})
}

func TestEnvironmentAndLogs(t *testing.T) {
	fn := echoFn("echo")
	fn.Env = map[string]string{"ECHO_CUSTOM": "from template", "AWS_LAMBDA_FUNCTION_NAME": "cannot override"}
	fn.MemoryMB = 256
	h := newHost(t, lambdahost.Options{Region: "eu-west-1"}, fn)
	res := mustInvoke(t, h, "echo", `{"action":"env"}`)
	env := parseReply(t, res.Payload).Env
	want := map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        "echo",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_REGION":                      "eu-west-1",
		"_HANDLER":                        "bootstrap",
		"ECHO_CUSTOM":                     "from template",
	}
	for k, v := range want {
		t.Run(k, func(t *testing.T) {
			if env[k] != v {
				t.Fatalf("%s = %q, want %q", k, env[k], v)
			}
		})
	}
	t.Run("AWS_LAMBDA_RUNTIME_API", func(t *testing.T) {
		if !strings.HasPrefix(env["AWS_LAMBDA_RUNTIME_API"], "127.0.0.1:") {
			t.Fatalf("AWS_LAMBDA_RUNTIME_API = %q", env["AWS_LAMBDA_RUNTIME_API"])
		}
	})
	t.Run("deadline", func(t *testing.T) {
		ms, err := strconv.Atoi(env["deadline_ms"])
		if err != nil || ms <= 0 || ms > int(fn.Timeout.Milliseconds()) {
			t.Fatalf("deadline in %q ms, want within the %v timeout", env["deadline_ms"], fn.Timeout)
		}
	})
	t.Run("logs", func(t *testing.T) {
		logged := mustInvoke(t, h, "echo", `{"action":"log","msg":"hello from echo"}`)
		wants := []string{"[echo] hello from echo\n", "[echo] START RequestId: " + logged.RequestID, "[echo] REPORT RequestId: " + logged.RequestID}
		testutil.WaitFor(t, time.Minute, fmt.Sprintf("the logs to have %q", wants), func() bool { return all(h.logs.String(), wants) })
	})
}

func all(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func TestInitErrors(t *testing.T) {
	cases := []struct {
		name     string
		init     string
		wantType string
		wantMsg  string
	}{
		{"posted init error", "post-error", "ConfigError", "missing setting"},
		{"exit during init", "exit", "Runtime.InitError", "exit status 2"},
		{"init timeout", "hang", "Sandbox.Timedout", "Init timed out after 0.30 seconds"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fn := echoFn("init-" + tc.init)
			fn.Env = map[string]string{"ECHO_INIT": tc.init}
			// Only the hanging init meets the short timeout: a loaded machine may take
			// longer than it to start the others (each instance's /tmp mount is one
			// more exec, sandbox_linux.go).
			timeout := 300 * time.Millisecond
			if tc.init != "hang" {
				timeout = 30 * time.Second
			}
			h := newHost(t, lambdahost.Options{InitTimeout: timeout}, fn)
			for attempt := range 2 { // the next invoke tries a fresh instance and fails again
				res := mustInvoke(t, h, "init-"+tc.init, `{"action":"pid"}`)
				d := parseError(t, res.Payload)
				if res.FunctionError != "Unhandled" || res.ErrorType != tc.wantType || d.ErrorType != tc.wantType ||
					!strings.Contains(d.ErrorMessage, tc.wantMsg) {
					t.Fatalf("attempt %d: got %q %q %s, want Unhandled %s containing %q",
						attempt, res.FunctionError, res.ErrorType, res.Payload, tc.wantType, tc.wantMsg)
				}
				if res.Instance != attempt+1 {
					t.Fatalf("attempt %d ran on instance %d, want a new instance %d", attempt, res.Instance, attempt+1)
				}
			}
		})
	}
}

func TestPeakMemory(t *testing.T) {
	h := newHost(t, lambdahost.Options{}, echoFn("echo"))
	cases := []struct {
		name    string
		payload string
		minKB   int64
		maxKB   int64
	}{
		{"allocating 64 MiB", `{"action":"alloc","mb":64,"ms":100}`, 60 << 10, 1 << 30},
		{"small invoke after it on the same instance", `{"action":"pid"}`, 1, 40 << 10},
	}
	instance := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := mustInvoke(t, h, "echo", tc.payload)
			if res.FunctionError != "" {
				t.Fatalf("failed: %s", res.Payload)
			}
			if instance != 0 && res.Instance != instance {
				t.Fatalf("ran on instance %d, want the warm %d", res.Instance, instance)
			}
			instance = res.Instance
			if res.PeakRSSKB < tc.minKB || res.PeakRSSKB > tc.maxKB {
				t.Fatalf("PeakRSSKB = %d, want in [%d, %d]", res.PeakRSSKB, tc.minKB, tc.maxKB)
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	cases := []struct {
		name string
		fns  []lambdahost.Function
		want string
	}{
		{"missing bootstrap", []lambdahost.Function{{Name: "x", Path: filepath.Join(t.TempDir(), "bootstrap")}}, "no such file"},
		{"not executable", []lambdahost.Function{{Name: "x", Path: writeFile(t, "bootstrap", 0o644)}}, "not an executable"},
		{"duplicate", []lambdahost.Function{echoFn("x"), echoFn("x")}, "defined twice"},
		{"name with colon", []lambdahost.Function{echoFn("a:b")}, "plain Lambda function name"},
		{"negative reserved concurrency", []lambdahost.Function{reservedFn(-1)}, "reserved concurrency -1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := lambdahost.New(tc.fns, lambdahost.Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func writeFile(t *testing.T, name string, mode os.FileMode) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestInvokePath(t *testing.T) {
	cases := []struct {
		path   string
		want   string
		wantOK bool
	}{
		{"/2015-03-31/functions/echo/invocations", "echo", true},
		{"/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aecho/invocations", "arn:aws:lambda:us-east-1:123456789012:function:echo", true},
		{"/2015-03-31/functions/echo", "", false},
		{"/2015-03-31/functions//invocations", "", false},
		{"/2015-03-31/functions/a/b/invocations", "", false},
		{"/2015-03-31/functions", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			got, ok := lambdahost.InvokePath(tc.path)
			if got != tc.want || ok != tc.wantOK {
				t.Fatalf("InvokePath = %q, %v; want %q, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

// TestLimits: a function's process gets Lambda's quotas
// (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html) while it
// runs: passing its MemorySize kills the process in the middle of the invocation,
// which fails with Runtime.OutOfMemory and AWS's "signal: killed"; the 1,025th open
// file fails (EMFILE); a write past /tmp's ephemeral storage fails with ENOSPC (a
// tmpfs), or, where no tmpfs can be mounted, the process is killed once the watched
// directory passes it. A handler that was killed never reaches the end of its
// action (the "done" mark). With NoLimits the same invocations succeed.
func TestLimits(t *testing.T) {
	fn := echoFn("echo")
	fn.MemoryMB, fn.EphemeralMB, fn.Timeout = 128, 1, time.Minute // a loaded machine is slow to touch 200 MB
	fn.MaxInstances = 1
	type limitCase struct {
		name, payload, errType, errText string
		killed                          bool // the handler must not reach its end
	}
	memory := limitCase{"memory", `{"action":"alloc","mb":200,"ms":%d,"dir":%q}`, "Runtime.OutOfMemory",
		"Error: Runtime exited with error: signal: killed", true}
	files := limitCase{"files", `{"action":"files","n":1100}`, "", "too many open files", false}
	tmpfs := limitCase{"tmp", `{"action":"tmp","mb":2,"ms":%d,"dir":%q}`, "PathError", "no space left on device", true}
	watched := limitCase{"tmp watched", `{"action":"tmp","mb":2,"ms":%d,"dir":%q}`, "Runtime.EphemeralStorageExceeded",
		"EphemeralStorage of 1 MB", true}
	run := func(t *testing.T, h *testHost, tc limitCase, noLimits bool) {
		dir := t.TempDir()
		payload := tc.payload
		if strings.Contains(payload, "%q") {
			// Within the limits the handler holds what it took briefly. Past them it
			// holds it for half the timeout, a bound no loaded machine's watch comes
			// near, and then marks its end: only a kill while it runs leaves no mark.
			hold := fn.Timeout.Milliseconds() / 2
			if noLimits {
				hold = 100
			}
			payload = fmt.Sprintf(payload, hold, dir)
		}
		pid := parseReply(t, mustInvoke(t, h, "echo", `{"action":"pid"}`).Payload).PID
		res := mustInvoke(t, h, "echo", payload)
		_, statErr := os.Stat(filepath.Join(dir, "done"))
		if noLimits {
			if res.FunctionError != "" {
				t.Fatalf("with NoLimits: %s", res.Payload)
			}
			return
		}
		d := parseError(t, res.Payload)
		if res.FunctionError == "" || (tc.errType != "" && d.ErrorType != tc.errType) || !strings.Contains(d.ErrorMessage, tc.errText) {
			t.Fatalf("got %s %s, want a failure %s naming %q", res.FunctionError, res.Payload, tc.errType, tc.errText)
		}
		if tc.killed && statErr == nil {
			t.Fatalf("the handler ran to its end: the limit was checked after the invocation, not while it ran")
		}
		if tc.errType == "Runtime.OutOfMemory" && (res.PeakRSSKB <= int64(fn.MemoryMB)<<10 || res.Duration <= 0) {
			t.Fatalf("killed for its memory with PeakRSSKB %d and Duration %v: want the peak past %d MB and the time it ran", res.PeakRSSKB, res.Duration, fn.MemoryMB)
		}
		if tc.errType == "Runtime.OutOfMemory" || tc.errType == "Runtime.EphemeralStorageExceeded" {
			waitGone(t, pid)
		}
	}
	for _, noLimits := range []bool{false, true} {
		h := newHost(t, lambdahost.Options{NoLimits: noLimits}, fn)
		cases := []limitCase{memory, files}
		if lambdahost.TmpfsAvailable() || noLimits {
			cases = append(cases, tmpfs)
		} else {
			t.Logf("no tmpfs can be mounted here: only the watched /tmp is tested")
		}
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s/noLimits=%v", tc.name, noLimits), func(t *testing.T) { run(t, h, tc, noLimits) })
		}
	}
	t.Run("tmp watched/noLimits=false", func(t *testing.T) {
		h := newHost(t, lambdahost.Options{}, fn)
		lambdahost.WatchTmpDir(h.Host)
		run(t, h, watched, false)
	})
	h := newHost(t, lambdahost.Options{}, fn, echoFn("other"))
	a := parseReply(t, mustInvoke(t, h, "echo", `{"action":"tmp","mb":0}`).Payload).Env["TMPDIR"]
	b := parseReply(t, mustInvoke(t, h, "other", `{"action":"tmp","mb":0}`).Payload).Env["TMPDIR"]
	if a == "" || a == b || a == os.TempDir() {
		t.Fatalf("TMPDIRs %q and %q: want each instance its own /tmp", a, b)
	}
}

// TestPayloadLimits: a synchronous request over 6 MB and an Event over 1 MB are refused
// with Lambda's RequestTooLargeException (https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html);
// at the limit they pass.
func TestPayloadLimits(t *testing.T) {
	h := newHost(t, lambdahost.Options{}, echoFn("echo"))
	payload := func(n int) []byte {
		return []byte(`{"action":"pid","msg":"` + strings.Repeat("a", n-len(`{"action":"pid","msg":""}`)) + `"}`)
	}
	cases := []struct {
		typ  types.InvocationType
		size int
		ok   bool
	}{
		{types.InvocationTypeRequestResponse, lambdahost.MaxSyncPayload, true},
		{types.InvocationTypeRequestResponse, lambdahost.MaxSyncPayload + 1, false},
		{types.InvocationTypeEvent, lambdahost.MaxAsyncPayload, true},
		{types.InvocationTypeEvent, lambdahost.MaxAsyncPayload + 1, false},
	}
	for _, tc := range cases {
		_, err := sdkClient(h.url).Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("echo"), InvocationType: tc.typ, Payload: payload(tc.size)})
		var tooLarge *types.RequestTooLargeException
		if tc.ok && err != nil || !tc.ok && !errors.As(err, &tooLarge) {
			t.Errorf("%s of %d bytes: %v; want ok=%v, else RequestTooLargeException", tc.typ, tc.size, err, tc.ok)
		}
	}
}

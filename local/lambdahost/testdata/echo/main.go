// Command echo is the Lambda function lambdahost's tests run: a real
// aws-lambda-go bootstrap whose event says what to do.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// event is what an invocation asks for; Action selects the behaviour.
type event struct {
	Action string `json:"action"`
	MS     int    `json:"ms"`   // sleep, alloc: how long
	MB     int    `json:"mb"`   // alloc: how much
	Code   int    `json:"code"` // exit: the status
	Msg    string `json:"msg"`  // fail, log
	Dir    string `json:"dir"`  // barrier: the rendezvous directory; alloc, tmp: where to mark the end
	N      int    `json:"n"`    // barrier: how many must meet; files: how many to open
}

// InputError is the named error type the "fail" action returns.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return "bad input: " + e.Msg }

type reply struct {
	PID    int               `json:"pid"`
	Child  int               `json:"child,omitempty"`
	ARN    string            `json:"arn,omitempty"`
	Env    map[string]string `json:"env,omitempty"`
	Slept  int               `json:"slept,omitempty"`
	Joined int               `json:"joined,omitempty"`
}

func handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var ev event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, err
	}
	me := reply{PID: os.Getpid()}
	switch ev.Action {
	case "echo":
		return bytes.NewReader(raw), nil // as-is, byte for byte
	case "fail":
		return nil, &InputError{Msg: ev.Msg}
	case "sleep": // ignores the deadline, so only the host can stop it
		time.Sleep(time.Duration(ev.MS) * time.Millisecond)
		me.Slept = ev.MS
	case "panic":
		panic("boom: " + ev.Msg)
	case "exit":
		os.Exit(ev.Code)
	case "pid":
		if lc, ok := lambdacontext.FromContext(ctx); ok {
			me.ARN = lc.InvokedFunctionArn
		}
	case "env":
		me.Env = map[string]string{}
		for _, k := range []string{"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
			"AWS_LAMBDA_FUNCTION_VERSION", "AWS_REGION", "_HANDLER", "AWS_LAMBDA_RUNTIME_API", "ECHO_CUSTOM"} {
			me.Env[k] = os.Getenv(k)
		}
		if d, ok := ctx.Deadline(); ok {
			me.Env["deadline_ms"] = fmt.Sprint(time.Until(d).Milliseconds())
		}
	case "log":
		log.SetFlags(0)
		log.Print(ev.Msg)
	case "spawn": // a child that outlives the handler, in the same process group
		self, err := os.Executable()
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), "ECHO_CHILD=1")
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		me.Child = cmd.Process.Pid
	case "alloc": // touch MB megabytes, hold them MS, give them back
		b := make([]byte, ev.MB<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		time.Sleep(time.Duration(ev.MS) * time.Millisecond)
		runtime.KeepAlive(b)
		b = nil
		debug.FreeOSMemory()
		if err := mark(ev.Dir); err != nil {
			return nil, err
		}
	case "files": // hold N open files at once
		var open []*os.File
		defer func() {
			for _, f := range open {
				f.Close()
			}
		}()
		for i := 0; i < ev.N; i++ {
			f, err := os.Open(os.DevNull)
			if err != nil {
				return nil, fmt.Errorf("after %d open files: %w", len(open), err)
			}
			open = append(open, f)
		}
	case "tmp": // leave MB megabytes in the function's /tmp, then wait MS
		if err := os.WriteFile(filepath.Join(os.TempDir(), "big"), make([]byte, ev.MB<<20), 0o644); err != nil {
			return nil, err
		}
		time.Sleep(time.Duration(ev.MS) * time.Millisecond)
		if err := mark(ev.Dir); err != nil {
			return nil, err
		}
		me.Env = map[string]string{"TMPDIR": os.TempDir()}
	case "barrier": // wait until N invocations are inside at once
		if err := os.WriteFile(filepath.Join(ev.Dir, fmt.Sprint(os.Getpid())), nil, 0o644); err != nil {
			return nil, err
		}
		for {
			ents, err := os.ReadDir(ev.Dir)
			if err != nil {
				return nil, err
			}
			if len(ents) >= ev.N {
				me.Joined = len(ents)
				break
			}
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("barrier: %d of %d arrived: %w", len(ents), ev.N, ctx.Err())
			case <-time.After(2 * time.Millisecond):
			}
		}
	default:
		return nil, fmt.Errorf("unknown action %q", ev.Action)
	}
	return me, nil
}

// mark leaves a file named "done" in dir (when set): the handler got that far.
func mark(dir string) error {
	if dir == "" {
		return nil
	}
	return os.WriteFile(filepath.Join(dir, "done"), nil, 0o644)
}

// postInitError reports a failed init through the Runtime API, as a custom
// runtime would, then exits.
func postInitError() {
	api := os.Getenv("AWS_LAMBDA_RUNTIME_API")
	req, _ := http.NewRequest(http.MethodPost, "http://"+api+"/2018-06-01/runtime/init/error",
		bytes.NewReader([]byte(`{"errorMessage":"missing setting","errorType":"ConfigError"}`)))
	req.Header.Set("Lambda-Runtime-Function-Error-Type", "ConfigError")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	os.Exit(1)
}

func main() {
	switch {
	case os.Getenv("ECHO_CHILD") == "1":
		time.Sleep(time.Minute)
		return
	case os.Getenv("ECHO_INIT") == "post-error":
		postInitError()
	case os.Getenv("ECHO_INIT") == "exit":
		fmt.Fprintln(os.Stderr, "init: giving up")
		os.Exit(2)
	case os.Getenv("ECHO_INIT") == "hang":
		time.Sleep(time.Minute)
	}
	lambda.Start(handle)
}

package lambdahost

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"
)

// Runtime API header names, as aws-lambda-go's runtime client reads and writes them.
const (
	headerRequestID     = "Lambda-Runtime-Aws-Request-Id"
	headerDeadlineMS    = "Lambda-Runtime-Deadline-Ms"
	headerFunctionARN   = "Lambda-Runtime-Invoked-Function-Arn"
	headerTraceID       = "Lambda-Runtime-Trace-Id"
	headerClientContext = "Lambda-Runtime-Client-Context"
	headerErrorType     = "Lambda-Runtime-Function-Error-Type"
	trailerErrorBody    = "Lambda-Runtime-Function-Error-Body"
)

// instance is one process of a function with its own Runtime API server
// (AWS_LAMBDA_RUNTIME_API=127.0.0.1:PORT). It serves one invocation at a time.
type instance struct {
	f       *function
	seq     int
	pid     int
	tmp     string // the instance's private TMPDIR, its /tmp
	tmpfs   bool   // tmp is a tmpfs of the function's EphemeralMB (sandbox_linux.go)
	srv     *http.Server
	started time.Time

	next      chan *invocation // unbuffered: the handoff to the runtime's GET /next
	ready     chan struct{}    // closed on the first GET /next: init is done
	readyOnce sync.Once
	initErr   chan outcome  // the runtime's POST /runtime/init/error
	exited    chan struct{} // closed when the process has exited
	exitErr   error         // set before exited is closed
	stop      chan struct{} // closed by kill
	killOnce  sync.Once
	extension atomic.Bool // an extension registered: SIGTERM before SIGKILL on Close

	used bool // init is done; touched only by the invoker holding the instance

	mu      sync.Mutex
	current *invocation // handed to the runtime, no response yet
}

// invocation is one event on its way through an instance.
type invocation struct {
	id            string
	payload       []byte
	arn           string
	traceID       string
	clientContext string
	deadline      time.Time    // set before the handoff
	done          chan outcome // buffered 1: the runtime's response or error
}

// outcome is what the runtime posted for an invocation.
type outcome struct {
	payload []byte
	errType string
	failed  bool
}

func (o outcome) result() Result {
	r := Result{Payload: o.payload}
	if o.failed {
		r.FunctionError = "Unhandled"
		r.ErrorType = o.errType
	}
	return r
}

// start launches a new instance: its Runtime API server, then the process.
func (f *function) start(seq int) (*instance, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtime api listener: %w", err)
	}
	inst := &instance{
		f:       f,
		seq:     seq,
		next:    make(chan *invocation),
		ready:   make(chan struct{}),
		initErr: make(chan outcome, 1),
		exited:  make(chan struct{}),
		stop:    make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", inst.handleNext)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", inst.handleResponse)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", inst.handleError)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", inst.handleInitError)
	mux.HandleFunc("POST /2020-01-01/extension/register", inst.handleRegister)
	mux.HandleFunc("GET /2020-01-01/extension/event/next", inst.handleExtensionNext)
	inst.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 30 * time.Second}
	go inst.srv.Serve(ln)

	tmp, err := os.MkdirTemp("", "lambda-tmp-"+f.Name+"-")
	if err != nil {
		inst.srv.Close()
		return nil, fmt.Errorf("private /tmp: %w", err)
	}
	inst.tmp = tmp
	tmpMB := 0
	if !f.h.opts.NoLimits && f.h.tmpfs {
		inst.tmpfs, tmpMB = true, f.EphemeralMB
	}
	cmd := newCommand(f.Path, f.environ(ln.Addr().String()), tmp, tmpMB)
	cmd.Dir = filepath.Dir(f.Path)
	var logR, logW *os.File
	if f.h.sink.enabled() {
		if logR, logW, err = os.Pipe(); err != nil {
			inst.srv.Close()
			return nil, fmt.Errorf("log pipe: %w", err)
		}
		cmd.Stdout, cmd.Stderr = logW, logW
	}
	inst.started = time.Now()
	err = cmd.Start()
	if logW != nil {
		logW.Close()
	}
	if err != nil {
		if logR != nil {
			logR.Close()
		}
		inst.srv.Close()
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("start %s: %w", f.Path, err)
	}
	inst.pid = cmd.Process.Pid
	if !f.h.opts.NoLimits {
		if err := limitFiles(inst.pid, MaxFiles); err != nil {
			fmt.Fprintf(os.Stderr, "lambdahost: %s: limit file descriptors: %v\n", f.Name, err)
		}
	}
	if logR != nil {
		go f.h.sink.copyLines(f.Name, logR)
	}
	go func() {
		inst.exitErr = cmd.Wait()
		signalGroup(inst.pid, syscall.SIGKILL) // orphans the bootstrap left behind
		os.RemoveAll(tmp)
		close(inst.exited)
	}()

	f.mu.Lock()
	if f.h.closed.Load() {
		f.mu.Unlock()
		inst.kill()
		<-inst.exited
		return nil, ErrClosed
	}
	f.all[inst] = struct{}{}
	f.mu.Unlock()
	return inst, nil
}

// environ is the process environment: PATH, the function's Env, then the
// variables Lambda reserves.
func (f *function) environ(runtimeAPI string) []string {
	env := map[string]string{
		"PATH":               "/usr/local/bin:/usr/bin:/bin",
		"TZ":                 ":UTC",
		"AWS_REGION":         f.h.region,
		"AWS_DEFAULT_REGION": f.h.region,
	}
	if p := os.Getenv("PATH"); p != "" {
		env["PATH"] = p
	}
	for k, v := range f.Env {
		env[k] = v
	}
	dir := filepath.Dir(f.Path)
	for k, v := range map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        f.Name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(f.MemoryMB),
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + f.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME":      time.Now().UTC().Format("2006/01/02") + "/[$LATEST]" + newRequestID()[:8],
		"AWS_LAMBDA_RUNTIME_API":          runtimeAPI,
		"LAMBDA_TASK_ROOT":                dir,
		"LAMBDA_RUNTIME_DIR":              dir,
		"_HANDLER":                        "bootstrap",
	} {
		env[k] = v
	}
	list := make([]string, 0, len(env))
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	sort.Strings(list)
	return list
}

// serve runs inv on inst, which the caller took from the pool. retry is true
// when a warm instance turned out to have died while idle, before it took inv.
func (inst *instance) serve(inv *invocation) (o runOutcome, retry bool) {
	f, h := inst.f, inst.f.h
	var initDur time.Duration
	cold := !inst.used
	if cold {
		t := time.NewTimer(h.opts.InitTimeout)
		defer t.Stop()
		select {
		case <-inst.ready:
			initDur = time.Since(inst.started)
		case oc := <-inst.initErr:
			return inst.failInit(inv, oc), false
		case <-inst.exited:
			select {
			case oc := <-inst.initErr:
				return inst.failInit(inv, oc), false
			default:
			}
			return inst.failInit(inv, failure("Runtime.InitError", inst.exitMessage(inv))), false
		case <-t.C:
			msg := fmt.Sprintf("RequestId: %s Error: Init timed out after %.2f seconds", inv.id, h.opts.InitTimeout.Seconds())
			return inst.failInit(inv, failure(ErrTimedOut, msg)), false
		case <-h.closing:
			f.put(inst, false)
			return runOutcome{err: ErrClosed}, false
		}
		inst.used = true
	}

	mem := inst.watch()
	begin := time.Now()
	inv.deadline = begin.Add(f.Timeout)
	timer := time.NewTimer(f.Timeout)
	defer timer.Stop()
	h.sink.printf(f.Name, "START RequestId: %s Version: $LATEST", inv.id)

	// closed ends the invocation when the host closes under it.
	closed := func() (runOutcome, bool) {
		mem.peak()
		f.put(inst, false)
		return runOutcome{err: ErrClosed}, false
	}
	var (
		res      Result
		healthy  bool
		timedOut bool
	)
	select {
	case inst.next <- inv:
		select {
		case oc := <-inv.done:
			res, healthy = oc.result(), true
		case <-inst.exited:
			select {
			case oc := <-inv.done: // posted just before exiting, like a panic
				res = oc.result()
			default:
				res = errorResult(inv.id, "Runtime.ExitError", inst.exitMessage(inv))
			}
		case <-timer.C:
			timedOut = true
		case <-h.closing:
			return closed()
		}
	case <-inst.exited:
		if !cold {
			mem.peak()
			f.put(inst, false)
			return runOutcome{}, true
		}
		res = errorResult(inv.id, "Runtime.ExitError", inst.exitMessage(inv))
	case <-timer.C:
		timedOut = true
	case <-h.closing:
		return closed()
	}
	if timedOut {
		res = errorResult(inv.id, ErrTimedOut, fmt.Sprintf("RequestId: %s Error: %s", inv.id, TimedOutMessage(f.Timeout)))
	}
	peak, over := mem.peak() // before a timed-out process is killed
	if !h.opts.NoLimits && over == withinLimits {
		over = inst.overAfter(peak)
	}
	if over != withinLimits {
		res, healthy = inst.limitResult(inv, over), false
	}
	res.Duration = time.Since(begin)
	res.PeakRSSKB = peak
	res.RequestID = inv.id
	res.Instance = inst.seq
	res.InitDuration = initDur
	f.put(inst, healthy)
	h.finish(f, inv, res, begin)
	return runOutcome{res: res}, false
}

// watch starts watching the process for one invocation, with the limits it
// enforces unless Options.NoLimits.
func (inst *instance) watch() *memWatch {
	if inst.f.h.opts.NoLimits {
		return watchMemory(inst.pid, 0, "", 0)
	}
	var tmpLimit int64
	if !inst.tmpfs {
		tmpLimit = int64(inst.f.EphemeralMB) << 20
	}
	return watchMemory(inst.pid, int64(inst.f.MemoryMB)*1024, inst.tmp, tmpLimit)
}

// failInit ends an invocation whose instance failed to init, and the instance.
func (inst *instance) failInit(inv *invocation, oc outcome) runOutcome {
	f := inst.f
	f.put(inst, false)
	res := oc.result()
	res.RequestID = inv.id
	res.Instance = inst.seq
	res.InitDuration = time.Since(inst.started)
	f.h.sink.printf(f.Name, "START RequestId: %s Version: $LATEST", inv.id)
	f.h.finish(f, inv, res, time.Now())
	return runOutcome{res: res}
}

// exitMessage is the error message of inv when the process exited under it.
func (inst *instance) exitMessage(inv *invocation) string {
	if inst.exitErr == nil {
		return fmt.Sprintf("RequestId: %s Error: Runtime exited without providing a reason", inv.id)
	}
	return fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %v", inv.id, inst.exitErr)
}

// kill ends the process and its group and stops the Runtime API server; it
// does not wait.
func (inst *instance) kill() {
	inst.killOnce.Do(func() {
		if inst.pid > 0 {
			signalGroup(inst.pid, syscall.SIGKILL)
		}
		close(inst.stop)
		inst.srv.Close()
	})
}

// shutdown kills the instance and waits for it to exit. An instance with a
// registered extension gets SIGTERM and half a second first, as on AWS.
func (inst *instance) shutdown() error {
	if inst.extension.Load() {
		signalGroup(inst.pid, syscall.SIGTERM)
		select {
		case <-inst.exited:
		case <-time.After(500 * time.Millisecond):
		}
	}
	inst.kill()
	select {
	case <-inst.exited:
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("function %s instance %d (pid %d) did not exit", inst.f.Name, inst.seq, inst.pid)
	}
}

// take claims the invocation with request ID id, once.
func (inst *instance) take(id string) *invocation {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	inv := inst.current
	if inv == nil || inv.id != id {
		return nil
	}
	inst.current = nil
	return inv
}

// readBody reads up to limit bytes of r's body; on a read error it answers
// InvalidRequest and returns false.
func readBody(w http.ResponseWriter, r *http.Request, limit int64, what string) ([]byte, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, limit))
	if err != nil {
		runtimeError(w, http.StatusBadRequest, "InvalidRequest", what+err.Error())
		return nil, false
	}
	return body, true
}

// readInvocation reads the body of a post for the invocation named in the
// path and takes that invocation; when either fails it answers the error
// itself and returns a nil invocation.
func (inst *instance) readInvocation(w http.ResponseWriter, r *http.Request, limit int64, what string) ([]byte, *invocation) {
	body, ok := readBody(w, r, limit, what)
	if !ok {
		return nil, nil
	}
	inv := inst.take(r.PathValue("id"))
	if inv == nil {
		runtimeError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
	}
	return body, inv
}

// handleNext is GET /runtime/invocation/next: it long-polls for the next event.
func (inst *instance) handleNext(w http.ResponseWriter, r *http.Request) {
	inst.readyOnce.Do(func() { close(inst.ready) })
	select {
	case inv := <-inst.next:
		inst.mu.Lock()
		inst.current = inv
		inst.mu.Unlock()
		hd := w.Header()
		hd.Set(headerRequestID, inv.id)
		hd.Set(headerDeadlineMS, strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		hd.Set(headerFunctionARN, inv.arn)
		hd.Set(headerTraceID, inv.traceID)
		if inv.clientContext != "" {
			hd.Set(headerClientContext, inv.clientContext)
		}
		hd.Set("Content-Type", "application/json")
		hd.Set("Content-Length", strconv.Itoa(len(inv.payload)))
		w.WriteHeader(http.StatusOK)
		w.Write(inv.payload)
	case <-r.Context().Done():
	case <-inst.stop:
	}
}

// handleResponse is POST /runtime/invocation/{id}/response.
func (inst *instance) handleResponse(w http.ResponseWriter, r *http.Request) {
	// One byte over the limit tells a too-large response from one at the limit.
	body, inv := inst.readInvocation(w, r, MaxSyncPayload+1, "read response: ")
	if inv == nil {
		return
	}
	if len(body) > MaxSyncPayload {
		msg := fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", MaxSyncPayload)
		inv.done <- failure("Function.ResponseSizeTooLarge", msg)
		runtimeError(w, http.StatusRequestEntityTooLarge, "Function.ResponseSizeTooLarge", msg)
		return
	}
	// aws-lambda-go reports an error while streaming the body in trailers.
	if et := r.Trailer.Get(headerErrorType); et != "" {
		doc, _ := base64.StdEncoding.DecodeString(r.Trailer.Get(trailerErrorBody))
		inv.done <- errorOutcome(doc, et)
	} else {
		inv.done <- outcome{payload: body}
	}
	accepted(w)
}

// handleError is POST /runtime/invocation/{id}/error.
func (inst *instance) handleError(w http.ResponseWriter, r *http.Request) {
	body, inv := inst.readInvocation(w, r, MaxSyncPayload, "read error: ")
	if inv == nil {
		return
	}
	inv.done <- errorOutcome(body, r.Header.Get(headerErrorType))
	accepted(w)
}

// handleInitError is POST /runtime/init/error, allowed before the first next.
func (inst *instance) handleInitError(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r, MaxSyncPayload, "read error: ")
	if !ok {
		return
	}
	select {
	case <-inst.ready:
		runtimeError(w, http.StatusForbidden, "InvalidStateTransition", "State transition from Ready to InitError failed for runtime")
		return
	default:
	}
	select {
	case inst.initErr <- errorOutcome(body, r.Header.Get(headerErrorType)):
	default: // the first one counts
	}
	accepted(w)
}

// handleRegister is the Extensions API's register; aws-lambda-go uses it to
// get SIGTERM on shutdown (lambda.WithEnableSIGTERM).
func (inst *instance) handleRegister(w http.ResponseWriter, r *http.Request) {
	inst.extension.Store(true)
	w.Header().Set("Lambda-Extension-Identifier", newRequestID())
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	json.NewEncoder(w).Encode(map[string]string{
		"functionName": inst.f.Name, "functionVersion": "$LATEST", "handler": "bootstrap",
	})
}

// handleExtensionNext blocks until the instance shuts down.
func (inst *instance) handleExtensionNext(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-inst.stop:
	}
}

// errorOutcome turns a posted error document into an outcome. A body that is
// not a JSON object becomes the errorMessage of one.
func errorOutcome(body []byte, headerType string) outcome {
	var doc struct {
		ErrorType string `json:"errorType"`
	}
	if len(body) > 0 && body[0] == '{' && json.Unmarshal(body, &doc) == nil {
		return outcome{payload: body, errType: cmp.Or(doc.ErrorType, headerType, "Unhandled"), failed: true}
	}
	return failure(cmp.Or(headerType, "Unhandled"), string(body))
}

// failure is an error outcome the host makes up: an error document of errType.
func failure(errType, msg string) outcome {
	return outcome{payload: errorResult("", errType, msg).Payload, errType: errType, failed: true}
}

func accepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, `{"status":"OK"}`)
}

func runtimeError(w http.ResponseWriter, status int, errType, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(messages.InvokeResponse_Error{Message: msg, Type: errType})
}

// newCommand runs a function's bootstrap path with env and TMPDIR tmp, isolated
// as this OS allows (isolate: proc_linux.go, proc_other.go).
func newCommand(path string, env []string, tmp string, tmpMB int) *exec.Cmd {
	cmd := exec.Command(path)
	cmd.Env = append(env, "TMPDIR="+tmp)
	isolate(cmd, tmpMB)
	return cmd
}

// ErrTimedOut is the errorType Lambda answers for an invocation past its
// function's Timeout (or an init past its own), Sandbox.Timedout
// (https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html).
const ErrTimedOut = "Sandbox.Timedout"

// TimedOutMessage is the errorMessage of an invocation past timeout, after its
// "RequestId: ID Error: " prefix.
func TimedOutMessage(timeout time.Duration) string {
	return fmt.Sprintf("Task timed out after %.2f seconds", timeout.Seconds())
}

package lambdahost

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/google/uuid"
)

// Limits and defaults, the same as AWS Lambda's where AWS has one.
const (
	// MaxSyncPayload is the largest request or response payload of a
	// RequestResponse invocation (6 MB).
	MaxSyncPayload = 6 << 20
	// MaxAsyncPayload is the largest payload of an Event invocation (1 MB).
	MaxAsyncPayload = 1 << 20
	// DefaultTimeout is the timeout of a Function that sets none.
	DefaultTimeout = 3 * time.Second
	// DefaultMemoryMB is the memory size of a Function that sets none.
	DefaultMemoryMB = 128
	// DefaultEphemeralMB is the /tmp of a Function that sets none (512 MB).
	DefaultEphemeralMB = 512
	// MaxFiles is the file descriptors a function's process may hold (1,024).
	MaxFiles = 1024
	// DefaultInitTimeout bounds the init phase (process start to its first
	// GET /next), as on AWS.
	DefaultInitTimeout = 10 * time.Second
	// DefaultRegion is used when neither Options nor the environment name one.
	DefaultRegion = "us-east-1"
	// DefaultAccountID is the placeholder account in the ARNs the host makes up.
	DefaultAccountID = "123456789012"

	maxRecords = 1 << 16
)

// Errors returned by Invoke (wrapped; test with errors.Is).
var (
	// ErrNotFound: no function with that name or ARN.
	ErrNotFound = errors.New("function not found")
	// ErrClosed: the host is closed.
	ErrClosed = errors.New("lambda host closed")
	// ErrThrottled: the function's reserved concurrency is in use; a synchronous
	// invocation past it is refused, as Lambda refuses it (TooManyRequestsException).
	ErrThrottled = errors.New("rate exceeded: the function's reserved concurrency is in use")
	// ErrInvalidPayload: the payload is not JSON.
	ErrInvalidPayload = errors.New("could not parse request body into json")
	// ErrPayloadTooLarge: the payload exceeds MaxSyncPayload (or MaxAsyncPayload).
	ErrPayloadTooLarge = errors.New("request payload too large")
)

// Function is one Lambda function: its bootstrap executable and configuration.
type Function struct {
	// Name is the function name callers use (also accepted as an ARN ending in
	// ":function:Name", with or without a qualifier).
	Name string
	// Path is the bootstrap executable, built for the host's OS and architecture.
	Path string
	// Env is the function's environment (the template's Environment.Variables).
	// The host adds the variables Lambda reserves (AWS_LAMBDA_*, _HANDLER, ...).
	Env map[string]string
	// Timeout of one invocation; DefaultTimeout when zero.
	Timeout time.Duration
	// MemoryMB is reported to the function as AWS_LAMBDA_FUNCTION_MEMORY_SIZE
	// and in the REPORT log line. DefaultMemoryMB when zero. Unless
	// Options.NoLimits, a process whose RSS passes it is killed while it runs
	// and the invocation fails with Runtime.OutOfMemory (limits.go).
	MemoryMB int
	// EphemeralMB is the size of the function's /tmp: each instance gets a private
	// TMPDIR, and unless Options.NoLimits it is a tmpfs of this size where the
	// system allows one (writes past it fail with ENOSPC), else a directory whose
	// size is watched (limits.go). DefaultEphemeralMB when zero.
	EphemeralMB int
	// MaxInstances is how many instances (processes) of the function may run
	// at once; further invocations wait for a free one. GOMAXPROCS when zero.
	MaxInstances int
	// ReservedConcurrency, when set, is the function's reserved concurrency
	// (ReservedConcurrentExecutions): at most that many of its invocations run at
	// once. A synchronous invocation past it is refused with ErrThrottled (the
	// Invoke API answers 429 TooManyRequestsException), as on AWS, where reserved
	// concurrency "prevents it from scaling beyond that level"
	// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html);
	// an asynchronous (Event) one waits for a free slot, as Lambda returns a
	// throttled event to its queue and retries it for up to 6 hours
	// (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html). 0 refuses every synchronous invocation.
	// Within the reservation, MaxInstances still bounds the processes. nil: no
	// reservation (the account's unreserved concurrency, not limited here).
	ReservedConcurrency *int
}

// Options configure a Host.
type Options struct {
	// Logs receives every function's stdout and stderr, each line prefixed
	// with "[Name] ", and the START/END/REPORT lines of each invocation.
	// Discarded when nil.
	Logs io.Writer
	// Region is the functions' AWS_REGION: Options.Region, else the host's
	// AWS_REGION, else DefaultRegion. A function's own Env can override it.
	Region string
	// AccountID goes into the function ARNs; DefaultAccountID when empty.
	AccountID string
	// InitTimeout bounds a new instance's init phase; DefaultInitTimeout when zero.
	InitTimeout time.Duration
	// NoLimits turns off the quotas Lambda enforces on a function's process
	// beyond the timeout and payload sizes: memory, file descriptors and /tmp.
	NoLimits bool
	// Admitted, when set, is called with the function's name once an invocation
	// holds its slot of the reserved concurrency (if any) and its turn for an
	// instance, before it runs; the invocation waits for it to return. Tests use it
	// to know an invocation is in flight, or to hold it there while others arrive.
	Admitted func(function string)
}

// Result is the outcome of one invocation.
type Result struct {
	// Payload is the function's response, or the error document
	// ({"errorMessage","errorType",...}) when FunctionError is set.
	Payload []byte
	// FunctionError is "Unhandled" when the function failed (returned an
	// error, panicked, exited, timed out or failed to init), as in the
	// X-Amz-Function-Error header; empty on success.
	FunctionError string
	// ErrorType is the errorType of the error document ("" on success).
	ErrorType string
	// RequestID is the invocation's request ID (Lambda-Runtime-Aws-Request-Id).
	RequestID string
	// Duration of the invoke phase (handoff to response), excluding init.
	Duration time.Duration
	// InitDuration is the init phase of a cold start; zero on a warm instance.
	InitDuration time.Duration
	// PeakRSSKB is the peak resident memory of the bootstrap process during
	// this invocation, in KiB (see the package's memory note on Host).
	PeakRSSKB int64
	// Instance numbers the function's instances from 1 in start order; two
	// invocations with the same number ran in the same process.
	Instance int
}

// InvocationRecord is what Stats reports about one finished invocation.
type InvocationRecord struct {
	Function     string
	RequestID    string
	Start        time.Time
	Duration     time.Duration
	InitDuration time.Duration
	PeakRSSKB    int64
	// ErrorType is empty on success.
	ErrorType string
	// ErrorMessage is the errorMessage of the error document, its first KiB.
	ErrorMessage string
	Instance     int
}

// Host runs Functions as local processes. It starts an instance lazily on
// the first invocation, keeps it warm for the next, runs up to MaxInstances
// per function at once, and kills an instance whose invocation times out.
//
// Peak memory: before each invocation the host writes "5" to
// /proc/PID/clear_refs, which resets the kernel's VmHWM (peak RSS) to the
// current RSS, and reads VmHWM from /proc/PID/status every 5ms while the
// invocation runs (to kill a process past its MemorySize, limits.go) and when
// it ends, so PeakRSSKB is exact. Where clear_refs cannot be written (no
// permission, not Linux's procfs) it falls back to the highest VmRSS sampled
// every 5ms during the invocation, which can miss short spikes. Only the
// bootstrap process is measured, not children it starts. PeakRSSKB is 0 when
// the process exited before it could be read, and always 0 off Linux.
type Host struct {
	opts   Options
	region string
	tmpfs  bool // each instance's /tmp is a tmpfs of its size (sandbox_linux.go)
	fns    map[string]*function
	sink   *logSink

	life    sync.Mutex // guards closed transitions against running.Add
	closed  atomic.Bool
	closing chan struct{}
	running sync.WaitGroup

	recMu   sync.Mutex
	records []InvocationRecord

	srvMu sync.Mutex
	srv   *http.Server
	url   string
}

// function is a Function with its pool of instances.
type function struct {
	Function
	h      *Host
	tokens chan struct{} // one per busy instance, capacity MaxInstances
	// reserved holds one token per running invocation, capacity ReservedConcurrency;
	// nil without a reservation. throttles counts the invocations refused.
	reserved  chan struct{}
	throttles atomic.Int64

	mu   sync.Mutex
	idle []*instance // warm instances, most recently used last
	all  map[*instance]struct{}
	seq  int
}

// New checks the functions and returns a Host that has started nothing yet.
func New(fns []Function, opts Options) (*Host, error) {
	h := &Host{
		opts:    opts,
		fns:     make(map[string]*function, len(fns)),
		sink:    newLogSink(opts.Logs),
		closing: make(chan struct{}),
	}
	h.region = opts.Region
	if h.region == "" {
		h.region = os.Getenv("AWS_REGION")
	}
	if h.region == "" {
		h.region = DefaultRegion
	}
	if h.opts.AccountID == "" {
		h.opts.AccountID = DefaultAccountID
	}
	if h.opts.InitTimeout <= 0 {
		h.opts.InitTimeout = DefaultInitTimeout
	}
	h.tmpfs = !h.opts.NoLimits && tmpfsAvailable()
	for _, fn := range fns {
		if fn.Name == "" || strings.ContainsAny(fn.Name, ":/ ") {
			return nil, fmt.Errorf("function name %q: want a plain Lambda function name", fn.Name)
		}
		if _, dup := h.fns[fn.Name]; dup {
			return nil, fmt.Errorf("function %s: defined twice", fn.Name)
		}
		if fn.Path == "" {
			return nil, fmt.Errorf("function %s: no bootstrap path", fn.Name)
		}
		abs, err := filepath.Abs(fn.Path)
		if err != nil {
			return nil, fmt.Errorf("function %s: %w", fn.Name, err)
		}
		st, err := os.Stat(abs)
		if err != nil {
			return nil, fmt.Errorf("function %s: bootstrap: %w", fn.Name, err)
		}
		if !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
			return nil, fmt.Errorf("function %s: bootstrap %s is not an executable file", fn.Name, abs)
		}
		fn.Path = abs
		if fn.Timeout <= 0 {
			fn.Timeout = DefaultTimeout
		}
		if fn.MemoryMB <= 0 {
			fn.MemoryMB = DefaultMemoryMB
		}
		if fn.EphemeralMB <= 0 {
			fn.EphemeralMB = DefaultEphemeralMB
		}
		if fn.MaxInstances <= 0 {
			fn.MaxInstances = runtime.GOMAXPROCS(0)
		}
		f := &function{
			Function: fn,
			h:        h,
			tokens:   make(chan struct{}, fn.MaxInstances),
			all:      map[*instance]struct{}{},
		}
		if r := fn.ReservedConcurrency; r != nil {
			if *r < 0 {
				return nil, fmt.Errorf("function %s: reserved concurrency %d: want 0 or more", fn.Name, *r)
			}
			f.reserved = make(chan struct{}, *r)
		}
		h.fns[fn.Name] = f
	}
	return h, nil
}

// Listen serves the Invoke API on its own listener at addr (127.0.0.1:0 when
// empty) until Close, and returns its base URL, e.g. http://127.0.0.1:41234.
func (h *Host) Listen(addr string) (string, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	h.srvMu.Lock()
	defer h.srvMu.Unlock()
	if h.closed.Load() {
		return "", ErrClosed
	}
	if h.srv != nil {
		return "", fmt.Errorf("lambda host already listening at %s", h.url)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("listen %s: %w", addr, err)
	}
	h.srv = &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second}
	h.url = "http://" + ln.Addr().String()
	go h.srv.Serve(ln)
	return h.url, nil
}

// Invoke runs one RequestResponse invocation of the function name (a name or
// an ARN) with payload (JSON; empty means {}). A failed function is not a Go
// error: it is a Result with FunctionError set. The error is for a call that
// could not be made: ErrNotFound, ErrInvalidPayload, ErrPayloadTooLarge,
// ErrClosed, or ctx's error. When ctx ends while the function runs, Invoke
// returns at once and the invocation finishes (or times out) in the background.
func (h *Host) Invoke(ctx context.Context, name string, payload []byte) (Result, error) {
	return h.invoke(ctx, request{name: name, payload: payload}, MaxSyncPayload, false)
}

// InvokeAsync runs one invocation as Lambda runs an asynchronous (Event) one, such
// as an S3 notification's: the payload limit is MaxAsyncPayload, and past the
// function's reserved concurrency it waits for a free slot instead of being
// throttled. It returns when the invocation ends, with Invoke's results.
func (h *Host) InvokeAsync(ctx context.Context, name string, payload []byte) (Result, error) {
	return h.invoke(ctx, request{name: name, payload: payload}, MaxAsyncPayload, true)
}

// Throttles is how many synchronous invocations of the function name were refused
// with ErrThrottled so far (Lambda's Throttles metric).
func (h *Host) Throttles(name string) int {
	f, _, err := h.lookup(name)
	if err != nil {
		return 0
	}
	return int(f.throttles.Load())
}

// acquire takes a slot of the function's reserved concurrency, if it has one
// (refusing with ErrThrottled when none is free, unless queue), then an instance,
// waiting for one; release gives both back.
func (f *function) acquire(ctx context.Context, queue bool) (release func(), err error) {
	if f.reserved != nil {
		if queue {
			select {
			case f.reserved <- struct{}{}:
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-f.h.closing:
				return nil, ErrClosed
			}
		} else {
			select {
			case f.reserved <- struct{}{}:
			default:
				f.throttles.Add(1)
				f.h.sink.printf(f.Name, "THROTTLED: TooManyRequestsException (ReservedFunctionConcurrentInvocationLimitExceeded, reserved concurrency %d)", cap(f.reserved))
				return nil, fmt.Errorf("%w: %s has a reserved concurrency of %d", ErrThrottled, f.Name, cap(f.reserved))
			}
		}
	}
	unreserve := func() {
		if f.reserved != nil {
			<-f.reserved
		}
	}
	select {
	case f.tokens <- struct{}{}:
	case <-ctx.Done():
		unreserve()
		return nil, ctx.Err()
	case <-f.h.closing:
		unreserve()
		return nil, ErrClosed
	}
	return func() { <-f.tokens; unreserve() }, nil
}

// request is one invocation as a caller asked for it.
type request struct {
	name          string
	qualifier     string
	payload       []byte
	traceID       string
	clientContext string
}

func (h *Host) invoke(ctx context.Context, req request, limit int, queue bool) (Result, error) {
	f, inv, err := h.prepare(req, limit)
	if err != nil {
		return Result{}, err
	}
	release, err := f.acquire(ctx, queue)
	if err != nil {
		return Result{}, err
	}
	h.life.Lock()
	if h.closed.Load() {
		h.life.Unlock()
		release()
		return Result{}, ErrClosed
	}
	h.running.Add(1)
	h.life.Unlock()
	done := make(chan runOutcome, 1)
	go func() {
		defer h.running.Done()
		defer release()
		if h.opts.Admitted != nil {
			h.opts.Admitted(f.Name)
		}
		done <- f.run(inv)
	}()
	select {
	case o := <-done:
		return o.res, o.err
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}

// prepare resolves the function and checks the payload.
func (h *Host) prepare(req request, limit int) (*function, *invocation, error) {
	if h.closed.Load() {
		return nil, nil, ErrClosed
	}
	f, qualifier, err := h.lookup(req.name)
	if err != nil {
		return nil, nil, err
	}
	if req.qualifier == "" {
		req.qualifier = qualifier
	}
	payload := req.payload
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	if len(payload) > limit {
		return nil, nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrPayloadTooLarge, len(payload), limit)
	}
	if !json.Valid(payload) {
		return nil, nil, ErrInvalidPayload
	}
	arn := h.arnOf(f.Name)
	if req.qualifier != "" {
		arn += ":" + req.qualifier
	}
	trace := req.traceID
	if trace == "" {
		trace = newTraceID()
	}
	return f, &invocation{
		id:            newRequestID(),
		payload:       payload,
		arn:           arn,
		traceID:       trace,
		clientContext: req.clientContext,
		done:          make(chan outcome, 1),
	}, nil
}

// lookup finds a function by name, partial ARN or ARN, with an optional
// qualifier (":$LATEST", an alias or a version), which the host ignores:
// it runs one version of each function.
func (h *Host) lookup(name string) (*function, string, error) {
	n, qualifier := splitFunctionName(name)
	f, ok := h.fns[n]
	if !ok {
		return nil, "", fmt.Errorf("%w: %s", ErrNotFound, h.arnOf(n))
	}
	return f, qualifier, nil
}

func (h *Host) arnOf(name string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", h.region, h.opts.AccountID, name)
}

// splitFunctionName accepts "Name", "Name:qual", "ACCOUNT:function:Name[:qual]"
// and "arn:aws:lambda:REGION:ACCOUNT:function:Name[:qual]".
func splitFunctionName(s string) (name, qualifier string) {
	if i := strings.Index(s, ":function:"); i >= 0 {
		s = s[i+len(":function:"):]
	}
	if i := strings.IndexByte(s, ':'); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// Stats returns a record of each finished invocation (the most recent 65536),
// oldest first.
func (h *Host) Stats() []InvocationRecord {
	h.recMu.Lock()
	defer h.recMu.Unlock()
	return append([]InvocationRecord(nil), h.records...)
}

func (h *Host) record(r InvocationRecord) {
	h.recMu.Lock()
	defer h.recMu.Unlock()
	if len(h.records) >= maxRecords {
		h.records = append(h.records[:0], h.records[maxRecords/2:]...)
	}
	h.records = append(h.records, r)
}

// Close stops the Invoke API listener (if any) and kills every process the
// host started, with its process group; invocations in flight and waiting
// return ErrClosed. It waits for the processes to exit.
func (h *Host) Close() error {
	h.life.Lock()
	if h.closed.Load() {
		h.life.Unlock()
		return nil
	}
	h.closed.Store(true)
	close(h.closing)
	h.life.Unlock()

	var errs []error
	h.srvMu.Lock()
	if h.srv != nil {
		if err := h.srv.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close invoke api: %w", err))
		}
	}
	h.srvMu.Unlock()

	var insts []*instance
	for _, f := range h.fns {
		f.mu.Lock()
		for inst := range f.all {
			insts = append(insts, inst)
		}
		f.all = map[*instance]struct{}{}
		f.idle = nil
		f.mu.Unlock()
	}
	var (
		wg    sync.WaitGroup
		errMu sync.Mutex
	)
	for _, inst := range insts {
		wg.Go(func() {
			if err := inst.shutdown(); err != nil {
				errMu.Lock()
				errs = append(errs, err)
				errMu.Unlock()
			}
		})
	}
	wg.Wait()
	h.running.Wait()
	return errors.Join(errs...)
}

// run serves inv on a warm or new instance of f. The caller holds a token.
func (f *function) run(inv *invocation) runOutcome {
	for {
		inst, err := f.get()
		if err != nil {
			if errors.Is(err, ErrClosed) {
				return runOutcome{err: ErrClosed}
			}
			// The bootstrap could not be started at all.
			res := errorResult(inv.id, "Runtime.InvalidEntrypoint",
				fmt.Sprintf("RequestId: %s Error: %v", inv.id, err))
			f.h.finish(f, inv, res, time.Now())
			return runOutcome{res: res}
		}
		o, retry := inst.serve(inv)
		if retry {
			continue // a warm instance died while idle: use another
		}
		return o
	}
}

// get pops the most recently used warm instance or starts a new one.
func (f *function) get() (*instance, error) {
	f.mu.Lock()
	for n := len(f.idle); n > 0; n = len(f.idle) {
		inst := f.idle[n-1]
		f.idle = f.idle[:n-1]
		select {
		case <-inst.exited:
			delete(f.all, inst)
			go inst.kill()
			continue
		default:
		}
		f.mu.Unlock()
		return inst, nil
	}
	f.seq++
	seq := f.seq
	f.mu.Unlock()
	return f.start(seq)
}

// put returns inst to the pool when healthy, else kills it.
func (f *function) put(inst *instance, healthy bool) {
	f.mu.Lock()
	_, live := f.all[inst]
	if healthy && live && !f.h.closed.Load() {
		f.idle = append(f.idle, inst)
		f.mu.Unlock()
		return
	}
	delete(f.all, inst)
	f.mu.Unlock()
	inst.kill()
}

// finish logs END/REPORT and records the invocation.
func (h *Host) finish(f *function, inv *invocation, res Result, start time.Time) {
	h.sink.printf(f.Name, "END RequestId: %s", inv.id)
	report := fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB",
		inv.id, float64(res.Duration)/float64(time.Millisecond), res.Duration.Milliseconds()+1, f.MemoryMB, (res.PeakRSSKB+1023)/1024)
	if res.InitDuration > 0 {
		report += fmt.Sprintf("\tInit Duration: %.2f ms", float64(res.InitDuration)/float64(time.Millisecond))
	}
	if res.ErrorType != "" {
		report += "\tStatus: error\tError Type: " + res.ErrorType
	}
	h.sink.printf(f.Name, "%s", report)
	h.record(InvocationRecord{
		Function: f.Name, RequestID: inv.id, Start: start, Duration: res.Duration,
		InitDuration: res.InitDuration, PeakRSSKB: res.PeakRSSKB, ErrorType: res.ErrorType, Instance: res.Instance,
		ErrorMessage: errorMessage(res),
	})
}

// runOutcome is a Result or the reason there is none.
type runOutcome struct {
	res Result
	err error
}

// errorResult is an Unhandled function error made by the host.
// errorMessage is the errorMessage of a failed invocation's error document, clipped.
func errorMessage(res Result) string {
	if res.FunctionError == "" {
		return ""
	}
	var doc messages.InvokeResponse_Error
	json.Unmarshal(res.Payload, &doc)
	return doc.Message[:min(len(doc.Message), 1024)]
}

func errorResult(requestID, errType, msg string) Result {
	body, _ := json.Marshal(messages.InvokeResponse_Error{Message: msg, Type: errType})
	return Result{Payload: body, FunctionError: "Unhandled", ErrorType: errType, RequestID: requestID}
}

func newRequestID() string { return uuid.NewString() }

// newTraceID makes an X-Ray trace header like Lambda's (not sampled).
func newTraceID() string {
	var b [20]byte
	rand.Read(b[:])
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", time.Now().Unix(), hex.EncodeToString(b[:12]), hex.EncodeToString(b[12:]))
}

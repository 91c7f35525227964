package localaws

import (
	"bytes"
	"cmp"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/scattergather/scattergather/internal/awsrun"
	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/motoserver"
	"github.com/scattergather/scattergather/local/lambdahost"
	"github.com/scattergather/scattergather/statemachine"
)

// Dummy credentials: the emulator accepts any.
const (
	AccessKeyID     = "test"
	SecretAccessKey = "test"
)

// Options configure a local AWS.
type Options struct {
	// Template is the path of template.yaml.
	Template string
	// BinDir holds the host-architecture Lambda binaries as BinDir/<LogicalId>/bootstrap.
	BinDir string
	// Logs receives the functions' and moto's output; nil discards it.
	Logs io.Writer
	// ExtraEnv is added to every function's environment (e.g. SCATTER_FAULTS).
	ExtraEnv map[string]string
	// Python runs moto; empty means python3 from PATH.
	Python string
	// NoIAM turns IAM off: the functions and the state machine run with the user's
	// credentials and nothing is checked (iam.go).
	NoIAM bool
	// NoLimits turns off the quotas the Lambda host enforces on the functions'
	// processes (memory, file descriptors, /tmp; lambdahost.Options.NoLimits). The
	// timeouts and payload sizes, the HTTP API's among them, stay enforced.
	NoLimits bool
	// APITimeout is the HTTP API's integration timeout; 0 means APITimeout (tests
	// shorten it).
	APITimeout time.Duration
	// Admitted is the Lambda host's hook (lambdahost.Options.Admitted): it is called
	// with a function's logical ID once an invocation has its turn, before it runs,
	// and the invocation waits for it. Tests use it to hold one while others arrive.
	Admitted func(function string)
}

// The HTTP API's quotas that the gateway enforces on /api, as API Gateway answers them
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html):
// neither can be raised.
const (
	// APITimeout is the maximum integration timeout: past it the caller gets 503
	// Service Unavailable (what an HTTP API answers; docs/quotas.md) while the
	// function runs on to its own Timeout.
	APITimeout = 30 * time.Second
	// APIMaxPayload is the payload size, 10 MB; a larger request body is refused with
	// 413 before any function is invoked.
	APIMaxPayload = 10 << 20
)

// HostInstances is how many instances of each function the Lambda host runs at once;
// a further synchronous invocation waits for a free one (lambdahost.Function.MaxInstances).
const HostInstances = 8

// addFunctionEnv adds to env the function's own variables, fitted to the host
// (fitConcurrency), then extra (Options.ExtraEnv), which wins.
func addFunctionEnv(env map[string]string, f Function, extra map[string]string) {
	for k, v := range f.Env {
		env[k] = v
	}
	fitConcurrency(env)
	for k, v := range extra {
		env[k] = v
	}
}

// fitConcurrency caps the functions' DEFAULT_CONCURRENCY (the template's MaxConcurrency,
// 100 by default: the Distributed Map's MaxConcurrency for a job that names none) at
// HostInstances. On AWS an invocation past the function's concurrency is refused at once
// with TooManyRequestsException (HTTP 429) and the Map's Retry on
// Lambda.TooManyRequestsException tries it again
// (https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html). The Lambda host
// queues it instead, and the queueing counts against the Task's TimeoutSecondsPath
// (https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html): with
// more items running than instances, an item that waited past its timeout fails with
// States.Timeout and is retried, while moto (which abandons a timed-out Task's thread
// without closing its HTTP request) leaves the first invocation queued, to run later and
// answer duplicate. Keeping the Map's concurrency within the host's instances keeps
// invocations from queueing, so a job records one attempt a chunk, as on AWS
// (docs/quotas.md, "Scale, with every quota on").
func fitConcurrency(env map[string]string) {
	if n, err := strconv.Atoi(env[awsrun.EnvDefaultConcurrency]); err == nil && n > HostInstances {
		env[awsrun.EnvDefaultConcurrency] = strconv.Itoa(HostInstances)
	}
}

// Stack is a running local AWS.
type Stack struct {
	// URL is the gateway: the endpoint for every AWS call and the Lambda Invoke API.
	URL string
	// APIURL is the base URL of the HTTP API (POST $APIURL/jobs).
	APIURL string
	// InputBucket, OutputBucket, Table and StateMachineARN name the created resources.
	InputBucket, OutputBucket, Table, StateMachineARN string

	tmpl   *Template
	moto   *motoserver.Server
	host   *lambdahost.Host
	srv    *http.Server
	proxy  *httputil.ReverseProxy
	fns    []Function
	guard  *guard // nil with NoIAM
	events sync.WaitGroup
	logs   io.Writer
	// apiTimeout is Options.APITimeout or APITimeout.
	apiTimeout time.Duration
}

// Up starts moto, the Lambda host and the gateway on free 127.0.0.1 ports,
// creates the template's buckets, table and state machine, and returns when
// everything answers.
func Up(ctx context.Context, o Options) (*Stack, error) {
	tmpl, err := LoadTemplate(o.Template)
	if err != nil {
		return nil, err
	}
	logs := o.Logs
	if logs == nil {
		logs = io.Discard
	}
	s := &Stack{tmpl: tmpl, fns: tmpl.Functions(), logs: logs, apiTimeout: cmp.Or(o.APITimeout, APITimeout)}
	for _, f := range s.fns {
		if _, err := os.Stat(filepath.Join(o.BinDir, f.Name, "bootstrap")); err != nil {
			return nil, fmt.Errorf("function %s: %w (build the host binaries with 'make build-local')", f.Name, err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	gwPort := ln.Addr().(*net.TCPAddr).Port
	s.URL = fmt.Sprintf("http://127.0.0.1:%d", gwPort)
	s.APIURL = s.URL + "/api"
	// moto's Step Functions interpreter calls http://localhost:$MOTO_PORT: the gateway.
	env := []string{fmt.Sprintf("MOTO_PORT=%d", gwPort)}
	s.moto, err = motoserver.Start(ctx, motoserver.Options{Env: env, Log: o.Logs, Python: o.Python})
	if err != nil {
		ln.Close()
		return nil, err
	}
	motoURL, _ := url.Parse(s.moto.URL)
	s.proxy = httputil.NewSingleHostReverseProxy(motoURL)
	s.proxy.ModifyResponse = s.afterMoto
	machines := tmpl.ByType("AWS::Serverless::StateMachine")
	if len(machines) != 1 {
		s.Close()
		ln.Close()
		return nil, fmt.Errorf("template has %d state machines, want 1", len(machines))
	}
	if !o.NoIAM {
		if s.guard, err = newGuard(ctx, s.moto.URL, tmpl, machines[0]); err != nil {
			s.Close()
			ln.Close()
			return nil, fmt.Errorf("IAM: %w", err)
		}
	}

	var hostFns []lambdahost.Function
	for _, f := range s.fns {
		env := map[string]string{
			"AWS_ENDPOINT_URL":      s.URL,
			"AWS_ACCESS_KEY_ID":     AccessKeyID,
			"AWS_SECRET_ACCESS_KEY": SecretAccessKey,
			"AWS_REGION":            Region,
		}
		if s.guard != nil { // the function's own role, as Lambda gives it
			c := s.guard.role(f.Name).creds
			env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env["AWS_SESSION_TOKEN"] = c.AccessKeyID, c.SecretAccessKey, c.SessionToken
		}
		addFunctionEnv(env, f, o.ExtraEnv)
		bin := filepath.Join(o.BinDir, f.Name, "bootstrap")
		hostFns = append(hostFns, lambdahost.Function{
			Name: f.Name, Path: bin, Env: env,
			Timeout: time.Duration(f.Timeout) * time.Second, MemoryMB: f.MemoryMB, EphemeralMB: f.EphemeralMB, MaxInstances: HostInstances,
			ReservedConcurrency: f.ReservedConcurrency,
		})
	}
	s.host, err = lambdahost.New(hostFns, lambdahost.Options{Logs: logs, NoLimits: o.NoLimits, Admitted: o.Admitted})
	if err != nil {
		s.Close()
		ln.Close()
		return nil, err
	}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 30 * time.Second}
	go s.srv.Serve(ln)
	if err := s.create(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// AWSConfig is an SDK config pointed at the gateway with the dummy credentials.
func (s *Stack) AWSConfig() aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
		BaseEndpoint: aws.String(s.URL),
	}
}

// Exports are the shell variables `scatter local up` prints.
func (s *Stack) Exports() [][2]string {
	return [][2]string{
		{"AWS_ENDPOINT_URL", s.URL},
		{"AWS_REGION", Region},
		{"AWS_DEFAULT_REGION", Region},
		{"AWS_ACCESS_KEY_ID", AccessKeyID},
		{"AWS_SECRET_ACCESS_KEY", SecretAccessKey},
		{"SCATTER_INPUT_BUCKET", s.InputBucket},
		{"SCATTER_OUTPUT_BUCKET", s.OutputBucket},
		{"SCATTER_TABLE", s.Table},
		{"SCATTER_STATE_MACHINE_ARN", s.StateMachineARN},
		{"SCATTER_API_URL", s.APIURL},
	}
}

func (s *Stack) create(ctx context.Context) error {
	resp, err := http.Post(s.moto.URL+"/moto-api/config", "application/json",
		strings.NewReader(`{"stepfunctions": {"execute_state_machine": true}}`))
	if err != nil {
		return fmt.Errorf("configure moto: %w", err)
	}
	resp.Body.Close()
	cfg := s.AWSConfig()
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	for _, id := range s.tmpl.ByType("AWS::S3::Bucket") {
		name := s.tmpl.LocalName(id)
		if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
		switch {
		case strings.Contains(id, "Input"):
			s.InputBucket = name
		case strings.Contains(id, "Output"):
			s.OutputBucket = name
		}
	}
	for _, id := range s.tmpl.ByType("AWS::DynamoDB::Table") {
		s.Table = s.tmpl.LocalName(id)
		if err := ledger.CreateTable(ctx, dynamodb.NewFromConfig(cfg), s.Table); err != nil {
			return fmt.Errorf("create table %s: %w", s.Table, err)
		}
	}
	machines := s.tmpl.ByType("AWS::Serverless::StateMachine")
	subs, err := s.tmpl.Substitutions(machines[0])
	if err != nil {
		return err
	}
	def, err := motoDefinition(statemachine.Definition, subs)
	if err != nil {
		return err
	}
	roleARN := fmt.Sprintf("arn:aws:iam::%s:role/%s-%s", AccountID, StackName, machines[0])
	if s.guard != nil {
		roleARN = s.guard.role(machines[0]).arn
	}
	out, err := sfn.NewFromConfig(cfg).CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name:       aws.String(s.tmpl.LocalName(machines[0])),
		Definition: aws.String(def),
		RoleArn:    aws.String(roleARN),
	})
	if err != nil {
		return fmt.Errorf("create state machine: %w", err)
	}
	s.StateMachineARN = aws.ToString(out.StateMachineArn)
	return nil
}

// ServeHTTP is the gateway: Lambda Invoke calls go to the Lambda host, the
// HTTP API to its function, everything else to moto.
func (s *Stack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.guard != nil && !s.guard.allow(w, r) {
		return
	}
	if !statesPayloadOK(w, r) {
		return
	}
	if _, ok := lambdahost.InvokePath(r.URL.EscapedPath()); ok {
		s.host.ServeHTTP(w, r)
		return
	}
	switch {
	case r.URL.Path == "/api" || strings.HasPrefix(r.URL.Path, "/api/"):
		s.serveAPI(w, r)
	default:
		s.proxy.ServeHTTP(w, r)
	}
}

// afterMoto delivers the S3 event the template configures when moto has
// stored an object under a trigger prefix.
func (s *Stack) afterMoto(resp *http.Response) error {
	r := resp.Request
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	event := createdEvent(r)
	if event == "" {
		return nil
	}
	bucket, key := bucketKey(r)
	if bucket == "" || key == "" {
		return nil
	}
	for _, f := range s.fns {
		for _, trig := range f.S3 {
			if trig.matches(bucket, event, key) {
				s.deliverS3(f.Name, event, bucket, key, resp.Header.Get("ETag"))
			}
		}
	}
	return nil
}

// bucketKey reads the bucket and key of an S3 object request, path-style
// (http://host/bucket/key) or virtual-hosted (http://bucket.localhost/key).
func bucketKey(r *http.Request) (bucket, key string) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if b, ok := strings.CutSuffix(host, ".localhost"); ok && b != "" {
		return b, strings.TrimPrefix(r.URL.Path, "/")
	}
	bucket, key, _ = strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	return bucket, key
}

// createdEvent names the s3:ObjectCreated event an S3 request causes when it
// succeeds: PutObject, CopyObject or CompleteMultipartUpload; "" for any other
// request (a part upload, tagging, an ACL, a read).
func createdEvent(r *http.Request) string {
	q := r.URL.Query()
	for k := range q {
		// The SDKs name the operation (x-id); presigned URLs carry their signature.
		if k == "x-id" || strings.HasPrefix(strings.ToLower(k), "x-amz-") {
			q.Del(k)
		}
	}
	switch {
	case r.Method == http.MethodPut && len(q) == 0 && r.Header.Get("X-Amz-Copy-Source") != "":
		return "ObjectCreated:Copy"
	case r.Method == http.MethodPut && len(q) == 0:
		return "ObjectCreated:Put"
	case r.Method == http.MethodPost && len(q) == 1 && q.Has("uploadId"):
		return "ObjectCreated:CompleteMultipartUpload"
	}
	return ""
}

func (s *Stack) deliverS3(function, name, bucket, key, etag string) {
	ev := events.S3Event{Records: []events.S3EventRecord{{
		EventVersion: "2.1", EventSource: "aws:s3", AWSRegion: Region, EventName: name,
		EventTime: time.Now().UTC(),
		S3: events.S3Entity{
			SchemaVersion: "1.0",
			Bucket:        events.S3Bucket{Name: bucket, Arn: "arn:aws:s3:::" + bucket},
			// S3 events carry the key URL-encoded, spaces as '+'.
			Object: events.S3Object{Key: url.QueryEscape(key), URLDecodedKey: key, ETag: strings.Trim(etag, `"`)},
		},
	}}}
	payload, _ := json.Marshal(ev)
	s.events.Add(1)
	go func() { // S3 notifications are asynchronous
		defer s.events.Done()
		res, err := s.host.InvokeAsync(context.Background(), function, payload)
		if err != nil || res.FunctionError != "" {
			fmt.Fprintf(s.logs, "s3 event for s3://%s/%s: %v %s\n", bucket, key, err, res.Payload)
		}
	}()
}

// LocalAPIPrincipal is the IAM principal every request to the local /api comes from.
const LocalAPIPrincipal = "arn:aws:iam::" + AccountID + ":user/local"

// serveAPI turns an HTTP request into an API Gateway HTTP API (v2) event for
// the function whose route matches.
func (s *Stack) serveAPI(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/api")
	if path == "" {
		path = "/"
	}
	fn, route, params := s.match(r.Method, path)
	if fn == "" {
		apiError(w, http.StatusNotFound, "Not Found")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, APIMaxPayload+1))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if len(body) > APIMaxPayload {
		apiError(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		fmt.Fprintf(s.logs, "api %s %s: request body over the HTTP API's %d bytes\n", r.Method, path, APIMaxPayload)
		return
	}
	headers := map[string]string{}
	for k := range r.Header {
		headers[strings.ToLower(k)] = r.Header.Get(k)
	}
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: r.Method + " " + route.Path, RawPath: path, RawQueryString: r.URL.RawQuery,
		Headers: headers, PathParameters: params, Body: string(body),
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			AccountID: AccountID, Stage: "$default", RequestID: fmt.Sprint(time.Now().UnixNano()),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: r.Method, Path: path, Protocol: "HTTP/1.1", SourceIP: "127.0.0.1"},
			// The local /api takes unsigned requests: every request is this one local
			// principal, as an IAM-authorized route passes the signer on AWS.
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{IAM: &events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription{
				AccountID: AccountID, UserARN: LocalAPIPrincipal, UserID: "AIDALOCALAPIUSER", CallerID: "AIDALOCALAPIUSER",
			}},
		},
	}
	payload, _ := json.Marshal(ev)
	res, err := s.invokeWithin(r.Context(), fn, payload)
	if errors.Is(err, errIntegrationTimeout) {
		apiError(w, http.StatusServiceUnavailable, "Service Unavailable")
		fmt.Fprintf(s.logs, "api %s %s: no answer within the HTTP API's integration timeout (%s)\n", r.Method, path, s.apiTimeout)
		return
	}
	if err != nil || res.FunctionError != "" {
		apiError(w, http.StatusInternalServerError, "Internal Server Error")
		fmt.Fprintf(s.logs, "api %s %s: %v %s\n", r.Method, path, err, res.Payload)
		return
	}
	var out events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(res.Payload, &out); err != nil || out.StatusCode == 0 {
		w.Header().Set("Content-Type", "application/json")
		w.Write(res.Payload) // a plain payload is a 200 with that body
		return
	}
	for k, v := range out.Headers {
		w.Header().Set(k, v)
	}
	w.WriteHeader(out.StatusCode)
	io.Copy(w, bytes.NewReader([]byte(out.Body)))
}

// errIntegrationTimeout is an HTTP API request whose function did not answer in time.
var errIntegrationTimeout = errors.New("integration timeout")

// invokeWithin invokes fn for the HTTP API, waiting at most the integration timeout,
// after which it answers errIntegrationTimeout. The invocation runs on, as the function
// does on AWS after API Gateway has given up on it.
func (s *Stack) invokeWithin(ctx context.Context, fn string, payload []byte) (lambdahost.Result, error) {
	type outcome struct {
		res lambdahost.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := s.host.Invoke(context.WithoutCancel(ctx), fn, payload)
		done <- outcome{res, err}
	}()
	timer := time.NewTimer(s.apiTimeout)
	defer timer.Stop()
	select {
	case o := <-done:
		return o.res, o.err
	case <-timer.C:
		return lambdahost.Result{}, errIntegrationTimeout
	}
}

// apiError answers as API Gateway does when it, not the function, fails a request:
// {"message": msg} with the status.
func apiError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"message":%q}`, msg)
}

// match finds the route for method and path; {name} segments bind parameters.
func (s *Stack) match(method, path string) (string, Route, map[string]string) {
	type cand struct {
		fn    string
		route Route
	}
	var cands []cand
	for _, f := range s.fns {
		for _, rt := range f.Routes {
			cands = append(cands, cand{f.Name, rt})
		}
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].route.Path < cands[j].route.Path })
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for _, c := range cands {
		if c.route.Method != method && c.route.Method != "ANY" {
			continue
		}
		want := strings.Split(strings.Trim(c.route.Path, "/"), "/")
		if len(want) != len(segs) {
			continue
		}
		params := map[string]string{}
		ok := true
		for i, w := range want {
			if strings.HasPrefix(w, "{") && strings.HasSuffix(w, "}") {
				params[strings.Trim(w, "{}")] = segs[i]
			} else if w != segs[i] {
				ok = false
				break
			}
		}
		if ok {
			return c.fn, c.route, params
		}
	}
	return "", Route{}, nil
}

// Wait blocks until the S3 events delivered so far have been handled.
func (s *Stack) Wait() { s.events.Wait() }

// Close stops the gateway, the functions and moto.
func (s *Stack) Close() error {
	var errs []error
	if s.srv != nil {
		// Requests still running after a grace period (a hedged query's losing
		// mapper reading from a busy moto) are cut: the stack is going away.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := s.srv.Shutdown(ctx); errors.Is(err, context.DeadlineExceeded) {
			errs = append(errs, s.srv.Close())
		} else {
			errs = append(errs, err)
		}
		cancel()
	}
	s.events.Wait()
	if s.host != nil {
		errs = append(errs, s.host.Close())
	}
	if s.moto != nil {
		errs = append(errs, s.moto.Stop())
	}
	return errors.Join(errs...)
}

// Invoke calls a function on the Lambda host, resolving a name the template
// knows case-insensitively (splitter, SplitterFunction).
func (s *Stack) Invoke(ctx context.Context, function string, payload []byte) (lambdahost.Result, error) {
	name, err := s.tmpl.FunctionName(function)
	if err != nil {
		return lambdahost.Result{}, err
	}
	return s.host.Invoke(ctx, name, payload)
}

// Stats lists the invocations the Lambda host has run so far.
func (s *Stack) Stats() []lambdahost.InvocationRecord { return s.host.Stats() }

// Throttles is how many synchronous invocations of the template's function were
// refused past its ReservedConcurrentExecutions (429 TooManyRequestsException).
func (s *Stack) Throttles(function string) int {
	name, err := s.tmpl.FunctionName(function)
	if err != nil {
		return 0
	}
	return s.host.Throttles(name)
}

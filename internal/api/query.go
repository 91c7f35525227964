package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/query"
)

// EnvMapperFunction names the mapper function (name or ARN) POST /query invokes.
const EnvMapperFunction = "MAPPER_FUNCTION"

// Limits of POST /query.
const (
	// DefaultQueryDeadline applies to a query that names none.
	DefaultQueryDeadline = 10 * time.Second
	// MaxQueryDeadline keeps a query under API Gateway's 30 s integration timeout
	// (and so under the api function's own timeout).
	MaxQueryDeadline = 25 * time.Second
	// MaxResponse bounds the api function's whole response as the Lambda runtime sends
	// it (the API Gateway response object, whose body is the answer's JSON as a string,
	// so escaped twice): a synchronous invocation's response is at most 6 MB
	// (https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html), below the HTTP
	// API's 10 MB payload (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html).
	// 6,000,000 leaves room for the runtime's framing.
	MaxResponse = 6_000_000
	// QueryResultsPrefix is where, in the output bucket, a query result too large to
	// answer inline is written; the answer names the object (resultLocation).
	QueryResultsPrefix = ResultsPrefix + "queries/"
	// MaxQueryFanOut caps the chunks of one query (and so the mapper invocations it
	// makes, hedges aside), so one question cannot take the account's concurrency.
	MaxQueryFanOut = query.DefaultMaxFanOut
	// DefaultQueryConcurrency is how many mapper invocations a query keeps in flight.
	DefaultQueryConcurrency = query.DefaultConcurrency
)

// The query fields that are not job spec fields.
const (
	fieldDeadline     = "deadline"
	fieldAllowPartial = "allowPartial"
	fieldHedge        = "hedge"
)

// QueryRequest is a POST /query body: a job spec without an output (the answer carries
// the result), plus deadline ("1500ms" or a number of milliseconds), allowPartial and
// hedge (both default true):
//
//	{"job": "grep", "input": "s3://in/logs/", "pattern": "ERROR", "deadline": "2s"}
type QueryRequest struct {
	Spec
	Deadline     time.Duration
	AllowPartial bool
	Hedge        bool
}

// ParseQuery decodes a POST /query body and checks its shape and limits.
func ParseQuery(body []byte) (QueryRequest, error) {
	q := QueryRequest{Deadline: DefaultQueryDeadline, AllowPartial: true, Hedge: true}
	if len(body) > MaxBody {
		return q, fmt.Errorf("query is %d bytes, over the limit of %d", len(body), MaxBody)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return q, fmt.Errorf("query is not a JSON object: %v", err)
	}
	if raw, ok := fields[fieldDeadline]; ok {
		d, err := decodeDeadline(raw)
		if err != nil {
			return q, fmt.Errorf("field %q: %w", fieldDeadline, err)
		}
		q.Deadline = d
	}
	for name, dst := range map[string]*bool{fieldAllowPartial: &q.AllowPartial, fieldHedge: &q.Hedge} {
		if raw, ok := fields[name]; ok {
			if err := json.Unmarshal(raw, dst); err != nil {
				return q, fmt.Errorf("field %q: want true or false, got %s", name, clip(raw))
			}
		}
	}
	delete(fields, fieldDeadline)
	delete(fields, fieldAllowPartial)
	delete(fields, fieldHedge)
	rest, _ := json.Marshal(fields)
	spec, err := parseSpec(rest, map[string]string{
		fieldOutput:      "a query answers with its result; POST /jobs writes an output",
		fieldPartitions:  "a query merges its chunks' answers in the api function; POST /jobs gathers by key ranges",
		fieldOutputParts: "a query answers with its result; POST /jobs writes part files",
	})
	if err != nil {
		return q, err
	}
	q.Spec = spec
	if q.Deadline <= 0 || q.Deadline > MaxQueryDeadline {
		return q, fmt.Errorf("deadline %s: want more than 0 and at most %s", q.Deadline, MaxQueryDeadline)
	}
	return q, nil
}

func decodeDeadline(raw json.RawMessage) (time.Duration, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("want a duration such as \"1500ms\" or \"2s\", got %q", s)
		}
		return d, nil
	}
	var ms json.Number
	if err := json.Unmarshal(raw, &ms); err != nil {
		return 0, fmt.Errorf("want a duration such as \"1500ms\" or a number of milliseconds, got %s", clip(raw))
	}
	n, err := strconv.ParseFloat(ms.String(), 64)
	if err != nil {
		return 0, fmt.Errorf("want a number of milliseconds, got %s", ms)
	}
	return time.Duration(n * float64(time.Millisecond)), nil
}

// QueryAnswer is the answer to POST /query: the completeness report (chunks, partial,
// hedges) and the job's output, as text in result when it is UTF-8, else in resultBase64.
type QueryAnswer struct {
	QueryID string `json:"queryId"`
	query.Report
	Result       *string `json:"result,omitempty"`
	ResultBase64 []byte  `json:"resultBase64,omitempty"`
	// ResultLocation names the object (s3://OUTPUT/results/queries/...) that holds a
	// result too large for the answer (see MaxResponse); result is then absent.
	ResultLocation string `json:"resultLocation,omitempty"`
	Bytes          int64  `json:"bytes"`
	RecordsIn      int64  `json:"recordsIn"`
	RecordsOut     int64  `json:"recordsOut"`
	Skipped        int64  `json:"skipped"`
	Millis         int64  `json:"millis"`
}

// Query plans the request's inputs, maps every chunk through s.Mapper and answers with
// the merged result. A bad request is refused before anything is invoked.
func (s *Service) Query(ctx context.Context, req QueryRequest) (QueryAnswer, error) {
	started := time.Now()
	if s.Mapper == nil {
		return QueryAnswer{}, &Error{Status: http.StatusNotImplemented, Msg: "queries are not configured: the api function has no " + EnvMapperFunction}
	}
	spec := req.Spec
	if err := spec.normalize(); err != nil {
		return QueryAnswer{}, badRequest("%v", err)
	}
	// The job (a SQL query's analysis, with its position) is refused before the
	// inputs are checked or listed, as POST /jobs refuses it.
	job, err := spec.compile()
	if err != nil {
		return QueryAnswer{}, badRequest("%v", err)
	}
	if len(spec.Inputs) == 0 {
		return QueryAnswer{}, badRequest("no input given (field \"input\": an s3:// location or an array of them)")
	}
	for _, in := range slices.Concat(spec.Inputs, spec.from) {
		if err := s.checkInput(in); err != nil {
			return QueryAnswer{}, err
		}
	}
	chunkSize := plan.ChunkSizeOr(spec.ChunkSize, s.DefaultChunkSize)
	q, err := query.PlanCompiled(ctx, s.Store, spec.Job, job, spec.Params, spec.Inputs, "", chunkSize, MaxQueryFanOut)
	var pe *query.PlanError
	switch {
	case errors.As(err, &pe):
		return QueryAnswer{}, badRequest("%v", err)
	case err != nil:
		return QueryAnswer{}, s.internalError(ctx, err, "could not plan the query")
	}
	conc := spec.Concurrency
	if conc == 0 {
		conc = DefaultQueryConcurrency
	}
	opts := query.Options{
		Deadline:     max(req.Deadline-time.Since(started), time.Millisecond),
		AllowPartial: req.AllowPartial, Hedge: req.Hedge, Concurrency: conc,
		WorkBucket: s.WorkBucket, Log: s.log(),
	}
	var out bytes.Buffer
	res, err := query.Run(ctx, s.Mapper, q, opts, &out)
	ans := QueryAnswer{
		QueryID: q.ID, Report: res.Report, Bytes: q.Bytes, RecordsIn: res.Stats.RecordsIn,
		RecordsOut: res.Stats.RecordsOut, Skipped: res.Stats.Skipped, Millis: time.Since(started).Milliseconds(),
	}
	var inc *query.IncompleteError
	var ce *query.ChunkError
	switch {
	case errors.As(err, &inc):
		public := *inc
		if inc.Cause != nil {
			public.Cause = errors.New(s.chunkFailure(ctx, q.ID, inc.Cause))
		}
		return ans, &Error{Status: http.StatusGatewayTimeout, Msg: public.Error()}
	case errors.As(err, &ce):
		if typ, _ := mapperError(ce.Err); !publicErrorTypes[typ] {
			// Not the caller's data (a refused permission of the mapper's role): the
			// stack's fault, answered without its internals.
			return ans, &Error{Status: http.StatusInternalServerError, Msg: s.chunkFailure(ctx, q.ID, ce)}
		}
		return ans, badRequest("%s", s.chunkFailure(ctx, q.ID, ce))
	case err != nil:
		return ans, s.internalError(ctx, err, "query %s failed", q.ID)
	}
	if err := s.fitAnswer(ctx, &ans, out.Bytes()); err != nil {
		return ans, err
	}
	s.log().InfoContext(ctx, "query answered", "queryId", q.ID, "chunks", res.Chunks.Total, "partial", res.Partial,
		"hedgesSent", res.Hedges.Sent, "hedgesWon", res.Hedges.Won, "retries", res.Retries, "ms", ans.Millis)
	return ans, nil
}

// chunkFailure is what a caller sees of a query's failed chunk (a *query.ChunkError, or
// any error of the mapper): as for a job (publicErrorTypes), the message of an InputError
// or a RecordError, which describes the caller's own data; of anything else (an AWS error
// naming the mapper's role, account and request, a crash, a timeout) its type and where to
// look, with the raw error logged under the request ID.
func (s *Service) chunkFailure(ctx context.Context, queryID string, err error) string {
	prefix := ""
	var ce *query.ChunkError
	if errors.As(err, &ce) {
		prefix, err = fmt.Sprintf("chunk %d: ", ce.Chunk), ce.Err
	}
	typ, msg := mapperError(err)
	if publicErrorTypes[typ] {
		return prefix + typ + ": " + msg
	}
	id := requestID(ctx)
	s.log().ErrorContext(ctx, "query chunk failed", "queryId", queryID, "err", err, "requestId", id)
	where := "query " + queryID
	if id != "" {
		where += ", request " + id
	}
	return fmt.Sprintf("%s%s: the mapper failed; the api function's and the mapper's logs have the cause (%s)", prefix, typ, where)
}

// mapperError is the error type and message of a mapper's failure: the type the mapper
// function reported through the Lambda Invoke API, or the handler's own error type when
// the mapper ran in process; "Error" for a failure of the invocation itself.
func mapperError(err error) (typ, msg string) {
	var fe *query.FunctionError
	var ie *pipeline.InputError
	var re *pipeline.RecordError
	switch {
	case errors.As(err, &fe):
		return fe.Type, fe.Message
	case errors.As(err, &ie):
		return pipeline.ErrorType(ie), ie.Error()
	case errors.As(err, &re):
		return pipeline.ErrorType(re), re.Error()
	}
	return "Error", err.Error()
}

// fitAnswer puts result in ans: inline (as text when it is UTF-8, else base64) when the
// encoded response fits MaxResponse, else written to the output bucket under
// QueryResultsPrefix, named by the query's ID, with ans naming the object.
func (s *Service) fitAnswer(ctx context.Context, ans *QueryAnswer, result []byte) error {
	if utf8.Valid(result) {
		text := string(result)
		ans.Result = &text
	} else {
		ans.ResultBase64 = result
	}
	limit := s.MaxResponse
	if limit <= 0 {
		limit = MaxResponse
	}
	if n := responseSize(http.StatusOK, ans); n <= limit {
		return nil
	}
	ans.Result, ans.ResultBase64 = nil, nil
	loc := blob.S3Location(s.OutputBucket, QueryResultsPrefix+ans.QueryID)
	if err := s.Store.Put(ctx, loc, bytes.NewReader(result)); err != nil {
		return s.internalError(ctx, err, "query %s: could not write its result of %d bytes to %s", ans.QueryID, len(result), loc)
	}
	ans.ResultLocation = loc
	s.log().InfoContext(ctx, "query result written", "queryId", ans.QueryID, "bytes", len(result), "location", loc)
	return nil
}

// handleQuery serves POST /query. A refused query that got as far as mapping answers
// with its report beside the message.
func (s *Service) handleQuery(ctx context.Context, method string, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	if method != http.MethodPost {
		return errorResponse(&Error{Status: http.StatusMethodNotAllowed, Msg: fmt.Sprintf("method %s is not allowed on /query", method)})
	}
	qr, err := parseBody(req, ParseQuery)
	if err != nil {
		return errorResponse(err)
	}
	ans, err := s.Query(ctx, qr)
	if err != nil {
		s.log().InfoContext(ctx, "query refused", "err", err, "status", StatusOf(err))
		if ans.QueryID == "" {
			return errorResponse(err)
		}
		return jsonResponse(StatusOf(err), struct {
			Message string `json:"message"`
			QueryAnswer
		}{err.Error(), ans})
	}
	return jsonResponse(http.StatusOK, ans)
}

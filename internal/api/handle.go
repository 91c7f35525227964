package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// Handle is the api function's entry point. It tells an API Gateway HTTP API (payload
// 2.0) request from an S3 event notification and handles either; anything else is an
// *EventError.
func (s *Service) Handle(ctx context.Context, event json.RawMessage) (any, error) {
	event = bytes.TrimSpace(event)
	if len(event) == 0 {
		return nil, &EventError{Msg: "empty event: want an API Gateway HTTP API request or an S3 event notification"}
	}
	var probe struct {
		Records        json.RawMessage `json:"Records"`
		Version        string          `json:"version"`
		RouteKey       string          `json:"routeKey"`
		RequestContext struct {
			HTTP struct {
				Method string `json:"method"`
			} `json:"http"`
		} `json:"requestContext"`
		Event string `json:"Event"`
	}
	if err := json.Unmarshal(event, &probe); err != nil {
		return nil, &EventError{Msg: fmt.Sprintf("malformed event: %v", err)}
	}
	switch {
	case probe.Event == "s3:TestEvent":
		// S3 sends it once when the notification is configured.
		return S3Result{}, nil
	case probe.Records != nil:
		return s.HandleS3(ctx, event)
	case probe.Version == "2.0" && (probe.RouteKey != "" || probe.RequestContext.HTTP.Method != ""):
		var req events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(event, &req); err != nil {
			return nil, &EventError{Msg: fmt.Sprintf("malformed HTTP API request: %v", err)}
		}
		return s.HandleHTTP(ctx, req), nil
	}
	return nil, &EventError{Msg: "unrecognized event: want an API Gateway HTTP API (payload format 2.0) request or an S3 event notification"}
}

// HandleHTTP serves POST /jobs, GET /jobs/{id}, DELETE /jobs/{id} and POST /query. Every answer is
// JSON; an error is {"message": "..."} with its status.
func (s *Service) HandleHTTP(ctx context.Context, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	method, route, id, err := routeOf(req)
	if err != nil {
		return errorResponse(err)
	}
	ctx = withRequestID(ctx, req.RequestContext.RequestID)
	caller, err := callerOf(req)
	if err != nil {
		s.log().WarnContext(ctx, "request refused", "route", route, "err", err)
		return errorResponse(err)
	}
	ctx = WithCaller(ctx, caller)
	switch {
	case route == "/jobs" && method == http.MethodPost:
		spec, err := parseBody(req, ParseSpec)
		if err != nil {
			return errorResponse(err)
		}
		sub, err := s.Submit(ctx, spec)
		if err != nil {
			s.log().InfoContext(ctx, "submission refused", "err", err, "status", StatusOf(err))
			return errorResponse(err)
		}
		if sub.Duplicate {
			return jsonResponse(http.StatusOK, sub)
		}
		return jsonResponse(http.StatusAccepted, sub)
	case route == "/jobs/{id}" && method == http.MethodGet:
		st, err := s.Status(ctx, id)
		if err != nil {
			return errorResponse(err)
		}
		return jsonResponse(http.StatusOK, st)
	case route == "/jobs/{id}" && method == http.MethodDelete:
		st, err := s.Cancel(ctx, id)
		if err != nil {
			return errorResponse(err)
		}
		return jsonResponse(http.StatusOK, st)
	case route == "/query":
		return s.handleQuery(ctx, method, req)
	case route == "/jobs" || route == "/jobs/{id}":
		return errorResponse(&Error{Status: http.StatusMethodNotAllowed, Msg: fmt.Sprintf("method %s is not allowed on %s", method, route)})
	}
	return errorResponse(notFound("no route %s %s", method, req.RawPath))
}

// routeOf finds the route of a request from its route key (as API Gateway sets it) or,
// failing that, its method and path; id is the decoded {id} path parameter.
func routeOf(req events.APIGatewayV2HTTPRequest) (method, route, id string, err error) {
	method = req.RequestContext.HTTP.Method
	if m, r, ok := strings.Cut(req.RouteKey, " "); ok {
		method, route = m, r
	}
	if method == "" {
		return "", "", "", badRequest("request has no method")
	}
	path := req.RawPath
	if path == "" {
		path = req.RequestContext.HTTP.Path
	}
	if route == "" || route == "$default" {
		switch {
		case strings.TrimSuffix(path, "/") == "/jobs":
			route = "/jobs"
		case strings.HasPrefix(path, "/jobs/") && !strings.Contains(path[len("/jobs/"):], "/"):
			route = "/jobs/{id}"
		default:
			return method, path, "", nil
		}
	}
	if route != "/jobs/{id}" {
		return method, route, "", nil
	}
	id = req.PathParameters["id"]
	if id == "" && strings.HasPrefix(path, "/jobs/") {
		id = path[len("/jobs/"):]
	}
	if strings.Contains(id, "%") {
		if id, err = url.PathUnescape(id); err != nil {
			return method, route, "", badRequest("job ID in the path: %v", err)
		}
	}
	if err := validJobID(id); err != nil {
		return method, route, "", badRequest("%v", err)
	}
	return method, route, id, nil
}

// parseBody reads req's body (requestBody) and parses it with parse: a request of
// POST /jobs or POST /query. What parse refuses is a 400 that names it.
func parseBody[T any](req events.APIGatewayV2HTTPRequest, parse func([]byte) (T, error)) (T, error) {
	body, err := requestBody(req)
	if err != nil {
		var zero T
		return zero, err
	}
	v, err := parse(body)
	if err != nil {
		return v, badRequest("%v", err)
	}
	return v, nil
}

// requestBody returns the request's body, decoded from base64 when API Gateway encoded it,
// and refuses one over MaxBody.
func requestBody(req events.APIGatewayV2HTTPRequest) ([]byte, error) {
	tooLarge := func(n int) error {
		return &Error{Status: http.StatusRequestEntityTooLarge, Msg: fmt.Sprintf("request body is %d bytes, over the limit of %d", n, MaxBody)}
	}
	if len(req.Body) > 2*MaxBody {
		return nil, tooLarge(len(req.Body))
	}
	body := []byte(req.Body)
	if req.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(req.Body); err != nil {
			return nil, badRequest("request body: bad base64: %v", err)
		}
	}
	if len(body) > MaxBody {
		return nil, tooLarge(len(body))
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, badRequest("request body is empty: want a JSON job spec such as {\"job\":\"wordcount\",\"input\":\"s3://bucket/key\"}")
	}
	return body, nil
}

func jsonResponse(status int, v any) events.APIGatewayV2HTTPResponse {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"message":"encode response"}`)
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(body),
	}
}

// responseSize is the size of the api function's response for v with status as the
// Lambda runtime encodes it: the response object as JSON, its body a JSON string.
func responseSize(status int, v any) int {
	b, _ := json.Marshal(jsonResponse(status, v))
	return len(b)
}

func errorResponse(err error) events.APIGatewayV2HTTPResponse {
	return jsonResponse(StatusOf(err), map[string]string{"message": err.Error()})
}

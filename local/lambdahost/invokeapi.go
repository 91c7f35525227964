package lambdahost

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

const (
	invokePrefix = "/2015-03-31/functions/"
	invokeSuffix = "/invocations"
)

// InvokePath reports whether an escaped URL path is the Invoke API's
// (POST /2015-03-31/functions/{name}/invocations) and returns the unescaped
// function name or ARN. A gateway can route on it.
func InvokePath(escapedPath string) (string, bool) {
	rest, ok := strings.CutPrefix(escapedPath, invokePrefix)
	if !ok {
		return "", false
	}
	name, ok := strings.CutSuffix(strings.TrimSuffix(rest, "/"), invokeSuffix)
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", false
	}
	n, err := url.PathUnescape(name)
	if err != nil || n == "" {
		return "", false
	}
	return n, true
}

// ServeHTTP serves the Lambda Invoke API, POST
// /2015-03-31/functions/{name}/invocations, with X-Amz-Invocation-Type
// RequestResponse (the default; 200 with the payload, and
// X-Amz-Function-Error: Unhandled with the error document when the function
// failed), Event (202 at once; the invocation runs in the background) and
// DryRun (204). Errors are AWS's: 404 ResourceNotFoundException, 400
// InvalidRequestContentException, 413 RequestTooLargeException, 429
// TooManyRequestsException (a RequestResponse invocation past the function's
// reserved concurrency; an Event invocation waits for it instead), in the
// X-Amzn-ErrorType header and a {"Type","Message"} body. Event invocations
// are not retried on failure (AWS retries twice).
func (h *Host) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, ok := InvokePath(r.URL.EscapedPath())
	if !ok {
		apiError(w, http.StatusNotFound, "UnknownOperationException", "User", "Unknown operation "+r.Method+" "+r.URL.Path)
		return
	}
	if r.Method != http.MethodPost {
		apiError(w, http.StatusMethodNotAllowed, "UnknownOperationException", "User", "Unknown operation "+r.Method+" "+r.URL.Path)
		return
	}
	req := request{
		name:      name,
		qualifier: r.URL.Query().Get("Qualifier"),
		traceID:   r.Header.Get("X-Amzn-Trace-Id"),
	}
	if cc := r.Header.Get("X-Amz-Client-Context"); cc != "" {
		b, err := base64.StdEncoding.DecodeString(cc)
		if err != nil || !json.Valid(b) {
			apiError(w, http.StatusBadRequest, "InvalidRequestContentException", "User", "Client context must be a valid Base64-encoded JSON object.")
			return
		}
		req.clientContext = string(b)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxSyncPayload+1))
	if err != nil {
		apiError(w, http.StatusBadRequest, "InvalidRequestContentException", "User", "read request body: "+err.Error())
		return
	}
	req.payload = body

	switch t := r.Header.Get("X-Amz-Invocation-Type"); t {
	case "", "RequestResponse":
		res, err := h.invoke(r.Context(), req, MaxSyncPayload, false)
		if err != nil {
			invokeError(w, err)
			return
		}
		hd := w.Header()
		hd.Set("Content-Type", "application/json")
		hd.Set("X-Amz-Executed-Version", "$LATEST")
		hd.Set("X-Amzn-Requestid", res.RequestID)
		if res.FunctionError != "" {
			hd.Set("X-Amz-Function-Error", res.FunctionError)
		}
		w.WriteHeader(http.StatusOK)
		w.Write(res.Payload)
	case "Event":
		f, inv, err := h.prepare(req, MaxAsyncPayload)
		if err != nil {
			invokeError(w, err)
			return
		}
		h.life.Lock()
		if h.closed.Load() {
			h.life.Unlock()
			invokeError(w, ErrClosed)
			return
		}
		h.running.Add(1)
		h.life.Unlock()
		go func() {
			defer h.running.Done()
			release, err := f.acquire(context.Background(), true)
			if err != nil {
				return
			}
			defer release()
			f.run(inv)
		}()
		w.Header().Set("X-Amzn-Requestid", inv.id)
		w.WriteHeader(http.StatusAccepted)
	case "DryRun":
		if _, _, err := h.prepare(req, MaxSyncPayload); err != nil {
			invokeError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		apiError(w, http.StatusBadRequest, "InvalidParameterValueException", "User",
			fmt.Sprintf("1 validation error detected: Value '%s' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]", t))
	}
}

// invokeError maps Invoke's errors to AWS's error responses.
func invokeError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrNotFound):
		apiError(w, http.StatusNotFound, "ResourceNotFoundException", "User", "Function not found: "+strings.TrimPrefix(err.Error(), ErrNotFound.Error()+": "))
	case errors.Is(err, ErrInvalidPayload):
		apiError(w, http.StatusBadRequest, "InvalidRequestContentException", "User", "Could not parse request body into json")
	case errors.Is(err, ErrThrottled):
		// The Invoke API's throttling error
		// (https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html), with the
		// reason its model gives a function's reserved concurrency.
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-ErrorType", "TooManyRequestsException")
		w.Header().Set("X-Amzn-Requestid", newRequestID())
		w.WriteHeader(http.StatusTooManyRequests)
		json.NewEncoder(w).Encode(map[string]string{"Type": "User", "message": "Rate Exceeded.", "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"})
	case errors.Is(err, ErrPayloadTooLarge):
		apiError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", "User", "Request must be smaller than the payload limit for the Invoke operation: "+err.Error())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		apiError(w, http.StatusGatewayTimeout, "ServiceException", "Service", err.Error())
	default:
		apiError(w, http.StatusServiceUnavailable, "ServiceException", "Service", err.Error())
	}
}

// apiError writes a Lambda service error as the AWS SDKs parse it, with a request ID
// as every AWS answer has (moto's Step Functions reads it from an error's).
func apiError(w http.ResponseWriter, status int, code, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.Header().Set("X-Amzn-Requestid", newRequestID())
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(struct {
		Type    string `json:"Type"`
		Message string `json:"Message"`
	}{typ, msg})
}

package localaws

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/scattergather/scattergather/local/lambdahost"
	"github.com/scattergather/scattergather/local/lambdahost/lambdahosttest"
)

// apiGateway is the gateway's /api alone: one function (testdata/httpfn, a real
// bootstrap on a real Lambda host) on POST /echo, with the given integration timeout.
func apiGateway(t *testing.T, timeout time.Duration) (*httptest.Server, *lambdahost.Host) {
	t.Helper()
	bin, err := lambdahosttest.Build("", "./testdata/httpfn", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	host, err := lambdahost.New([]lambdahost.Function{{Name: "Echo", Path: bin, Timeout: time.Minute, MemoryMB: 256, MaxInstances: 2}}, lambdahost.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { host.Close() })
	return gatewayOn(t, host, timeout), host
}

// gatewayOn serves /api for apiGateway's function on host, with the given timeout.
func gatewayOn(t *testing.T, host *lambdahost.Host, timeout time.Duration) *httptest.Server {
	t.Helper()
	s := &Stack{host: host, logs: io.Discard, apiTimeout: timeout,
		fns: []Function{{Name: "Echo", Routes: []Route{{Method: http.MethodPost, Path: "/echo"}}}}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv
}

func post(t *testing.T, url string, body []byte) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/octet-stream", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAPIPayloadLimit: the HTTP API takes a request body of up to 10 MB; one byte more
// is refused with 413 before any function is invoked, as API Gateway refuses it. A body
// of 5 MB reaches the function whole; one of exactly 10 MB passes the gateway and meets
// Lambda's 6 MB request quota in the host (500, as a function error).
func TestAPIPayloadLimit(t *testing.T) {
	srv, host := apiGateway(t, APITimeout)
	code, body := post(t, srv.URL+"/api/echo", bytes.Repeat([]byte{'x'}, 5<<20))
	if code != http.StatusOK || body != "5242880" {
		t.Fatalf("a body of 5 MiB: %d %.200s, want 200 and the function seeing all of it", code, body)
	}
	code, body = post(t, srv.URL+"/api/echo", bytes.Repeat([]byte{'x'}, APIMaxPayload))
	if code != http.StatusInternalServerError {
		t.Fatalf("a body of exactly %d bytes: %d %.200s, want it past the gateway and refused by Lambda's 6 MB quota (500)", APIMaxPayload, code, body)
	}
	before := len(host.Stats())
	code, body = post(t, srv.URL+"/api/echo", bytes.Repeat([]byte{'x'}, APIMaxPayload+1))
	if code != http.StatusRequestEntityTooLarge || body != `{"message":"Request Entity Too Large"}` {
		t.Fatalf("a body of %d bytes: %d %.200s, want 413 Request Entity Too Large", APIMaxPayload+1, code, body)
	}
	if n := len(host.Stats()) - before; n != 0 {
		t.Fatalf("the refused request invoked the function %d times", n)
	}
}

// TestAPIIntegrationTimeout: a function that answers after the integration timeout
// (shortened here from 30 s) gets its caller a 503 Service Unavailable at the timeout,
// not its answer, while it runs on; one that answers within it is answered. The quick
// answer has the full timeout, which no loaded machine's cold start comes near; the
// slow function runs for most of its own minute, so the 503 can only come first.
func TestAPIIntegrationTimeout(t *testing.T) {
	srv, host := apiGateway(t, APITimeout)
	if code, body := post(t, srv.URL+"/api/echo?sleep=10ms", []byte("hello")); code != http.StatusOK || body != "5" {
		t.Fatalf("a quick answer: %d %q, want 200 5", code, body)
	}
	short := gatewayOn(t, host, 500*time.Millisecond)
	before := len(host.Stats())
	began := time.Now()
	code, body := post(t, short.URL+"/api/echo?sleep=50s", []byte("hello"))
	took := time.Since(began)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"Service Unavailable"`) {
		t.Fatalf("a slow answer: %d %q, want 503 Service Unavailable", code, body)
	}
	if n := len(host.Stats()) - before; n != 0 {
		t.Fatalf("the 503 came after %s, once the function had ended: the gateway waited for it", took)
	}
	if took < 500*time.Millisecond {
		t.Fatalf("the 503 came after %s, before the 500ms timeout", took)
	}
}

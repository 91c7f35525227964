// Command httpfn is the HTTP API function of the gateway's limit tests: a real
// aws-lambda-go bootstrap that answers an HTTP API (payload 2.0) request with the size
// of its body, after sleeping as long as a query parameter sleep (a Go duration) asks.
package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	q, _ := url.ParseQuery(req.RawQueryString)
	if d, err := time.ParseDuration(q.Get("sleep")); err == nil {
		time.Sleep(d)
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusOK, Body: fmt.Sprint(len(req.Body))}, nil
}

func main() { lambda.Start(handle) }

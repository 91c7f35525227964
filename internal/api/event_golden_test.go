package api_test

import (
	"context"
	"encoding/base64"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/scattergather/scattergather/internal/api"
	"github.com/scattergather/scattergather/internal/testutil/golden"
)

// TestEventGoldens: the events the api function takes, as aws-lambda-go decodes them,
// round-trip through testdata/ (`make goldens` rewrites them). The S3 notification
// follows the event message structure
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html):
// the key URL-encoded, a space as '+'. The HTTP requests follow the HTTP API payload
// format 2.0
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html):
// header names in lower case, a binary body base64-encoded with isBase64Encoded.
func TestEventGoldens(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 678_000_000, time.UTC)
	request := func(routeKey, method, path, body string) events.APIGatewayV2HTTPRequest {
		return events.APIGatewayV2HTTPRequest{
			Version: "2.0", RouteKey: routeKey, RawPath: path,
			Headers: map[string]string{"content-type": "application/json", "host": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"},
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				RouteKey: routeKey, AccountID: "123456789012", Stage: "$default", RequestID: "XyZ0aBcDeFgHiJk=",
				APIID: "a1b2c3d4e5", DomainName: "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com", DomainPrefix: "a1b2c3d4e5",
				Time: "02/Jan/2026:03:04:05 +0000", TimeEpoch: at.UnixMilli(),
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
					Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "192.0.2.10", UserAgent: "curl/8.5.0",
				},
				// An IAM-authorized route names the signer
				// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html).
				Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{IAM: &events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription{
					AccessKey: "ASIAEXAMPLEKEY", AccountID: "123456789012", CallerID: "AROAEXAMPLEID:analyst",
					UserARN: "arn:aws:sts::123456789012:assumed-role/analytics/analyst", UserID: "AROAEXAMPLEID:analyst",
				}},
			},
			Body: body,
		}
	}
	getJob := request("GET /jobs/{jobId}", "GET", "/jobs/grep-3f9a2c71d04be8e5a6c1f207", "")
	getJob.PathParameters = map[string]string{"jobId": "grep-3f9a2c71d04be8e5a6c1f207"}
	query := request("POST /query", "POST", "/query", base64.StdEncoding.EncodeToString([]byte(`{"job":"grep","input":"s3://scatter-in/logs/","pattern":"ERROR","deadline":"2s"}`)))
	query.IsBase64Encoded = true

	golden.RoundTrip(t, []golden.Case{
		{File: "s3-object-created.json", Example: events.S3Event{Records: []events.S3EventRecord{{
			EventVersion: "2.1", EventSource: "aws:s3", AWSRegion: "us-east-1", EventTime: at, EventName: "ObjectCreated:Put",
			PrincipalID:       events.S3UserIdentity{PrincipalID: "AWS:AIDAEXAMPLEID:uploader"},
			RequestParameters: events.S3RequestParameters{SourceIPAddress: "192.0.2.10"},
			ResponseElements:  map[string]string{"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},
			S3: events.S3Entity{
				SchemaVersion: "1.0", ConfigurationID: "scatter-incoming",
				Bucket: events.S3Bucket{Name: "scatter-in", OwnerIdentity: events.S3UserIdentity{PrincipalID: "A3NL1KOZZKExample"}, Arn: "arn:aws:s3:::scatter-in"},
				Object: events.S3Object{
					Key: "incoming/grep/app+log+2026-01-01.txt", URLDecodedKey: "incoming/grep/app log 2026-01-01.txt",
					Size: 104857600, ETag: "d41d8cd98f00b204e9800998ecf8427e", VersionID: "", Sequencer: "0065A1B2C3D4E5F607",
				},
			},
		}}}},
		{File: "s3-test-event.json", Example: events.S3TestEvent{
			Service: "Amazon S3", Bucket: "scatter-in", Event: "s3:TestEvent", Time: at, RequestID: "5582815E1AEA5ADF", HostID: "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE",
		}},
		{File: "http-post-jobs.json", Example: request("POST /jobs", "POST", "/jobs", `{"job":"grep","input":"s3://scatter-in/logs/","output":"s3://scatter-out/results/errors.txt","pattern":"ERROR"}`)},
		{File: "http-get-job.json", Example: getJob},
		{File: "http-post-query.json", Example: query},
	})

	// The S3 test event needs no service behind it: the api function answers it at once.
	raw, err := golden.Read("s3-test-event.json")
	if err != nil {
		t.Fatal(err)
	}
	out, err := (&api.Service{}).Handle(context.Background(), raw)
	if res, ok := out.(api.S3Result); err != nil || !ok || res.Started != nil || res.Skipped != nil {
		t.Fatalf("Handle(s3-test-event.json) = %+v, %v; want an empty S3Result", out, err)
	}
}

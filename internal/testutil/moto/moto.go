package moto

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/scattergather/scattergather/internal/awsx"
	"github.com/scattergather/scattergather/internal/motoserver"
)

// Region is the region tests use against moto.
const Region = "us-east-1"

// Server is a moto server owned by one test (or one test package).
type Server struct {
	// URL is the server's endpoint, http://127.0.0.1:PORT.
	URL string
	// Port is the TCP port it listens on.
	Port int
}

// Start starts moto on a free port of 127.0.0.1 and stops it in t.Cleanup. It sets no
// environment; it fails the test, naming what to install, when python3 or moto is missing,
// and naming moto when it does not answer. It waits as long as motoserver.Start does by
// default: on a loaded machine moto takes over a minute to answer.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := motoserver.Start(context.Background(), motoserver.Options{})
	if err != nil {
		t.Fatalf("the integration tier's moto server (python3 with moto: %s): %v", motoserver.Install, err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop moto: %v", err)
		}
	})
	return &Server{URL: s.URL, Port: s.Port}
}

// Config sets dummy AWS credentials and region us-east-1 for the test (t.Setenv, so not in
// parallel tests) and returns an AWS configuration whose endpoint is the server.
func (s *Server) Config(t testing.TB) aws.Config {
	t.Helper()
	Env(t)
	cfg, err := awsx.Config(context.Background(), s.URL, Region)
	if err != nil {
		t.Fatalf("aws config for moto: %v", err)
	}
	return cfg
}

// Env sets, for the test, the environment an AWS client needs to talk to moto: dummy
// credentials, region us-east-1, no shared config files, no instance metadata.
func Env(t testing.TB) {
	t.Helper()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           "testing",
		"AWS_SECRET_ACCESS_KEY":       "testing",
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  Region,
		"AWS_DEFAULT_REGION":          Region,
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             "/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		t.Setenv(k, v)
	}
}

// S3 returns an S3 client of the server with the given buckets created.
func (s *Server) S3(t testing.TB, buckets ...string) *s3.Client {
	t.Helper()
	client := awsx.S3Client(s.Config(t), s.URL)
	for _, b := range buckets {
		if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatalf("create bucket %s: %v", b, err)
		}
	}
	return client
}

// CountRequests returns a copy of c that counts in n every HTTP request it sends.
func CountRequests(c *s3.Client) (counted *s3.Client, n *atomic.Int64) {
	n = new(atomic.Int64)
	counted = s3.New(c.Options(), func(o *s3.Options) { o.HTTPClient = countingClient{o.HTTPClient, n} })
	return counted, n
}

// countingClient counts the requests it passes on.
type countingClient struct {
	s3.HTTPClient
	n *atomic.Int64
}

func (c countingClient) Do(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.HTTPClient.Do(r)
}

// Executions lists every execution of the state machine sm (all pages).
func Executions(t testing.TB, c sfn.ListExecutionsAPIClient, sm string) []types.ExecutionListItem {
	t.Helper()
	var all []types.ExecutionListItem
	pages := sfn.NewListExecutionsPaginator(c, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		if err != nil {
			t.Fatalf("list executions of %s: %v", sm, err)
		}
		all = append(all, page.Executions...)
	}
	return all
}

// ExecutionsNamed counts the executions of the state machine sm named name: one, where a
// submission must start one execution however often it is made.
func ExecutionsNamed(t testing.TB, c sfn.ListExecutionsAPIClient, sm, name string) int {
	t.Helper()
	n := 0
	for _, e := range Executions(t, c, sm) {
		if aws.ToString(e.Name) == name {
			n++
		}
	}
	return n
}

package plan_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/plan"
)

// failingStore answers every Stat and List with err.
type failingStore struct {
	blob.Store
	err error
}

func (s failingStore) Stat(context.Context, string) (blob.Info, error)   { return blob.Info{}, s.err }
func (s failingStore) List(context.Context, string) ([]blob.Info, error) { return nil, s.err }

// s3Status is an S3 answer of the given HTTP status, as the SDK wraps it.
func s3Status(code int) error {
	return fmt.Errorf("operation error S3: HeadObject: %w",
		&smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: code}}, Err: errors.New("api error")})
}

// TestResolveClassifiesStoreErrors: a store failure that is the input's
// fault (missing, refused with a 4xx) is a plan.InputError, which the
// splitter and the API report as a bad input; one that may pass (5xx,
// throttling, a reset connection) is not, so it is retried.
func TestResolveClassifiesStoreErrors(t *testing.T) {
	for _, c := range []struct {
		name  string
		err   error
		input bool
	}{
		{"not found", blob.ErrNotFound, true},
		{"access denied", s3Status(403), true},
		{"server error", s3Status(503), false},
		{"throttled", s3Status(429), false},
		{"request timeout", s3Status(408), false},
		{"connection reset", errors.New("read tcp: connection reset by peer"), false},
	} {
		for _, src := range []string{"s3://bucket/key", "s3://bucket/prefix/", "s3://bucket/p*/*.csv"} {
			_, err := plan.Resolve(context.Background(), failingStore{err: c.err}, []string{src})
			var ie *plan.InputError
			if err == nil || errors.As(err, &ie) != c.input || !errors.Is(err, c.err) {
				t.Errorf("%s on %s: %v (input error: %v), want input error %v wrapping the store's", c.name, src, err, errors.As(err, &ie), c.input)
			}
		}
	}
}

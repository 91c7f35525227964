package blob_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/blob/blobtest"
	"github.com/scattergather/scattergather/internal/testutil/moto"
)

// TestS3Conformance runs the suite on the S3 adapter against moto, directly and through a
// Mux whose factory makes S3 stores, with a fresh bucket for every subtest.
func TestS3Conformance(t *testing.T) {
	srv := moto.Start(t)
	client := srv.S3(t)
	var n atomic.Int32
	newBucket := func(t *testing.T) string {
		name := fmt.Sprintf("conformance-%d", n.Add(1))
		srv.S3(t, name)
		return name
	}
	t.Run("S3", func(t *testing.T) {
		blobtest.Run(t, func(t *testing.T) blob.Store { return blob.NewS3(client, newBucket(t)) })
	})
	t.Run("Mux", func(t *testing.T) {
		blobtest.Run(t, func(t *testing.T) blob.Store {
			bucket := newBucket(t)
			m := blob.NewMux(func(b string) (blob.Store, error) { return blob.NewS3(client, b), nil })
			return located{t, m, "s3://" + bucket + "/under/"}
		})
	})
}

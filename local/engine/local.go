package engine

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/scattergather/scattergather/internal/awsx"
	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/faults"
	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/pipeline"
)

// WorkBucket is the bucket name of the local work area; it lives in the state
// directory, so s3://scatter-work/... locations never leave the machine.
const WorkBucket = "scatter-work"

// DefaultStateDir is where local state lives unless --state-dir says otherwise.
const DefaultStateDir = ".scatter"

// Options configure the embedded defaults.
type Options struct {
	// Endpoint points s3:// inputs and outputs at an S3-compatible server.
	Endpoint string
	// Region is the AWS region for s3:// locations; empty means the environment's or us-east-1.
	Region string
	// Faults, when set, are injected into the handlers, the store and the ledger.
	Faults *faults.Set
}

// Local is the embedded backend under a state directory: a filesystem work
// bucket, a bbolt ledger, and S3 for s3:// locations outside the work bucket.
type Local struct {
	StateDir string
	Store    *blob.Mux
	Ledger   *ledger.Bolt
	Handler  *pipeline.Handler
}

// Open opens (creating if needed) the state directory.
func Open(ctx context.Context, stateDir string, o Options) (*Local, error) {
	if stateDir == "" {
		stateDir = DefaultStateDir
	}
	if err := os.MkdirAll(filepath.Join(stateDir, "work"), 0o755); err != nil {
		return nil, fmt.Errorf("state dir %s: %w", stateDir, err)
	}
	lg, err := ledger.OpenBolt(filepath.Join(stateDir, "ledger.db"))
	if err != nil {
		return nil, fmt.Errorf("state dir %s: %w", stateDir, err)
	}
	mux := NewStore(ctx, o)
	mux.Mount(WorkBucket, blob.NewFS(filepath.Join(stateDir, "work")))
	h := &pipeline.Handler{Store: mux, Ledger: lg, WorkBucket: WorkBucket, Log: slog.New(slog.DiscardHandler)}
	if o.Faults != nil {
		h.Faults = o.Faults
		h.Store = faults.Store{Store: mux, F: o.Faults}
		h.Ledger = faults.Ledger{Ledger: lg, F: o.Faults}
	}
	return &Local{StateDir: stateDir, Store: mux, Ledger: lg, Handler: h}, nil
}

// NewStore is the store of local paths and s3:// locations (on o.Endpoint,
// when set, else AWS) that every local command reads and writes through.
func NewStore(ctx context.Context, o Options) *blob.Mux {
	return blob.NewMux(func(bucket string) (blob.Store, error) {
		cfg, err := awsx.Config(ctx, o.Endpoint, o.Region)
		if err != nil {
			return nil, err
		}
		return blob.NewS3(awsx.S3Client(cfg, o.Endpoint), bucket), nil
	})
}

// Close releases the ledger.
func (l *Local) Close() error { return l.Ledger.Close() }

package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/ledger/ledgertest"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
	"github.com/scattergather/scattergather/internal/testutil"
	"github.com/scattergather/scattergather/internal/testutil/moto"
)

// cuttingProxy forwards to moto and, when armed with a key, breaks off the
// next GET of that key after `after` bytes of its body: the response keeps
// its Content-Length and the connection is dropped, as a network fault
// mid-stream does.
type cuttingProxy struct {
	mu    sync.Mutex
	key   string // path suffix of the GET to cut; "" when disarmed
	after int64
	cuts  int
}

func (c *cuttingProxy) arm(key string, after int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.key, c.after = key, after
}

// take disarms the proxy and reports whether req is the GET to cut.
func (c *cuttingProxy) take(req *http.Request) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.key == "" || req.Method != http.MethodGet || !strings.HasSuffix(req.URL.Path, "/"+c.key) {
		return false
	}
	c.key = ""
	c.cuts++
	return true
}

// errCut ends the proxied body; ReverseProxy then aborts the connection.
var errCut = errors.New("cut by the test proxy")

type cutBody struct {
	io.ReadCloser
	left int64
}

func (b *cutBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errCut
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

// start serves the proxy on 127.0.0.1 in front of target.
func (c *cuttingProxy) start(t *testing.T, target string) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(u)
			r.Out.Host = r.In.Host // as signed
		},
		ModifyResponse: func(resp *http.Response) error {
			if resp.StatusCode/100 == 2 && c.take(resp.Request) {
				resp.Body = &cutBody{ReadCloser: resp.Body, left: c.after}
			}
			return nil
		},
		// Flush every write, so that the headers and the first bytes reach the
		// client before the abort, not a reset connection the SDK retries.
		FlushInterval: -1,
		ErrorLog:      log.New(io.Discard, "", 0), // the abort is the point
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv.URL
}

// cutHandler is a handler whose store is S3 on moto, reached through a
// cuttingProxy: its work bucket and cutInput, for inputs.
func cutHandler(t *testing.T) (*pipeline.Handler, *cuttingProxy) {
	t.Helper()
	srv := moto.Start(t)
	srv.S3(t, work, cutInput)
	proxy := &cuttingProxy{}
	endpoint := proxy.start(t, srv.URL)
	client := s3.NewFromConfig(srv.Config(t), func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = true
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	mux := blob.NewMux(func(b string) (blob.Store, error) { return blob.NewS3(client, b), nil })
	return &pipeline.Handler{Store: mux, Ledger: ledgertest.OpenBolt(t), WorkBucket: work, TriggerBucket: "in"}, proxy
}

const cutInput = "cut-in"

// TestCutParquetBodyIsRetried: a ranged GET of a Parquet input cut before its
// Content-Length fails the map with a RetryableError, not an InputError naming
// a file that ends before its planned size, and the retried map succeeds. An
// object that really is shorter than planned still fails the map at once.
func TestCutParquetBodyIsRetried(t *testing.T) {
	h, proxy := cutHandler(t)
	ctx := context.Background()
	local := filepath.Join(t.TempDir(), "t.parquet")
	var groups [][]footerRow
	for g := range 3 {
		var rows []footerRow
		for i := range 500 {
			rows = append(rows, footerRow{ID: int64(g*500 + i), Name: fmt.Sprintf("name %d", i)})
		}
		groups = append(groups, rows)
	}
	pqtest.WriteGo(t, local, groups)
	data := testutil.ReadFile(t, local)
	in := "s3://" + cutInput + "/t.parquet"
	if err := h.Store.Put(ctx, in, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	p, err := h.Plan(ctx, pipeline.PlanInput{Job: "select", Params: map[string]string{"columns": "id,name", "where": "id >= 0"},
		Inputs: []string{in}, Output: "s3://" + cutInput + "/out.csv", ChunkSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := manifest(t, h, p)[0]
	proxy.arm("t.parquet", 3)
	_, err = h.Map(ctx, mapInput(p, c))
	var re *pipeline.RetryableError
	if !errors.As(err, &re) || !errors.Is(err, blob.ErrCutShort) {
		t.Fatalf("map over a cut Parquet body (%d cuts): %v (%T), want a RetryableError wrapping blob.ErrCutShort", proxy.cuts, err, err)
	}
	r, err := h.Map(ctx, mapInput(p, c)) // the state machine's retry
	if err != nil {
		t.Fatalf("map retried after the cut: %v", err)
	}
	if r.Stats.RecordsOut != 500 {
		t.Fatalf("map retried after the cut: %d records out, want the row group's 500", r.Stats.RecordsOut)
	}

	// The object stored shorter since it was planned: its bytes end early, and no retry mends that.
	if err := h.Store.Put(ctx, in, bytes.NewReader(data[:len(data)-10])); err != nil {
		t.Fatal(err)
	}
	_, err = h.Map(ctx, mapInput(p, manifest(t, h, p)[1]))
	var ie *pipeline.InputError
	if !errors.As(err, &ie) || errors.Is(err, blob.ErrCutShort) {
		t.Fatalf("map of an object stored shorter than planned: %v (%T), want an InputError", err, err)
	}
}

// TestCutBodyIsRetried: a GetObject body that a network fault cuts before its
// Content-Length fails the gather with a RetryableError (blob.ErrCutShort in
// its chain, not io.ErrUnexpectedEOF), which the state machine retries, and the
// second attempt succeeds with the output of an undisturbed run. A partial
// whose stored bytes are themselves short still fails at once with an
// InputError wrapping jobs.ErrCorruptPartial.
func TestCutBodyIsRetried(t *testing.T) {
	h, proxy := cutHandler(t)
	ctx := context.Background()
	var data strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&data, "w%d x%d\n", i%700, i%13)
	}
	want, _ := runJob(t, newHandler(t), pipeline.PlanInput{Job: "wordcount", Inputs: []string{writeInput(t, data.String())}, Output: filepath.Join(t.TempDir(), "want.tsv"), ChunkSize: 8 << 10})

	mapped := func() (pipeline.GatherInput, string) {
		p, first := mappedFirst(t, h, data.String(), 8<<10)
		return pipeline.GatherInput{JobID: p.JobID, Job: p.Job, Params: p.Params, Work: p.Work, Output: p.Output, Chunks: p.Chunks}, first.Partial
	}
	in, loc := mapped()
	partial := strings.TrimPrefix(loc, "s3://"+work+"/")
	stored := readAll(t, h, loc)
	if len(stored) < 100 {
		t.Fatalf("partial %s has %d bytes, too few to cut", loc, len(stored))
	}
	proxy.arm(partial, int64(len(stored)/2))
	_, err := h.Gather(ctx, in)
	var re *pipeline.RetryableError
	if !errors.As(err, &re) || pipeline.ErrorType(err) != "RetryableError" || !errors.Is(err, blob.ErrCutShort) {
		t.Fatalf("gather over a body cut at %d of %d bytes: %v (%T), want a RetryableError wrapping blob.ErrCutShort", len(stored)/2, len(stored), err, err)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, jobs.ErrCorruptPartial) {
		t.Fatalf("a cut body taken for short content: %v", err)
	}
	if proxy.cuts != 1 {
		t.Fatalf("the proxy cut %d bodies, want 1", proxy.cuts)
	}
	res, err := h.Gather(ctx, in) // the state machine's retry
	if err != nil {
		t.Fatalf("gather retried after the cut: %v", err)
	}
	if got := readAll(t, h, res.Output); !bytes.Equal(got, want) {
		t.Fatalf("output after the retry (%d bytes) differs from an undisturbed run's (%d bytes)", len(got), len(want))
	}

	// A partial of another job stored short: its bytes end early, and no retry mends that.
	in, loc = mapped()
	stored = readAll(t, h, loc)
	if err := h.Store.Put(ctx, loc, bytes.NewReader(stored[:len(stored)/2])); err != nil {
		t.Fatal(err)
	}
	_, err = h.Gather(ctx, in)
	var ie *pipeline.InputError
	if !errors.As(err, &ie) || !errors.Is(err, jobs.ErrCorruptPartial) || errors.Is(err, blob.ErrCutShort) {
		t.Fatalf("gather over a partial stored short: %v (%T), want an InputError wrapping jobs.ErrCorruptPartial", err, err)
	}
}

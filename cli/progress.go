package cli

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/local/asl"
	"github.com/scattergather/scattergather/local/engine"
)

// progress draws chunks done/total, MB/s and ETA on stderr when it is a terminal.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	on    bool
	bar   *progressbar.ProgressBar
	bytes int64
	start time.Time
}

func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, on: ok && term.IsTerminal(int(f.Fd())), start: time.Now()}
}

func (p *progress) event(ev asl.Event) {
	// The chunks are the Scatter map's items (MergeLevel's are the gather tree's groups).
	if !p.on || ev.Type != asl.EventMapRunStarted || ev.State != engine.ScatterState {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bar = progressbar.NewOptions(ev.Items,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription("chunks"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}

func (p *progress) mapped(r pipeline.MapResult) {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bytes += r.Stats.BytesIn
	if p.bar != nil {
		mbps := float64(p.bytes) / 1e6 / max(time.Since(p.start).Seconds(), 1e-9)
		p.bar.Describe(fmt.Sprintf("chunks %.1f MB/s", mbps))
		_ = p.bar.Add(1)
	}
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

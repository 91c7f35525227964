package engine

import (
	"context"
	"time"
)

// SetWithTimeout replaces how e gives an invocation's handler the context that ends at
// its function's Timeout (context.WithTimeout), so a test decides when a Timeout passes.
func SetWithTimeout(e *Engine, f func(parent context.Context, function string, timeout time.Duration) (context.Context, context.CancelFunc)) {
	e.withTimeout = f
}

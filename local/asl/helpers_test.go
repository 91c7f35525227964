package asl

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// canon renders a value as canonical JSON (sorted keys, exact numbers).
func canon(t *testing.T, v any) string {
	t.Helper()
	s, err := encodeJSON(v)
	if err != nil {
		t.Fatalf("encode %v: %v", v, err)
	}
	return s
}

// canonText parses JSON text and renders it canonically.
func canonText(t *testing.T, s string) string {
	t.Helper()
	v, err := decodeJSON([]byte(s))
	if err != nil {
		t.Fatalf("bad JSON in test %q: %v", s, err)
	}
	return canon(t, v)
}

func assertJSON(t *testing.T, got any, want string) {
	t.Helper()
	if g, w := canon(t, got), canonText(t, want); g != w {
		t.Errorf("got  %s\nwant %s", g, w)
	}
}

func mustParse(t *testing.T, def string) *Machine {
	t.Helper()
	m, err := Parse([]byte(def), nil)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

// failureOf returns the *Failure err wraps, failing the test if there is none.
func failureOf(t *testing.T, err error) *Failure {
	t.Helper()
	var f *Failure
	if !errors.As(err, &f) {
		t.Fatalf("error %v (%T) does not wrap a *Failure", err, err)
	}
	return f
}

// recorded is a list that goroutines append to: the calls, sleeps and events a test looks
// at afterwards.
type recorded[T any] struct {
	mu    sync.Mutex
	items []T
}

func (r *recorded[T]) add(x T) {
	r.mu.Lock()
	r.items = append(r.items, x)
	r.mu.Unlock()
}

// where returns, in order, the items keep accepts (all of them for a nil keep).
func (r *recorded[T]) where(keep func(T) bool) []T {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []T
	for _, x := range r.items {
		if keep == nil || keep(x) {
			out = append(out, x)
		}
	}
	return out
}

// lambdas is a fake Lambda service: each function is a Go func; it records calls.
type lambdas struct {
	fns   map[string]func(ctx context.Context, payload any) (any, error)
	calls recorded[call2]
}

type call2 struct {
	function string
	payload  string
}

func (l *lambdas) invoke(ctx context.Context, function string, payload any) (any, error) {
	p, err := encodeJSON(payload)
	if err != nil {
		return nil, err
	}
	l.calls.add(call2{function, p})
	fn := l.fns[function]
	if fn == nil {
		return nil, &Failure{Name: "Lambda.ResourceNotFoundException", Cause: "no function " + function}
	}
	return fn(ctx, payload)
}

func (l *lambdas) callsTo(function string) []string {
	var out []string
	for _, c := range l.calls.where(func(c call2) bool { return c.function == function }) {
		out = append(out, c.payload)
	}
	return out
}

// sleeper is an instant Options.Sleep that records the durations asked for.
type sleeper struct{ recorded[time.Duration] }

func (s *sleeper) sleep(ctx context.Context, d time.Duration) error {
	s.add(d)
	return ctx.Err()
}

func (s *sleeper) durations() []time.Duration { return s.where(nil) }

// events collects events.
type events struct{ recorded[Event] }

func (e *events) on(ev Event) { e.add(ev) }

func (e *events) ofType(typ string) []Event {
	return e.where(func(ev Event) bool { return ev.Type == typ })
}

// untilCancelled is a slow function's body: it waits for ctx to end, and calls onCancel
// when it does, or for d to pass, when it answers late.
func untilCancelled(ctx context.Context, onCancel func(), d time.Duration, late any) (any, error) {
	select {
	case <-ctx.Done():
		onCancel()
		return nil, ctx.Err()
	case <-time.After(d):
		return late, nil
	}
}

func secs(fs ...float64) []time.Duration {
	out := make([]time.Duration, len(fs))
	for i, f := range fs {
		out[i] = time.Duration(f * float64(time.Second))
	}
	return out
}

func raw(s string) json.RawMessage { return json.RawMessage(s) }

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

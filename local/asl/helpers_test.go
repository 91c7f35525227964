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

// lambdas is a fake Lambda service: each function is a Go func; it records calls.
type lambdas struct {
	mu    sync.Mutex
	fns   map[string]func(ctx context.Context, payload any) (any, error)
	calls []call2
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
	l.mu.Lock()
	l.calls = append(l.calls, call2{function, p})
	fn := l.fns[function]
	l.mu.Unlock()
	if fn == nil {
		return nil, &Failure{Name: "Lambda.ResourceNotFoundException", Cause: "no function " + function}
	}
	return fn(ctx, payload)
}

func (l *lambdas) callsTo(function string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, c := range l.calls {
		if c.function == function {
			out = append(out, c.payload)
		}
	}
	return out
}

// sleeper is an instant Options.Sleep that records the durations asked for.
type sleeper struct {
	mu sync.Mutex
	ds []time.Duration
}

func (s *sleeper) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.ds = append(s.ds, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeper) durations() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.ds...)
}

// events collects events.
type events struct {
	mu  sync.Mutex
	evs []Event
}

func (e *events) on(ev Event) {
	e.mu.Lock()
	e.evs = append(e.evs, ev)
	e.mu.Unlock()
}

func (e *events) ofType(typ string) []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Event
	for _, ev := range e.evs {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
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

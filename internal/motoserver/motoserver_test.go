package motoserver

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scattergather/scattergather/internal/sfnquota"
	"github.com/scattergather/scattergather/internal/testutil"
)

func TestStartStop(t *testing.T) {
	s, err := Start(context.Background(), Options{}) // DefaultStartTimeout: loaded machines are slow

	if err != nil {
		t.Fatalf("%v (the integration tier needs python3 with moto: %s)", err, Install)
	}
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") || s.Port == 0 {
		t.Fatalf("URL %q, Port %d", s.URL, s.Port)
	}
	resp, err := http.Get(s.URL + "/moto-api/")
	if err != nil {
		t.Fatalf("moto does not answer after Start: %v", err)
	}
	resp.Body.Close()
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	client := &http.Client{Timeout: time.Second}
	if resp, err := client.Get(s.URL + "/moto-api/"); err == nil {
		resp.Body.Close()
		t.Fatalf("moto still answers at %s after Stop", s.URL)
	}
}

func TestStartFailures(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "fakepython")
	script := "#!/bin/sh\necho \"/usr/bin/python3: Error while finding module specification for 'moto.server' (ModuleNotFoundError: No module named 'moto')\" >&2\nexit 1\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	busy := ln.Addr().(*net.TCPAddr).Port
	cases := []struct {
		name string
		opts Options
		want []string
	}{
		{name: "python missing", opts: Options{Python: "python3-not-installed"}, want: []string{"python3-not-installed not found", Install}},
		{name: "moto missing", opts: Options{Python: fake}, want: []string{"moto", "is missing", Install}},
		{name: "port taken", opts: Options{Port: busy}, want: []string{"on port " + strconv.Itoa(busy), "port in use"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// No deadline of the test's (Start's default): the real moto of "port taken"
			// takes over 30 s to find the port busy on a loaded machine.
			s, err := Start(context.Background(), tc.opts)
			if err == nil {
				s.Stop()
				t.Fatal("Start succeeded, want an error")
			}
			testutil.ErrorNames(t, err, tc.want...)
		})
	}
}

// TestStartNamesAServerThatNeverAnswers: a server that never says it is running, or
// says so and never answers, fails Start when ctx ends, with an error naming moto, its
// process and what it did not do; the process is stopped. The fakes never answer, so
// the short deadline decides nothing but how long the test waits.
func TestStartNamesAServerThatNeverAnswers(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, script, want string
	}{
		{"silent", "exec sleep 600\n", `never printed "Running on"`},
		{"deaf", "echo \" * Running on http://127.0.0.1:$6\"\nexec sleep 600\n", "its API (/moto-api/) did not answer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := filepath.Join(dir, tc.name)
			if err := os.WriteFile(fake, []byte("#!/bin/sh\n"+tc.script), 0o755); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			s, err := Start(ctx, Options{Python: fake})
			if err == nil {
				s.Stop()
				t.Fatal("Start succeeded, want an error")
			}
			testutil.ErrorNames(t, err, "moto", "pid", tc.want, "127.0.0.1:", "deadline exceeded")
			m := regexp.MustCompile(`pid (\d+)`).FindStringSubmatch(err.Error())
			if pid, _ := strconv.Atoi(m[1]); syscall.Kill(pid, 0) == nil {
				t.Fatalf("the fake server (pid %d) still runs after Start failed", pid)
			}
		})
	}
}

// TestPatchTakesThePayloadQuotaFromGo shows that the moto patch has no copy of Step
// Functions' payload quota: Start hands it internal/sfnquota's, so the local engine and the
// local AWS cannot drift apart.
func TestPatchTakesThePayloadQuotaFromGo(t *testing.T) {
	if n := strconv.Itoa(sfnquota.PayloadBytes); bytes.Contains(patch, []byte(n)) {
		t.Fatalf("sitecustomize.py writes the payload quota %s itself: read it from %s", n, sfnquota.PayloadBytesEnv)
	}
	if !bytes.Contains(patch, []byte(sfnquota.PayloadBytesEnv)) {
		t.Fatalf("sitecustomize.py does not read %s", sfnquota.PayloadBytesEnv)
	}
	dir := t.TempDir()
	got := filepath.Join(dir, "env")
	fake := filepath.Join(dir, "fakepython")
	script := "#!/bin/sh\nprintf %s \"$" + sfnquota.PayloadBytesEnv + "\" > " + got + "\necho 'No module named moto' >&2\nexit 1\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// A caller's Env does not override the quota.
	if s, err := Start(ctx, Options{Python: fake, Env: []string{sfnquota.PayloadBytesEnv + "=1"}}); err == nil {
		s.Stop()
		t.Fatal("the fake python started a server")
	}
	b, err := os.ReadFile(got)
	if err != nil {
		t.Fatalf("the fake python did not run: %v", err)
	}
	if want := strconv.Itoa(sfnquota.PayloadBytes); string(b) != want {
		t.Fatalf("the server's %s = %q, want %s", sfnquota.PayloadBytesEnv, b, want)
	}
}

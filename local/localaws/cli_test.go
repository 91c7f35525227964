package localaws_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/jobs/reference"
	"github.com/scattergather/scattergather/internal/testutil"
)

// The sample object the events in local/events read.
const (
	sampleKey  = "incoming/wordcount/sample.txt"
	sampleText = "the quick brown fox jumps over the lazy dog\n"
)

// eventCheck is what a sample event's answer must contain.
type eventCheck struct {
	function string
	check    func(t *testing.T, answer map[string]any)
}

// sampleEvents are the events of local/events in the order a walk-through
// invokes them: plan, map the chunk, plan the gather, gather, then the api function.
var sampleEvents = []struct {
	file string
	eventCheck
}{
	{"splitter.json", eventCheck{"splitter", func(t *testing.T, a map[string]any) {
		if a["jobId"] != "wordcount-d104553a3d02f624a09c9c46" || a["chunks"] != 1.0 {
			t.Errorf("splitter answered %v: want the job that mapper.json maps, of 1 chunk", a)
		}
	}}},
	{"mapper.json", eventCheck{"mapper", func(t *testing.T, a map[string]any) {
		if a["jobId"] != "wordcount-d104553a3d02f624a09c9c46" || a["attempt"] == nil {
			t.Errorf("mapper answered %v: want the committed chunk of the sample job", a)
		}
	}}},
	{"reducer-plan.json", eventCheck{"reducer", func(t *testing.T, a map[string]any) {
		if tree, _ := a["tree"].(map[string]any); tree == nil || tree["merge"] != false || tree["partials"] != 1.0 {
			t.Errorf("reducer (plan) answered %v: want level 0 of one partial, nothing to merge", a)
		}
	}}},
	{"reducer.json", eventCheck{"reducer", func(t *testing.T, a map[string]any) {
		if a["output"] != "s3://scatter-outputbucket/results/wordcount/sample.txt" {
			t.Errorf("reducer answered %v: want the output of the sample job", a)
		}
	}}},
	{"api-post-jobs.json", eventCheck{"api", func(t *testing.T, a map[string]any) {
		if code := a["statusCode"]; code != 202.0 && code != 200.0 {
			t.Errorf("POST /jobs answered %v: want 202 (or 200 for a duplicate)", a)
		}
	}}},
	{"api-get-job.json", eventCheck{"api", func(t *testing.T, a map[string]any) {
		if a["statusCode"] != 200.0 || !strings.Contains(a["body"].(string), `"status":"SUCCEEDED"`) {
			t.Errorf("GET /jobs/{id} answered %v: want 200 with the sample job SUCCEEDED", a)
		}
	}}},
	{"api-s3-put.json", eventCheck{"api", func(t *testing.T, a map[string]any) {
		if started, _ := a["started"].([]any); len(started) != 1 {
			t.Errorf("the S3 event answered %v: want one job started", a)
		}
	}}},
}

// TestLocalUpAndInvoke runs `scatter local up` as a user does: it prints the
// export lines and ready; an upload with the printed settings starts a job
// whose result appears; `scatter local invoke --endpoint` answers every sample
// event of local/events; and SIGTERM stops every process it started.
func TestLocalUpAndInvoke(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(scatter, "local", "up", "--template", filepath.Join(repoRoot, "template.yaml"), "--bin-dir", binDir)
	cmd.Dir = t.TempDir()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			cmd.Process.Kill()
			<-exited
		}
	})
	env := readExports(t, stdout, &stderr)
	go func() { exited <- cmd.Wait() }()

	for _, name := range []string{"AWS_ENDPOINT_URL", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
		"SCATTER_INPUT_BUCKET", "SCATTER_OUTPUT_BUCKET", "SCATTER_TABLE", "SCATTER_STATE_MACHINE_ARN", "SCATTER_API_URL"} {
		if env[name] == "" {
			t.Errorf("scatter local up printed no export of %s", name)
		}
	}
	endpoint := env["AWS_ENDPOINT_URL"]
	if u, err := url.Parse(endpoint); err != nil || u.Hostname() != "127.0.0.1" {
		t.Fatalf("AWS_ENDPOINT_URL=%s: want http://127.0.0.1:PORT", endpoint)
	}

	// The walk-through: upload with the printed settings, get the result.
	client := s3.NewFromConfig(aws.Config{
		Region:       env["AWS_REGION"],
		Credentials:  credentials.NewStaticCredentialsProvider(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], ""),
		BaseEndpoint: aws.String(endpoint),
	}, func(o *s3.Options) { o.UsePathStyle = true })
	ctx := context.Background()
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(env["SCATTER_INPUT_BUCKET"]), Key: aws.String(sampleKey), Body: strings.NewReader(sampleText)}); err != nil {
		t.Fatalf("upload to the printed input bucket: %v", err)
	}
	want, err := reference.Run("wordcount", jobs.Params{}, []reference.Input{{Source: "sample", Data: []byte(sampleText)}})
	if err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, jobTimeout, "the result of the uploaded sample", func() bool {
		out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(env["SCATTER_OUTPUT_BUCKET"]), Key: aws.String("results/wordcount/sample.txt")})
		if err != nil {
			return false
		}
		defer out.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(out.Body)
		if !bytes.Equal(b.Bytes(), want) {
			t.Fatalf("result of the uploaded sample: %q, want %q", b.Bytes(), want)
		}
		return true
	})

	// Every sample event, through the running local AWS.
	events, err := filepath.Glob(filepath.Join(repoRoot, "local", "events", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var covered []string
	for _, ev := range sampleEvents {
		covered = append(covered, filepath.Join(repoRoot, "local", "events", ev.file))
	}
	sort.Strings(events)
	sort.Strings(covered)
	if strings.Join(events, ",") != strings.Join(covered, ",") {
		t.Errorf("local/events holds %v; the test invokes %v", events, covered)
	}
	for _, ev := range sampleEvents {
		t.Run(ev.file, func(t *testing.T) {
			out, errOut, err := runScatter("local", "invoke", ev.function, "--event", filepath.Join(repoRoot, "local", "events", ev.file),
				"--endpoint", endpoint, "--template", filepath.Join(repoRoot, "template.yaml"))
			if err != nil {
				t.Fatalf("scatter local invoke %s --event %s: %v\n%s%s", ev.function, ev.file, err, out, errOut)
			}
			var answer map[string]any
			if err := json.Unmarshal([]byte(out), &answer); err != nil {
				t.Fatalf("scatter local invoke %s printed %q: %v", ev.function, out, err)
			}
			ev.check(t, answer)
		})
	}

	children := childProcesses(t, cmd.Process.Pid)
	if !strings.Contains(strings.Join(commandLines(children), "\n"), "moto.server") {
		t.Errorf("no moto among the processes of scatter local up: %v", commandLines(children))
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Errorf("scatter local up after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(2 * time.Minute): // bounds a hang only
		t.Fatalf("scatter local up still runs 2 minutes after SIGTERM")
	}
	for pid, cmdline := range children {
		if now, alive := processCommand(pid); alive && now == cmdline {
			t.Errorf("process %d (%s) outlived scatter local up", pid, cmdline)
		}
	}
}

// TestLocalInvokeOnItsOwnStack: without --endpoint, `scatter local invoke`
// brings up a local AWS for the call and seeds it with local/events/seed, so the
// splitter and mapper samples work on their own, as `sam local invoke` samples do;
// an event naming an object that is not there still fails naming the function,
// its error type and the object.
func TestLocalInvokeOnItsOwnStack(t *testing.T) {
	t.Parallel()
	for _, ev := range sampleEvents[:2] {
		out, errOut, err := runScatter("local", "invoke", map[string]string{"splitter": "SplitterFunction", "mapper": "MapperFunction"}[ev.function], "--event", filepath.Join(repoRoot, "local", "events", ev.file),
			"--template", filepath.Join(repoRoot, "template.yaml"), "--bin-dir", binDir)
		if err != nil {
			t.Fatalf("%s on its own stack: %v\n%s", ev.file, err, lastLine(errOut))
		}
		if !strings.Contains(errOut, "seeded 1 object(s)") {
			t.Errorf("%s: stderr does not say the sample was seeded:\n%s", ev.file, errOut)
		}
		var a map[string]any
		if err := json.Unmarshal([]byte(out), &a); err != nil {
			t.Fatalf("%s answered %q: %v", ev.file, out, err)
		}
		ev.check(t, a)
	}

	missing := filepath.Join(t.TempDir(), "splitter.json")
	event, err := os.ReadFile(filepath.Join(repoRoot, "local", "events", "splitter.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(missing, bytes.ReplaceAll(event, []byte("sample.txt"), []byte("absent.txt")), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := runScatter("local", "invoke", "SplitterFunction", "--event", missing,
		"--template", filepath.Join(repoRoot, "template.yaml"), "--bin-dir", binDir)
	if err == nil {
		t.Fatalf("the splitter planned a missing object: %s", out)
	}
	last := lastLine(errOut)
	if !strings.Contains(last, "SplitterFunction failed with InputError") || !strings.Contains(last, "absent.txt") {
		t.Errorf("error %q: want the function, its error type and the missing object", last)
	}
}

func runScatter(args ...string) (stdout, stderr string, err error) {
	return runScatterEnv(nil, args...)
}

// runScatterEnv runs the CLI with env (nil: this process's environment), for at most
// cliTimeout.
func runScatterEnv(env []string, args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, scatter, args...)
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// cliTimeout bounds one scatter command of a test: `scatter local invoke` brings a local
// AWS up of its own (upTimeout), then runs its call. It bounds a hang only.
const cliTimeout = upTimeout + 2*time.Minute

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// readExports reads `export NAME=value` lines up to "ready".
func readExports(t *testing.T, stdout io.Reader, stderr *bytes.Buffer) map[string]string {
	t.Helper()
	env := map[string]string{}
	done := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if line == "ready" {
				done <- nil
				return
			}
			kv, ok := strings.CutPrefix(line, "export ")
			name, value, ok2 := strings.Cut(kv, "=")
			if !ok || !ok2 {
				done <- errors.New("unexpected line before ready: " + line)
				return
			}
			env[name] = value
		}
		done <- errors.New("stdout closed before ready")
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("scatter local up: %v\n%s", err, stderr.String())
		}
	case <-time.After(upTimeout):
		t.Fatalf("scatter local up printed no ready in %v\n%s", upTimeout, stderr.String())
	}
	return env
}

// childProcesses maps the PIDs of pid's children to their command lines.
func childProcesses(t *testing.T, pid int) map[int]string {
	t.Helper()
	out, err := exec.Command("pgrep", "-P", strconv.Itoa(pid)).Output()
	if err != nil {
		t.Fatalf("pgrep -P %d: %v", pid, err)
	}
	children := map[int]string{}
	for _, f := range strings.Fields(string(out)) {
		child, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("pgrep: %q", out)
		}
		if cmdline, ok := processCommand(child); ok {
			children[child] = cmdline
		}
	}
	return children
}

// processCommand is pid's command line; alive is false when there is no such process.
func processCommand(pid int) (cmdline string, alive bool) {
	out, err := exec.Command("ps", "-o", "stat=,args=", "-p", strconv.Itoa(pid)).Output()
	if err != nil {
		return "", false
	}
	stat, args, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	if strings.HasPrefix(stat, "Z") { // exited, not yet reaped
		return "", false
	}
	return strings.TrimSpace(args), true
}

func commandLines(m map[int]string) []string {
	var s []string
	for _, c := range m {
		s = append(s, c)
	}
	return s
}

package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/scattergather/scattergather/internal/api"
	"github.com/scattergather/scattergather/internal/awsx"
	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/local/localaws"
)

// The variables `scatter local up` prints; without --stack they name the deployment.
const (
	envStack           = "SCATTER_STACK"
	envLocalInput      = "SCATTER_INPUT_BUCKET"
	envLocalOutput     = "SCATTER_OUTPUT_BUCKET"
	envLocalTable      = "SCATTER_TABLE"
	envLocalMachine    = "SCATTER_STATE_MACHINE_ARN"
	envAWSEndpoint     = "AWS_ENDPOINT_URL"
	localDefaultChunks = "64MiB" // template.yaml's DefaultChunkSize default
)

// localDefaultConc is the local AWS's default concurrency: template.yaml's MaxConcurrency
// default capped at the Lambda host's instances, as `scatter local up` gives its functions
// (more would queue invocations on the host past the mapper's timeout: see
// local/localaws's fitConcurrency).
var localDefaultConc = strconv.Itoa(localaws.HostInstances)

// remoteOptions are the flags of the commands that work on a deployed stack.
type remoteOptions struct {
	stack    string
	endpoint string
	region   string
	jsonOut  bool
}

func (o *remoteOptions) define(fs *flag.FlagSet) {
	fs.StringVar(&o.stack, "stack", os.Getenv(envStack), "the CloudFormation stack of the deployment (default $"+envStack+"; without it, the SCATTER_* variables 'scatter local up' prints)")
	fs.StringVar(&o.endpoint, "endpoint", os.Getenv(envAWSEndpoint), "URL of an AWS emulator for every AWS call (default $"+envAWSEndpoint+")")
	fs.StringVar(&o.region, "region", "", "AWS region (default: the environment's, else us-east-1)")
	fs.BoolVar(&o.jsonOut, "json", false, "print the answer as JSON on stdout")
}

// openRemote builds the api.Service of the deployment the options name: from the stack's
// outputs, or from the SCATTER_* variables of a local AWS.
var openRemote = func(ctx context.Context, o *remoteOptions) (*api.Service, error) {
	cfg, err := awsx.Config(ctx, o.endpoint, o.region)
	if err != nil {
		return nil, err
	}
	var outputs map[string]string
	if o.stack != "" {
		out, err := cloudformation.NewFromConfig(cfg).DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(o.stack)})
		if err != nil {
			return nil, fmt.Errorf("stack %s: %w", o.stack, err)
		}
		if len(out.Stacks) == 0 {
			return nil, fmt.Errorf("stack %s: not found", o.stack)
		}
		outputs = stackOutputs(out.Stacks[0].Outputs)
	} else {
		if outputs, err = localOutputs(os.Getenv); err != nil {
			return nil, err
		}
	}
	conf, err := api.ConfigFromOutputs(outputs)
	if err != nil {
		if o.stack != "" {
			return nil, fmt.Errorf("stack %s: %w", o.stack, err)
		}
		return nil, err
	}
	s3c := awsx.S3Client(cfg, o.endpoint)
	return &api.Service{
		Config:  conf,
		Starter: sfn.NewFromConfig(cfg),
		Ledger:  ledger.NewDynamo(awsx.DynamoClient(cfg), conf.Table),
		Store:   blob.NewMux(func(bucket string) (blob.Store, error) { return blob.NewS3(s3c, bucket), nil }),
		Log:     slog.New(slog.DiscardHandler),
	}, nil
}

// stackOutputs maps a stack's outputs by key.
func stackOutputs(outs []cftypes.Output) map[string]string {
	m := make(map[string]string, len(outs))
	for _, o := range outs {
		m[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	return m
}

// localOutputs stands in for a stack's outputs with the variables of `scatter local up`.
func localOutputs(getenv func(string) string) (map[string]string, error) {
	if getenv(envLocalMachine) == "" {
		return nil, usageError{"--stack is required (or $" + envStack + ", or the SCATTER_* variables that 'scatter local up' prints)"}
	}
	return map[string]string{
		api.OutputStateMachineARN:    getenv(envLocalMachine),
		api.OutputLedgerTable:        getenv(envLocalTable),
		api.OutputInputBucket:        getenv(envLocalInput),
		api.OutputOutputBucket:       getenv(envLocalOutput),
		api.OutputWorkBucket:         getenv(envLocalOutput),
		api.OutputDefaultChunkSize:   localDefaultChunks,
		api.OutputDefaultConcurrency: localDefaultConc,
	}, nil
}

// cmdSubmit starts a job on a deployed stack, the way POST /jobs does, and prints its ID.
func cmdSubmit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("scatter submit", stderr)
	var (
		opts        remoteOptions
		sub         submission
		output      = fs.String("output", "", "where the result goes: s3://OUTPUT-BUCKET/KEY (default results/JOB/... in the output bucket)")
		chunkSize   = fs.String("chunk-size", "", "target chunk size: bytes or a number with KiB MiB GiB KB MB GB (default: the stack's)")
		concurrency = fs.Int("concurrency", 0, "mappers running at once (default: the stack's)")
		gf          gatherFlags
	)
	gf.define(fs)
	sub.define(fs, "an input: s3://bucket/key, s3://bucket/prefix/ or a pattern of them (s3://b/t/*/*.parquet; repeatable)")
	opts.define(fs)
	if err := sub.parse(fs, args); err != nil {
		return err
	}
	if *concurrency < 0 {
		return usageError{fmt.Sprintf("--concurrency %d: want at least 1", *concurrency)}
	}
	if err := gf.check(); err != nil {
		return err
	}
	size, params, err := sub.sizeAndParams(fs, *chunkSize)
	if err != nil {
		return err
	}
	svc, err := openRemote(ctx, &opts)
	if err != nil {
		return err
	}
	res, err := svc.Submit(ctx, api.Spec{Job: sub.job, Inputs: sub.inputs, Output: *output, ChunkSize: size, Concurrency: *concurrency, Params: params, Partitions: *gf.parts, OutputParts: *gf.outParts})
	if err != nil {
		return fmt.Errorf("submit: %w", err)
	}
	state := "started"
	if res.Duplicate {
		state = "already submitted"
	}
	fmt.Fprintf(stderr, "scatter: job %s %s -> %s (the splitter plans it; 'scatter status %s' reports it)\n", res.JobID, state, res.Output, res.JobID)
	if opts.jsonOut {
		return writeJSON(stdout, res)
	}
	_, err = fmt.Fprintln(stdout, res.JobID)
	return err
}

// cmdStatus prints a job's status on a deployed stack.
func cmdStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("scatter status", stderr)
	var opts remoteOptions
	opts.define(fs)
	jobID, err := parseJobArgs(fs, args, "scatter status JOBID [--stack NAME] [--json]")
	if err != nil {
		return err
	}
	svc, err := openRemote(ctx, &opts)
	if err != nil {
		return err
	}
	st, err := svc.Status(ctx, jobID)
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	if opts.jsonOut {
		return writeJSON(stdout, st)
	}
	return printStatus(stdout, st)
}

// cmdWait follows a job on a deployed stack until it finishes, with a progress bar of its
// committed chunks on stderr when that is a terminal. It fails unless the job succeeded.
func cmdWait(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("scatter wait", stderr)
	var opts remoteOptions
	opts.define(fs)
	interval := fs.Duration("interval", 2*time.Second, "how often to poll the job")
	timeout := fs.Duration("timeout", 0, "give up after this long (0: never)")
	jobID, err := parseJobArgs(fs, args, "scatter wait JOBID [--stack NAME] [--interval 2s] [--timeout D] [--json]")
	if err != nil {
		return err
	}
	if *interval <= 0 {
		return usageError{fmt.Sprintf("--interval %s: want a positive duration", *interval)}
	}
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}
	svc, err := openRemote(ctx, &opts)
	if err != nil {
		return err
	}
	f, isFile := stderr.(*os.File)
	var bar *progressbar.ProgressBar
	defer func() {
		if bar != nil {
			_ = bar.Finish()
		}
	}()
	var last api.Status
	timedOut := func() error {
		return fmt.Errorf("job %s is still %s after %s (%d/%d chunks)", jobID, strings.ToLower(last.Status), *timeout, last.Committed, last.Chunks)
	}
	for {
		st, err := svc.Status(ctx, jobID)
		if err != nil {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) && last.JobID != "" {
				return timedOut()
			}
			return fmt.Errorf("wait: %w", err)
		}
		last = st
		if bar == nil && st.Chunks > 0 && isFile && term.IsTerminal(int(f.Fd())) {
			bar = progressbar.NewOptions(st.Chunks,
				progressbar.OptionSetWriter(stderr),
				progressbar.OptionSetDescription(jobID),
				progressbar.OptionShowCount(),
				progressbar.OptionSetPredictTime(true),
				progressbar.OptionSetElapsedTime(true),
				progressbar.OptionClearOnFinish(),
			)
		}
		if bar != nil {
			_ = bar.Set(st.Committed)
		}
		if st.Terminal() {
			if bar != nil {
				_ = bar.Finish()
				bar = nil
			}
			fmt.Fprintf(stderr, "scatter: job %s %s: %d/%d chunks -> %s\n", jobID, strings.ToLower(st.Status), st.Committed, st.Chunks, st.Output)
			if opts.jsonOut {
				if err := writeJSON(stdout, st); err != nil {
					return err
				}
			}
			if st.Status != string(ledger.Succeeded) {
				msg := st.Error
				if msg == "" {
					msg = "no error recorded"
				}
				return fmt.Errorf("job %s %s: %s", jobID, strings.ToLower(st.Status), msg)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return timedOut()
			}
			return ctx.Err()
		case <-time.After(*interval):
		}
	}
}

func printStatus(w io.Writer, st api.Status) error {
	rows := [][2]string{{"job", st.JobID}, {"type", st.Job}, {"status", st.Status}}
	pct := 0.0
	if st.Chunks > 0 {
		pct = 100 * st.Progress
	}
	rows = append(rows, [2]string{"progress", fmt.Sprintf("%d/%d chunks (%.0f%%)", st.Committed, st.Chunks, pct)})
	if st.Output != "" {
		rows = append(rows, [2]string{"output", st.Output})
	}
	if st.Summary != "" {
		rows = append(rows, [2]string{"summary", st.Summary})
	}
	if st.Execution != nil {
		rows = append(rows, [2]string{"execution", st.Execution.ARN})
	}
	if st.Error != "" {
		rows = append(rows, [2]string{"error", st.Error})
	}
	for _, r := range rows {
		if r[1] == "" {
			continue
		}
		if _, err := fmt.Fprintf(w, "%-10s %s\n", r[0], r[1]); err != nil {
			return err
		}
	}
	return nil
}

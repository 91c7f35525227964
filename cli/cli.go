package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/scattergather/scattergather/job"
)

const usage = `scatter runs scatter/gather jobs: plan the input into chunks, map every chunk,
gather the partial results into one output.

Usage:
  scatter run --job JOB --input SRC [--input SRC ...] --output DST [job flags] [options]
  scatter resume JOBID    finish a failed or interrupted job (only uncommitted chunks run);
                          with --stack NAME or --remote, redrive its failed execution there
  scatter plan --job JOB --input SRC|--size SIZE [--concurrency N] [--memory MB] [--chunk-size S]
                          the chunk plan and what the job would cost and take on AWS
  scatter query --job JOB --input SRC [...] [job flags] [--output DST] [--deadline D]
                [--allow-partial=true|false] [--hedge=true|false] [--json]
                          answer now: map every chunk in this process, no state machine or ledger
  scatter sql 'SELECT ... FROM PATH ...' [--output DST] [--schema name:TYPE,...] [run options]
                          a SQL query (DuckDB's dialect, docs/sql.md) as a job; the result on stdout
                          (--sql QUERY also stands for --job on run, query, submit and plan)
  scatter submit --job JOB --input s3://... [job flags] [--stack NAME]
                          start a job on a deployed stack (or on 'scatter local up')
  scatter status JOBID    status, progress and output of a submitted job
  scatter wait JOBID      wait for a submitted job to finish
  scatter report JOBID [--html FILE]
                          what a job did: attempts, retries, stragglers, throughput, cost
                          (--state-dir DIR, or --stack NAME / --remote for a deployed stack)
  scatter faults          list the fault names for --faults
  scatter local up        a local AWS (moto + the real Lambda binaries) in the foreground
  scatter local invoke FUNCTION --event FILE
                          invoke one function on the local Lambda host
  scatter jobs            list the jobs and their flags
  scatter init [--dir DIR]
                          write the stack's template.yaml and state machine definition
                          into a module with its own jobs, for sam build and sam deploy
  scatter gen --kind text|uservisits|jsonl --size SIZE --out FILE [--cardinality high|low] [--ips N] [--urls N]
                          write deterministic sample data
  scatter help            this text

Run 'scatter run -h' for the options (--chunk-size, --concurrency, --state-dir, --json,
--endpoint, --faults NAME=P,... --fault-seed N).
`

// Main is the scatter command: it registers jobs (a user's own, beside the
// built-in ones), runs the subcommand that os.Args names, and exits with its
// status (0, 1 for a failure, 2 for a bad command line). A user's binary is
//
//	func main() { cli.Main(myjob.Definition) }
func Main(jobs ...job.Definition) {
	ownProcess = true
	for _, d := range jobs {
		job.Register(d)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "scatter:", err)
		}
		os.Exit(ExitCode(err))
	}
}

// ownProcess is set when the scatter command (Main) runs the process: then
// a local run sets Go's memory limit from --memory.
var ownProcess bool

// Run runs the subcommand args name (args without the program name), writing
// to stdout and stderr; ExitCode maps its error to an exit status.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, args, stdout, stderr)
}

// ExitCode is the exit status for an error Run returned: 2 for a bad command
// line, 1 for any other failure, 0 for nil.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 2
	}
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

// usageError is a bad command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// commands are the subcommands by name; each runs with the arguments after its name.
var commands = map[string]func(ctx context.Context, args []string, stdout, stderr io.Writer) error{
	"run":    cmdRun,
	"resume": cmdResume,
	"plan":   cmdPlan,
	"query":  cmdQuery,
	"sql":    cmdSQL,
	"local":  cmdLocal,
	"submit": cmdSubmit,
	"status": cmdStatus,
	"wait":   cmdWait,
	"report": cmdReport,
	"faults": cmdFaults,
	"gen":    cmdGen,
	"jobs":   cmdJobs,
	"init":   cmdInit,
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"no command given"}
	}
	if cmd, ok := commands[args[0]]; ok {
		return cmd(ctx, args[1:], stdout, stderr)
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", args[0])}
}

package apitest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/scattergather/scattergather/internal/api"
)

// Execution is one recorded execution.
type Execution struct {
	ARN             string
	Name            string
	StateMachineARN string
	Input           string
	Status          types.ExecutionStatus
	Start, Stop     time.Time
	Error, Cause    string
}

// Executions is an in-memory Step Functions: StartExecution records an execution under
// its name; for a name that exists it answers as Step Functions does, success for the same
// input while the execution runs, else *types.ExecutionAlreadyExists;
// DescribeExecution and StopExecution answer *types.ExecutionDoesNotExist for an unknown
// ARN. Executions stay RUNNING until Finish or StopExecution. It satisfies api.Starter.
type Executions struct {
	mu    sync.Mutex
	byARN map[string]*Execution
}

// New returns an empty Executions.
func New() *Executions { return &Executions{byARN: map[string]*Execution{}} }

// StartExecution records a RUNNING execution of the state machine named by its name.
func (e *Executions) StartExecution(ctx context.Context, in *sfn.StartExecutionInput, _ ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	sm, name := aws.ToString(in.StateMachineArn), aws.ToString(in.Name)
	if !strings.Contains(sm, ":stateMachine:") {
		return nil, &types.InvalidArn{Message: aws.String("invalid state machine ARN " + sm)}
	}
	if name == "" || len(name) > 80 {
		return nil, &types.InvalidName{Message: aws.String(fmt.Sprintf("invalid execution name %q", name))}
	}
	arn := strings.Replace(sm, ":stateMachine:", ":execution:", 1) + ":" + name
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.byARN == nil {
		e.byARN = map[string]*Execution{}
	}
	if x, dup := e.byARN[arn]; dup {
		// As Step Functions (Standard): the same name and input as an open execution is
		// idempotent, anything else ExecutionAlreadyExists.
		// https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html
		if x.Status == types.ExecutionStatusRunning && x.Input == aws.ToString(in.Input) {
			return &sfn.StartExecutionOutput{ExecutionArn: aws.String(arn), StartDate: aws.Time(x.Start)}, nil
		}
		return nil, &types.ExecutionAlreadyExists{Message: aws.String("Execution Already Exists: '" + arn + "'")}
	}
	now := time.Now()
	e.byARN[arn] = &Execution{ARN: arn, Name: name, StateMachineARN: sm, Input: aws.ToString(in.Input), Status: types.ExecutionStatusRunning, Start: now}
	return &sfn.StartExecutionOutput{ExecutionArn: aws.String(arn), StartDate: aws.Time(now)}, nil
}

// update runs f on the execution arn with e.mu held, or answers as Step Functions
// does when there is none.
func (e *Executions) update(arn string, f func(x *Execution)) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	x, ok := e.byARN[arn]
	if !ok {
		return &types.ExecutionDoesNotExist{Message: aws.String("Execution Does Not Exist: '" + arn + "'")}
	}
	f(x)
	return nil
}

// DescribeExecution reports a recorded execution.
func (e *Executions) DescribeExecution(ctx context.Context, in *sfn.DescribeExecutionInput, _ ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error) {
	var out *sfn.DescribeExecutionOutput
	err := e.update(aws.ToString(in.ExecutionArn), func(x *Execution) {
		out = &sfn.DescribeExecutionOutput{
			ExecutionArn: aws.String(x.ARN), Name: aws.String(x.Name), StateMachineArn: aws.String(x.StateMachineARN),
			Input: aws.String(x.Input), Status: x.Status, StartDate: aws.Time(x.Start),
		}
		if !x.Stop.IsZero() {
			out.StopDate = aws.Time(x.Stop)
		}
		if x.Error != "" {
			out.Error, out.Cause = aws.String(x.Error), aws.String(x.Cause)
		}
	})
	return out, err
}

// StopExecution aborts a running execution; stopping a finished one changes nothing.
func (e *Executions) StopExecution(ctx context.Context, in *sfn.StopExecutionInput, _ ...func(*sfn.Options)) (*sfn.StopExecutionOutput, error) {
	var out *sfn.StopExecutionOutput
	err := e.update(aws.ToString(in.ExecutionArn), func(x *Execution) {
		if x.Status == types.ExecutionStatusRunning {
			x.Status, x.Stop = types.ExecutionStatusAborted, time.Now()
			x.Error, x.Cause = aws.ToString(in.Error), aws.ToString(in.Cause)
		}
		out = &sfn.StopExecutionOutput{StopDate: aws.Time(x.Stop)}
	})
	return out, err
}

// Finish ends a running execution with status (SUCCEEDED, FAILED, ...), as the state
// machine would.
func (e *Executions) Finish(arn string, status types.ExecutionStatus) error {
	return e.update(arn, func(x *Execution) { x.Status, x.Stop = status, time.Now() })
}

// Fail ends a running execution as FAILED with the error and cause a failed state gives it.
func (e *Executions) Fail(arn, errType, cause string) error {
	return e.update(arn, func(x *Execution) {
		x.Status, x.Stop, x.Error, x.Cause = types.ExecutionStatusFailed, time.Now(), errType, cause
	})
}

// List returns copies of every execution, sorted by name.
func (e *Executions) List() []Execution {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Execution, 0, len(e.byARN))
	for _, x := range e.byARN {
		out = append(out, *x)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

var _ api.Starter = (*Executions)(nil)

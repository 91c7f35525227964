// Package statemachine embeds scatter-gather.asl.json, the one state machine
// definition that AWS Step Functions, the local engine and the emulator all run.
package statemachine

import _ "embed"

// Definition is the Amazon States Language text of the scatter/gather state
// machine, with ${Placeholders} for the function ARNs and the child workflow type.
//
//go:embed scatter-gather.asl.json
var Definition []byte

// Placeholders are the DefinitionSubstitutions the definition needs.
var Placeholders = []string{"SplitterFunctionArn", "MapperFunctionArn", "ReducerFunctionArn", ChildExecutionType}

// ChildExecutionType is the placeholder of the Distributed Maps'
// ProcessorConfig.ExecutionType: Standard or Express child workflows, the
// template's ChildWorkflowType parameter.
const ChildExecutionType = "ChildExecutionType"

// The child workflow types a Distributed Map runs
// (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html):
// Standard children run exactly once and may run for a year; Express children
// are at-least-once and end after five minutes
// (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-standard-vs-express.html).
const (
	Standard = "STANDARD"
	Express  = "EXPRESS"
)

// Package statemachine embeds scatter-gather.asl.json, the one state machine
// definition that AWS Step Functions, the local engine and the emulator all run.
package statemachine

import _ "embed"

// Definition is the Amazon States Language text of the scatter/gather state
// machine, with ${Placeholders} for the function ARNs.
//
//go:embed scatter-gather.asl.json
var Definition []byte

// Placeholders are the DefinitionSubstitutions the definition needs.
var Placeholders = []string{"SplitterFunctionArn", "MapperFunctionArn", "ReducerFunctionArn"}

// Package scattergather embeds the stack's SAM template, which `scatter init`
// writes into a user's module beside the state machine definition, so a
// module with its own jobs deploys the same stack with `sam deploy`.
package scattergather

import _ "embed"

// Template is template.yaml: the functions, the state machine, the ledger
// table, the buckets, the API and the alarms. Its functions are built by the
// Makefile targets build-<LogicalId> (BuildMethod: makefile).
//
//go:embed template.yaml
var Template []byte

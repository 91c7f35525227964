// Package deploy holds the tests that prove template.yaml, the state machine definition
// and the handlers' code agree (placeholders, environment, IAM), evaluating the template
// with internal/cfn.
package deploy

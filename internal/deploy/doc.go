// Package deploy holds the tests that prove template.yaml, the state machine definition
// and the handlers' code agree (placeholders, environment, IAM), evaluating the template
// with internal/cfn; and that `make test` checks for the qemu its arm64 tests run under
// before it runs anything (make_test.go).
package deploy

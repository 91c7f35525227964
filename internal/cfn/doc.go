// Package cfn is the one CloudFormation/SAM template evaluator: it parses a template
// (short-form tags rewritten to the long form in one place), resolves intrinsics and
// conditions, names resources physically, expands SAM policy templates and matches IAM
// statements. internal/deploy's tests use it to prove that template.yaml, the ASL and
// the code agree; local/localaws uses it to run the template on this machine.
package cfn

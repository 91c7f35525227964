// Package deploy evaluates the SAM template offline (intrinsics, conditions, SAM policy
// templates, IAM matching) so tests can prove template.yaml, the ASL and the code agree.
package deploy

// Package sfnquota holds the Step Functions quotas that more than one part of scattergather
// enforces or plans around (the local engine's interpreter, the local AWS's gateway and its
// patched moto, the planner), so that each is written once.
package sfnquota

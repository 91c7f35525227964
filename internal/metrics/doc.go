// Package metrics writes CloudWatch Embedded Metric Format (EMF) lines, which CloudWatch Logs
// turns into metrics, and estimates what a job costs on AWS from what it did.
package metrics

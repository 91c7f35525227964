// Package localaws brings up a local AWS for the stack in template.yaml: a moto
// server, the real Lambda binaries on a Lambda host, and one gateway in front.
//
// moto is started with MOTO_PORT set to the gateway's port, so its Step
// Functions interpreter calls Lambda (and S3, for the Distributed Map's
// ItemReader) through the gateway: Lambda Invoke requests go to the Lambda
// host, everything else to moto. The gateway delivers the S3 events the
// template configures (a bucket's NotificationConfiguration, whose function's
// AWS::Lambda::Permission must let S3 invoke it for that bucket) after a
// PutObject, CopyObject or CompleteMultipartUpload, and turns /api requests into
// API Gateway HTTP API (2.0) events for the api function, within the HTTP API's
// integration timeout and payload size.
//
// What moto's interpreter (moto 5.2, from LocalStack) does with our definition:
//   - Task states on arn:aws:states:::lambda:invoke with Parameters,
//     ResultSelector, ResultPath, Retry (with MaxDelaySeconds and JitterStrategy
//     FULL), Catch and error names from the function's errorType: as on AWS.
//   - The DISTRIBUTED Map with an ItemReader (s3:getObject, JSON), ItemSelector
//     with $$.Map.Item.Value and MaxConcurrencyPath: as on AWS, except that the
//     items run as threads of the parent execution, not as child executions.
//   - ToleratedFailurePercentage: its grammar accepts only a decimal literal, so
//     the definition is sent with 0 spelled 0.0 (MotoSpelling; the test checks
//     moto holds the same JSON value); and it ignores the threshold, so a failed
//     item never failed the Map. internal/motoserver/sitecustomize.py (on
//     PYTHONPATH of every moto we start, and nothing else) makes the Map fail
//     with States.ExceedToleratedFailureThreshold as on AWS.
//   - StartExecution deep-copies the state machine with its running executions
//     and fails (HTTP 500) while another one runs; the same patch leaves the
//     executions out of the copy, so jobs run concurrently.
//   - DynamoDB conditional writes are not atomic under concurrent requests
//     (two "first" commits can both pass their condition); the same patch runs
//     item writes one at a time, as atomic as DynamoDB's.
//   - The Distributed Map's ResultWriter evaluates its Parameters over the Map's
//     results instead of its input, and writes a manifest naming no result
//     files; the patch evaluates them over the input, as AWS does, and writes
//     SUCCEEDED_0.json (each child's Status and Output; moto's children are
//     threads, so no execution ARN, input or dates).
//   - There is no RedriveExecution, and no $$.Execution.RedriveCount. The patch
//     adds both: a redrive continues a FAILED, TIMED_OUT or ABORTED execution
//     from the last top-level state it entered, with that state's input and the
//     redrive count one higher (DescribeExecution's redriveCount too). Unlike
//     AWS it reruns a Distributed Map that failed the execution whole, not only
//     its failed children, and checks neither the 14-day window nor the
//     history's length.
//   - Every JSONPath evaluation parses the path again (jsonpath_ng builds its
//     parser per call: about 10 ms of CPU, a dozen times per Map child); the
//     patch parses each distinct path once, so a job of thousands of chunks
//     takes minutes, not hours. This changes no answer.
//   - Payloads: moto checks a state's and a task's output against 256 KiB only,
//     counted with spaces and ASCII escapes, and lets States.ALL catch
//     States.DataLimitExceeded. The patch counts the compact JSON's UTF-8 bytes,
//     also checks a state's input after Parameters, a Distributed Map child's
//     input and a Distributed Map's results without a ResultWriter, and makes
//     States.DataLimitExceeded and States.Runtime terminal, as on AWS
//     (docs/quotas.md).
//
// IAM is checked by the gateway (iam.go), not by moto. A function's
// ReservedConcurrentExecutions from the template is the Lambda host's: a
// synchronous invocation past it answers 429 TooManyRequestsException, as Lambda
// does (the definition's Retry on Lambda.TooManyRequestsException takes it), and
// an S3 event waits for a free slot. Not emulated: the account's concurrency and
// scaling rate, so a function without a reservation is never throttled; past the
// host's HostInstances processes of a function, invocations queue instead (the
// functions' default concurrency is capped at HostInstances so that a Map does
// not queue items past their Task's timeout, see fitConcurrency); the HTTP API's
// throttling; and log delivery.
package localaws

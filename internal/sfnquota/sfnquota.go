package sfnquota

// PayloadBytes is Step Functions' "Maximum input or output size for a task, state, or
// execution": 262,144 bytes of data as a UTF-8 encoded string, for a task's result, a
// state's or an execution's output, and the input when a task is scheduled, a state
// entered or an execution started, a Distributed Map's child executions included
// (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html). The API's
// length constraints say the same number, e.g. StartExecution's input
// (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
//
// local/asl enforces it in the local engine, local/localaws at the local AWS's gateway,
// and internal/motoserver hands it to the moto patch (sitecustomize.py) in the environment
// variable PayloadBytesEnv, so the Python has no copy of the number to drift.
const PayloadBytes = 262144

// PayloadBytesEnv is the environment variable through which internal/motoserver gives
// PayloadBytes to its moto patch.
const PayloadBytesEnv = "SCATTERGATHER_STATES_PAYLOAD_BYTES"

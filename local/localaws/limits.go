package localaws

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/scattergather/scattergather/internal/sfnquota"
)

// Step Functions' payload quota at its API: 262,144 bytes of UTF-8 for an execution's
// input and a task's output
// (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html; the length
// constraints of StartExecution's input,
// https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html,
// and SendTaskSuccess's output,
// https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html).
// moto does not check it, so the gateway refuses such a call before moto sees it, with
// the ValidationException AWS answers for a violated length constraint
// (https://docs.aws.amazon.com/step-functions/latest/apireference/CommonErrors.html).
// What moto's interpreter passes between states and to child executions never crosses
// the gateway and is not checked here (docs/quotas.md).

// MaxStatesPayload is Step Functions' quota on an execution's input and a task's output.
const MaxStatesPayload = sfnquota.PayloadBytes

// statesPayloadFields names, per Step Functions action, the member holding a payload.
var statesPayloadFields = map[string]string{
	"StartExecution":     "input",
	"StartSyncExecution": "input",
	"SendTaskSuccess":    "output",
}

// statesPayloadOK answers ValidationException, as Step Functions does, to a call whose
// payload passes MaxStatesPayload, and reports whether r may go on.
func statesPayloadOK(w http.ResponseWriter, r *http.Request) bool {
	if _, service := credentialScope(r); service != "states" {
		return true
	}
	_, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	field, ok := statesPayloadFields[op]
	if !ok {
		return true
	}
	body, err := peekBody(r)
	if err != nil {
		return true // moto answers the broken request
	}
	var in map[string]json.RawMessage
	if json.Unmarshal(body, &in) != nil {
		return true
	}
	var payload string
	if json.Unmarshal(in[field], &payload) != nil || len(payload) <= MaxStatesPayload {
		return true
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-ErrorType", "ValidationException")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]string{
		"__type": "com.amazon.coral.validate#ValidationException",
		"message": fmt.Sprintf("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d (the %s is %d bytes)",
			field, MaxStatesPayload, field, len(payload)),
	})
	return false
}

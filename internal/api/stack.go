package api

import "fmt"

// The stack outputs (template.yaml's Outputs) that give a client such as `scatter submit`
// the Config the api function gets from its environment.
const (
	OutputInputBucket        = "InputBucket"
	OutputOutputBucket       = "OutputBucket"
	OutputWorkBucket         = "WorkBucket"
	OutputLedgerTable        = "LedgerTable"
	OutputStateMachineARN    = "StateMachineArn"
	OutputDefaultChunkSize   = "DefaultChunkSize"
	OutputDefaultConcurrency = "DefaultConcurrency"
	OutputAPIURL             = "ApiUrl"
)

// outputOfEnv maps each variable of Required to the stack output with its value.
var outputOfEnv = map[string]string{
	EnvStateMachineARN:    OutputStateMachineARN,
	EnvTable:              OutputLedgerTable,
	EnvInputBucket:        OutputInputBucket,
	EnvOutputBucket:       OutputOutputBucket,
	EnvWorkBucket:         OutputWorkBucket,
	EnvDefaultChunkSize:   OutputDefaultChunkSize,
	EnvDefaultConcurrency: OutputDefaultConcurrency,
}

// ConfigFromOutputs reads the Config from a stack's outputs (by output key); an error
// names the first missing or malformed output.
func ConfigFromOutputs(outputs map[string]string) (Config, error) {
	for _, env := range Required {
		if outputs[outputOfEnv[env]] == "" {
			return Config{}, fmt.Errorf("stack output %s is missing (is this a scattergather stack?)", outputOfEnv[env])
		}
	}
	c, err := ConfigFromEnv(func(env string) string { return outputs[outputOfEnv[env]] })
	if err != nil {
		return Config{}, fmt.Errorf("stack outputs: %w", err)
	}
	return c, nil
}

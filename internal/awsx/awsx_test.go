package awsx

import (
	"context"
	"testing"
)

func TestConfig(t *testing.T) {
	cases := []struct {
		name       string
		endpoint   string
		region     string
		envRegion  string
		wantRegion string
	}{
		{name: "defaults", wantRegion: DefaultRegion},
		{name: "region from environment", envRegion: "eu-west-1", wantRegion: "eu-west-1"},
		{name: "explicit region wins", region: "ap-south-1", envRegion: "eu-west-1", wantRegion: "ap-south-1"},
		{name: "endpoint", endpoint: "http://127.0.0.1:5000", wantRegion: DefaultRegion},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("AWS_CONFIG_FILE", "/dev/null")
			t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
			t.Setenv("AWS_ENDPOINT_URL", "")
			t.Setenv("AWS_DEFAULT_REGION", "")
			t.Setenv("AWS_REGION", tc.envRegion)
			cfg, err := Config(context.Background(), tc.endpoint, tc.region)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Region != tc.wantRegion {
				t.Errorf("region = %q, want %q", cfg.Region, tc.wantRegion)
			}
			gotEndpoint := ""
			if cfg.BaseEndpoint != nil {
				gotEndpoint = *cfg.BaseEndpoint
			}
			if gotEndpoint != tc.endpoint {
				t.Errorf("BaseEndpoint = %q, want %q", gotEndpoint, tc.endpoint)
			}
			if got := cfg.Retryer().MaxAttempts(); got != MaxAttempts {
				t.Errorf("retryer MaxAttempts = %d, want %d", got, MaxAttempts)
			}
			if got := S3Client(cfg, tc.endpoint).Options().UsePathStyle; got != (tc.endpoint != "") {
				t.Errorf("UsePathStyle = %v with endpoint %q", got, tc.endpoint)
			}
			if got := DynamoClient(cfg).Options().Region; got != tc.wantRegion {
				t.Errorf("dynamo client region = %q, want %q", got, tc.wantRegion)
			}
		})
	}
}

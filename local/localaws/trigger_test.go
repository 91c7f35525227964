package localaws

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/cfn"
)

// TestUploadTriggerFromTheBucket: the local AWS wires the upload trigger from the input
// bucket's NotificationConfiguration, for the api function only, and refuses to start
// (as S3 refuses the notification) when the function's Lambda permission does not let
// S3 invoke it for that bucket: a SourceArn naming another bucket, or no permission.
func TestUploadTriggerFromTheBucket(t *testing.T) {
	base, err := cfn.Load(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := newTemplate(base.Clone())
	if err != nil {
		t.Fatal(err)
	}
	input := tmpl.LocalName("InputBucket")
	for _, f := range tmpl.Functions() {
		var want []S3Trigger
		if f.Name == "ApiFunction" {
			want = []S3Trigger{{Bucket: input, Event: "s3:ObjectCreated:*", Prefix: "incoming/"}}
		}
		if !reflect.DeepEqual(f.S3, want) {
			t.Errorf("%s: triggers %+v, want %+v", f.Name, f.S3, want)
		}
	}
	trig := S3Trigger{Bucket: input, Event: "s3:ObjectCreated:*", Prefix: "incoming/"}
	for _, c := range []struct {
		bucket, event, key string
		want               bool
	}{
		{input, "ObjectCreated:Put", "incoming/wordcount/a.txt", true},
		{input, "ObjectCreated:CompleteMultipartUpload", "incoming/wordcount/a.txt", true},
		{input, "ObjectCreated:Put", "results/wordcount/a.txt", false},
		{"scatter-outputbucket", "ObjectCreated:Put", "incoming/wordcount/a.txt", false},
		{input, "ObjectRemoved:Delete", "incoming/wordcount/a.txt", false},
	} {
		if got := trig.matches(c.bucket, c.event, c.key); got != c.want {
			t.Errorf("%s s3://%s/%s fires the trigger: %v, want %v", c.event, c.bucket, c.key, got, c.want)
		}
	}

	resources := func(ct *cfn.Template) map[string]any { return ct.Root["Resources"].(map[string]any) }
	for _, c := range []struct {
		name string
		edit func(ct *cfn.Template)
		want string
	}{
		{"SourceArn of another bucket", func(ct *cfn.Template) {
			p := resources(ct)["ApiFunctionUploadPermission"].(map[string]any)["Properties"].(map[string]any)
			p["SourceArn"] = map[string]any{"Fn::GetAtt": []any{"OutputBucket", "Arn"}}
		}, "S3 may not invoke ApiFunction for arn:aws:s3:::" + input + ": its permissions' SourceArn is arn:aws:s3:::scatter-outputbucket"},
		{"no permission", func(ct *cfn.Template) {
			delete(resources(ct), "ApiFunctionUploadPermission")
			delete(resources(ct)["InputBucket"].(map[string]any), "DependsOn")
		}, "no AWS::Lambda::Permission grants s3.amazonaws.com"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ct := base.Clone()
			c.edit(ct)
			if _, err := newTemplate(ct); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

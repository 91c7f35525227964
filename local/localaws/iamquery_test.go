package localaws

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/scattergather/scattergather/internal/testutil/moto"
)

// TestIAMQueryOnMoto: the guard's Query API client creates a role and reads its ARN,
// puts a policy whose document needs form encoding (+, &, =, %, spaces, quotes) and
// moto keeps it byte for byte, and a second CreateRole of the same name fails naming
// IAM's error code (EntityAlreadyExists) and message.
func TestIAMQueryOnMoto(t *testing.T) {
	m := moto.Start(t)
	ic := iamClient{url: m.URL, creds: aws.Credentials{AccessKeyID: AccessKeyID, SecretAccessKey: SecretAccessKey}}
	ctx := context.Background()
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	create := url.Values{"RoleName": {"q-role"}, "AssumeRolePolicyDocument": {trust}}
	var out struct {
		Arn string `xml:"CreateRoleResult>Role>Arn"`
	}
	if err := ic.call(ctx, "CreateRole", create, &out); err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:iam::" + AccountID + ":role/q-role"; out.Arn != want {
		t.Errorf("CreateRole's ARN = %q, want %q", out.Arn, want)
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/a+b&c=d%20e f'\"*"]}]}`
	if err := ic.call(ctx, "PutRolePolicy", url.Values{"RoleName": {"q-role"}, "PolicyName": {"p"}, "PolicyDocument": {doc}}, nil); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Doc string `xml:"GetRolePolicyResult>PolicyDocument"`
	}
	if err := ic.call(ctx, "GetRolePolicy", url.Values{"RoleName": {"q-role"}, "PolicyName": {"p"}}, &got); err != nil {
		t.Fatal(err)
	}
	// GetRolePolicy answers the document URL-encoded (RFC 3986), as IAM does.
	if d, err := url.PathUnescape(got.Doc); err != nil || d != doc {
		t.Errorf("GetRolePolicy's document = %q, want %q", got.Doc, doc)
	}
	err := ic.call(ctx, "CreateRole", create, &out)
	if err == nil || !strings.Contains(err.Error(), "IAM CreateRole: HTTP 409: EntityAlreadyExists: ") || !strings.Contains(err.Error(), "q-role") {
		t.Errorf("a second CreateRole: err = %v, want HTTP 409 EntityAlreadyExists naming the role", err)
	}
}

// TestIAMQueryErrors: an answer that is not IAM's XML error is quoted with its status.
func TestIAMQueryErrors(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad gateway", http.StatusBadGateway)
	}))
	defer s.Close()
	ic := iamClient{url: s.URL, creds: aws.Credentials{AccessKeyID: "k", SecretAccessKey: "s"}}
	err := ic.call(context.Background(), "PutRolePolicy", url.Values{}, nil)
	if err == nil || !strings.Contains(err.Error(), "IAM PutRolePolicy: HTTP 502: bad gateway") {
		t.Errorf("a non-XML error answer: err = %v", err)
	}
}

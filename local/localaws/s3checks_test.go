package localaws

import (
	"net/http/httptest"
	"testing"
)

// TestS3ReadActions: a GET or HEAD of an object or a bucket needs the action of the
// first subresource it names (S3's authorization reference), else s3:GetObject or
// s3:ListBucket, on the object's or the bucket's ARN.
func TestS3ReadActions(t *testing.T) {
	for _, c := range []struct {
		method, target, action, resource string
	}{
		{"GET", "/b/k", "s3:GetObject", "arn:aws:s3:::b/k"},
		{"HEAD", "/b/k?versionId=3", "s3:GetObjectVersion", "arn:aws:s3:::b/k"},
		{"GET", "/b/k?tagging", "s3:GetObjectTagging", "arn:aws:s3:::b/k"},
		{"GET", "/b/k?uploadId=u&tagging", "s3:ListMultipartUploadParts", "arn:aws:s3:::b/k"},
		{"GET", "/b?list-type=2&prefix=p", "s3:ListBucket", "arn:aws:s3:::b"},
		{"GET", "/b?uploads", "s3:ListBucketMultipartUploads", "arn:aws:s3:::b"},
		{"GET", "/b?location", "s3:GetBucketLocation", "arn:aws:s3:::b"},
		{"HEAD", "/b?versions", "s3:ListBucketVersions", "arn:aws:s3:::b"},
		{"GET", "/b?lifecycle", "s3:GetLifecycleConfiguration", "arn:aws:s3:::b"},
	} {
		cs, err := s3Checks(httptest.NewRequest(c.method, "http://127.0.0.1"+c.target, nil))
		if err != nil {
			t.Fatalf("%s %s: %v", c.method, c.target, err)
		}
		if len(cs) != 1 || cs[0].action != c.action || cs[0].resource != c.resource {
			t.Errorf("%s %s: checks %+v, want %s on %s", c.method, c.target, cs, c.action, c.resource)
		}
	}
}

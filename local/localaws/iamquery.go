package localaws

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// iamClient makes the two IAM calls the guard needs (CreateRole, PutRolePolicy) on
// moto through the IAM Query API: a form-encoded POST with Action and Version, signed
// with SigV4 for the service "iam"; the answer is an XML document ("Calling the IAM API
// using HTTP query requests": https://docs.aws.amazon.com/IAM/latest/UserGuide/programming.html). It is not the SDK's IAM client because every run of the scatter command
// would pay for that package's init (its schemas and endpoint rules: some 700 KB of heap
// and 5 ms), which only `scatter local up` needs; TestCommandDependencies keeps it out.
type iamClient struct {
	url   string
	creds aws.Credentials
}

// iamVersion is the IAM API's version, which every Query request names.
const iamVersion = "2010-05-08"

// call makes action with params and decodes the XML answer into out (nil: discarded);
// an error answer is returned as its code and message.
func (c iamClient) call(ctx context.Context, action string, params url.Values, out any) error {
	form := url.Values{"Action": {action}, "Version": {iamVersion}}
	for k, v := range params {
		form[k] = v
	}
	body := form.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url+"/", strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(ctx, c.creds, req, hex.EncodeToString(sum[:]), "iam", Region, time.Now()); err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("IAM %s: %w", action, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("IAM %s: %w", action, err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Code    string `xml:"Error>Code"`
			Message string `xml:"Error>Message"`
		}
		if xml.Unmarshal(b, &e) != nil || e.Code == "" {
			return fmt.Errorf("IAM %s: HTTP %d: %.200s", action, resp.StatusCode, b)
		}
		return fmt.Errorf("IAM %s: HTTP %d: %s: %s", action, resp.StatusCode, e.Code, e.Message)
	}
	if out == nil {
		return nil
	}
	if err := xml.Unmarshal(b, out); err != nil {
		return fmt.Errorf("IAM %s: the answer: %w", action, err)
	}
	return nil
}

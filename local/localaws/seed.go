package localaws

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Seed uploads every file under dir to the stack's input bucket, its path below
// dir the object key, as `sam local invoke` users place the objects a sample
// event names before invoking it. A dir that does not exist seeds nothing.
// It answers the keys it uploaded.
func (s *Stack) Seed(ctx context.Context, dir string) ([]string, error) {
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return nil, nil
	}
	client := s3.NewFromConfig(s.AWSConfig(), func(o *s3.Options) { o.UsePathStyle = true })
	var keys []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		key := filepath.ToSlash(rel)
		if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(s.InputBucket), Key: aws.String(key), Body: f}); err != nil {
			return fmt.Errorf("seed s3://%s/%s: %w", s.InputBucket, key, err)
		}
		keys = append(keys, key)
		return nil
	})
	return keys, err
}

package blob

// SetPageKeys sets the MaxKeys of s's listing requests, so that a test pages.
func SetPageKeys(s *S3, n int32) { s.pageKeys = n }

// Package golden checks payloads against testdata/*.json examples, as aws-lambda-go tests its
// events: decode the golden, encode it again, compare; `-update` rewrites them (`make goldens`).
package golden

package pq

import "testing"

// TestFooterCacheComparesBytes: a footer is taken from the cache only for
// the same object, size and bytes; the cache drops the oldest footers past
// its size and keeps none larger than itself.
func TestFooterCacheComparesBytes(t *testing.T) {
	var c footerCache
	f := &Footer{Source: "s", URL: "u", Size: 10}
	raw := []byte("footer-bytes")
	c.put("u", 10, raw, f)
	if got := c.get("u", 10, []byte("footer-bytes")); got == nil || got.URL != "u" || got == f {
		t.Fatalf("get of the same bytes = %v, want a copy of the footer", got)
	}
	for _, miss := range []struct {
		url  string
		size int64
		raw  string
	}{
		{"u", 10, "footer-bytez"}, // rewritten in place: same size, other bytes
		{"u", 11, "footer-bytes"},
		{"v", 10, "footer-bytes"},
	} {
		if got := c.get(miss.url, miss.size, []byte(miss.raw)); got != nil {
			t.Errorf("get(%q, %d, %q) = a cached footer, want none", miss.url, miss.size, miss.raw)
		}
	}
	big := make([]byte, maxCachedFooterBytes/2+1)
	c.put("a", 1, big, f)
	c.put("b", 1, big, f) // a is dropped to make room
	if c.get("a", 1, big) != nil || c.get("b", 1, big) == nil || c.get("u", 10, raw) != nil {
		t.Errorf("after two large footers the cache holds a: %v, b: %v, u: %v; want only b",
			c.get("a", 1, big) != nil, c.get("b", 1, big) != nil, c.get("u", 10, raw) != nil)
	}
	if c.bytes > maxCachedFooterBytes {
		t.Errorf("the cache holds %d bytes, over its %d", c.bytes, maxCachedFooterBytes)
	}
	c.put("huge", 1, make([]byte, maxCachedFooterBytes+1), f)
	if c.get("huge", 1, make([]byte, maxCachedFooterBytes+1)) != nil {
		t.Error("a footer larger than the cache was kept")
	}
}

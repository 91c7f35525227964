package pq

// SetRawPages turns reading chunks with rawPages on or off.
func SetRawPages(on bool) { rawPagesOff = !on }

// RawChunks is how many column chunks r has read with rawPages.
func RawChunks(r *Reader) int {
	n := 0
	for i := range r.cur {
		n += r.cur[i].rawChunks
	}
	return n
}

// PooledBytes is what the buffer pools hold: fetch buffers and pages.
func PooledBytes() (fetch, pages int) {
	fetchBuffers.mu.Lock()
	fetch = fetchBuffers.bytes
	fetchBuffers.mu.Unlock()
	pageBuffers.mu.Lock()
	pages = pageBuffers.bytes
	pageBuffers.mu.Unlock()
	return fetch, pages
}

// EmptyPools forgets what the buffer pools hold.
func EmptyPools() {
	for _, p := range []*bufferPool{&fetchBuffers, &pageBuffers} {
		p.mu.Lock()
		p.bufs, p.bytes = nil, 0
		p.mu.Unlock()
	}
}

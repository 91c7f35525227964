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

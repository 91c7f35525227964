// Package report loads what a job left behind (its ledger items, attempt records and summary)
// and renders it as one self-contained HTML page: a timeline of every attempt, throughput,
// chunk durations and the summary, in inline SVG that needs no network to view.
package report

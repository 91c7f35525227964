// Package datagen writes deterministic test and benchmark data: a Zipf-distributed
// text corpus and a CSV shaped like the AMPLab Big Data Benchmark uservisits table.
package datagen

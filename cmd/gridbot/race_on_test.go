//go:build race

package main

// raceDetector reports whether the tests run under the race detector,
// whose shadow memory grows with the allocations a run makes.
const raceDetector = true

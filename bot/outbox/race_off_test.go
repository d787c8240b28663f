//go:build !race

package outbox

// RaceSlack is 0 without the race detector (see race_on_test.go).
const RaceSlack = 0

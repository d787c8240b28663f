package ledger

import (
	"context"
	"encoding/json"
	"testing"
)

func jsonOf(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// rawReport builds p with rollups ignored (every month read raw).
func rawReport(t testing.TB, w *world, p Period) *Report {
	t.Helper()
	f := *w.ledger
	f.cfg.Settle = 1 << 62
	r, err := f.Build(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

package bot_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gridbot/bot"
)

// owners maps the first part of each key family ("ev" of ev:{*}:*) to the
// package that owns it, from bot.Keyspace's Owner ("handlers/events, read
// by …" → handlers/events; "bot/grid (Directory)" → bot/grid).
func owners(t *testing.T) map[string]string {
	out := map[string]string{}
	for _, f := range bot.Keyspace {
		first, _, _ := strings.Cut(f.Pattern, ":")
		pkg := strings.FieldsFunc(f.Owner, func(r rune) bool { return r == ' ' || r == ',' })[0]
		if was, ok := out[first]; ok && was != pkg {
			t.Fatalf("key families starting %q have two owners, %s and %s", first, was, pkg)
		}
		out[first] = pkg
	}
	return out
}

// Keys.Key takes any family, so the compiler cannot stop a package from
// building another feature's key (the features' own key builders are
// unexported, which it does stop). This test reads every non-test Go file
// of the module and fails when a call of Key names a family the file's
// package does not own, or names it in a way the test cannot read (the
// first part must be a string literal, or the first element of a literal
// slice passed with ...). Another feature's records are read through its
// typed API (events.Records, outbox.Figures, quiz.RoundsIn).
func TestOnlyTheOwnerBuildsAFamilysKeys(t *testing.T) {
	own := owners(t)
	root := ".."
	seen := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); n != ".." && (strings.HasPrefix(n, ".") || n == "testdata" || n == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		file, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Key" {
				return true
			}
			fam, ok := familyArg(call)
			if !ok {
				t.Errorf("%s: a Key call whose family is not a string literal; write the family literally so its owner can be checked", path)
				return true
			}
			seen++
			switch owner, known := own[fam]; {
			case !known:
				t.Errorf("%s: builds keys of family %q, which bot/keyspace.go does not list", path, fam)
			case owner != pkg:
				t.Errorf("%s: package %s builds keys of family %q, owned by %s; ask %s through its typed API", path, pkg, fam, owner, owner)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 10 {
		t.Fatalf("found only %d Key calls; the walk from %s missed the module", seen, root)
	}
}

// familyArg reads the family of a Key call: its first argument as a
// string literal, or the first element of append([]string{"fam", …}, …)
// or []string{"fam", …} passed with ....
func familyArg(call *ast.CallExpr) (string, bool) {
	arg := call.Args[0]
	if c, ok := arg.(*ast.CallExpr); ok && call.Ellipsis.IsValid() {
		if id, ok := c.Fun.(*ast.Ident); ok && id.Name == "append" && len(c.Args) > 0 {
			arg = c.Args[0]
		}
	}
	if cl, ok := arg.(*ast.CompositeLit); ok && len(cl.Elts) > 0 {
		arg = cl.Elts[0]
	}
	lit, ok := arg.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

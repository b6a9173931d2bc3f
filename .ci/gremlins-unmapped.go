//go:build ignore

// gremlins-unmapped runs, by hand, the mutants that gremlins v0.6.0 lists
// as NOT COVERED, and says which the tests kill. Gremlins decides coverage
// from Go's coverage profile, which has no counter for a tagless switch's
// case conditions or for constant expressions (go-gremlins/gremlins#298),
// so those mutants show as NOT COVERED however well they are tested.
//
// Usage, from the module root, after a gremlins run with --output:
//
//	go run .ci/gremlins-unmapped.go /tmp/gremlins.json ./review
//
// Each mutant is applied through `go test -overlay`, so the working tree is
// never touched.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/scanner"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

type report struct {
	Files []struct {
		FileName  string `json:"file_name"`
		Mutations []struct {
			Type   string `json:"type"`
			Status string `json:"status"`
			Line   int    `json:"line"`
			Column int    `json:"column"`
		} `json:"mutations"`
	} `json:"files"`
}

// swaps are gremlins v0.6.0's mutators: the token each one puts in place
// of another.
var swaps = map[string]map[token.Token]token.Token{
	"CONDITIONALS_BOUNDARY": {token.LSS: token.LEQ, token.LEQ: token.LSS, token.GTR: token.GEQ, token.GEQ: token.GTR},
	"CONDITIONALS_NEGATION": {token.EQL: token.NEQ, token.NEQ: token.EQL, token.LSS: token.GEQ, token.LEQ: token.GTR, token.GTR: token.LEQ, token.GEQ: token.LSS},
	"ARITHMETIC_BASE":       {token.ADD: token.SUB, token.SUB: token.ADD, token.MUL: token.QUO, token.QUO: token.MUL, token.REM: token.MUL},
	"INCREMENT_DECREMENT":   {token.INC: token.DEC, token.DEC: token.INC},
	"INVERT_NEGATIVES":      {token.SUB: token.ADD},
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go run .ci/gremlins-unmapped.go GREMLINS.json PACKAGE_DIR")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	check(err)
	var r report
	check(json.Unmarshal(data, &r))
	pkg := os.Args[2]
	dir, err := filepath.Abs(pkg)
	check(err)
	tmp, err := os.MkdirTemp("", "unmapped")
	check(err)
	defer os.RemoveAll(tmp)

	counts := map[string]int{}
	for _, f := range r.Files {
		path := filepath.Join(dir, f.FileName)
		src, err := os.ReadFile(path)
		check(err)
		lines := strings.Split(string(src), "\n")
		for _, m := range f.Mutations {
			if m.Status != "NOT COVERED" {
				continue
			}
			status := run(tmp, pkg, path, src, m.Type, m.Line, m.Column)
			counts[status]++
			line := strings.TrimSpace(lines[m.Line-1])
			fmt.Printf("%11s %s:%d:%d %s | %s\n", status, f.FileName, m.Line, m.Column, m.Type, line)
		}
	}
	fmt.Printf("Killed: %d, Lived: %d, Not viable: %d, Timed out: %d\n", counts["KILLED"], counts["LIVED"], counts["NOT VIABLE"], counts["TIMED OUT"])
}

// run applies one mutant and runs the package's tests with it.
func run(tmp, pkg, path string, src []byte, kind string, line, col int) string {
	fset := token.NewFileSet()
	file := fset.AddFile(path, -1, len(src))
	var s scanner.Scanner
	s.Init(file, src, nil, 0)
	for {
		pos, tok, _ := s.Scan()
		if tok == token.EOF {
			return "NOT FOUND"
		}
		p := fset.Position(pos)
		if p.Line != line || p.Column != col {
			continue
		}
		to, ok := swaps[kind][tok]
		if !ok {
			return "NOT FOUND"
		}
		off := p.Offset
		mutated := append(append(append([]byte{}, src[:off]...), to.String()...), src[off+len(tok.String()):]...)
		mfile := filepath.Join(tmp, "mutant.go")
		check(os.WriteFile(mfile, mutated, 0o644))
		overlay, err := json.Marshal(map[string]map[string]string{"Replace": {path: mfile}})
		check(err)
		ofile := filepath.Join(tmp, "overlay.json")
		check(os.WriteFile(ofile, overlay, 0o644))
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-overlay="+ofile, pkg)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err = cmd.Run()
		switch {
		case ctx.Err() != nil:
			return "TIMED OUT"
		case err == nil:
			return "LIVED"
		case strings.Contains(out.String(), "[build failed]") || strings.Contains(out.String(), "[setup failed]"):
			return "NOT VIABLE"
		}
		return "KILLED"
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

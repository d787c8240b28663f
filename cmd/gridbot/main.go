// Command gridbot runs the 网格助手 bot. With no configuration it starts the
// local trial: grid group chats in the terminal on an in-process Redis.
//
//	gridbot [-config FILE] [-check-config]
//	gridbot tips check FILE
//	gridbot quiz check FILE | quiz import FILE.csv [-o out.yaml]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(cli(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func cli(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if code, ok := subcommand(args, stdout, stderr); ok {
		return code
	}
	fs := flag.NewFlagSet("gridbot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "YAML config file (see config.example.yaml); GRIDBOT_* variables override it")
	check := fs.Bool("check-config", false, "validate the configuration and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := loadConfig(*path, os.Environ())
	if err != nil {
		fmt.Fprintf(stderr, "gridbot: %v\n", err)
		return 2
	}
	if *check {
		fmt.Fprintln(stdout, "配置正确 / config ok")
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, stdin, stdout, stderr); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "gridbot: %v\n", err)
		return 1
	}
	return 0
}

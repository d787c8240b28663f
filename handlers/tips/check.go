package tips

import (
	"fmt"
	"io"
	"os"
)

// CLI runs the "gridbot tips ..." subcommands; args start after "tips".
// "check FILE..." validates bank files and prints one line per problem as
// FILE:LINE: 错误|提醒：message, then a line per file. It returns the exit
// status: 0 when every file is usable (提醒 allowed), 1 on errors, 2 on
// bad usage.
func CLI(args []string, stdout, stderr io.Writer) int {
	if len(args) < 2 || args[0] != "check" {
		fmt.Fprintln(stderr, cliUsage)
		return 2
	}
	status := 0
	for _, name := range args[1:] {
		data, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintf(stderr, cliReadErr+"\n", name, err)
			status = 1
			continue
		}
		tips, probs := ParseBank(data)
		errs := 0
		for _, p := range probs {
			fmt.Fprintf(stdout, cliLine+"\n", name, p)
			if !p.Warning {
				errs++
			}
		}
		if errs > 0 {
			status = 1
			fmt.Fprintf(stdout, cliBad+"\n", name, errs, len(tips))
			continue
		}
		fmt.Fprintf(stdout, cliOK+"\n", name, len(tips))
	}
	return status
}
